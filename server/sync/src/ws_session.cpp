#include "sync/ws_session.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <span>
#include <utility>

#include <crdt/doc.hpp>
#include <crdt/error.hpp>
#include <crdt/sync.hpp>
#include <crdt/updates.hpp>

#include "log/log.hpp"
#include "room.hpp"
#include "sync/room_registry.hpp"

namespace napc::sync {
namespace {

using wsproto::CloseCode;
using wsproto::Event;
using wsproto::Opcode;

// Bounds on one coalesced frame and on one write.
constexpr std::size_t kMaxCoalescedFrames = 512;
constexpr std::size_t kMaxCoalescedBytes = 256u << 10;
constexpr std::size_t kMaxWriteFrames = 64;
constexpr std::size_t kMaxWriteBytes = 512u << 10;
// Every read goes into this per-thread buffer; a session keeps only what it cannot use yet.
constexpr std::size_t kReadBytes = 64u << 10;

std::span<std::uint8_t> read_buffer() {
  thread_local std::array<std::uint8_t, kReadBytes> buffer;
  return buffer;
}

const SharedFrame& empty_frame() {
  static const SharedFrame empty = std::make_shared<const crdt::Bytes>();
  return empty;
}

Opcode opcode_of(FrameKind kind) {
  switch (kind) {
    case FrameKind::ping:
      return Opcode::ping;
    case FrameKind::pong:
      return Opcode::pong;
    case FrameKind::close:
      return Opcode::close;
    default:
      return Opcode::binary;
  }
}

// The last merge made on this thread: the frames it merged (kept alive so that their addresses
// stay unique) and the result.
struct CoalesceCache {
  std::vector<SharedFrame> inputs;
  SharedFrame merged;
};
thread_local CoalesceCache coalesce_cache;

// [1, varUint8Array(n, entries…)] × k → [1, varUint8Array(Σn, entries… in order)]. Entries are
// applied in order by awareness.js, so one message carrying them all changes the same states.
crdt::Bytes concat_awareness(std::span<const SharedFrame> frames) {
  std::uint64_t count = 0;
  crdt::lib0::Encoder entries;
  for (const auto& f : frames) {
    crdt::lib0::Decoder outer(*f);
    if (outer.read_var_uint() != static_cast<std::uint64_t>(crdt::sync::MessageType::awareness)) {
      throw crdt::Error(crdt::ErrorCode::malformed, "not an awareness frame");
    }
    crdt::lib0::Decoder inner(outer.read_var_uint8_array());
    count += inner.read_var_uint();
    entries.write_raw(inner.read_raw(inner.remaining()));
  }
  const auto body = entries.take();
  crdt::lib0::Encoder update;
  update.write_var_uint(count);
  update.write_raw(crdt::ByteView(body));
  return crdt::sync::encode_awareness(update.take());
}

SharedFrame merge_frames(std::span<const SharedFrame> frames, FrameKind kind) {
  auto& cache = coalesce_cache;
  if (cache.merged &&
      std::equal(frames.begin(), frames.end(), cache.inputs.begin(), cache.inputs.end())) {
    return cache.merged;
  }
  SharedFrame merged;
  if (kind == FrameKind::update) {
    std::vector<crdt::ByteView> parts;
    parts.reserve(frames.size());
    for (const auto& f : frames) parts.push_back(crdt::sync::update_payload(*f));
    merged = std::make_shared<const crdt::Bytes>(
        crdt::sync::encode_sync_update(crdt::merge_updates(parts)));
  } else {
    merged = std::make_shared<const crdt::Bytes>(concat_awareness(frames));
  }
  cache.inputs.assign(frames.begin(), frames.end());
  cache.merged = merged;
  return merged;
}

}  // namespace

WsSession::WsSession(app::Context& ctx, RoomRegistry& rooms, DocumentAccess access)
    : ctx_(ctx),
      rooms_(rooms),
      access_(std::move(access)),
      room_(rooms.acquire(access_.document)),
      strand_(room_->strand()),
      socket_(strand_),
      reader_(ctx.limits().max_message_bytes),
      msg_bucket_(ctx.limits().msg_rate, ctx.limits().msg_burst),
      byte_bucket_(ctx.limits().byte_rate, ctx.limits().byte_burst) {}

// A session whose handshake is still pending when the server stops is destroyed with the
// io_context, after the registry: it must not touch the registry here. Every other end of a
// session goes through finish(), which releases the room.
WsSession::~WsSession() = default;

void WsSession::run(beast::tcp_stream&& stream, HttpRequest req) {
  // Beast performs the handshake (request checks, Sec-WebSocket-Accept, the 101 response);
  // then the socket is ours and the Beast stream, with its buffers, is gone.
  auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(stream));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = ctx_.limits().handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws->set_option(timeouts);
  ws->set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "napconsult"); }));
  auto request = std::make_shared<HttpRequest>(std::move(req));
  ws->async_accept(*request, net::bind_executor(strand_, [self = shared_from_this(), ws,
                                                          request](beast::error_code ec) {
    self->on_accept(
        ec, ec ? beast::tcp_stream::socket_type(self->strand_) : ws->next_layer().release_socket());
  }));
}

