// Struct identifiers and state vectors (yjs src/utils/ID.js, StructStore.js getStateVector,
// encoding.js read/writeStateVector).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "crdt/lib0.hpp"

namespace crdt {

/** (client, clock) of one unit of content. Both are at most 2^53-1. */
struct Id {
  std::uint64_t client = 0;
  std::uint64_t clock = 0;
  friend bool operator==(const Id&, const Id&) = default;
};

/**
 * client → next expected clock. Encoded as varUint n, then n × (client, clock) with clients
 * descending; decoding is order-agnostic and a later duplicate overwrites an earlier one.
 */
class StateVector {
 public:
  /** Returns 0 for unknown clients. */
  std::uint64_t get(std::uint64_t client) const {
    const auto it = find(client);
    return it != entries_.end() && it->first == client ? it->second : 0;
  }
  bool contains(std::uint64_t client) const {
    const auto it = find(client);
    return it != entries_.end() && it->first == client;
  }
  void set(std::uint64_t client, std::uint64_t clock) {
    const auto it = find(client);
    if (it != entries_.end() && it->first == client) {
      it->second = clock;
    } else {
      entries_.insert(it, {client, clock});
    }
  }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /** Entries sorted by client, descending (the wire order). */
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& entries() const { return entries_; }

  void write(lib0::Encoder& enc) const {
    enc.write_var_uint(entries_.size());
    for (const auto& [client, clock] : entries_) {
      enc.write_var_uint(client);
      enc.write_var_uint(clock);
    }
  }
  Bytes encode() const {
    lib0::Encoder enc;
    write(enc);
    return enc.take();
  }
  /** Throws crdt::Error on malformed input. Trailing bytes are ignored, as in Yjs. */
  static StateVector decode(ByteView bytes) {
    lib0::Decoder dec(bytes);
    return read(dec);
  }
  static StateVector read(lib0::Decoder& dec) {
    StateVector sv;
    const std::uint64_t n = dec.read_var_uint();
    if (n > dec.remaining() / 2) {
      throw Error(ErrorCode::end_of_buffer, "state vector count exceeds the remaining bytes");
    }
    sv.entries_.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t client = dec.read_var_uint();
      const std::uint64_t clock = dec.read_var_uint();
      sv.entries_.emplace_back(client, clock);
    }
    // Sort once (hostile input may hold many entries); of duplicates the last one wins.
    std::stable_sort(sv.entries_.begin(), sv.entries_.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    Vec unique;
    unique.reserve(sv.entries_.size());
    for (const auto& e : sv.entries_) {
      if (!unique.empty() && unique.back().first == e.first) {
        unique.back().second = e.second;
      } else {
        unique.push_back(e);
      }
    }
    sv.entries_ = std::move(unique);
    return sv;
  }

  friend bool operator==(const StateVector&, const StateVector&) = default;

 private:
  using Vec = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  Vec::iterator find(std::uint64_t client) {
    return std::lower_bound(entries_.begin(), entries_.end(), client,
                            [](const auto& e, std::uint64_t c) { return e.first > c; });
  }
  Vec::const_iterator find(std::uint64_t client) const {
    return std::lower_bound(entries_.begin(), entries_.end(), client,
                            [](const auto& e, std::uint64_t c) { return e.first > c; });
  }

  Vec entries_;  // sorted by client, descending
};

}  // namespace crdt
