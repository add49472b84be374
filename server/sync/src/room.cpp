#include "room.hpp"

#include <algorithm>
#include <utility>

#include "log/log.hpp"
#include "net/send_batch.hpp"
#include "sync/room_registry.hpp"

namespace napc::sync {
namespace {

using crdt::sync::SyncType;
// A client may speak for a few awareness ids (tabs share a doc's provider, reconnects get a
// fresh id); more than this from one connection is refused.
constexpr std::size_t kMaxAwarenessIdsPerSession = 16;
// Bounds on one merged broadcast. Like any frame, it can take a slow reader's queue past its cap
// by its own size before the session closes (1013), so it stays small: merging pays off for
// many small updates (typing), not for a few big ones.
constexpr std::size_t kMaxMergedUpdates = 1024;
constexpr std::size_t kMaxMergedBytes = 16u << 10;

SharedFrame share(crdt::Bytes bytes) {
  return std::make_shared<const crdt::Bytes>(std::move(bytes));
}

}  // namespace

Room::Room(net::io_context& ioc, app::Context& ctx, RoomRegistry& registry, std::string name)
    : strand_(net::make_strand(ioc)),
      ctx_(ctx),
      registry_(registry),
      name_(std::move(name)),
      unload_timer_(strand_),
      awareness_timer_(strand_),
      tick_timer_(strand_) {
  ctx_.metrics().rooms.fetch_add(1, std::memory_order_relaxed);
}

Room::~Room() { ctx_.metrics().rooms.fetch_sub(1, std::memory_order_relaxed); }

std::int64_t Room::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(app::Clock::now() - epoch_).count();
}

void Room::start_loading() {
  ctx_.storage().post([self = shared_from_this()](storage::Database& db) {
    // In parts, each posted to the strand as soon as it is read: the strand applies one part
    // while the storage thread reads the next, and the reader waits (briefly) while the strand
    // is a few parts behind, so the log is never held whole (storage::PartOptions). The strand
    // runs the parts in order; a read failure comes after the parts already posted.
    try {
      db.load_document_parts(self->name_, [&self](storage::StoredDocument part) {
        net::post(self->strand_,
                  [self, part = std::move(part)]() mutable { self->on_loaded(std::move(part)); });
      });
    } catch (const std::exception& e) {
      log::error("document_load_failed", {{"document", self->name_}, {"error", e}});
      net::post(self->strand_, [self] { self->fail("the document could not be read"); });
    }
  });
}

void Room::on_loaded(storage::StoredDocument part) {
  // One part of the stored document (storage::Database::load_document_parts): the first brings
  // the snapshot, each the next run of the log, the last one (`complete`) ends the loading.
  if (state_ != State::loading) return;
  try {
    // The snapshot, then the log in the order it was applied, one update at a time as it was
    // first applied (a persisted formatting cleanup then finds its deletions already made), and
    // without re-encoding update events. One by one is twice as fast as one apply_updates
    // transaction for a long log of small updates: 19 ms instead of 43 ms for 100,000 rows
    // (tests/bench/server, cold_log).
    const crdt::ApplyOptions quiet{.emit_update = false};
    if (!doc_) {
      doc_.emplace(crdt::DocOptions{});
      if (!part.snapshot.empty()) doc_->apply_update(part.snapshot, quiet);
      snapshot_bytes_ = part.snapshot.size();
    }
    for (const auto& u : part.updates) doc_->apply_update(u.data, quiet);
  } catch (const std::exception& e) {
    log::error("stored_document_does_not_decode", {{"document", name_}, {"error", e}});
    doc_.reset();
    return fail("the stored document is damaged");
  }
  log_bytes_ += part.log_bytes;
  if (!part.complete) return;
  next_seq_ = part.next_seq;
  applied_seq_ = committed_seq_ = next_seq_ - 1;
  doc_bytes_ = snapshot_bytes_ + log_bytes_;
  state_ = State::ready;
  ctx_.metrics().documents_loaded.fetch_add(1, std::memory_order_relaxed);
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (const auto& s : waiting) on_join(s);
  if (sessions_.empty()) schedule_unload();
}

