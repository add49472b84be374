// Storage for the text of ContentString items: one growing byte buffer, items hold
// (offset, byte length). Splitting an item only splits its range; merging the right neighbour
// is free when its bytes follow directly, which is the common case of sequential typing because
// text is appended in integration order. Replaced ranges become garbage that compact() drops.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "crdt/error.hpp"

namespace crdt {

class StringArena {
 public:
  std::string_view view(std::uint32_t offset, std::uint32_t bytes) const {
    return std::string_view(data_).substr(offset, bytes);
  }

  /**
   * A piece of text to append: a range of the arena itself, or outside bytes (which must not
   * point into the arena).
   */
  struct Piece {
    std::uint32_t offset = 0;
    std::uint32_t bytes = 0;
    std::string_view outside;
    static Piece range(std::uint32_t offset, std::uint32_t bytes) { return {offset, bytes, {}}; }
    static Piece text(std::string_view s) { return {0, 0, s}; }
  };

  /**
   * Appends the concatenation of `pieces` and returns its offset. Arena ranges are addressed by
   * offset, so growing the buffer cannot invalidate them. Throws too_large past 4 GiB of text.
   */
  std::uint32_t append(std::initializer_list<Piece> pieces) {
    std::size_t total = 0;
    for (const Piece& p : pieces) {
      total += p.outside.empty() ? p.bytes : p.outside.size();
    }
    if (data_.size() + total > 0xffffffffu) {
      throw Error(ErrorCode::too_large, "document text exceeds 4 GiB");
    }
    reserve_more(total);
    const auto offset = static_cast<std::uint32_t>(data_.size());
    for (const Piece& p : pieces) {
      if (p.outside.empty()) {
        data_.append(data_, p.offset, p.bytes);  // within capacity: no reallocation
      } else {
        data_.append(p.outside);
      }
    }
    return offset;
  }

  /** Reserves room for `n` more bytes (one allocation for a large update). */
  void reserve_more(std::size_t n) {
    if (data_.size() + n > data_.capacity()) {
      data_.reserve(data_.size() + n);
    }
  }

  void add_garbage(std::uint64_t n) { garbage_ += n; }
  std::uint64_t garbage() const { return garbage_; }
  std::size_t size() const { return data_.size(); }

  /** True when enough of the buffer is garbage to be worth a compaction. */
  bool wants_compaction() const { return garbage_ > (64u << 10) && garbage_ * 2 > data_.size(); }

  /**
   * Rebuilds the buffer from the live ranges. `for_each_string(f)` must call f(offset, bytes)
   * for every live string item and use the returned new offset.
   */
  template <typename ForEach>
  void compact(ForEach&& for_each_string) {
    std::string fresh;
    fresh.reserve(data_.size() - static_cast<std::size_t>(garbage_));
    for_each_string([&](std::uint32_t offset, std::uint32_t bytes) {
      const auto at = static_cast<std::uint32_t>(fresh.size());
      fresh.append(data_, offset, bytes);
      return at;
    });
    data_ = std::move(fresh);
    garbage_ = 0;
  }

 private:
  std::string data_;
  std::uint64_t garbage_ = 0;
};

}  // namespace crdt
