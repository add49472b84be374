#include "app/metrics.hpp"

#include <cstdio>

namespace napc::app {
namespace {

void line(std::string& out, const char* name, const char* type, const char* help, double value) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type,
                name, value);
  out += buf;
}

template <typename T>
void gauge(std::string& out, const char* name, const char* help, const std::atomic<T>& v) {
  line(out, name, "gauge", help, static_cast<double>(v.load(std::memory_order_relaxed)));
}

template <typename T>
void counter(std::string& out, const char* name, const char* help, const std::atomic<T>& v) {
  line(out, name, "counter", help, static_cast<double>(v.load(std::memory_order_relaxed)));
}

}  // namespace

void Histogram::observe(std::chrono::nanoseconds d) {
  const double seconds = std::chrono::duration<double>(d).count();
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(d.count() > 0 ? d.count() : 0),
                    std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const char* name, const char* help) const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  out += buf;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::snprintf(buf, sizeof buf, "%s_bucket{le=\"%g\"} %llu\n", name, kBounds[i],
                  static_cast<unsigned long long>(cumulative));
    out += buf;
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  std::snprintf(buf, sizeof buf, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
                static_cast<unsigned long long>(cumulative), name,
                static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9, name,
                static_cast<unsigned long long>(count_.load(std::memory_order_relaxed)));
  out += buf;
}

void Metrics::render_gauge(std::string& out, const char* name, const char* help, double value) {
  line(out, name, "gauge", help, value);
}

void Metrics::note_queue_size(std::int64_t bytes) {
  auto seen = queue_peak_bytes.load(std::memory_order_relaxed);
  while (bytes > seen &&
         !queue_peak_bytes.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
  }
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(8192);
  gauge(out, "napc_http_connections", "Open HTTP connections (before any upgrade).",
        http_connections);
  gauge(out, "napc_ws_connections", "Open document WebSocket connections.", ws_connections);
  gauge(out, "napc_rooms", "Document rooms in memory.", rooms);
  gauge(out, "napc_documents_loaded", "Documents loaded from storage and held in memory.",
        documents_loaded);
  gauge(out, "napc_queued_bytes", "Bytes waiting in outbound connection queues.", queued_bytes);
  gauge(out, "napc_queue_peak_bytes", "The most bytes one connection's outbound queue has held.",
        queue_peak_bytes);
  counter(out, "napc_http_requests_total", "HTTP requests served.", http_requests);
  counter(out, "napc_ws_accepted_total", "WebSocket upgrades accepted.", ws_accepted);
  counter(out, "napc_ws_rejected_total", "WebSocket upgrades refused before the upgrade.",
          ws_rejected);
  counter(out, "napc_messages_in_total", "WebSocket messages received.", messages_in);
  counter(out, "napc_messages_out_total", "WebSocket messages sent.", messages_out);
  counter(out, "napc_bytes_in_total", "WebSocket payload bytes received.", bytes_in);
  counter(out, "napc_bytes_out_total", "WebSocket payload bytes sent.", bytes_out);
  counter(out, "napc_updates_applied_total", "Document updates applied and committed.",
          updates_applied);
  counter(out, "napc_updates_refused_total",
          "Document updates refused (read-only, locked, size limit).", updates_refused);
  counter(out, "napc_malformed_messages_total", "Messages that failed to decode.",
          malformed_messages);
  counter(out, "napc_queue_merges_total", "Outbound queues compacted by merging updates.",
          queue_merges);
  counter(out, "napc_broadcast_merges_total",
          "Broadcasts that carried several committed updates merged into one.", broadcast_merges);
  counter(out, "napc_write_coalesces_total",
          "Writes that carried several queued frames merged into one message.", write_coalesces);
  counter(out, "napc_queue_overflows_total", "Connections closed (1013) for a full queue.",
          queue_overflows);
  counter(out, "napc_rate_limited_total", "Requests or connections refused by a rate limit.",
          rate_limited);
  counter(out, "napc_commits_total", "SQLite group commits of document updates.", commits);
  counter(out, "napc_committed_updates_total", "Document updates committed to SQLite.",
          committed_updates);
  counter(out, "napc_commit_failures_total", "Failed SQLite group commits.", commit_failures);
  counter(out, "napc_compactions_total", "Document log compactions.", compactions);
  counter(out, "napc_joins_total", "Participants who joined with an invitation code.", joins);
  counter(out, "napc_join_failures_total", "Refused join attempts.", join_failures);
  counter(out, "napc_connections_refused_total",
          "Connections closed at accept: the server was at its connection cap.",
          connections_refused_total);
  counter(out, "napc_connections_refused_address_total",
          "Connections closed at accept: their address was at its connection cap.",
          connections_refused_address);
  counter(out, "napc_connections_refused_token_total",
          "WebSocket upgrades refused: the participant was at its connection cap.",
          connections_refused_token);
  counter(out, "napc_buffer_refusals_total",
          "WebSocket connections closed because unfinished messages were over their budget.",
          buffer_refusals);
  counter(out, "napc_handler_failures_total",
          "Handlers that threw; each closed its own connection.", handler_failures);
  fanout_latency.render(out, "napc_fanout_latency_seconds",
                        "From receiving an update to handing it to every session in the room.");
  commit_latency.render(out, "napc_commit_latency_seconds", "Latency of one SQLite group commit.");
  return out;
}

}  // namespace napc::app