void Room::join(std::shared_ptr<WsSession> session) {
  net::post(strand_,
            [self = shared_from_this(), session = std::move(session)] { self->on_join(session); });
}

void Room::leave(std::shared_ptr<WsSession> session) {
  net::post(strand_,
            [self = shared_from_this(), session = std::move(session)] { self->on_leave(session); });
}

void Room::deliver(std::shared_ptr<WsSession> session, SharedFrame frame,
                   app::Clock::time_point t0) {
  net::post(strand_, [self = shared_from_this(), session = std::move(session),
                      frame = std::move(frame), t0] {
    self->on_message(session, frame, t0);
    // Backpressure from storage to the senders: while too much is waiting for its commit, the
    // sender's next message stays in its socket (and its TCP window closes).
    if (self->held_bytes_ > self->held_limit()) {
      self->stalled_.push_back(session);
    } else {
      session->resume_reading();
    }
  });
}

void Room::on_join(const std::shared_ptr<WsSession>& session) {
  switch (state_) {
    case State::loading:
      waiting_.push_back(session);
      return;
    case State::failed:
    case State::unloaded:
      session->close(wsproto::CloseCode::internal_error, "document unavailable");
      return;
    case State::ready:
      break;
  }
  unload_timer_.cancel();
  sessions_.push_back(session);
  // y-websocket setupWSConnection: step 1 with our state vector, then the awareness states we
  // know. Unlike the reference server the document is already loaded here.
  session->send(share(crdt::sync::encode_sync_step1(doc_->encode_state_vector())),
                FrameKind::other);
  if (awareness_.size() > 0) {
    const auto ids = awareness_.state_ids();
    session->send(share(crdt::sync::encode_awareness(awareness_.encode_update(ids))),
                  FrameKind::awareness);
  }
  arm_awareness_timer();
  arm_tick_timer();
  session->resume_reading();
}

void Room::on_leave(const std::shared_ptr<WsSession>& session) {
  std::erase(waiting_, session);
  const auto it = std::find(sessions_.begin(), sessions_.end(), session);
  if (it == sessions_.end()) return;
  sessions_.erase(it);
  std::erase_if(held_, [&](const Held& h) {
    if (h.target != session) return false;
    held_bytes_ -= h.frame->size();
    return true;
  });
  std::erase(stalled_, session);
  // closeConn: remove the states this connection controlled, at their current clock.
  remove_awareness_of(session.get());
  if (sessions_.empty()) schedule_unload();
}

void Room::on_message(const std::shared_ptr<WsSession>& session, const SharedFrame& frame,
                      app::Clock::time_point t0) {
  if (state_ != State::ready) return;
  if (std::find(sessions_.begin(), sessions_.end(), session) == sessions_.end()) return;
  crdt::sync::Message msg;
  try {
    msg = crdt::sync::decode_message(*frame);
  } catch (const crdt::Error& e) {
    ctx_.metrics().malformed_messages.fetch_add(1, std::memory_order_relaxed);
    if (e.code() == crdt::ErrorCode::unknown_message_type) {
      return session->close(wsproto::CloseCode::unknown_data, "unknown message type");
    }
    // The WebSocket frame was sound; what it carries is not a y-sync message (RFC 6455 §7.4.1:
    // 1007, data inconsistent with the type of the message).
    return session->close(wsproto::CloseCode::bad_payload, "malformed message");
  }
  switch (msg.type) {
    case crdt::sync::MessageType::sync:
      return on_sync(session, msg.sync_type, msg.payload, t0);
    case crdt::sync::MessageType::awareness:
      return on_awareness(session, msg.payload);
    case crdt::sync::MessageType::query_awareness:
      if (awareness_.size() > 0) {
        session->send(
            share(crdt::sync::encode_awareness(awareness_.encode_update(awareness_.state_ids()))),
            FrameKind::awareness);
      }
      return;
    case crdt::sync::MessageType::auth:
      // Clients have nothing to say with auth messages (the JS server ignores them too).
      return;
  }
}

