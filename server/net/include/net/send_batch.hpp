#pragma once
// Sends one buffer each to many sockets with as few system calls as the kernel allows.
//
// A broadcast writes the same small frame to every connection of a room. One send() per
// connection costs a system call each, and on this project's virtual machines the entry and exit
// of a system call cost about as much as the TCP work itself (tests/bench/server: 5.0 µs per
// send() against 3.0 µs per send in an io_uring batch, 200 loopback sockets). So where io_uring
// is available the whole batch is submitted at once; each send is non-blocking (MSG_DONTWAIT)
// and completes during the submission with the bytes sent or -EAGAIN, exactly like send().
// Where it is not (an old kernel, a seccomp filter, kernel.io_uring_disabled, a build without
// liburing, or `napconsult serve --no-io-uring`) every entry is sent with send().
//
// Thread safety: each thread has its own ring; call from any thread.
#include <cstddef>
#include <cstdint>
#include <span>

namespace napc::netio {

struct SendEntry {
  int fd = -1;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  long result = 0;  // after send_all: bytes sent, or -errno (-EAGAIN: the socket is full)
};

// Sends every entry (MSG_DONTWAIT | MSG_NOSIGNAL) and sets its result.
void send_all(std::span<SendEntry> entries);
// The same with one send() per entry (what send_all falls back to).
void send_each(std::span<SendEntry> entries);

// Never use io_uring in this process (call before the first send_all).
void disable_io_uring();
// Whether this thread sends batches through io_uring (sets up its ring on first use).
bool io_uring_active();

}  // namespace napc::netio
