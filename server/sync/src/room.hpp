#pragma once
// One document room (the Beast chat-multi `shared_state`, one per document): owns the
// crdt::Doc and the awareness of one section's document and runs on its own strand. Sessions
// post into it; it encodes each outgoing message once and shares the buffer.
//
// Durability (design §7): an applied update is appended to the storage thread's group commit
// and broadcast only after that commit. Anything else that could show a client uncommitted
// content (a step 2 reply while commits are outstanding) waits behind the same commit, so
// `kill -9` at any moment loses nothing a client has been shown.
//
// Life cycle: loading (the document is read from storage before step 1 is sent) → ready →
// unloaded, when the last session has left, every update is committed and the unload delay
// has passed. A storage failure fails the room: its sessions are closed with 1011 and the next
// connection loads the document afresh.
//
// Batching: everything that one group commit makes durable is released together, and the run
// of document updates it holds goes out as one merged update (crdt::merge_updates, lossless), so
// a busy room costs one frame per session per commit, not one per update. Awareness changes
// that arrive together (already queued on the strand) are broadcast as one awareness message.
//
// Thread safety: public members may be called from any thread; they post to the strand.
// `attached_` is guarded by the registry's mutex (see RoomRegistry); `durable_seq_` and
// `storage_failed_` are written by the storage thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <crdt/awareness.hpp>
#include <crdt/doc.hpp>
#include <crdt/sync.hpp>

#include "app/context.hpp"
#include "net/net.hpp"
#include "sync/ws_session.hpp"

namespace napc::sync {

class RoomRegistry;

class Room : public std::enable_shared_from_this<Room> {
 public:
  Room(net::io_context& ioc, app::Context& ctx, RoomRegistry& registry, std::string name);
  ~Room();

  // Reads the document from storage; called once by the registry after creating the room.
  void start_loading();
  void join(std::shared_ptr<WsSession> session);
  void leave(std::shared_ptr<WsSession> session);
  // A frame from `session`; the room calls session->resume_reading() when done with it.
  void deliver(std::shared_ptr<WsSession> session, SharedFrame frame, app::Clock::time_point t0);

  const std::string& name() const { return name_; }
  // RoomRegistry::drop_all, once no handler runs any more.
  void drop_sessions();
  // Sessions of this room run their handlers on this strand too.
  const RoomStrand& strand() const { return strand_; }

 private:
  friend class RoomRegistry;
  enum class State { loading, ready, failed, unloaded };

  // A message that must wait until the update with `seq` has been committed.
  struct Held {
    std::int64_t seq;
    std::shared_ptr<WsSession> target;  // nullptr: every session in the room
    SharedFrame frame;
    FrameKind kind;
    app::Clock::time_point t0;
  };

  void on_loaded(storage::StoredDocument stored);
  void on_join(const std::shared_ptr<WsSession>& session);
  void on_leave(const std::shared_ptr<WsSession>& session);
  void on_message(const std::shared_ptr<WsSession>& session, const SharedFrame& frame,
                  app::Clock::time_point t0);
  void on_sync(const std::shared_ptr<WsSession>& session, crdt::sync::SyncType type,
               crdt::ByteView payload, app::Clock::time_point t0);
  void on_awareness(const std::shared_ptr<WsSession>& session, crdt::ByteView payload);
  void refuse(const std::shared_ptr<WsSession>& session, const std::string& reason);
  void on_committed(std::int64_t seq, bool ok);
  void hold(Held h);
  std::size_t held_limit() const;
  void resume_stalled();
  void send_or_hold(const std::shared_ptr<WsSession>& target, SharedFrame frame, FrameKind kind,
                    app::Clock::time_point t0);
  void broadcast(const SharedFrame& frame, FrameKind kind);
  // Broadcasts `updates` (sync update frames, in commit order) as one merged frame.
  void broadcast_updates(std::vector<SharedFrame>& updates);
  void broadcast_awareness(const std::vector<std::uint64_t>& ids);
  // Queues awareness ids for one broadcast after the handlers already on the strand.
  void queue_awareness(const std::vector<std::uint64_t>& ids);
  void flush_awareness();
  void remove_awareness_of(const WsSession* session);
  void arm_awareness_timer();
  // Ticks every session (idle pings and timeouts) while the room has any.
  void arm_tick_timer();
  void schedule_unload();
  void try_unload();
  void compact();
  void fail(const std::string& why);
  std::int64_t now_ms() const;

  RoomStrand strand_;
  app::Context& ctx_;
  RoomRegistry& registry_;
  const std::string name_;
  State state_ = State::loading;
  std::size_t attached_ = 0;  // guarded by the registry's mutex

  std::optional<crdt::Doc> doc_;
  crdt::awareness::Awareness awareness_;
  // Which session last set each awareness client id: its states are removed when it leaves.
  std::map<std::uint64_t, const WsSession*> controllers_;

  std::vector<std::shared_ptr<WsSession>> sessions_;
  std::vector<std::shared_ptr<WsSession>> waiting_;  // joined while loading

  std::int64_t next_seq_ = 1;
  std::int64_t applied_seq_ = 0;    // last seq handed to storage
  std::int64_t committed_seq_ = 0;  // last seq known committed
  // Set by the storage thread before it reports a commit: the highest seq that a successful
  // group commit has made durable (a later report finds its whole batch committed already), and
  // whether any commit failed (then only the reports themselves count).
  std::atomic<std::int64_t> durable_seq_{0};
  std::atomic<bool> storage_failed_{false};
  std::deque<Held> held_;
  std::size_t held_bytes_ = 0;
  // Sessions whose next read waits until held_bytes_ drops (storage backpressure).
  std::vector<std::shared_ptr<WsSession>> stalled_;
  std::size_t snapshot_bytes_ = 0;
  std::size_t log_bytes_ = 0;
  std::size_t doc_bytes_ = 0;  // estimate of the encoded state, for the size cap

  net::steady_timer unload_timer_;
  net::steady_timer awareness_timer_;
  bool awareness_timer_armed_ = false;
  net::steady_timer tick_timer_;
  bool tick_timer_armed_ = false;
  std::vector<std::uint64_t> awareness_pending_;  // changed ids not yet broadcast
  bool awareness_flush_posted_ = false;
  const app::Clock::time_point epoch_ = app::Clock::now();
};

}  // namespace napc::sync
