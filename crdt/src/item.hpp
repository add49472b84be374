// The document's structs (yjs src/structs/Item.js and GC.js) in a compact pool.
//
// Memory layout matters here: a loaded automerge-paper document has ~11k structs and must fit in
// about 1 MB, so an Item is 64 bytes, refers to other items by 32-bit pool index, to clients by
// 24-bit client-table index and to its parent by a 32-bit slot (parent type + parentSub key).
// A GC struct is an Item with ref == content_ref::gc and no links.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "block.hpp"

namespace crdt {

using ItemRef = std::uint32_t;  // pool index; 0 is "null"
inline constexpr ItemRef kNoItem = 0;
inline constexpr std::uint32_t kNoClient = 0xffffffffu;
inline constexpr std::uint32_t kNoSlot = 0xffffffffu;
inline constexpr std::uint32_t kMaxClients = (1u << 24) - 1;

// In-memory flags (Item.info in Yjs; not the wire info byte). `keep` and `marker` are not needed:
// nothing here keeps items alive (no UndoManager) and index lookups use their own cache.
namespace item_flag {
inline constexpr std::uint32_t countable = 1;
inline constexpr std::uint32_t deleted = 2;
}  // namespace item_flag

struct Branch;

struct Item {
  std::uint64_t clock;
  std::uint64_t origin_clock;
  std::uint64_t right_origin_clock;
  // String: arena offset (low 32 bits) and UTF-8 byte length (high 32 bits).
  // Any/JSON/Binary/Embed/Format/Doc: owned ContentBox*. Type: owned Branch*. Otherwise 0.
  std::uint64_t payload;
  std::uint32_t client : 24;          // client-table index
  std::uint32_t ref : 4;              // content_ref::*, gc for GC structs
  std::uint32_t flags : 4;            // item_flag::*
  std::uint32_t origin_client;        // client-table index or kNoClient
  std::uint32_t right_origin_client;  // client-table index or kNoClient
  ItemRef left;
  ItemRef right;
  std::uint32_t parent;  // slot index, kNoSlot for GC
  std::uint32_t len_lo;
  std::uint32_t len_hi;

  std::uint64_t length() const { return (std::uint64_t{len_hi} << 32) | len_lo; }
  void set_length(std::uint64_t n) {
    len_lo = static_cast<std::uint32_t>(n);
    len_hi = static_cast<std::uint32_t>(n >> 32);
  }
  std::uint64_t end() const { return clock + length(); }
  bool is_gc() const { return ref == content_ref::gc; }
  bool deleted() const { return (flags & item_flag::deleted) != 0; }
  bool countable() const { return (flags & item_flag::countable) != 0; }
  bool has_origin() const { return origin_client != kNoClient; }
  bool has_right_origin() const { return right_origin_client != kNoClient; }

  std::uint32_t str_offset() const { return static_cast<std::uint32_t>(payload); }
  std::uint32_t str_bytes() const { return static_cast<std::uint32_t>(payload >> 32); }
  void set_str(std::uint32_t offset, std::uint32_t bytes) {
    payload = (std::uint64_t{bytes} << 32) | offset;
  }
  ContentBox* box() const { return reinterpret_cast<ContentBox*>(payload); }
  Branch* branch() const { return reinterpret_cast<Branch*>(payload); }
};

static_assert(sizeof(Item) == 64, "Item must stay 64 bytes (memory budget)");

/** isCountable() of each content kind (Deleted and Format are the uncountable ones). */
inline bool ref_countable(std::uint8_t ref) {
  return ref != content_ref::deleted && ref != content_ref::format && ref != content_ref::gc;
}

/**
 * Chunked pool of Items addressed by ItemRef. Items never move, so references stay valid; freed
 * entries are recycled. Index 0 is reserved as the null reference.
 */
class ItemPool {
 public:
  ItemPool() { (*this)[allocate()] = Item{}; }  // reserves index 0 (a zeroed null item)

  Item& operator[](ItemRef r) { return chunks_[r >> kShift][r & kMask]; }
  const Item& operator[](ItemRef r) const { return chunks_[r >> kShift][r & kMask]; }

  ItemRef allocate() {
    if (!free_.empty()) {
      const ItemRef r = free_.back();
      free_.pop_back();
      return r;
    }
    if ((next_ & kMask) == 0) {
      // Not zeroed: every allocated item is assigned in full before it is read.
      chunks_.push_back(std::make_unique_for_overwrite<Item[]>(kChunk));
    }
    return next_++;
  }
  void release(ItemRef r) { free_.push_back(r); }

 private:
  static constexpr unsigned kShift = 10;
  static constexpr std::uint32_t kChunk = 1u << kShift;
  static constexpr std::uint32_t kMask = kChunk - 1;

  std::vector<std::unique_ptr<Item[]>> chunks_;
  std::vector<ItemRef> free_;
  std::uint32_t next_ = 0;
};

}  // namespace crdt
