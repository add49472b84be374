#pragma once
// What every part of the running server shares: configuration and limits, metrics, the storage
// thread, the per-address rate limiters and the set of live WebSocket sessions (for shutdown).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/connection_budget.hpp"
#include "app/metrics.hpp"
#include "app/rate_limiter.hpp"
#include "storage/storage_thread.hpp"

namespace napc::app {

struct Limits {
  std::size_t max_message_bytes = 4u << 20;    // larger WebSocket messages: close 1009
  std::size_t max_document_bytes = 16u << 20;  // updates that would grow a doc past it: refused
  std::size_t queue_bytes = 8u << 20;          // outbound queue per connection ...
  std::size_t queue_messages = 4096;           // ... past either: merge, then close 1013
  double conn_rate = 20;    // new WebSocket connections per second per address ...
  double conn_burst = 100;  // ... with this burst
  // Client connections (HTTP and WebSocket) in total; `serve` lowers it below the descriptor
  // limit, keeping kReservedDescriptors for the database, the listener and the logs.
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 1000;  // a venue's NAT puts a room behind one
  std::size_t max_connections_per_token = 32;      // WebSocket connections of one participant
  std::size_t max_buffered_bytes = 256u << 20;     // unfinished WebSocket messages, all connections
  double join_failure_rate = 1.0 / 6;              // refused joins per second per address ...
  double join_failure_burst = 5;                   // ... after this many in a row: 429
  double msg_rate = 1000;                          // messages per second per connection ...
  double msg_burst = 5000;                         // ... burst; past it: close 1008
  double byte_rate = 16 << 20;                     // bytes per second per connection ...
  double byte_burst = 64 << 20;
  std::chrono::seconds ws_idle_timeout{60};  // no frame at all (pings count): close
  std::chrono::seconds handshake_timeout{15};
  std::chrono::seconds write_stall_timeout{30};  // one write that long: the reader is gone
  std::chrono::milliseconds unload_delay{5000};  // idle room kept this long after the last leaves
  std::chrono::milliseconds awareness_check{3000};
  std::chrono::milliseconds awareness_timeout{30000};
  std::size_t compact_min_bytes = 64u << 10;        // never compact logs smaller than this
  std::chrono::milliseconds debug_commit_delay{0};  // fault injection (tests only)
};

// Descriptors `serve` keeps out of the connection budget: SQLite's database, WAL and shared
// memory files, the listener, the io_uring and epoll descriptors, standard streams, a backup.
inline constexpr std::size_t kReservedDescriptors = 64;

struct Config {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  std::filesystem::path web_root;
  std::string db_path = "data/napconsult.db";
  bool synchronous_full = false;
  unsigned threads = 0;  // 0: one per core
  // Origins (scheme://host[:port]) a browser may call the API and open documents from, besides
  // the server's own (the Host of the request). Empty: the server's own only.
  std::vector<std::string> allowed_origins;
  Limits limits;
};

// Something the shutdown can ask to close (a WebSocket session).
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown_close() = 0;
};

class Context {
 public:
  Context(Config config, std::unique_ptr<storage::Database> db);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Config& config() const { return config_; }
  const Limits& limits() const { return config_.limits; }
  Metrics& metrics() { return metrics_; }
  storage::StorageThread& storage() { return storage_; }
  KeyedRateLimiter& connection_limiter() { return conn_limiter_; }
  KeyedRateLimiter& join_failure_limiter() { return join_limiter_; }
  ConnectionBudget& budget() { return budget_; }

  bool draining() const { return draining_.load(); }
  void set_draining() { draining_.store(true); }

  // Live WebSocket sessions, so that shutdown can close them with 1012.
  std::size_t register_session(const std::shared_ptr<Closable>& s);
  void unregister_session(std::size_t id);
  std::size_t session_count();
  void close_all_sessions();

 private:
  Config config_;
  Metrics metrics_;
  storage::StorageThread storage_;
  KeyedRateLimiter conn_limiter_;
  KeyedRateLimiter join_limiter_;
  ConnectionBudget budget_;
  std::atomic<bool> draining_{false};
  std::mutex sessions_mutex_;
  std::size_t next_session_id_ = 1;
  std::unordered_map<std::size_t, std::weak_ptr<Closable>> sessions_;
};

}  // namespace napc::app
