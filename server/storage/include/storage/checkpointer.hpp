#pragma once
// Checkpoints a WAL database on a thread and a connection of its own, so that no commit waits
// for one.
//
// SQLite's default runs a checkpoint inside the commit that takes the WAL past 1,000 pages:
// that commit (and every update behind it in the group commit) waits while ~4 MB are copied into
// the database and synced, 2.5–10 ms on this project's machines, about every 2.5 s at 200
// updates/s (the p99.9 of tests/bench/server). Here the committing connection only notes the
// WAL's size (a WAL hook, which replaces the automatic checkpoints); past the threshold it wakes
// this thread, which runs a PASSIVE checkpoint on its own connection while commits go on
// appending to the WAL. The next commit after a complete checkpoint starts the WAL over. Under
// writes so dense that no checkpoint finishes before the next commit, the WAL would only grow:
// past eight times the threshold the committing connection checkpoints in its commit path, as
// SQLite does at the threshold (after the thread's checkpoint under way, if any).
//
// Thread safety: the WAL hook runs on the committing connection's thread; the rest is internal.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite.hpp"

struct sqlite3;

namespace napc::storage {

class WalCheckpointer {
 public:
  // Opens a second connection to `path` (a WAL database) and registers the WAL hook on
  // `writer`, which must outlive this object.
  WalCheckpointer(Connection& writer, const std::string& path, int pages = 1000);
  // Removes the hook and stops the thread (a checkpoint under way completes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run by the thread so far (complete or not).
  std::uint64_t checkpoints() const { return done_.load(std::memory_order_relaxed); }
  // Frames in the WAL after the writer's last commit.
  int wal_pages() const { return last_pages_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kValve = 8;  // × pages: the writer checkpoints itself
  static int on_commit(void* self, sqlite3* db, const char* name, int pages);
  void run();

  Connection& writer_;
  Connection conn_;
  const int pages_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::mutex checkpoint_mutex_;  // held while a checkpoint runs
  bool wanted_ = false;
  bool stopping_ = false;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<int> last_pages_{0};
  std::thread thread_;
};

}  // namespace napc::storage