void WsSession::on_accept(beast::error_code ec, beast::tcp_stream::socket_type socket) {
  if (ec) return finish();
  socket_ = std::move(socket);
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);  // reads and writes below never block the thread
  joined_ = true;
  last_read_ = app::Clock::now();
  ctx_.metrics().ws_connections.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics().ws_accepted.fetch_add(1, std::memory_order_relaxed);
  session_id_ = ctx_.register_session(shared_from_this());
  if (ctx_.draining()) return start_close(CloseCode::service_restart, "server shutting down");
  // The room sends step 1 once the document is loaded, then lets us read (resume_reading).
  room_->join(shared_from_this());
}

void WsSession::send(SharedFrame frame, FrameKind kind) { enqueue(std::move(frame), kind); }

void WsSession::close(wsproto::CloseCode code, std::string reason) {
  start_close(code, std::move(reason));
}

void WsSession::shutdown_close() {
  net::post(strand_, [self = shared_from_this()] {
    self->start_close(CloseCode::service_restart, "server shutting down");
  });
}

void WsSession::resume_reading() {
  room_busy_ = false;
  pump();
}

void WsSession::tick(app::Clock::time_point now) {
  if (finished_ || !joined_) return;
  // Idle time counts only while we wait for the peer; a session that is not reading (the room
  // has its message, or its own queue is full) is judged by its writes instead.
  if (!waiting_) {
    last_read_ = now;
    return;
  }
  const auto idle = now - last_read_;
  const auto limit = ctx_.limits().ws_idle_timeout;
  if (idle >= limit) return finish();
  if (!ping_sent_ && !closing_ && idle >= limit / 2) {
    ping_sent_ = true;
    enqueue(empty_frame(), FrameKind::ping);
  }
}

void WsSession::wait_readable() {
  waiting_ = true;
  socket_.async_wait(tcp::socket::wait_read,
                     net::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec) {
                       self->waiting_ = false;
                       if (ec) return self->finish();
                       self->pump();
                     }));
}

