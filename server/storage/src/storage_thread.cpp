#include "storage/storage_thread.hpp"

#include <utility>

#include "log/log.hpp"

namespace napc::storage {

namespace {

std::unique_ptr<WalCheckpointer> checkpointer_for(Database* db) {
  if (db == nullptr || db->read_only() || db->path().empty() || db->path() == ":memory:" ||
      db->path().starts_with("file:")) {
    return nullptr;
  }
  return std::make_unique<WalCheckpointer>(db->connection(), db->path());
}

}  // namespace

StorageThread::StorageThread(std::unique_ptr<Database> db, CommitObserver observer)
    : db_(std::move(db)),
      checkpointer_(checkpointer_for(db_.get())),
      observer_(std::move(observer)),
      thread_([this] { run(); }) {}

StorageThread::~StorageThread() { stop(); }

void StorageThread::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(task));
  }
  cv_.notify_one();
}

void StorageThread::append(DocumentAppend update, AppendDone done, AppendDone before_done) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(AppendItem{std::move(update), std::move(done), std::move(before_done)});
  }
  cv_.notify_one();
}

void StorageThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::size_t StorageThread::backlog() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + in_progress_;
}

void StorageThread::run() {
  for (;;) {
    std::deque<Item> work;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      work.swap(queue_);
      in_progress_ = work.size();
    }
    // FIFO: a run of consecutive appends becomes one transaction; tasks run one by one.
    std::deque<Item> batch;
    auto flush = [&] {
      if (!batch.empty()) commit_batch(batch);
      batch.clear();
    };
    for (auto& item : work) {
      if (std::holds_alternative<AppendItem>(item)) {
        batch.push_back(std::move(item));
        continue;
      }
      flush();
      try {
        std::get<Task>(item)(*db_);
      } catch (const std::exception& e) {
        log::error("storage_task_failed", {{"error", e}});
      }
    }
    flush();
    std::lock_guard lock(mutex_);
    in_progress_ = 0;
  }
}

void StorageThread::commit_batch(std::deque<Item>& batch) {
  if (commit_delay_.count() > 0) std::this_thread::sleep_for(commit_delay_);
  const auto start = std::chrono::steady_clock::now();
  bool ok = true;
  try {
    Transaction tx(db_->connection());
    const auto now = unix_now();
    for (auto& item : batch) {
      auto& u = std::get<AppendItem>(item).update;
      db_->append_update(u.document, u.seq, *u.data, u.participant_id, now);
      if (u.participant_id) {
        db_->add_contribution(u.document, *u.participant_id, u.inserted, u.deleted);
      }
    }
    tx.commit();
  } catch (const std::exception& e) {
    log::error("group_commit_failed", {{"updates", batch.size()}, {"error", e}});
    ok = false;
  }
  if (ok && observer_) observer_(std::chrono::steady_clock::now() - start, batch.size());
  for (auto& item : batch) {
    auto& before_done = std::get<AppendItem>(item).before_done;
    if (before_done) before_done(ok);
  }
  for (auto& item : batch) {
    auto& done = std::get<AppendItem>(item).done;
    if (done) done(ok);
  }
}

}  // namespace napc::storage
