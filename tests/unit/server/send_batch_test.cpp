// Batched sends (server/net/src/send_batch): every entry reaches its own socket, whole, and a full
// socket reports -EAGAIN or the bytes it took, through io_uring where this machine allows it and
// through send() otherwise; both paths give the same results.
#include "net/send_batch.hpp"

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

namespace napc::netio {
namespace {

struct Pair {
  int ours = -1;
  int theirs = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      ours = fds[0];
      theirs = fds[1];
      ::fcntl(theirs, F_SETFL, O_NONBLOCK);
    }
  }
  ~Pair() {
    if (ours >= 0) ::close(ours);
    if (theirs >= 0) ::close(theirs);
  }
  std::string drain() const {
    std::string out;
    char buf[65536];
    for (;;) {
      const auto n = ::read(theirs, buf, sizeof buf);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
};

void check_delivery(void (*send)(std::span<SendEntry>)) {
  constexpr int kSockets = 300;  // more than one io_uring chunk
  std::vector<Pair> pairs(kSockets);
  std::vector<std::string> payloads;
  std::vector<SendEntry> entries;
  for (int i = 0; i < kSockets; ++i) payloads.push_back("frame " + std::to_string(i));
  for (int i = 0; i < kSockets; ++i) {
    ASSERT_GE(pairs[i].ours, 0);
    const auto& p = payloads[static_cast<std::size_t>(i)];
    entries.push_back(
        {pairs[i].ours, reinterpret_cast<const std::uint8_t*>(p.data()), p.size(), 12345});
  }
  send(entries);
  for (int i = 0; i < kSockets; ++i) {
    const auto& p = payloads[static_cast<std::size_t>(i)];
    EXPECT_EQ(entries[static_cast<std::size_t>(i)].result, static_cast<long>(p.size()));
    EXPECT_EQ(pairs[i].drain(), p);
  }
}

TEST(SendBatch, EveryEntryReachesItsSocket) { check_delivery(&send_all); }
TEST(SendBatch, OneSendEachDeliversTheSame) { check_delivery(&send_each); }

void check_full_and_closed(void (*send)(std::span<SendEntry>)) {
  Pair full;
  Pair open;
  Pair closed;
  const std::string chunk(1 << 16, 'x');
  // Fill `full` until the kernel takes nothing more.
  for (;;) {
    const auto n = ::send(full.ours, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n < 0) break;
  }
  ::close(closed.theirs);
  closed.theirs = -1;
  const std::string msg = "hello";
  const auto* data = reinterpret_cast<const std::uint8_t*>(msg.data());
  std::vector<SendEntry> entries{{full.ours, data, msg.size(), 0},
                                 {open.ours, data, msg.size(), 0},
                                 {closed.ours, data, msg.size(), 0}};
  send(entries);
  EXPECT_TRUE(entries[0].result == -EAGAIN || (entries[0].result >= 0 && entries[0].result < 5))
      << entries[0].result;
  EXPECT_EQ(entries[1].result, 5);
  EXPECT_EQ(open.drain(), msg);
  EXPECT_EQ(entries[2].result, -EPIPE);  // and no SIGPIPE
}

TEST(SendBatch, FullAndClosedSocketsReportLikeSend) { check_full_and_closed(&send_all); }
TEST(SendBatch, FullAndClosedSocketsReportLikeSendWithoutIoUring) {
  check_full_and_closed(&send_each);
}

TEST(SendBatch, SaysWhetherIoUringIsUsed) {
  // Informational: both answers are valid (a seccomp filter or sysctl may forbid io_uring).
  std::cout << "io_uring batches on this machine: " << (io_uring_active() ? "yes" : "no") << '\n';
  SUCCEED();
}

}  // namespace
}  // namespace napc::netio