void WsSession::pump() {
  const auto buffer = read_buffer();
  while (!finished_ && !waiting_) {
    if (close_sent_) {
      // Our close frame is out: wait for the peer to close its end, discarding what it sends.
      beast::error_code ec;
      socket_.read_some(net::buffer(buffer.data(), buffer.size()), ec);
      if (ec == net::error::would_block) return wait_readable();
      if (ec) return finish();
      continue;
    }
    if (closing_) return;  // our close frame is queued behind a write
    if (room_busy_ || queued_bytes_ > ctx_.limits().queue_bytes / 2) return;

    std::span<const std::uint8_t> in;
    const bool buffered = input_pos_ < input_.size();
    if (buffered) {
      in = std::span<const std::uint8_t>(input_).subspan(input_pos_);
    } else {
      beast::error_code ec;
      const auto n = socket_.read_some(net::buffer(buffer.data(), buffer.size()), ec);
      if (ec == net::error::would_block) {
        // Waiting for the rest of a message: what it holds meanwhile is within the budget.
        if (!hold_input_within_budget()) return;
        return wait_readable();
      }
      if (ec) return finish();  // end of stream or reset
      last_read_ = app::Clock::now();
      ping_sent_ = false;
      in = buffer.first(n);
    }
    std::size_t consumed = 0;
    Event ev = reader_.read(in, consumed);
    if (buffered) {
      input_pos_ += consumed;
      if (input_pos_ == input_.size()) {
        input_ = crdt::Bytes();  // an idle session holds no input buffer
        input_pos_ = 0;
      }
    } else if (consumed < in.size()) {
      input_.assign(in.begin() + static_cast<std::ptrdiff_t>(consumed), in.end());
      input_pos_ = 0;
    }
    if (ev.kind != Event::Kind::none && !handle(ev)) return;
  }
}

bool WsSession::handle(wsproto::Event& ev) {
  auto& metrics = ctx_.metrics();
  switch (ev.kind) {
    case Event::Kind::none:
      return true;
    case Event::Kind::pong:
    case Event::Kind::ping: {
      // Control frames count against the same rate limits as messages: answering a flood of
      // pings costs the server as much as reading messages does.
      const auto payload = reader_.control_payload();
      if (!within_rate(payload.size())) return false;
      if (ev.kind == Event::Kind::ping) {
        enqueue(std::make_shared<const crdt::Bytes>(payload.begin(), payload.end()),
                FrameKind::pong);
      }
      return true;
    }
    case Event::Kind::close:
      // The peer closes: answer with its code (RFC 6455 §5.5.1), then close the connection.
      metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
      peer_closed_ = true;
      if (close_sent_) {
        finish();
        return false;
      }
      send_close(ev.code == 0 ? empty_frame()
                              : std::make_shared<const crdt::Bytes>(
                                    wsproto::close_payload(static_cast<CloseCode>(ev.code), {})));
      return false;
    case Event::Kind::error:
      metrics.malformed_messages.fetch_add(1, std::memory_order_relaxed);
      start_close(static_cast<CloseCode>(ev.code), ev.reason);
      return false;
    case Event::Kind::message:
      break;
  }
  auto message = reader_.take_message();
  const auto n = message.size();
  metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  metrics.bytes_in.fetch_add(n, std::memory_order_relaxed);
  if (ev.text) {
    metrics.malformed_messages.fetch_add(1, std::memory_order_relaxed);
    start_close(CloseCode::unknown_data, "binary messages only");
    return false;
  }
  const auto now = app::Clock::now();
  if (!within_rate(n, now)) return false;
  room_busy_ = true;
  room_->deliver(shared_from_this(), std::make_shared<const crdt::Bytes>(std::move(message)), now);
  return false;
}

bool WsSession::within_rate(std::size_t bytes, app::Clock::time_point now) {
  if (msg_bucket_.take(1, now) && byte_bucket_.take(static_cast<double>(bytes), now)) return true;
  ctx_.metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
  start_close(CloseCode::policy_error, "rate limit exceeded");
  return false;
}

bool WsSession::hold_input_within_budget() {
  // What this connection holds between reads: an unfinished message and unparsed bytes.
  const auto holding = reader_.buffered_bytes() + input_.capacity();
  if (holding <= buffer_reserved_) {
    ctx_.budget().release_buffer(buffer_reserved_ - holding);
    buffer_reserved_ = holding;
    return true;
  }
  if (!ctx_.budget().reserve_buffer(holding - buffer_reserved_)) {
    ctx_.metrics().buffer_refusals.fetch_add(1, std::memory_order_relaxed);
    start_close(CloseCode::try_again_later, "server busy: too many unfinished messages");
    return false;
  }
  buffer_reserved_ = holding;
  return true;
}

