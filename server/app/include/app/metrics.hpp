#pragma once
// Process-wide counters, gauges and histograms, rendered as Prometheus text for /metrics.
// Lock-free: every field is an atomic, updated from any thread.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace napc::app {

// A fixed-bucket latency histogram in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
  void observe(std::chrono::nanoseconds d);
  void render(std::string& out, const char* name, const char* help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

struct Metrics {
  // Gauges.
  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> ws_connections{0};
  std::atomic<std::int64_t> rooms{0};
  std::atomic<std::int64_t> documents_loaded{0};
  std::atomic<std::int64_t> queued_bytes{0};      // sum of all outbound queues
  std::atomic<std::int64_t> queue_peak_bytes{0};  // the largest one connection's queue has been
  // Counters.
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> ws_accepted{0};
  std::atomic<std::uint64_t> ws_rejected{0};  // 401/403/404/429 before the upgrade
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> updates_applied{0};
  std::atomic<std::uint64_t> updates_refused{0};
  std::atomic<std::uint64_t> malformed_messages{0};
  std::atomic<std::uint64_t> queue_merges{0};
  std::atomic<std::uint64_t> broadcast_merges{0};  // committed updates sent as one
  std::atomic<std::uint64_t> write_coalesces{0};   // queued frames merged before a write
  std::atomic<std::uint64_t> queue_overflows{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> committed_updates{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> compactions{0};
  std::atomic<std::uint64_t> joins{0};
  std::atomic<std::uint64_t> join_failures{0};
  // Budgets (app/connection_budget.hpp, docs/security.md).
  std::atomic<std::uint64_t> connections_refused_total{0};    // at the server's connection cap
  std::atomic<std::uint64_t> connections_refused_address{0};  // at an address's cap
  std::atomic<std::uint64_t> connections_refused_token{0};    // at a participant's WebSocket cap
  std::atomic<std::uint64_t> buffer_refusals{0};   // closed 1013: the unfinished-message budget
  std::atomic<std::uint64_t> handler_failures{0};  // a handler threw; its connection was closed
  // Histograms.
  Histogram fanout_latency;  // update received → broadcast handed to the sessions
  Histogram commit_latency;  // one SQLite group commit

  std::string render() const;
  // One gauge in the same format, for values kept outside Metrics.
  static void render_gauge(std::string& out, const char* name, const char* help, double value);
  // Raises queue_peak_bytes to `bytes` if it is larger.
  void note_queue_size(std::int64_t bytes);
};

}  // namespace napc::app
