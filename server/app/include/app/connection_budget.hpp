#pragma once
// What a connection may hold, counted where the server can refuse it (issue #10,
// docs/security.md "Budgets"):
//   - client connections in total and per address, HTTP and WebSocket alike: a slot is taken when
//     a connection is accepted and follows it through the WebSocket upgrade;
//   - WebSocket connections per participant (per token);
//   - bytes held for unfinished WebSocket messages, summed over every connection.
// Thread-safe: slots are taken and released on any I/O thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace napc::app {

struct Budgets {
  std::size_t connections = 10000;  // client connections in total
  std::size_t connections_per_address = 1000;
  std::size_t connections_per_token = 32;   // WebSocket connections of one participant
  std::size_t buffered_bytes = 256u << 20;  // unfinished WebSocket messages, all connections
};

class ConnectionBudget;

// One counted thing (a connection of an address, a WebSocket of a participant). Released when
// destroyed; move-only.
class Slot {
 public:
  Slot() = default;
  Slot(Slot&& other) noexcept;
  Slot& operator=(Slot&& other) noexcept;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot();

  explicit operator bool() const { return owner_ != nullptr; }

 private:
  friend class ConnectionBudget;
  enum class Kind : std::uint8_t { address, token };
  Slot(ConnectionBudget* owner, Kind kind, std::string key)
      : owner_(owner), kind_(kind), key_(std::move(key)) {}
  void release();

  ConnectionBudget* owner_ = nullptr;
  Kind kind_ = Kind::address;
  std::string key_;
};

class ConnectionBudget {
 public:
  explicit ConnectionBudget(const Budgets& budgets) : budgets_(budgets) {}
  ConnectionBudget(const ConnectionBudget&) = delete;
  ConnectionBudget& operator=(const ConnectionBudget&) = delete;

  enum class Refusal { none, total, address, token };

  // A slot for a new connection from `address`, or an empty one (and why) when the server or
  // the address is at its cap.
  Slot admit_connection(const std::string& address, Refusal* why = nullptr);
  // A slot for one more WebSocket connection of `participant`, or an empty one at the cap.
  Slot admit_websocket(const std::string& participant);

  // Unfinished-message bytes: take `bytes` more if the total stays within the budget.
  bool reserve_buffer(std::size_t bytes);
  void release_buffer(std::size_t bytes);

  std::size_t connections() const { return total_.load(std::memory_order_relaxed); }
  std::size_t buffered_bytes() const { return buffered_.load(std::memory_order_relaxed); }
  const Budgets& budgets() const { return budgets_; }

 private:
  friend class Slot;
  void release(Slot::Kind kind, const std::string& key);

  const Budgets budgets_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> per_address_;
  std::unordered_map<std::string, std::size_t> per_token_;
  std::atomic<std::size_t> total_{0};
  std::atomic<std::size_t> buffered_{0};
};

}  // namespace napc::app