bool WsSession::over_cap() const {
  const auto& limits = ctx_.limits();
  // A single frame (e.g. the step 2 of a large document) is always accepted.
  return queue_size() > 1 &&
         (queued_bytes_ > limits.queue_bytes || queue_size() > limits.queue_messages);
}

void WsSession::enqueue(SharedFrame data, FrameKind kind) {
  if (finished_ || (closing_ && kind != FrameKind::close)) return;
  Outgoing frame{std::move(data), kind};
  // The common case: nothing is waiting, so the frame goes out now, in one system call.
  if (!writing_ && queue_size() == 0 && write_now(frame)) return;
  if (finished_) return;
  queue_frame(std::move(frame));
}

void WsSession::sent_in_batch(const SharedFrame& frame, FrameKind kind, long result,
                              std::size_t wire_size) {
  if (result == static_cast<long>(wire_size)) return count_sent(frame->size(), 1);
  if (result < 0 && result != -EAGAIN && result != -EWOULDBLOCK) return finish();
  front_sent_ = result > 0 ? static_cast<std::size_t>(result) : 0;
  queue_frame({frame, kind});
}

void WsSession::queue_frame(Outgoing frame) {
  const auto size = frame.data->size();
  queue_.push_back(std::move(frame));
  queued_bytes_ += size;
  ctx_.metrics().queued_bytes.fetch_add(static_cast<std::int64_t>(size), std::memory_order_relaxed);
  ctx_.metrics().note_queue_size(static_cast<std::int64_t>(queued_bytes_));
  if (over_cap()) {
    merge_queued_updates();
    if (over_cap()) {
      ctx_.metrics().queue_overflows.fetch_add(1, std::memory_order_relaxed);
      return start_close(CloseCode::try_again_later, "send queue overflow");
    }
  }
  do_write();
}

bool WsSession::write_now(const Outgoing& frame) {
  wsproto::Header header;
  const auto header_size =
      wsproto::encode_header(header, opcode_of(frame.kind), frame.data->size());
  const std::array<net::const_buffer, 2> buffers{net::buffer(header.data(), header_size),
                                                 net::buffer(*frame.data)};
  beast::error_code ec;
  auto n = socket_.send(buffers, 0, ec);
  if (ec == net::error::would_block) {
    n = 0;
  } else if (ec) {
    finish();
    return true;
  }
  if (n < header_size + frame.data->size()) {
    front_sent_ = n;  // the rest goes out with an asynchronous write
    return false;
  }
  count_sent(frame.data->size(), 1);
  if (frame.kind == FrameKind::close) after_close_sent();
  return true;
}

void WsSession::merge_queued_updates() {
  // Frames referenced by the write in flight (or partly sent) stay as they are.
  const std::size_t first = writing_ ? in_flight_ : (front_sent_ > 0 ? 1 : 0);
  std::vector<crdt::ByteView> parts;
  std::size_t first_update = queue_size();
  try {
    for (std::size_t i = first; i < queue_size(); ++i) {
      if (queued(i).kind != FrameKind::update) continue;
      if (first_update == queue_size()) first_update = i;
      parts.push_back(crdt::sync::update_payload(*queued(i).data));
    }
    if (parts.size() < 2) return;
    auto merged = std::make_shared<const crdt::Bytes>(
        crdt::sync::encode_sync_update(crdt::merge_updates(parts)));
    std::vector<Outgoing> next;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < queue_size(); ++i) {
      if (i >= first && queued(i).kind == FrameKind::update) {
        if (i != first_update) continue;
        next.push_back({merged, FrameKind::update});
      } else {
        next.push_back(std::move(queued(i)));
      }
      bytes += next.back().data->size();
    }
    ctx_.metrics().queued_bytes.fetch_add(
        static_cast<std::int64_t>(bytes) - static_cast<std::int64_t>(queued_bytes_),
        std::memory_order_relaxed);
    queue_.swap(next);
    head_ = 0;
    queued_bytes_ = bytes;
    ctx_.metrics().queue_merges.fetch_add(1, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    // Our own frames always decode; if they do not, leave the queue as it is and let the
    // caller's cap check close the connection.
    log::error("queue_merge_failed", {{"error", e}});
  }
}

