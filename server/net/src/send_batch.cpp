#include "net/send_batch.hpp"

#include <atomic>
#include <cerrno>
#include <sys/socket.h>

#include "log/log.hpp"

#ifdef NAPC_HAVE_IO_URING
#include <liburing.h>
#endif

namespace napc::netio {
namespace {

std::atomic<bool> disabled{false};

#ifdef NAPC_HAVE_IO_URING
constexpr unsigned kRingEntries = 256;

class Ring {
 public:
  Ring() {
    if (disabled.load(std::memory_order_relaxed)) return;
    const int r = io_uring_queue_init(kRingEntries, &ring_, 0);
    if (r < 0) {
      static std::atomic<bool> said{false};
      if (!said.exchange(true)) {
        log::warn("io_uring_unavailable",
                  {{"errno", -r}, {"fallback", "one send() per connection"}});
      }
      return;
    }
    ok_ = true;
  }
  ~Ring() {
    if (ok_) io_uring_queue_exit(&ring_);
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  bool ok() const { return ok_; }

  // False if the ring failed; then nothing of `chunk` has been sent by it.
  bool send_chunk(std::span<SendEntry> chunk) {
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      if (sqe == nullptr) return fail();  // cannot happen: the ring is empty at each chunk
      io_uring_prep_send(sqe, chunk[i].fd, chunk[i].data, chunk[i].size,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, i);
    }
    // Non-blocking sends complete while they are submitted; waiting for all of them returns at
    // once.
    int r;
    do {
      r = io_uring_submit_and_wait(&ring_, static_cast<unsigned>(chunk.size()));
    } while (r == -EINTR);
    if (r < 0) return fail();
    std::size_t seen = 0;
    while (seen < chunk.size()) {
      io_uring_cqe* cqe = nullptr;
      int w;
      do {
        w = io_uring_wait_cqe(&ring_, &cqe);
      } while (w == -EINTR);
      if (w < 0) {
        // Cannot happen with a working ring; the entries not yet reaped are reported as failed
        // sends, which ends their connections (they resync when they come back).
        for (std::size_t i = 0; i < chunk.size(); ++i) {
          if (chunk[i].result == kPending) chunk[i].result = -EIO;
        }
        return true;
      }
      const auto i = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
      if (i < chunk.size()) chunk[i].result = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      ++seen;
    }
    return true;
  }

  static constexpr long kPending = -1L << 40;

 private:
  // The ring could not take the chunk (nothing of it was submitted): stop using it.
  bool fail() {
    io_uring_queue_exit(&ring_);
    ok_ = false;
    log::warn("io_uring_failed", {{"fallback", "one send() per connection"}});
    return false;
  }

  io_uring ring_{};
  bool ok_ = false;
};

Ring& this_thread_ring() {
  thread_local Ring ring;
  return ring;
}
#endif

}  // namespace

void send_each(std::span<SendEntry> entries) {
  for (auto& e : entries) {
    const auto n = ::send(e.fd, e.data, e.size, MSG_DONTWAIT | MSG_NOSIGNAL);
    e.result = n >= 0 ? static_cast<long>(n) : -static_cast<long>(errno);
  }
}

void disable_io_uring() { disabled.store(true, std::memory_order_relaxed); }

bool io_uring_active() {
#ifdef NAPC_HAVE_IO_URING
  return !disabled.load(std::memory_order_relaxed) && this_thread_ring().ok();
#else
  return false;
#endif
}

void send_all(std::span<SendEntry> entries) {
#ifdef NAPC_HAVE_IO_URING
  if (entries.size() > 1 && io_uring_active()) {
    auto& ring = this_thread_ring();
    for (std::size_t at = 0; at < entries.size(); at += kRingEntries) {
      const auto chunk =
          entries.subspan(at, std::min<std::size_t>(kRingEntries, entries.size() - at));
      for (auto& e : chunk) e.result = Ring::kPending;
      if (!ring.send_chunk(chunk)) {
        send_each(entries.subspan(at));
        return;
      }
    }
    return;
  }
#endif
  send_each(entries);
}

}  // namespace napc::netio