void Room::refuse(const std::shared_ptr<WsSession>& session, const std::string& reason) {
  ctx_.metrics().updates_refused.fetch_add(1, std::memory_order_relaxed);
  session->send(share(crdt::sync::encode_permission_denied(reason)), FrameKind::other);
}

void Room::on_sync(const std::shared_ptr<WsSession>& session, SyncType type, crdt::ByteView payload,
                   app::Clock::time_point t0) {
  if (type == SyncType::step1) {
    crdt::Bytes update;
    try {
      update = doc_->encode_state_as_update(payload);
    } catch (const crdt::Error&) {
      ctx_.metrics().malformed_messages.fetch_add(1, std::memory_order_relaxed);
      return session->close(wsproto::CloseCode::bad_payload, "malformed state vector");
    }
    return send_or_hold(session, share(crdt::sync::encode_sync_step2(update)), FrameKind::step2,
                        t0);
  }

  const auto& access = session->access();
  if (!access.can_write) {
    // Read-only (observers, locked sections): refuse updates; a step 2 answering our step 1 is
    // refused only if it brings something new, so that a passive reader sees no noise.
    bool brings_news = type == SyncType::update;
    if (!brings_news) {
      try {
        brings_news = !crdt::sync::state_vector_covered(
            crdt::encode_state_vector_from_update(payload), doc_->encode_state_vector());
      } catch (const crdt::Error&) {
        brings_news = true;
      }
    }
    if (brings_news) refuse(session, "read-only: this document cannot be changed by you");
    return;
  }
  if (doc_bytes_ + payload.size() > ctx_.limits().max_document_bytes) {
    return refuse(session, "document size limit reached");
  }
  crdt::ApplyResult result;
  try {
    result = doc_->apply_update(payload);
  } catch (const crdt::Error& e) {
    // The document is unchanged (crdt::Doc decodes fully before integrating).
    ctx_.metrics().malformed_messages.fetch_add(1, std::memory_order_relaxed);
    return session->close(wsproto::CloseCode::bad_payload,
                          std::string("malformed update: ") + crdt::to_string(e.code()));
  }
  // Yjs emits up to two update events per remote apply: the transaction's own, then the
  // formatting cleanup's (deletions of redundant format items in nested texts, authored by this
  // replica exactly as a y-websocket server's Y.Doc does; docs/decisions.md). Both are
  // persisted and broadcast, in that order.
  const auto persist_and_broadcast = [&](crdt::Bytes update, std::uint64_t inserted,
                                         std::uint64_t deleted) {
    if (update.empty()) return;  // nothing new (or only pending structs)
    const auto seq = next_seq_++;
    applied_seq_ = seq;
    auto data = share(std::move(update));
    doc_bytes_ += data->size();
    log_bytes_ += data->size();
    storage::DocumentAppend append;
    append.document = name_;
    append.seq = seq;
    append.data = data;
    append.participant_id = access.who.participant_id;
    append.inserted = static_cast<std::int64_t>(inserted);
    append.deleted = static_cast<std::int64_t>(deleted);
    ctx_.storage().append(
        std::move(append),
        [self = shared_from_this(), seq](bool ok) {
          net::post(self->strand_, [self, seq, ok] { self->on_committed(seq, ok); });
        },
        [self = shared_from_this(), seq](bool ok) {
          // Storage thread, for every append of the group commit before any report is posted,
          // so that the first report of a group commit releases the whole group (on_committed),
          // however soon the strand runs it.
          if (ok) {
            auto durable = self->durable_seq_.load();
            while (durable < seq && !self->durable_seq_.compare_exchange_weak(durable, seq)) {
            }
          } else {
            self->storage_failed_.store(true);
          }
        });
    // Persisted first, broadcast (to every session, the sender included) after the commit.
    hold({seq, nullptr, share(crdt::sync::encode_sync_update(*data)), FrameKind::update, t0});
  };
  persist_and_broadcast(std::move(result.update), result.inserted, result.deleted);
  persist_and_broadcast(std::move(result.cleanup_update), 0, 0);
}

