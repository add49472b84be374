// Relative positions (yjs src/utils/RelativePosition.js): cursor positions that survive concurrent
// edits because they name an item instead of an index.
//
// Binary form: varUint kind (0: item ID, 1: root type name, 2: nested type ID), the body, then an
// optional varInt assoc (default 0; < 0 associates with the character on the left).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crdt/edit.hpp"
#include "crdt/id.hpp"
#include "crdt/lib0.hpp"

namespace crdt {

struct RelativePosition {
  std::optional<Id> type;            // a nested type, when the position is at its end
  std::optional<std::string> tname;  // a root type, when the position is at its end
  std::optional<Id> item;            // the item (unit) right of the position
  std::int64_t assoc = 0;
  friend bool operator==(const RelativePosition&, const RelativePosition&) = default;
};

/** readRelativePosition. @throws crdt::Error on malformed input or an unknown kind. */
RelativePosition decode_relative_position(ByteView bytes);

/** writeRelativePosition. @throws crdt::Error(malformed) if no field is set. */
Bytes encode_relative_position(const RelativePosition& pos);

struct AbsolutePosition {
  SharedRef type;
  std::uint64_t index = 0;
  std::int64_t assoc = 0;
};

}  // namespace crdt
