#include "sync/ws_session.hpp"

#include <algorithm>
#include <iostream>
#include <span>
#include <utility>
#include <vector>

#include <crdt/doc.hpp>
#include <crdt/error.hpp>
#include <crdt/sync.hpp>
#include <crdt/updates.hpp>

#include "sync/room.hpp"
#include "sync/room_registry.hpp"

namespace napc::sync {
namespace {

// Bounds on one coalesced write.
constexpr std::size_t kMaxCoalescedFrames = 512;
constexpr std::size_t kMaxCoalescedBytes = 256u << 10;
// Read buffer capacity kept between messages (see on_read).
constexpr std::size_t kKeepReadBufferBytes = 16u << 10;
// At most this much is prepared for the first read of a message (see read_more).
constexpr std::size_t kFirstReadBytes = 256;

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

WsSession::WsSession(beast::tcp_stream&& stream, app::Context& ctx, RoomRegistry& rooms,
                     http::DocumentAccess access)
    : ws_(std::move(stream)),
      ctx_(ctx),
      rooms_(rooms),
      access_(std::move(access)),
      write_timer_(ws_.get_executor()),
      close_timer_(ws_.get_executor()),
      msg_bucket_(ctx.limits().msg_rate, ctx.limits().msg_burst),
      byte_bucket_(ctx.limits().byte_rate, ctx.limits().byte_burst) {}

WsSession::~WsSession() = default;

void WsSession::run(http::Request req) {
  const auto& limits = ctx_.limits();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = limits.handshake_timeout;
  // Beast pings after half the idle time without a frame and closes after the rest.
  timeouts.idle_timeout = limits.ws_idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "napconsult"); }));
  ws_.read_message_max(limits.max_message_bytes);
  ws_.binary(true);
  auto request = std::make_shared<http::Request>(std::move(req));
  ws_.async_accept(*request, [self = shared_from_this(), request](beast::error_code ec) {
    self->on_accept(ec);
  });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    finished_ = true;
    return;
  }
  joined_ = true;
  ctx_.metrics().ws_connections.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics().ws_accepted.fetch_add(1, std::memory_order_relaxed);
  session_id_ = ctx_.register_session(shared_from_this());
  if (ctx_.draining()) {
    return start_close(websocket::close_code::service_restart, "server shutting down");
  }
  room_ = rooms_.acquire(access_.document);
  // The room sends step 1 once the document is loaded, then lets us read (resume_reading).
  room_->join(shared_from_this());
}

void WsSession::send(SharedFrame frame, FrameKind kind) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), kind] {
    self->enqueue({frame, kind});
  });
}

void WsSession::close(websocket::close_code code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    self->start_close(code, reason);
  });
}

void WsSession::shutdown_close() {
  close(websocket::close_code::service_restart, "server shutting down");
}

void WsSession::resume_reading() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->room_busy_ = false;
    self->do_read();
  });
}

void WsSession::do_read() {
  if (reading_ || room_busy_ || closing_ || finished_) return;
  // Backpressure: a client whose queue is half full is not read from until it drains.
  if (queued_bytes_ > ctx_.limits().queue_bytes / 2) return;
  reading_ = true;
  read_more();
}

void WsSession::read_more() {
  // ws_.async_read would prepare a 4 KiB block in buffer_ before anything arrives, and an idle
  // connection spends its life waiting in that read. So the first read of a message asks for
  // at most kFirstReadBytes (enough for typical sync and awareness messages); the rest of a
  // larger message is read with Beast's own size hint. read_message_max still applies to the
  // whole message.
  const std::size_t limit = buffer_.size() == 0 ? kFirstReadBytes : 0;  // 0: no limit
  ws_.async_read_some(buffer_, limit,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec && !self->ws_.is_message_done()) return self->read_more();
                        self->on_read(ec, self->buffer_.size());
                      });
}

