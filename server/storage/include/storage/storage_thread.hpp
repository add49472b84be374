#pragma once
// The storage thread: SQLite never runs on an I/O thread (design §3). Everything that touches
// the database is queued here and executed in FIFO order on one dedicated thread.
//
// Document updates are group-committed: consecutive appends in the queue go into one
// transaction, and each append's completion runs only after that transaction has committed.
// Callers use the completion to release the update to clients (commit before broadcast).
//
// Thread safety: post()/append() may be called from any thread. Completions and tasks run on
// the storage thread; they must not block and should hand results back to their own executor.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "storage/checkpointer.hpp"
#include "storage/database.hpp"

namespace napc::storage {

struct DocumentAppend {
  std::string document;
  std::int64_t seq = 0;
  std::shared_ptr<const Bytes> data;
  std::optional<std::int64_t> participant_id;
  std::int64_t inserted = 0;  // attribution for the contribution ledger
  std::int64_t deleted = 0;
};

class StorageThread {
 public:
  using Task = std::function<void(Database&)>;
  using AppendDone = std::function<void(bool committed)>;
  // Observes each group commit: its latency and how many appends it carried.
  using CommitObserver = std::function<void(std::chrono::nanoseconds latency, std::size_t batch)>;

  explicit StorageThread(std::unique_ptr<Database> db, CommitObserver observer = {});

  // Fault injection for the durability tests: wait this long before every group commit, which
  // widens the window in which updates are applied in memory but not yet durable.
  void set_commit_delay(std::chrono::milliseconds delay) { commit_delay_ = delay; }
  ~StorageThread();
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  // Runs `task` on the storage thread. Exceptions thrown by the task are caught and logged.
  void post(Task task);
  // Appends a document update; `done(true)` runs after the commit that contains it,
  // `done(false)` if that transaction failed (nothing of the batch was stored).
  // `before_done`, if given, runs when the group commit that contains the append has ended,
  // before the first `done` of that group: a caller that publishes there what is durable sees,
  // in any of its `done`s, everything the whole group made durable.
  void append(DocumentAppend update, AppendDone done, AppendDone before_done = {});
  // Finishes everything queued so far, then stops the thread. Idempotent.
  void stop();
  // Tasks queued and not yet finished.
  std::size_t backlog() const;

 private:
  struct AppendItem {
    DocumentAppend update;
    AppendDone done;
    AppendDone before_done;
  };
  using Item = std::variant<Task, AppendItem>;

  void run();
  void commit_batch(std::deque<Item>& batch);

  std::unique_ptr<Database> db_;
  // WAL checkpoints off the commit path (file databases only); destroyed before db_.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  CommitObserver observer_;
  std::chrono::milliseconds commit_delay_{0};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::size_t in_progress_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace napc::storage
