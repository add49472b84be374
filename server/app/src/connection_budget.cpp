#include "app/connection_budget.hpp"

#include <utility>

namespace napc::app {

Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      kind_(other.kind_),
      key_(std::move(other.key_)) {}

Slot& Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    kind_ = other.kind_;
    key_ = std::move(other.key_);
  }
  return *this;
}

Slot::~Slot() { release(); }

void Slot::release() {
  if (owner_ == nullptr) return;
  std::exchange(owner_, nullptr)->release(kind_, key_);
}

Slot ConnectionBudget::admit_connection(const std::string& address, Refusal* why) {
  const auto refuse = [why](Refusal r) {
    if (why != nullptr) *why = r;
    return Slot{};
  };
  std::lock_guard lock(mutex_);
  if (total_.load(std::memory_order_relaxed) >= budgets_.connections) {
    return refuse(Refusal::total);
  }
  auto& count = per_address_[address];
  if (count >= budgets_.connections_per_address) {
    if (count == 0) per_address_.erase(address);
    return refuse(Refusal::address);
  }
  ++count;
  total_.fetch_add(1, std::memory_order_relaxed);
  if (why != nullptr) *why = Refusal::none;
  return Slot(this, Slot::Kind::address, address);
}

Slot ConnectionBudget::admit_websocket(const std::string& participant) {
  std::lock_guard lock(mutex_);
  auto& count = per_token_[participant];
  if (count >= budgets_.connections_per_token) {
    if (count == 0) per_token_.erase(participant);
    return {};
  }
  ++count;
  return Slot(this, Slot::Kind::token, participant);
}

void ConnectionBudget::release(Slot::Kind kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& map = kind == Slot::Kind::address ? per_address_ : per_token_;
  const auto it = map.find(key);
  if (it != map.end() && --it->second == 0) map.erase(it);
  if (kind == Slot::Kind::address) total_.fetch_sub(1, std::memory_order_relaxed);
}

bool ConnectionBudget::reserve_buffer(std::size_t bytes) {
  auto have = buffered_.load(std::memory_order_relaxed);
  do {
    if (have + bytes > budgets_.buffered_bytes) return false;
  } while (!buffered_.compare_exchange_weak(have, have + bytes, std::memory_order_relaxed));
  return true;
}

void ConnectionBudget::release_buffer(std::size_t bytes) {
  buffered_.fetch_sub(bytes, std::memory_order_relaxed);
}

}  // namespace napc::app
