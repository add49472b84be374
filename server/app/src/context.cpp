#include "app/context.hpp"

#include <vector>

namespace napc::app {

Context::Context(Config config, std::unique_ptr<storage::Database> db)
    : config_(std::move(config)),
      storage_(std::move(db),
               [this](std::chrono::nanoseconds latency, std::size_t batch) {
                 metrics_.commit_latency.observe(latency);
                 metrics_.commits.fetch_add(1, std::memory_order_relaxed);
                 metrics_.committed_updates.fetch_add(batch, std::memory_order_relaxed);
               }),
      conn_limiter_(config_.limits.conn_rate, config_.limits.conn_burst),
      join_limiter_(config_.limits.join_failure_rate, config_.limits.join_failure_burst),
      budget_(Budgets{config_.limits.max_connections, config_.limits.max_connections_per_address,
                      config_.limits.max_connections_per_token,
                      config_.limits.max_buffered_bytes}) {
  storage_.set_commit_delay(config_.limits.debug_commit_delay);
}

Context::~Context() { storage_.stop(); }

std::size_t Context::register_session(const std::shared_ptr<Closable>& s) {
  std::lock_guard lock(sessions_mutex_);
  const auto id = next_session_id_++;
  sessions_.emplace(id, s);
  return id;
}

void Context::unregister_session(std::size_t id) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(id);
}

std::size_t Context::session_count() {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

void Context::close_all_sessions() {
  // Snapshot under the lock, close without it: closing may unregister.
  std::vector<std::shared_ptr<Closable>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown_close();
}

}  // namespace napc::app