void WsSession::on_read(beast::error_code ec, std::size_t n) {
  reading_ = false;
  if (ec) return finish();  // includes 1009 (message too big), sent by Beast itself
  auto& metrics = ctx_.metrics();
  metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  metrics.bytes_in.fetch_add(n, std::memory_order_relaxed);
  if (closing_) {
    buffer_.consume(buffer_.size());
    return;
  }
  if (!ws_.got_binary()) {
    buffer_.consume(buffer_.size());
    metrics.malformed_messages.fetch_add(1, std::memory_order_relaxed);
    return start_close(websocket::close_code::unknown_data, "binary messages only");
  }
  const auto now = app::Clock::now();
  if (!msg_bucket_.take(1, now) || !byte_bucket_.take(static_cast<double>(n), now)) {
    buffer_.consume(buffer_.size());
    metrics.rate_limited.fetch_add(1, std::memory_order_relaxed);
    return start_close(websocket::close_code::policy_error, "rate limit exceeded");
  }
  auto frame = std::make_shared<crdt::Bytes>(buffer_.size());
  net::buffer_copy(net::buffer(*frame), buffer_.data());
  buffer_.consume(buffer_.size());
  // A flat_buffer keeps the capacity of the largest message it ever held. One large message (a
  // client uploading a whole document) would otherwise pin that much memory for the life of the
  // connection, idle or not; give it back and let the next read start small. Ordinary
  // traffic stays below the threshold and keeps reusing its buffer.
  if (buffer_.capacity() > kKeepReadBufferBytes) buffer_.shrink_to_fit();
  room_busy_ = true;
  room_->deliver(shared_from_this(), std::move(frame), now);
}

bool WsSession::over_cap() const {
  const auto& limits = ctx_.limits();
  // A single frame (e.g. the step 2 of a large document) is always accepted.
  return queue_.size() > 1 &&
         (queued_bytes_ > limits.queue_bytes || queue_.size() > limits.queue_messages);
}

void WsSession::enqueue(Outgoing frame) {
  if (closing_ || finished_) return;
  const auto size = frame.data->size();
  queue_.push_back(std::move(frame));
  queued_bytes_ += size;
  ctx_.metrics().queued_bytes.fetch_add(static_cast<std::int64_t>(size), std::memory_order_relaxed);
  ctx_.metrics().note_queue_size(static_cast<std::int64_t>(queued_bytes_));
  if (over_cap()) {
    merge_queued_updates();
    if (over_cap()) {
      ctx_.metrics().queue_overflows.fetch_add(1, std::memory_order_relaxed);
      return start_close(websocket::close_code::try_again_later, "send queue overflow");
    }
  }
  do_write();
}

void WsSession::merge_queued_updates() {
  const std::size_t first = writing_ ? 1 : 0;
  std::vector<crdt::ByteView> parts;
  std::size_t first_update = queue_.size();
  try {
    for (std::size_t i = first; i < queue_.size(); ++i) {
      if (queue_[i].kind != FrameKind::update) continue;
      if (first_update == queue_.size()) first_update = i;
      parts.push_back(crdt::sync::update_payload(*queue_[i].data));
    }
    if (parts.size() < 2) return;
    auto merged = std::make_shared<const crdt::Bytes>(
        crdt::sync::encode_sync_update(crdt::merge_updates(parts)));
    std::deque<Outgoing> next;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      if (i >= first && queue_[i].kind == FrameKind::update) {
        if (i != first_update) continue;
        next.push_back({merged, FrameKind::update});
      } else {
        next.push_back(std::move(queue_[i]));
      }
      bytes += next.back().data->size();
    }
    ctx_.metrics().queued_bytes.fetch_add(
        static_cast<std::int64_t>(bytes) - static_cast<std::int64_t>(queued_bytes_),
        std::memory_order_relaxed);
    queue_.swap(next);
    queued_bytes_ = bytes;
    ctx_.metrics().queue_merges.fetch_add(1, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    // Our own frames always decode; if they do not, leave the queue as it is and let the
    // caller's cap check close the connection.
    std::cerr << "napconsult: merging queued updates failed: " << e.what() << '\n';
  }
}

