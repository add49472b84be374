// The server's budgets (issue #10): connections in total and per address, WebSocket connections
// per participant, and bytes held for unfinished messages. Slots give back what they took.
#include "app/connection_budget.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace napc::app {
namespace {

TEST(ConnectionBudget, CapsEachAddressAndTheTotal) {
  ConnectionBudget budget(Budgets{5, 3, 2, 1024});
  std::vector<Slot> held;
  ConnectionBudget::Refusal why{};
  for (int i = 0; i < 3; ++i) {
    held.push_back(budget.admit_connection("10.0.0.1", &why));
    ASSERT_TRUE(held.back());
    EXPECT_EQ(why, ConnectionBudget::Refusal::none);
  }
  EXPECT_FALSE(budget.admit_connection("10.0.0.1", &why));
  EXPECT_EQ(why, ConnectionBudget::Refusal::address);
  held.push_back(budget.admit_connection("10.0.0.2", &why));
  held.push_back(budget.admit_connection("10.0.0.2", &why));
  ASSERT_TRUE(held.back());
  EXPECT_EQ(budget.connections(), 5u);
  EXPECT_FALSE(budget.admit_connection("10.0.0.3", &why));
  EXPECT_EQ(why, ConnectionBudget::Refusal::total);
  held.erase(held.begin());  // one of 10.0.0.1's closes
  EXPECT_EQ(budget.connections(), 4u);
  EXPECT_TRUE(budget.admit_connection("10.0.0.3", &why)) << "a released slot is free again";
  held.clear();
  EXPECT_EQ(budget.connections(), 0u);
}

TEST(ConnectionBudget, ASlotMovesWithItsConnectionAndIsReleasedOnce) {
  ConnectionBudget budget(Budgets{10, 1, 1, 1024});
  Slot a = budget.admit_connection("10.0.0.1");
  ASSERT_TRUE(a);
  Slot b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from slot is empty
  EXPECT_TRUE(b);
  EXPECT_EQ(budget.connections(), 1u);
  Slot c;
  c = std::move(b);
  EXPECT_EQ(budget.connections(), 1u);
  c = Slot{};
  EXPECT_EQ(budget.connections(), 0u);
  EXPECT_TRUE(budget.admit_connection("10.0.0.1"));
}

TEST(ConnectionBudget, CapsTheWebSocketsOfOneParticipant) {
  ConnectionBudget budget(Budgets{10, 10, 2, 1024});
  Slot s1 = budget.admit_websocket("7");
  Slot s2 = budget.admit_websocket("7");
  EXPECT_TRUE(s1 && s2);
  EXPECT_FALSE(budget.admit_websocket("7"));
  EXPECT_TRUE(budget.admit_websocket("8")) << "another participant is not affected";
  s1 = Slot{};
  EXPECT_TRUE(budget.admit_websocket("7"));
  EXPECT_EQ(budget.connections(), 0u) << "WebSocket slots are not connection slots";
}

TEST(ConnectionBudget, BufferedBytesStayWithinTheBudgetUnderContention) {
  ConnectionBudget budget(Budgets{10, 10, 10, 1000});
  EXPECT_TRUE(budget.reserve_buffer(600));
  EXPECT_FALSE(budget.reserve_buffer(401));
  EXPECT_TRUE(budget.reserve_buffer(400));
  budget.release_buffer(1000);
  EXPECT_EQ(budget.buffered_bytes(), 0u);
  // Four threads race for 10-byte reservations: never more than the budget is granted.
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (budget.reserve_buffer(10)) granted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 100);
  EXPECT_EQ(budget.buffered_bytes(), 1000u);
}

}  // namespace
}  // namespace napc::app
