// storage::StorageThread: FIFO execution, group commit, completions after the commit, failure
// of a whole batch, draining on stop.
#include "storage/storage_thread.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

namespace napc::storage {
namespace {

DocumentAppend make_append(std::int64_t seq, std::uint8_t byte) {
  DocumentAppend a;
  a.document = "c/s";
  a.seq = seq;
  a.data = std::make_shared<const Bytes>(Bytes{byte});
  return a;
}

TEST(StorageThread, AppendsCommitInOrderAndCompleteAfterCommit) {
  std::atomic<std::size_t> commits{0};
  std::atomic<std::size_t> committed{0};
  StorageThread st(std::make_unique<Database>(":memory:"),
                   [&](std::chrono::nanoseconds, std::size_t batch) {
                     commits += 1;
                     committed += batch;
                   });
  std::mutex m;
  std::vector<std::int64_t> order;
  std::vector<std::promise<bool>> results(200);
  for (std::int64_t i = 1; i <= 200; ++i) {
    st.append(make_append(i, static_cast<std::uint8_t>(i)), [&, i](bool ok) {
      std::lock_guard lock(m);
      order.push_back(i);
      results[static_cast<std::size_t>(i - 1)].set_value(ok);
    });
  }
  for (auto& r : results) EXPECT_TRUE(r.get_future().get());
  std::promise<std::size_t> stored;
  st.post([&](Database& db) { stored.set_value(db.load_document("c/s").updates.size()); });
  EXPECT_EQ(stored.get_future().get(), 200u);
  st.stop();
  for (std::size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(order[i], static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(committed.load(), 200u);
  EXPECT_LE(commits.load(), 200u);
  EXPECT_GE(commits.load(), 1u);
}

TEST(StorageThread, AFailedBatchReportsFailureToEveryAppend) {
  StorageThread st(std::make_unique<Database>(":memory:"));
  std::promise<bool> first;
  st.append(make_append(1, 1), [&](bool ok) { first.set_value(ok); });
  EXPECT_TRUE(first.get_future().get());
  // Hold the thread so that the next two appends land in one batch, one of them bad.
  std::promise<void> release;
  auto released = release.get_future().share();
  st.post([released](Database&) { released.wait(); });
  std::promise<bool> good;
  std::promise<bool> duplicate;
  st.append(make_append(2, 2), [&](bool ok) { good.set_value(ok); });
  st.append(make_append(1, 9), [&](bool ok) { duplicate.set_value(ok); });
  release.set_value();
  EXPECT_FALSE(good.get_future().get());
  EXPECT_FALSE(duplicate.get_future().get());
  std::promise<std::size_t> stored;
  st.post([&](Database& db) { stored.set_value(db.load_document("c/s").updates.size()); });
  EXPECT_EQ(stored.get_future().get(), 1u);  // the batch rolled back as a whole
}

TEST(StorageThread, ATaskThatThrowsDoesNotStopTheThread) {
  StorageThread st(std::make_unique<Database>(":memory:"));
  st.post([](Database&) { throw std::runtime_error("boom"); });
  std::promise<int> after;
  st.post([&](Database& db) { after.set_value(db.schema_version()); });
  EXPECT_EQ(after.get_future().get(), kSchemaVersion);
}

TEST(StorageThread, StopDrainsTheQueue) {
  std::atomic<int> done{0};
  {
    StorageThread st(std::make_unique<Database>(":memory:"));
    for (int i = 0; i < 100; ++i) {
      st.append(make_append(i + 1, 1), [&](bool ok) { done += ok ? 1 : 0; });
    }
    st.stop();
    EXPECT_EQ(done.load(), 100);
  }
}

}  // namespace
}  // namespace napc::storage

namespace napc::storage {
namespace {

// WAL checkpoints run on the checkpointer's own thread and connection once the WAL passes its
// threshold: after a pause the WAL starts over; under writes too dense for it to catch up the
// writer checkpoints itself, so the WAL stays bounded; the data stays whole; and once the
// checkpointer is gone the writer is back on SQLite's own checkpoints.
TEST(WalCheckpointer, CheckpointsOffTheCommittingThread) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("napc-ckpt-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "db.sqlite").string();
  {
    Database db(path);
    db.connection().exec("CREATE TABLE blobs(x BLOB)");
    const auto wal_size = [&] {
      std::error_code ec;
      const auto n = std::filesystem::file_size(path + "-wal", ec);
      return ec ? std::uintmax_t{0} : n;
    };
    {
      WalCheckpointer ckpt(db.connection(), path, /*pages=*/32);
      // Dense writes, about 2.6 pages each (~10.7 MB of WAL without checkpoints): the WAL is
      // started over again and again, after the thread's checkpoints or, past 8 x 32 pages,
      // the writer's own.
      std::uintmax_t largest_wal = 0;
      for (int i = 0; i < 1000; ++i) {
        db.connection().exec("INSERT INTO blobs VALUES(randomblob(4000))");
        largest_wal = std::max(largest_wal, wal_size());
      }
      std::cout << "largest WAL: " << largest_wal << " bytes\n";
      EXPECT_GE(ckpt.checkpoints(), 1u);
      EXPECT_LT(largest_wal, std::uintmax_t{3} << 20);
      // A pause: the thread's checkpoints catch up and copy everything, so a commit starts the
      // WAL over. How long catching up takes depends on the machine (a sanitizer build on a
      // loaded CI core needed more than a fixed quiet period once): small commits are made
      // until one starts the WAL over, for at most 10 s.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      int pages = 0;
      do {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        db.connection().exec("INSERT INTO blobs VALUES(randomblob(10))");
        pages = ckpt.wal_pages();
      } while (pages > 4 && std::chrono::steady_clock::now() < until);
      EXPECT_LE(pages, 4);
    }
    // Without the checkpointer, commits work as before.
    db.connection().exec("INSERT INTO blobs VALUES(randomblob(10))");
    auto count = db.connection().prepare("SELECT count(*) FROM blobs");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.column_int(0), 1002);
  }
  std::filesystem::remove_all(dir);
}

TEST(WalCheckpointer, TheStorageThreadUsesOneForFileDatabases) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("napc-ckpt-st-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "db.sqlite").string();
  {
    StorageThread st(std::make_unique<Database>(path));
    std::vector<std::promise<bool>> done(3000);
    // Appends of 2 KB: ~3,000 pages of WAL, three times the checkpoint threshold.
    for (std::int64_t i = 1; i <= 3000; ++i) {
      DocumentAppend a;
      a.document = "c/s";
      a.seq = i;
      a.data = std::make_shared<const Bytes>(Bytes(2048, static_cast<std::uint8_t>(i)));
      st.append(std::move(a),
                [&done, i](bool ok) { done[static_cast<std::size_t>(i - 1)].set_value(ok); });
      if (i % 100 == 0) done[static_cast<std::size_t>(i - 1)].get_future().wait();
    }
    for (std::size_t i = 0; i < done.size(); ++i) {
      if ((i + 1) % 100 != 0) {
        EXPECT_TRUE(done[i].get_future().get());
      }
    }
    std::promise<std::size_t> rows;
    st.post([&rows](Database& db) { rows.set_value(db.load_document("c/s").updates.size()); });
    EXPECT_EQ(rows.get_future().get(), 3000u);
  }
  // Closed cleanly: the last connection checkpointed and removed the WAL.
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace napc::storage

namespace napc::storage {
namespace {

// Every before_done of a group commit runs before its first done: what a caller publishes there
// is complete when any done sees it (the room releases a whole group with its first report).
TEST(StorageThread, BeforeDoneOfAGroupRunsBeforeItsFirstDone) {
  StorageThread st(std::make_unique<Database>(":memory:"));
  // Hold the storage thread until all 50 appends are queued: they commit as one group.
  std::promise<void> release;
  st.post([f = release.get_future().share()](Database&) { f.wait(); });
  std::atomic<std::int64_t> published{0};
  std::mutex m;
  std::vector<std::int64_t> seen_at_done;
  std::vector<std::promise<void>> done(50);
  for (std::int64_t i = 1; i <= 50; ++i) {
    st.append(
        make_append(i, 1),
        [&, i](bool) {
          {
            std::lock_guard lock(m);
            seen_at_done.push_back(published.load());
          }
          done[static_cast<std::size_t>(i - 1)].set_value();
        },
        [&, i](bool ok) {
          if (ok) published.store(std::max(published.load(), i));
        });
  }
  release.set_value();
  for (auto& d : done) d.get_future().wait();
  // Even the group's first done saw what the whole group published.
  ASSERT_EQ(seen_at_done.size(), 50u);
  for (std::size_t i = 0; i < seen_at_done.size(); ++i) EXPECT_EQ(seen_at_done[i], 50) << i;
}

}  // namespace
}  // namespace napc::storage
