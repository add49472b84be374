#include "app/rate_limiter.hpp"

#include <algorithm>

namespace napc::app {

void TokenBucket::refill(Clock::time_point now) {
  if (last_ == Clock::time_point{}) {
    last_ = now;
    return;
  }
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::take(double cost, Clock::time_point now) {
  if (rate_ <= 0) return true;
  refill(now);
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void TokenBucket::give_back(double cost, Clock::time_point now) {
  if (rate_ <= 0) return;
  refill(now);
  tokens_ = std::min(burst_, tokens_ + cost);
}

double TokenBucket::wait_seconds(double cost, Clock::time_point now) {
  if (rate_ <= 0) return 0;
  refill(now);
  return tokens_ >= cost ? 0 : (cost - tokens_) / rate_;
}

bool TokenBucket::full(Clock::time_point now) {
  refill(now);
  return tokens_ >= burst_;
}

bool KeyedRateLimiter::take(const std::string& key, Clock::time_point now, double* retry_after) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= max_keys_) prune(now);
  auto [it, inserted] = buckets_.try_emplace(key, rate_, burst_);
  if (it->second.take(1, now)) return true;
  if (retry_after != nullptr) *retry_after = it->second.wait_seconds(1, now);
  return false;
}

void KeyedRateLimiter::give_back(const std::string& key, Clock::time_point now) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it != buckets_.end()) it->second.give_back(1, now);
}

bool KeyedRateLimiter::would_allow(const std::string& key, Clock::time_point now,
                                   double* retry_after) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return true;
  const double wait = it->second.wait_seconds(1, now);
  if (wait <= 0) return true;
  if (retry_after != nullptr) *retry_after = wait;
  return false;
}

void KeyedRateLimiter::prune(Clock::time_point now) {
  // Full buckets carry no information; drop them. If every bucket is in use (an address
  // flood), start over rather than grow without bound.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = it->second.full(now) ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

}  // namespace napc::app