void Room::on_committed(std::int64_t seq, bool ok) {
  if (state_ != State::ready) return;
  if (!ok) {
    ctx_.metrics().commit_failures.fetch_add(1, std::memory_order_relaxed);
    return fail("storage failure");
  }
  committed_seq_ = std::max(committed_seq_, seq);
  // Everything a successful group commit made durable, even if its own reports are still queued
  // behind this one. Read durable_seq_ before storage_failed_: the storage thread sets the flag
  // before it publishes any later commit, so a seq past a failed commit is never taken here.
  const auto durable = durable_seq_.load();
  if (!storage_failed_.load()) committed_seq_ = std::max(committed_seq_, durable);
  ctx_.metrics().updates_applied.fetch_add(1, std::memory_order_relaxed);
  // A run of committed document updates goes out as one merged update; anything else in between
  // (a step 2 for one session) is sent in its place in the order.
  std::vector<SharedFrame> updates;
  std::vector<app::Clock::time_point> sent_at;
  while (!held_.empty() && held_.front().seq <= committed_seq_) {
    Held h = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= h.frame->size();
    if (!h.target && h.kind == FrameKind::update) {
      updates.push_back(std::move(h.frame));
      sent_at.push_back(h.t0);
      continue;
    }
    broadcast_updates(updates);
    if (h.target) {
      h.target->send(std::move(h.frame), h.kind);
    } else {
      broadcast(h.frame, h.kind);
    }
  }
  broadcast_updates(updates);
  const auto now = app::Clock::now();
  for (const auto t0 : sent_at) ctx_.metrics().fanout_latency.observe(now - t0);
  if (held_bytes_ <= held_limit() / 2) resume_stalled();
  if (log_bytes_ > std::max(snapshot_bytes_, ctx_.limits().compact_min_bytes)) compact();
  if (sessions_.empty()) schedule_unload();
}

std::size_t Room::held_limit() const {
  return std::max<std::size_t>(ctx_.limits().queue_bytes / 4, 1);
}

void Room::hold(Held h) {
  held_bytes_ += h.frame->size();
  held_.push_back(std::move(h));
}

void Room::resume_stalled() {
  auto stalled = std::move(stalled_);
  stalled_.clear();
  for (const auto& s : stalled) s->resume_reading();
}

void Room::send_or_hold(const std::shared_ptr<WsSession>& target, SharedFrame frame, FrameKind kind,
                        app::Clock::time_point t0) {
  if (committed_seq_ >= applied_seq_) return target->send(std::move(frame), kind);
  hold({applied_seq_, target, std::move(frame), kind, t0});
}

void Room::broadcast(const SharedFrame& frame, FrameKind kind) {
  if (sessions_.size() < 2 || !netio::io_uring_active()) {
    for (const auto& s : sessions_) s->send(frame, kind);
    return;
  }
  // Every session that can take the frame now gets it in one batch of sends (one system call
  // with io_uring); the others queue it. Header and payload are the same for every session.
  thread_local std::vector<std::uint8_t> wire;
  thread_local std::vector<netio::SendEntry> entries;
  thread_local std::vector<WsSession*> targets;
  wsproto::Header header;
  const auto header_size = wsproto::encode_header(header, wsproto::Opcode::binary, frame->size());
  wire.assign(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(header_size));
  wire.insert(wire.end(), frame->begin(), frame->end());
  entries.clear();
  targets.clear();
  for (const auto& s : sessions_) {
    if (s->writable_now()) {
      entries.push_back({s->native_socket(), wire.data(), wire.size(), 0});
      targets.push_back(s.get());
    } else {
      s->send(frame, kind);
    }
  }
  netio::send_all(entries);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    targets[i]->sent_in_batch(frame, kind, entries[i].result, wire.size());
  }
}