void WsSession::coalesce_front() {
  // REQUIRES: no write in flight and nothing of the front frame sent.
  const auto kind = queued(0).kind;
  if (queue_size() < 2 || (kind != FrameKind::update && kind != FrameKind::awareness)) return;
  std::size_t end = 1;
  std::size_t bytes = queued(0).data->size();
  while (end < queue_size() && end < kMaxCoalescedFrames && queued(end).kind == kind &&
         bytes + queued(end).data->size() <= kMaxCoalescedBytes) {
    bytes += queued(end++).data->size();
  }
  if (end < 2) return;
  std::vector<SharedFrame> run;
  run.reserve(end);
  for (std::size_t i = 0; i < end; ++i) run.push_back(queued(i).data);
  SharedFrame merged;
  try {
    merged = merge_frames(run, kind);
  } catch (const std::exception& e) {
    // Our own frames always decode; if they do not, send them one by one.
    log::error("frame_coalescing_failed", {{"error", e}});
    return;
  }
  const auto first = queue_.begin() + static_cast<std::ptrdiff_t>(head_);
  queue_.erase(first + 1, first + static_cast<std::ptrdiff_t>(end));
  queued(0).data = merged;
  const auto after = merged->size();
  queued_bytes_ = queued_bytes_ - bytes + after;
  ctx_.metrics().queued_bytes.fetch_add(
      static_cast<std::int64_t>(after) - static_cast<std::int64_t>(bytes),
      std::memory_order_relaxed);
  ctx_.metrics().write_coalesces.fetch_add(1, std::memory_order_relaxed);
}

void WsSession::do_write() {
  if (writing_ || queue_size() == 0 || finished_) return;
  if (front_sent_ == 0) coalesce_front();
  // Everything waiting (within bounds) goes out in one gathered write.
  const auto count = std::min(queue_size(), kMaxWriteFrames);
  headers_.resize(count * wsproto::kMaxServerHeader);
  std::vector<net::const_buffer> buffers;
  buffers.reserve(2 * count);
  std::size_t frames = 0;
  std::size_t bytes = 0;
  while (frames < count) {
    const auto& f = queued(frames);
    if (frames > 0 && bytes + f.data->size() > kMaxWriteBytes) break;
    wsproto::Header header;
    const auto header_size = wsproto::encode_header(header, opcode_of(f.kind), f.data->size());
    auto* stored = headers_.data() + frames * wsproto::kMaxServerHeader;
    std::copy_n(header.begin(), header_size, stored);
    net::const_buffer head(stored, header_size);
    net::const_buffer body(f.data->data(), f.data->size());
    if (frames == 0 && front_sent_ > 0) {
      // The first frame is partly sent already (write_now).
      const auto skip_head = std::min(front_sent_, header_size);
      head += skip_head;
      body += front_sent_ - skip_head;
    }
    if (head.size() > 0) buffers.push_back(head);
    if (body.size() > 0) buffers.push_back(body);
    bytes += f.data->size();
    ++frames;
    if (f.kind == FrameKind::close) break;  // nothing follows a close frame
  }
  in_flight_ = frames;
  writing_ = true;
  if (!closing_) arm_deadline(ctx_.limits().write_stall_timeout);
  net::async_write(socket_, std::move(buffers),
                   net::bind_executor(strand_, [self = shared_from_this(), frames](
                                                   beast::error_code ec, std::size_t) {
                     self->on_write(ec, frames);
                   }));
}

