// Token buckets with an injected clock.
#include "app/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace napc::app {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, BurstThenRate) {
  TokenBucket b(2.0, 4.0);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.take(1, t0));
  EXPECT_FALSE(b.take(1, t0));
  EXPECT_NEAR(b.wait_seconds(1, t0), 0.5, 1e-9);
  EXPECT_TRUE(b.take(1, t0 + 500ms));
  EXPECT_FALSE(b.take(1, t0 + 500ms));
  EXPECT_TRUE(b.full(t0 + 10s));
}

TEST(TokenBucket, ZeroRateDisablesTheLimit) {
  TokenBucket b(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.take(1, Clock::time_point{}));
}

TEST(KeyedRateLimiter, KeysAreIndependent) {
  KeyedRateLimiter l(1.0, 2.0);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_TRUE(l.take("a", t0));
  double retry = 0;
  EXPECT_FALSE(l.take("a", t0, &retry));
  EXPECT_NEAR(retry, 1.0, 1e-9);
  EXPECT_FALSE(l.would_allow("a", t0));
  EXPECT_TRUE(l.would_allow("b", t0));
  EXPECT_TRUE(l.take("b", t0));
  EXPECT_TRUE(l.would_allow("a", t0 + 1s));
}

// A join takes its token before it is evaluated and gives it back when it was no wrong guess:
// parallel guesses cannot all pass (issue #10, finding 6), and honest joins cost nothing.
TEST(KeyedRateLimiter, ATokenGivenBackCanBeTakenAgainButNeverPastTheBurst) {
  KeyedRateLimiter l(1.0 / 6, 2.0);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_FALSE(l.take("a", t0));
  l.give_back("a", t0);
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_FALSE(l.take("a", t0));
  for (int i = 0; i < 10; ++i) l.give_back("a", t0);
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_TRUE(l.take("a", t0));
  EXPECT_FALSE(l.take("a", t0)) << "giving back never raises a bucket past its burst";
  l.give_back("unknown", t0);  // nothing to give back to: no effect, no entry
  EXPECT_TRUE(l.take("unknown", t0));
}

TEST(KeyedRateLimiter, MemoryIsBounded) {
  KeyedRateLimiter l(1.0, 1.0, 100);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 10000; ++i) l.take(std::to_string(i), t0);
  // Still works after pruning: a fresh key is allowed.
  EXPECT_TRUE(l.take("fresh", t0));
}

}  // namespace
}  // namespace napc::app