void Room::broadcast_updates(std::vector<SharedFrame>& updates) {
  std::size_t i = 0;
  while (i < updates.size()) {
    // One chunk: as many updates as the bounds allow (at least one).
    std::size_t end = i + 1;
    std::size_t bytes = updates[i]->size();
    while (end < updates.size() && end - i < kMaxMergedUpdates &&
           bytes + updates[end]->size() <= kMaxMergedBytes) {
      bytes += updates[end++]->size();
    }
    if (end - i == 1) {
      broadcast(updates[i], FrameKind::update);
      i = end;
      continue;
    }
    SharedFrame merged;
    try {
      std::vector<crdt::ByteView> parts;
      parts.reserve(end - i);
      for (std::size_t k = i; k < end; ++k)
        parts.push_back(crdt::sync::update_payload(*updates[k]));
      merged = share(crdt::sync::encode_sync_update(crdt::merge_updates(parts)));
    } catch (const crdt::Error& e) {
      // Our own updates always decode; if not, send them one by one, as they are.
      log::error("update_merge_failed", {{"document", name_}, {"error", e.what()}});
    }
    if (merged) {
      broadcast(merged, FrameKind::update);
      ctx_.metrics().broadcast_merges.fetch_add(1, std::memory_order_relaxed);
    } else {
      for (std::size_t k = i; k < end; ++k) broadcast(updates[k], FrameKind::update);
    }
    i = end;
  }
  updates.clear();
}

void Room::queue_awareness(const std::vector<std::uint64_t>& ids) {
  if (ids.empty()) return;
  awareness_pending_.insert(awareness_pending_.end(), ids.begin(), ids.end());
  if (awareness_flush_posted_) return;
  awareness_flush_posted_ = true;
  // Runs after the messages already queued on the strand: their changes join this broadcast.
  net::post(strand_, [self = shared_from_this()] {
    self->awareness_flush_posted_ = false;
    self->flush_awareness();
  });
}

void Room::flush_awareness() {
  if (awareness_pending_.empty()) return;
  auto ids = std::move(awareness_pending_);
  awareness_pending_.clear();
  if (state_ != State::ready) return;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  // Each id with its current state and clock: what its last change left (awareness.js encodes
  // the current state too).
  broadcast_awareness(ids);
}

void Room::broadcast_awareness(const std::vector<std::uint64_t>& ids) {
  if (ids.empty() || sessions_.empty()) return;
  broadcast(share(crdt::sync::encode_awareness(awareness_.encode_update(ids))),
            FrameKind::awareness);
}

void Room::on_awareness(const std::shared_ptr<WsSession>& session, crdt::ByteView payload) {
  std::vector<crdt::awareness::Entry> entries;
  try {
    entries = crdt::awareness::decode_update(payload);
  } catch (const crdt::Error& e) {
    ctx_.metrics().malformed_messages.fetch_add(1, std::memory_order_relaxed);
    return session->close(wsproto::CloseCode::bad_payload,
                          std::string("malformed awareness update: ") + crdt::to_string(e.code()));
  }
  // Cap the ids one connection speaks for; entries for further new ids are dropped.
  std::size_t owned = 0;
  for (const auto& [id, owner] : controllers_) owned += owner == session.get() ? 1 : 0;
  std::erase_if(entries, [&](const crdt::awareness::Entry& e) {
    const auto it = controllers_.find(e.client_id);
    if (it != controllers_.end() && it->second == session.get()) return false;
    if (e.json == "null") return false;
    // Clients echo the states of others at the clock they got them; the clock rule drops
    // those, so they do not count against the cap.
    const auto* known = awareness_.find(e.client_id);
    if (known != nullptr && e.clock <= known->clock) return false;
    if (owned >= kMaxAwarenessIdsPerSession) return true;
    ++owned;
    return false;
  });
  const auto changes = awareness_.apply_entries(entries, now_ms());
  if (changes.empty()) return;
  for (const auto id : changes.added) controllers_[id] = session.get();
  for (const auto id : changes.updated) controllers_[id] = session.get();
  for (const auto id : changes.removed) controllers_.erase(id);
  // Every session, the sender included: the echo keeps a lone client's 30 s timer alive.
  queue_awareness(changes.all());
}

void Room::remove_awareness_of(const WsSession* session) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, owner] : controllers_) {
    if (owner == session) ids.push_back(id);
  }
  for (const auto id : ids) controllers_.erase(id);
  flush_awareness();  // earlier changes first
  broadcast_awareness(awareness_.remove_states(ids, now_ms()));
}