void WsSession::coalesce_front() {
  // REQUIRES: no write in flight (the front frame is not referenced by Beast).
  const auto kind = queue_.front().kind;
  if (queue_.size() < 2 || (kind != FrameKind::update && kind != FrameKind::awareness)) return;
  std::size_t end = 1;
  std::size_t bytes = queue_.front().data->size();
  while (end < queue_.size() && end < kMaxCoalescedFrames && queue_[end].kind == kind &&
         bytes + queue_[end].data->size() <= kMaxCoalescedBytes) {
    bytes += queue_[end++].data->size();
  }
  if (end < 2) return;
  std::vector<SharedFrame> run;
  run.reserve(end);
  for (std::size_t i = 0; i < end; ++i) run.push_back(queue_[i].data);
  SharedFrame merged;
  try {
    merged = merge_frames(run, kind);
  } catch (const std::exception& e) {
    // Our own frames always decode; if they do not, send them one by one.
    std::cerr << "napconsult: coalescing queued frames failed: " << e.what() << '\n';
    return;
  }
  queue_.erase(queue_.begin() + 1, queue_.begin() + static_cast<std::ptrdiff_t>(end));
  queue_.front().data = merged;
  const auto after = merged->size();
  queued_bytes_ = queued_bytes_ - bytes + after;
  ctx_.metrics().queued_bytes.fetch_add(
      static_cast<std::int64_t>(after) - static_cast<std::int64_t>(bytes),
      std::memory_order_relaxed);
  ctx_.metrics().write_coalesces.fetch_add(1, std::memory_order_relaxed);
}

void WsSession::do_write() {
  if (writing_ || queue_.empty() || finished_) return;
  coalesce_front();
  writing_ = true;
  write_timer_.expires_after(ctx_.limits().write_stall_timeout);
  write_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      // The client has not taken a single frame for the whole timeout: it is gone or stalled.
      beast::get_lowest_layer(self->ws_).close();
    }
  });
  ws_.async_write(
      net::buffer(*queue_.front().data),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void WsSession::on_write(beast::error_code ec) {
  writing_ = false;
  write_timer_.cancel();
  if (!queue_.empty()) {
    const auto size = queue_.front().data->size();
    queued_bytes_ -= size;
    ctx_.metrics().queued_bytes.fetch_sub(static_cast<std::int64_t>(size),
                                          std::memory_order_relaxed);
    if (!ec) {
      ctx_.metrics().bytes_out.fetch_add(size, std::memory_order_relaxed);
      ctx_.metrics().messages_out.fetch_add(1, std::memory_order_relaxed);
    }
    queue_.pop_front();
  }
  if (ec) return finish();
  if (finished_) return;
  if (!queue_.empty()) return do_write();
  do_read();
}

void WsSession::drop_queue() {
  // Keep the frame in flight (Beast still references it); free the rest.
  const std::size_t keep = writing_ ? 1 : 0;
  std::size_t dropped = 0;
  while (queue_.size() > keep) {
    dropped += queue_.back().data->size();
    queue_.pop_back();
  }
  queued_bytes_ -= dropped;
  ctx_.metrics().queued_bytes.fetch_sub(static_cast<std::int64_t>(dropped),
                                        std::memory_order_relaxed);
}

void WsSession::start_close(websocket::close_code code, std::string reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  drop_queue();
  // If the peer never answers the close (or never reads), cut the connection.
  close_timer_.expires_after(ctx_.limits().handshake_timeout);
  close_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) beast::get_lowest_layer(self->ws_).close();
  });
  if (reason.size() > 120) reason.resize(120);
  ws_.async_close(websocket::close_reason(code, reason),
                  [self = shared_from_this()](beast::error_code) { self->finish(); });
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  drop_queue();  // a frame still in flight is released by on_write
  write_timer_.cancel();
  close_timer_.cancel();
  beast::get_lowest_layer(ws_).close();
  if (room_) {
    rooms_.release(*room_);
    room_->leave(shared_from_this());
  }
  if (joined_) {
    ctx_.unregister_session(session_id_);
    ctx_.metrics().ws_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace napc::sync
