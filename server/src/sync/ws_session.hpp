#pragma once
// One document WebSocket connection (y-websocket protocol), Beast chat-multi shape: the session
// owns the socket and its outbound queue on its own strand; the room it belongs to owns the
// document. The session reads one message, hands it to the room, and reads the next only when
// the room is done with it and the outbound queue is below half its cap (backpressure).
//
// Outbound queue (design §3): one write in flight; bounded in bytes and messages. Past the cap,
// queued sync updates are merged into one (lossless for a CRDT); if it is still over, the
// connection is closed with 1013 and the client resyncs when it reconnects.
//
// Write batching: Beast writes one message per call, and each write costs a system call. So
// when a write is due and several frames are waiting, the run of sync updates (or of awareness
// updates) at the front of the queue is sent as one message: updates merged with
// crdt::merge_updates, awareness entries concatenated in order; both lossless, order kept.
// The room broadcasts the same frames to every session, so the merge of one run is remembered
// per thread and reused by the next session that has the same run queued.
//
// Thread safety: public members may be called from any thread; they post to the strand.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <crdt/lib0.hpp>

#include "app/context.hpp"
#include "app/rate_limiter.hpp"
#include "http/http_session.hpp"
#include "net/net.hpp"

namespace napc::sync {

class Room;
class RoomRegistry;

enum class FrameKind {
  other,      // auth, step 1
  step2,      // a reply to the client's step 1 (never merged: it flips the client's `synced`)
  update,     // [0, 2, update]: mergeable with its neighbours
  awareness,  // [1, awareness update]: entries concatenable with its neighbours'
};

using SharedFrame = std::shared_ptr<const crdt::Bytes>;

class WsSession : public std::enable_shared_from_this<WsSession>, public app::Closable {
 public:
  WsSession(beast::tcp_stream&& stream, app::Context& ctx, RoomRegistry& rooms,
            http::DocumentAccess access);
  ~WsSession() override;

  // Performs the upgrade with the already-authorised request, then joins the room.
  void run(http::Request req);

  // Queues a frame for this client.
  void send(SharedFrame frame, FrameKind kind);
  // Closes with a WebSocket close code and reason (sent in the close frame).
  void close(websocket::close_code code, std::string reason);
  // The room has finished with the last message: read the next one.
  void resume_reading();
  // app::Closable: the server is stopping (1012 "service restart").
  void shutdown_close() override;

  const http::DocumentAccess& access() const { return access_; }

 private:
  struct Outgoing {
    SharedFrame data;
    FrameKind kind;
  };

  void on_accept(beast::error_code ec);
  void do_read();
  void read_more();
  void on_read(beast::error_code ec, std::size_t n);
  void enqueue(Outgoing frame);
  bool over_cap() const;
  void merge_queued_updates();
  void coalesce_front();
  void do_write();
  void on_write(beast::error_code ec);
  void start_close(websocket::close_code code, std::string reason);
  void drop_queue();
  void finish();

  websocket::stream<beast::tcp_stream> ws_;
  app::Context& ctx_;
  RoomRegistry& rooms_;
  http::DocumentAccess access_;
  std::shared_ptr<Room> room_;
  std::size_t session_id_ = 0;
  beast::flat_buffer buffer_;

  std::deque<Outgoing> queue_;  // front is in flight while writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  net::steady_timer write_timer_;  // a write that takes too long: the reader has stalled

  bool joined_ = false;
  bool room_busy_ = true;  // the room has our last message (or has not let us read yet)
  bool reading_ = false;
  bool closing_ = false;
  bool finished_ = false;
  net::steady_timer close_timer_;

  app::TokenBucket msg_bucket_;
  app::TokenBucket byte_bucket_;
};

}  // namespace napc::sync
