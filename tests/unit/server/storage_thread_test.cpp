// storage::StorageThread: FIFO execution, group commit, completions after the commit, failure
// of a whole batch, draining on stop.
#include "storage/storage_thread.hpp"

#include <atomic>
#include <future>
#include <mutex>
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
