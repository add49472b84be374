// Shared types (yjs src/types/AbstractType.js): the list (`_start`, `_length`) and the key map
// (`_map`) every Y type has. Root types stay untyped (the kind is never on the wire); nested ones
// know their TypeRef from ContentType.
//
// Items name their parent through a slot: one slot per (type, parentSub key), plus one list slot
// per type, so an Item needs a single 32-bit field for `parent` and `parentSub`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "block.hpp"
#include "item.hpp"

namespace crdt {

struct Branch {
  ItemRef start = kNoItem;   // _start
  std::uint64_t length = 0;  // _length: countable, visible list units
  ItemRef item = kNoItem;    // _item: the ContentType item, kNoItem for roots
  bool is_root = false;
  TypeRef type_ref = TypeRef::array;  // meaningful for nested types only
  std::string name;                   // root name, or XmlElement nodeName / XmlHook hookName
  std::uint32_t list_slot = kNoSlot;
  // Set for good once a ContentFormat item is integrated into this type (ContentFormat.integrate
  // sets `_hasFormatting` on any parent); read by the Y.Text formatting cleanup.
  bool has_formatting = false;
  // A root typed as Y.Text by Doc::get_text: it runs YText._callObserver's cleanup request.
  bool text_root = false;
  std::uint32_t changed_stamp = 0;  // transaction that last recorded this type as changed
  // Local editing cursor (the role of Yjs's search markers): `cursor_index` visible units lie
  // before `cursor_item`. Valid while `cursor_epoch` equals the document's remote epoch.
  ItemRef cursor_item = kNoItem;
  std::uint64_t cursor_index = 0;
  std::uint64_t cursor_epoch = 0;

  // _map: key slot → current (rightmost) item of that key. Entries exist from the moment a key
  // slot is created; `seq` records the first _map.set, which fixes the JS Map iteration order.
  struct MapEntry {
    std::uint32_t slot;
    ItemRef item;
    std::uint64_t seq;  // 0 until the key is first set
  };
  std::vector<MapEntry> map;
  std::uint64_t next_seq = 0;
  // Index into `map` by key, built once the map grows past a few entries.
  std::unique_ptr<std::unordered_map<std::string_view, std::size_t>> map_index;
};

struct Slot {
  Branch* branch = nullptr;
  std::string key;
  bool has_key = false;  // false: the list of `branch`; true: the `key` chain of its map
};

/**
 * All slots of a document, addressed by 32-bit index. Slots never move (map indexes keep
 * string_views of their keys); freed slots are recycled.
 */
class SlotTable {
 public:
  Slot& operator[](std::uint32_t i) { return chunks_[i >> kShift][i & kMask]; }
  const Slot& operator[](std::uint32_t i) const { return chunks_[i >> kShift][i & kMask]; }

  std::uint32_t take() {
    if (!free_.empty()) {
      const std::uint32_t s = free_.back();
      free_.pop_back();
      return s;
    }
    if ((next_ & kMask) == 0) {
      chunks_.push_back(std::make_unique<Slot[]>(kChunk));
    }
    return next_++;
  }
  void release(std::uint32_t i) {
    (*this)[i] = Slot{};
    free_.push_back(i);
  }

 private:
  static constexpr unsigned kShift = 8;
  static constexpr std::uint32_t kChunk = 1u << kShift;
  static constexpr std::uint32_t kMask = kChunk - 1;

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<std::uint32_t> free_;
  std::uint32_t next_ = 0;
};

}  // namespace crdt