void Room::arm_awareness_timer() {
  if (awareness_timer_armed_ || state_ != State::ready) return;
  awareness_timer_armed_ = true;
  awareness_timer_.expires_after(ctx_.limits().awareness_check);
  awareness_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->awareness_timer_armed_ = false;
    if (ec || self->state_ != State::ready) return;
    const auto removed = self->awareness_.remove_outdated(
        self->now_ms(), self->ctx_.limits().awareness_timeout.count());
    for (const auto id : removed) self->controllers_.erase(id);
    self->flush_awareness();
    self->broadcast_awareness(removed);
    if (!self->sessions_.empty() || self->awareness_.size() > 0) self->arm_awareness_timer();
  });
}

void Room::arm_tick_timer() {
  if (tick_timer_armed_ || sessions_.empty()) return;
  tick_timer_armed_ = true;
  // Often enough to ping at half the idle timeout and close at the full one, give or take an
  // eighth; one timer per room instead of one per connection.
  const auto period = std::clamp<app::Clock::duration>(
      ctx_.limits().ws_idle_timeout / 8, std::chrono::milliseconds(100), std::chrono::seconds(5));
  tick_timer_.expires_after(period);
  tick_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->tick_timer_armed_ = false;
    if (ec) return;
    const auto now = app::Clock::now();
    // A tick may end a session; its leave is posted, so the list stays as it is here.
    for (const auto& s : self->sessions_) s->tick(now);
    self->arm_tick_timer();
  });
}

void Room::schedule_unload() {
  if (state_ != State::ready || !sessions_.empty()) return;
  unload_timer_.expires_after(ctx_.limits().unload_delay);
  unload_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->try_unload();
  });
}

void Room::try_unload() {
  if (state_ != State::ready || !sessions_.empty() || !waiting_.empty()) return;
  // Every applied update must be committed first; on_committed calls back here.
  if (committed_seq_ < applied_seq_) return;
  // Fold the log into the snapshot before letting go, so that the next load is one read.
  // Queued before any later load of this document (the storage thread is FIFO).
  if (log_bytes_ > 0) compact();
  if (!registry_.try_remove(*this)) return;  // someone is joining right now
  state_ = State::unloaded;
  doc_.reset();
  held_.clear();
  held_bytes_ = 0;
  awareness_timer_.cancel();
  tick_timer_.cancel();
  ctx_.metrics().documents_loaded.fetch_sub(1, std::memory_order_relaxed);
}

void Room::compact() {
  auto snapshot = share(doc_->encode_state_as_update());
  const auto upto = applied_seq_;
  snapshot_bytes_ = snapshot->size();
  doc_bytes_ = snapshot_bytes_;
  log_bytes_ = 0;
  ctx_.metrics().compactions.fetch_add(1, std::memory_order_relaxed);
  ctx_.storage().post([name = name_, snapshot, upto](storage::Database& db) {
    db.compact_document(name, *snapshot, upto, storage::unix_now());
  });
}

void Room::drop_sessions() {
  sessions_.clear();
  waiting_.clear();
  stalled_.clear();
  held_.clear();
  held_bytes_ = 0;
}

void Room::fail(const std::string& why) {
  if (state_ == State::failed || state_ == State::unloaded) return;
  log::error("room_failed", {{"document", name_}, {"reason", why}});
  if (state_ == State::ready) {
    ctx_.metrics().documents_loaded.fetch_sub(1, std::memory_order_relaxed);
  }
  state_ = State::failed;
  registry_.remove(*this);
  for (const auto& s : sessions_) s->close(wsproto::CloseCode::internal_error, why);
  for (const auto& s : waiting_) s->close(wsproto::CloseCode::internal_error, why);
  sessions_.clear();
  waiting_.clear();
  stalled_.clear();
  held_.clear();
  held_bytes_ = 0;
  doc_.reset();
  unload_timer_.cancel();
  awareness_timer_.cancel();
  tick_timer_.cancel();
}

}  // namespace napc::sync