void WsSession::on_write(beast::error_code ec, std::size_t frames) {
  writing_ = false;
  in_flight_ = 0;
  if (deadline_ && !closing_) deadline_->cancel();
  bool sent_close = false;
  for (std::size_t i = 0; i < frames && i < queue_size(); ++i) {
    sent_close = sent_close || queued(i).kind == FrameKind::close;
  }
  pop_front_frames(frames, !ec);
  if (ec) return finish();
  if (finished_) return;
  if (sent_close) return after_close_sent();
  if (queue_size() > 0) return do_write();
  pump();  // the queue has drained: reading may resume (backpressure)
}

void WsSession::pop_front_frames(std::size_t n, bool sent) {
  n = std::min(n, queue_size());
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& f = queued(i);
    bytes += f.data->size();
    f.data.reset();
  }
  head_ += n;
  front_sent_ = 0;
  queued_bytes_ -= bytes;
  auto& metrics = ctx_.metrics();
  metrics.queued_bytes.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  if (sent) count_sent(bytes, n);
  if (head_ == queue_.size()) {
    // Empty: give the memory back (an idle session holds no queue).
    queue_ = std::vector<Outgoing>();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= queue_.size()) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void WsSession::drop_queue() {
  // Keep the frames the write in flight references; free the rest.
  const std::size_t keep = writing_ ? in_flight_ : 0;
  std::size_t dropped = 0;
  while (queue_size() > keep) {
    dropped += queue_.back().data->size();
    queue_.pop_back();
  }
  if (queue_size() == 0) {
    queue_ = std::vector<Outgoing>();
    head_ = 0;
  }
  queued_bytes_ -= dropped;
  ctx_.metrics().queued_bytes.fetch_sub(static_cast<std::int64_t>(dropped),
                                        std::memory_order_relaxed);
}

void WsSession::arm_deadline(std::chrono::steady_clock::duration after) {
  if (!deadline_) deadline_ = std::make_unique<net::steady_timer>(strand_);
  deadline_->expires_after(after);
  deadline_->async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    // A write that took no frame for the whole timeout (the reader is gone or stalled), or a
    // close the peer did not complete.
    if (auto self = weak.lock()) self->finish();
  });
}

void WsSession::start_close(wsproto::CloseCode code, std::string reason) {
  if (closing_ || finished_) return;
  send_close(std::make_shared<const crdt::Bytes>(wsproto::close_payload(code, reason)));
}

void WsSession::send_close(SharedFrame payload) {
  closing_ = true;
  drop_queue();
  // If the peer never answers the close (or never reads), cut the connection.
  arm_deadline(ctx_.limits().handshake_timeout);
  enqueue(std::move(payload), FrameKind::close);
}

void WsSession::count_sent(std::size_t payload_bytes, std::size_t frames) {
  ctx_.metrics().bytes_out.fetch_add(payload_bytes, std::memory_order_relaxed);
  ctx_.metrics().messages_out.fetch_add(frames, std::memory_order_relaxed);
}

void WsSession::after_close_sent() {
  close_sent_ = true;
  closing_ = true;
  // The peer closed first and has our answer: the server closes the TCP connection
  // (RFC 6455 §7.1.1). Otherwise send FIN and wait for the peer's end.
  if (peer_closed_) return finish();
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  pump();
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  drop_queue();  // frames still in flight are released by on_write
  if (deadline_) deadline_->cancel();
  beast::error_code ignored;
  socket_.close(ignored);
  input_ = crdt::Bytes();
  reader_.release_buffers();
  ctx_.budget().release_buffer(buffer_reserved_);
  buffer_reserved_ = 0;
  rooms_.release(*room_);
  room_->leave(shared_from_this());
  // The room holds us until it runs that leave; we need not hold it: no reference cycle is left
  // if the server stops before the leave runs.
  room_.reset();
  if (joined_) {
    ctx_.unregister_session(session_id_);
    ctx_.metrics().ws_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace napc::sync
