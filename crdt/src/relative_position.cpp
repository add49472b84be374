// Port of yjs src/utils/RelativePosition.js (without the UndoManager's `redone` links, which this
// library never creates).
#include "crdt/relative_position.hpp"

#include "crdt/doc.hpp"
#include "doc_impl.hpp"

namespace crdt {

namespace {

std::int64_t to_int(const lib0::Decoder::VarInt& v) {
  const auto m = static_cast<std::int64_t>(v.magnitude);
  return v.negative ? -m : m;
}

}  // namespace

RelativePosition decode_relative_position(ByteView bytes) {
  lib0::Decoder dec(bytes);
  RelativePosition pos;
  switch (dec.read_var_uint()) {
    case 0: {
      const std::uint64_t client = dec.read_var_uint();
      pos.item = Id{client, dec.read_var_uint()};
      break;
    }
    case 1:
      pos.tname = std::string(dec.read_var_string());
      break;
    case 2: {
      const std::uint64_t client = dec.read_var_uint();
      pos.type = Id{client, dec.read_var_uint()};
      break;
    }
    default:
      // Yjs reads nothing and later throws unexpectedCase when resolving.
      throw Error(ErrorCode::malformed, "unknown relative position kind");
  }
  if (!dec.done()) {
    pos.assoc = to_int(dec.read_var_int());
  }
  return pos;
}

Bytes encode_relative_position(const RelativePosition& pos) {
  lib0::Encoder enc;
  if (pos.item.has_value()) {
    enc.write_var_uint(0);
    enc.write_var_uint(pos.item->client);
    enc.write_var_uint(pos.item->clock);
  } else if (pos.tname.has_value()) {
    enc.write_u8(1);
    enc.write_var_string(*pos.tname);
  } else if (pos.type.has_value()) {
    enc.write_u8(2);
    enc.write_var_uint(pos.type->client);
    enc.write_var_uint(pos.type->clock);
  } else {
    throw Error(ErrorCode::malformed, "empty relative position");
  }
  enc.write_var_int(pos.assoc);
  return enc.take();
}

RelativePosition Doc::relative_position(const SharedRef& type, std::uint64_t index,
                                        std::int64_t assoc) const {
  const DocImpl& d = *impl_;
  const Branch* b = d.find_branch(type);
  // The item right of the position, if there is one.
  std::optional<Id> item;
  if (b != nullptr && !(assoc < 0 && index == 0)) {
    if (assoc < 0) {
      --index;  // associated to the character on the left
    }
    for (ItemRef t = b->start; t != kNoItem; t = d.pool_[t].right) {
      const Item& it = d.pool_[t];
      if (!it.deleted() && it.countable()) {
        if (it.length() > index) {
          item = Id{d.clients_[it.client].id, it.clock + index};
          break;
        }
        index -= it.length();
      }
      if (it.right == kNoItem && assoc < 0) {
        item = d.last_id(it);  // left-associated: the last available id
        break;
      }
    }
  }
  RelativePosition pos;
  pos.assoc = assoc;
  if (item.has_value()) {
    pos.item = item;
  } else if (b == nullptr || b->is_root) {
    pos.tname = b == nullptr ? type.root : b->name;
  } else {
    pos.type = d.item_id(d.pool_[b->item]);
  }
  return pos;
}

std::optional<AbsolutePosition> Doc::absolute_position(const RelativePosition& pos) const {
  const DocImpl& d = *impl_;
  AbsolutePosition abs;
  abs.assoc = pos.assoc;
  auto type_ref = [&](const Branch* b) {
    return b->is_root ? SharedRef::root_type(b->name)
                      : SharedRef::nested(d.item_id(d.pool_[b->item]));
  };
  if (pos.item.has_value()) {
    if (d.get_state(pos.item->client) <= pos.item->clock) {
      return std::nullopt;
    }
    const Item& right = d.pool_[d.find(*pos.item)];
    if (right.is_gc()) {
      return std::nullopt;
    }
    const Branch* b = d.slot(right.parent).branch;
    abs.type = type_ref(b);
    if (b->item == kNoItem || !d.pool_[b->item].deleted()) {
      const std::uint64_t diff = pos.item->clock - right.clock;
      abs.index = (right.deleted() || !right.countable()) ? 0 : diff + (pos.assoc >= 0 ? 0 : 1);
      for (ItemRef n = right.left; n != kNoItem; n = d.pool_[n].left) {
        const Item& it = d.pool_[n];
        if (!it.deleted() && it.countable()) {
          abs.index += it.length();
        }
      }
    }
    return abs;
  }
  const Branch* b = nullptr;
  if (pos.tname.has_value()) {
    b = d.find_branch(SharedRef::root_type(*pos.tname));
    abs.type = SharedRef::root_type(*pos.tname);
  } else if (pos.type.has_value()) {
    if (d.get_state(pos.type->client) <= pos.type->clock) {
      return std::nullopt;  // the type does not exist yet
    }
    const Item& it = d.pool_[d.find(*pos.type)];
    if (it.is_gc() || it.ref != content_ref::type) {
      return std::nullopt;  // garbage-collected
    }
    b = it.branch();
    abs.type = type_ref(b);
  } else {
    throw Error(ErrorCode::malformed, "empty relative position");
  }
  abs.index = pos.assoc >= 0 && b != nullptr ? b->length : 0;
  return abs;
}

}  // namespace crdt
