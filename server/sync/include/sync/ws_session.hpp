#pragma once
// One document WebSocket connection (y-websocket protocol). The session owns the socket and its
// outbound queue; the room it belongs to owns the document. Every handler of the session runs
// on its room's strand, so the room sends, closes and resumes a session by calling it directly:
// a broadcast is a loop of system calls, not a post per session (docs/decisions.md, "Server").
//
// Framing is ours (net/ws_protocol.hpp); Beast performs only the upgrade handshake. Reading:
// the session waits for the socket to become readable (no buffer while idle), reads into a
// buffer shared by the thread, and keeps only a partial frame or bytes past the message handed
// to the room. It hands the room one message and reads the next only when the room is done
// with it and the outbound queue is below half its cap (backpressure).
//
// Writing: a frame to an idle socket is written at once, header and payload in one system call.
// Only when the socket takes less does the frame queue, with one asynchronous write in flight.
// The queue is bounded in bytes and messages. Past the cap, queued sync updates are merged into
// one (lossless for a CRDT); if it is still over, the connection is closed with 1013 and the
// client resyncs when it reconnects. When a write is due and several frames are waiting, the
// run of sync updates (or of awareness updates) at the front is sent as one message, updates
// merged with crdt::merge_updates and awareness entries concatenated in order; the other frames
// waiting go out in the same write.
//
// Time: the room calls tick() periodically. A connection that has sent nothing for half the idle
// timeout is pinged, and closed when the other half passes without a frame. A write that makes
// no progress for the write timeout, or a close the peer does not complete within the handshake
// timeout, ends the connection (one timer, made only when such a wait starts).
//
// Thread safety: send, close, resume_reading and tick must be called on the room's strand;
// shutdown_close may be called from any thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <crdt/lib0.hpp>

#include "app/context.hpp"
#include "app/rate_limiter.hpp"
#include "net/net.hpp"
#include "net/ws_protocol.hpp"
#include "sync/access.hpp"

namespace napc::sync {

class Room;
class RoomRegistry;

enum class FrameKind : std::uint8_t {
  other,      // auth, step 1
  step2,      // a reply to the client's step 1 (never merged: it flips the client's `synced`)
  update,     // [0, 2, update]: mergeable with its neighbours
  awareness,  // [1, awareness update]: entries concatenable with its neighbours'
  ping,       // WebSocket control frames (payload: the control payload)
  pong,
  close,
};

using SharedFrame = std::shared_ptr<const crdt::Bytes>;
using RoomStrand = net::strand<net::io_context::executor_type>;

class WsSession : public std::enable_shared_from_this<WsSession>, public app::Closable {
 public:
  // Acquires the room (which starts loading it).
  WsSession(app::Context& ctx, RoomRegistry& rooms, DocumentAccess access);
  ~WsSession() override;

  // Performs the upgrade with the already-authorised request, then joins the room.
  void run(beast::tcp_stream&& stream, HttpRequest req);

  // Queues a message for this client.
  void send(SharedFrame frame, FrameKind kind);
  // Closes with a WebSocket close code and reason (sent in the close frame).
  void close(wsproto::CloseCode code, std::string reason);
  // The room has finished with the last message: read the next one.
  void resume_reading();
  // Pings an idle peer, ends a silent one.
  void tick(std::chrono::steady_clock::time_point now);
  // app::Closable: the server is stopping (1012 "service restart").
  void shutdown_close() override;

  const DocumentAccess& access() const { return access_; }

  // For Room::broadcast, which sends one frame to many sessions in one batch (net/send_batch):
  // whether a frame sent now would be written at once (nothing queued or in flight), the socket
  // to write it to, and what the batch did with it (`result` as in netio::SendEntry, for the
  // `wire_size` bytes of header and payload). A frame not wholly sent is queued as usual.
  bool writable_now() const { return !writing_ && queue_size() == 0 && !closing_ && !finished_; }
  int native_socket() { return socket_.native_handle(); }
  void sent_in_batch(const SharedFrame& frame, FrameKind kind, long result, std::size_t wire_size);

 private:
  struct Outgoing {
    SharedFrame data;
    FrameKind kind;
  };

  void on_accept(beast::error_code ec, beast::tcp_stream::socket_type socket);
  void pump();
  void wait_readable();
  bool handle(wsproto::Event& ev);
  void enqueue(SharedFrame data, FrameKind kind);
  void queue_frame(Outgoing frame);
  bool write_now(const Outgoing& frame);
  bool over_cap() const;
  // Takes a token for a message or control frame of `bytes`; closes with 1008 when out of them.
  bool within_rate(std::size_t bytes, app::Clock::time_point now = app::Clock::now());
  // Accounts what the connection holds for an unfinished message in the server's budget;
  // closes with 1013 when the budget has no room for it.
  bool hold_input_within_budget();
  void merge_queued_updates();
  void coalesce_front();
  void do_write();
  void on_write(beast::error_code ec, std::size_t frames);
  void pop_front_frames(std::size_t n, bool sent);
  void start_close(wsproto::CloseCode code, std::string reason);
  // Drops what is queued and sends this close frame (ours, or the answer to the peer's).
  void send_close(SharedFrame payload);
  void count_sent(std::size_t payload_bytes, std::size_t frames);
  void after_close_sent();
  void arm_deadline(std::chrono::steady_clock::duration after);
  void drop_queue();
  void finish();
  std::size_t queue_size() const { return queue_.size() - head_; }
  Outgoing& queued(std::size_t i) { return queue_[head_ + i]; }
  const Outgoing& queued(std::size_t i) const { return queue_[head_ + i]; }

  app::Context& ctx_;
  RoomRegistry& rooms_;
  DocumentAccess access_;
  std::shared_ptr<Room> room_;
  RoomStrand strand_;  // the room's: every handler of this session runs on it
  tcp::socket socket_;
  std::size_t session_id_ = 0;

  wsproto::Reader reader_;
  crdt::Bytes input_;  // read but not yet parsed (after a message the room has not taken yet)
  std::size_t input_pos_ = 0;
  std::size_t buffer_reserved_ = 0;  // of the budget's unfinished-message bytes

  // Outbound frames; queue_[head_] is the oldest. While writing_, the first in_flight_ frames
  // are referenced by the write, and the first of them may be partly sent (front_sent_ bytes,
  // header included).
  std::vector<Outgoing> queue_;
  std::size_t head_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t front_sent_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<std::uint8_t> headers_;  // the frame headers of the write in flight
  bool writing_ = false;
  std::unique_ptr<net::steady_timer> deadline_;  // a write or a close that takes too long

  std::chrono::steady_clock::time_point last_read_;
  bool ping_sent_ = false;
  bool joined_ = false;
  bool room_busy_ = true;  // the room has our last message (or has not let us read yet)
  bool waiting_ = false;   // an async wait for readability is pending
  bool closing_ = false;   // our close frame is queued or sent: no more data frames
  bool close_sent_ = false;
  bool peer_closed_ = false;  // the peer's close frame has arrived
  bool finished_ = false;

  app::TokenBucket msg_bucket_;
  app::TokenBucket byte_bucket_;
};

}  // namespace napc::sync
