#include "storage/checkpointer.hpp"

#include <sqlite3.h>

#include "log/log.hpp"

namespace napc::storage {

WalCheckpointer::WalCheckpointer(Connection& writer, const std::string& path, int pages)
    : writer_(writer), conn_(path), pages_(pages) {
  // A connection learns the journal mode when it first reads; until then a checkpoint through it
  // does nothing (and reports -1 frames).
  conn_.exec("PRAGMA journal_mode=WAL");
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  // Back to SQLite's own checkpoints for whatever the writer commits after this.
  sqlite3_wal_autocheckpoint(writer_.handle(), 1000);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char*, int pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  me->last_pages_.store(pages, std::memory_order_relaxed);
  if (pages < me->pages_) return SQLITE_OK;
  if (pages >= kValve * me->pages_) {
    // Writes so dense that no checkpoint of the thread finishes before the next commit: the WAL
    // would only grow. Copy it here, in the commit path, as SQLite would have; a checkpoint of
    // the thread under way is waited for first (SQLite would refuse a second one at once).
    std::lock_guard running(me->checkpoint_mutex_);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  {
    std::lock_guard lock(me->mutex_);
    me->wanted_ = true;
  }
  me->cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    int rc;
    {
      std::lock_guard running(checkpoint_mutex_);
      rc = sqlite3_wal_checkpoint_v2(conn_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                     nullptr);
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      log::error("wal_checkpoint_failed",
                 {{"sqlite_rc", rc}, {"error", sqlite3_errmsg(conn_.handle())}});
    }
    done_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace napc::storage
