// One client's structs in clock order (a `store.clients` array in Yjs). Yjs splices plain
// arrays, so every split or merge in an old part of the history moves the whole tail; here the
// refs live in chunks of at most kChunk entries and a splice only moves within one chunk.
// Positions (chunk, offset) replace array indices; they stay valid until the list is modified.
#pragma once

#include <cstdint>
#include <vector>

#include "item.hpp"

namespace crdt {

class StructList {
 public:
  // Probe width for lookups that walk sorted clocks (delete-set ranges).
  static constexpr int kNearProbe = 16;

  struct Pos {
    std::uint32_t chunk = 0;
    std::uint32_t off = 0;
    friend bool operator==(Pos, Pos) = default;
  };

  bool empty() const { return chunks_.empty(); }
  std::size_t size() const { return size_; }
  ItemRef front() const { return chunks_.front().front(); }
  ItemRef back() const { return chunks_.back().back(); }
  ItemRef at(Pos p) const { return chunks_[p.chunk][p.off]; }

  Pos begin() const { return Pos{0, 0}; }
  Pos end() const { return Pos{static_cast<std::uint32_t>(chunks_.size()), 0}; }
  bool valid(Pos p) const { return p.chunk < chunks_.size(); }
  Pos last() const {
    return Pos{static_cast<std::uint32_t>(chunks_.size() - 1),
               static_cast<std::uint32_t>(chunks_.back().size() - 1)};
  }
  Pos next(Pos p) const {
    if (++p.off == chunks_[p.chunk].size()) {
      ++p.chunk;
      p.off = 0;
    }
    return p;
  }
  bool has_prev(Pos p) const { return p.chunk > 0 || p.off > 0; }
  // REQUIRES: has_prev(p).
  Pos prev(Pos p) const {
    if (p.off > 0) {
      --p.off;
    } else {
      --p.chunk;
      p.off = static_cast<std::uint32_t>(chunks_[p.chunk].size() - 1);
    }
    return p;
  }

  // REQUIRES (all modifiers): `pool` holds the structs; it supplies their clocks.
  void push_back(const ItemPool& pool, ItemRef r) {
    if (chunks_.empty() || chunks_.back().size() >= kChunk) {
      chunks_.emplace_back();
      first_clock_.push_back(pool[r].clock);
      // A client that keeps writing fills its chunks completely.
      if (chunks_.size() > 1) {
        chunks_.back().reserve(kChunk);
      }
    }
    chunks_.back().push_back(r);
    ++size_;
  }

  /** Inserts `r` right after `p` and returns its position. */
  Pos insert_after(const ItemPool& pool, Pos p, ItemRef r) {
    auto& c = chunks_[p.chunk];
    c.insert(c.begin() + p.off + 1, r);
    ++size_;
    Pos at{p.chunk, p.off + 1};
    if (c.size() > kChunk) {
      // Split the chunk in halves.
      const std::size_t half = c.size() / 2;
      std::vector<ItemRef> tail(c.begin() + static_cast<std::ptrdiff_t>(half), c.end());
      c.resize(half);
      first_clock_.insert(first_clock_.begin() + p.chunk + 1, pool[tail.front()].clock);
      chunks_.insert(chunks_.begin() + p.chunk + 1, std::move(tail));
      if (at.off >= half) {
        at.chunk += 1;
        at.off -= static_cast<std::uint32_t>(half);
      }
    }
    return at;
  }

  /** Removes the `n` structs that follow `p`. */
  void erase_after(const ItemPool& pool, Pos p, std::size_t n) {
    while (n > 0) {
      Pos q = next(p);
      auto& c = chunks_[q.chunk];
      const std::size_t k = std::min(n, c.size() - q.off);
      c.erase(c.begin() + q.off, c.begin() + static_cast<std::ptrdiff_t>(q.off + k));
      size_ -= k;
      n -= k;
      if (c.empty()) {
        chunks_.erase(chunks_.begin() + q.chunk);
        first_clock_.erase(first_clock_.begin() + q.chunk);
      } else if (q.off == 0) {
        first_clock_[q.chunk] = pool[c.front()].clock;
      }
    }
  }

