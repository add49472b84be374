#pragma once
// Token buckets: TokenBucket for one connection (owned by its strand, no locking) and
// KeyedRateLimiter for per-address limits shared by every thread (one mutex, bounded size).
// Time is passed in so that tests are deterministic.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace napc::app {

using Clock = std::chrono::steady_clock;

class TokenBucket {
 public:
  TokenBucket() = default;
  // `rate` tokens per second, at most `burst` saved up; starts full.
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Takes `cost` tokens if available. A rate of 0 disables the limit.
  bool take(double cost, Clock::time_point now);
  // Returns `cost` tokens taken earlier (never past the burst).
  void give_back(double cost, Clock::time_point now);
  // Seconds until `cost` tokens will be available (0 when they are).
  double wait_seconds(double cost, Clock::time_point now);
  // True when the bucket is full (nothing to remember about this key).
  bool full(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  Clock::time_point last_{};
};

class KeyedRateLimiter {
 public:
  KeyedRateLimiter(double rate, double burst, std::size_t max_keys = 100000)
      : rate_(rate), burst_(burst), max_keys_(max_keys) {}

  // Takes one token from `key`'s bucket. Returns false (and how long to wait) when empty.
  bool take(const std::string& key, Clock::time_point now, double* retry_after = nullptr);
  // Returns the token a take() took, when what it guarded turned out not to count (a join that
  // succeeded takes a token first, so that parallel guesses cannot all pass one check).
  void give_back(const std::string& key, Clock::time_point now);
  // Whether `key` could take a token now, without taking it.
  bool would_allow(const std::string& key, Clock::time_point now, double* retry_after = nullptr);

 private:
  void prune(Clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace napc::app