  /** Replaces the struct at `p` (replaceStruct). */
  void set(Pos p, ItemRef r) { chunks_[p.chunk][p.off] = r; }

  /**
   * findIndexSS: the position of the struct containing `clock`, or end() if there is none.
   * Binary search over the chunks, then within the chunk. `kProbe`: how many structs on each side
   * of the last hit to try first (callers walking sorted clocks use kNearProbe).
   */
  template <int kProbe = 1>
  Pos find(const ItemPool& pool, std::uint64_t clock) const {
    if (chunks_.empty()) {
      return end();
    }
    const Item& last_item = pool[back()];
    if (clock >= last_item.end()) {
      return end();
    }
    if (clock >= last_item.clock) {
      return last();  // the newest struct: the most common target by far
    }
    // Lookups cluster (split, then merge, then encode the same spot; delete-set ranges walked
    // in order): try the last hit, then a few structs after or before it. Structs are contiguous
    // and sorted, so the first struct after the hint that ends beyond `clock` (or the first one
    // before it that starts at or before `clock`) contains it. A stale hint is harmless because
    // containment is checked.
    if (hint_.chunk < chunks_.size() && hint_.off < chunks_[hint_.chunk].size()) {
      const Item& h = pool[at(hint_)];
      if (h.clock <= clock) {
        if (clock < h.end()) {
          return hint_;
        }
        Pos n = hint_;
        for (int k = 0; k < kProbe; ++k) {
          n = next(n);
          if (!valid(n)) {
            break;
          }
          const Item& it = pool[at(n)];
          if (clock < it.end()) {
            if (it.clock <= clock) {
              hint_ = n;
              return n;
            }
            break;
          }
        }
      } else {
        Pos p = hint_;
        for (int k = 0; k < kProbe && has_prev(p); ++k) {
          p = prev(p);
          const Item& it = pool[at(p)];
          if (it.clock <= clock) {
            if (clock < it.end()) {
              hint_ = p;
              return p;
            }
            break;
          }
        }
      }
    }
    // Last chunk whose first struct starts at or before `clock`; recent structs (the last
    // chunk) are the most common target.
    std::size_t lo = 0;
    std::size_t hi = chunks_.size() - 1;
    if (first_clock_[hi] <= clock) {
      lo = hi;
    }
    while (lo < hi) {
      const std::size_t mid = (lo + hi + 1) / 2;
      if (first_clock_[mid] <= clock) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const auto& c = chunks_[lo];
    std::size_t l = 0;
    std::size_t r = c.size() - 1;
    while (l < r) {
      const std::size_t mid = (l + r + 1) / 2;
      if (pool[c[mid]].clock <= clock) {
        l = mid;
      } else {
        r = mid - 1;
      }
    }
    hint_ = Pos{static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(l)};
    return hint_;
  }

  /** Number of structs from `p` to the end. */
  std::size_t count_from(Pos p) const {
    if (!valid(p)) {
      return 0;
    }
    std::size_t n = chunks_[p.chunk].size() - p.off;
    for (std::size_t c = p.chunk + 1; c < chunks_.size(); ++c) {
      n += chunks_[c].size();
    }
    return n;
  }

  template <typename F>
  void for_each(F&& f) const {
    for (const auto& c : chunks_) {
      for (const ItemRef r : c) {
        f(r);
      }
    }
  }

 private:
  static constexpr std::size_t kChunk = 128;

  std::vector<std::vector<ItemRef>> chunks_;
  std::vector<std::uint64_t> first_clock_;  // clock of each chunk's first struct
  std::size_t size_ = 0;
  mutable Pos hint_;  // position of the last lookup
};

}  // namespace crdt
