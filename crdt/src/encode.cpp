// Encoding the document: port of Item.write / GC.write, yjs src/utils/encoding.js
// writeClientsStructs / writeStructs / encodeStateAsUpdateV2 / encodeStateVector and
// DeleteSet.js createDeleteSetFromStructStore.
#include <algorithm>

#include "doc_impl.hpp"
#include "updates_internal.hpp"

namespace crdt {

void DocImpl::write_item(lib0::Encoder& enc, const Item& it, std::uint64_t offset) const {
  if (it.is_gc()) {
    enc.write_u8(content_ref::gc);
    enc.write_var_uint(it.length() - offset);
    return;
  }
  const Slot& s = slots_[it.parent];
  const bool has_origin = offset > 0 || it.has_origin();
  std::uint8_t info = static_cast<std::uint8_t>(it.ref);
  if (has_origin) {
    info |= info_bit::origin;
  }
  if (it.has_right_origin()) {
    info |= info_bit::right_origin;
  }
  if (s.has_key) {
    info |= info_bit::parent_sub;
  }
  enc.write_u8(info);
  if (has_origin) {
    if (offset > 0) {
      enc.write_var_uint(clients_[it.client].id);
      enc.write_var_uint(it.clock + offset - 1);
    } else {
      enc.write_var_uint(clients_[it.origin_client].id);
      enc.write_var_uint(it.origin_clock);
    }
  }
  if (it.has_right_origin()) {
    enc.write_var_uint(clients_[it.right_origin_client].id);
    enc.write_var_uint(it.right_origin_clock);
  }
  if (!has_origin && !it.has_right_origin()) {
    const Branch* parent = s.branch;
    if (parent->is_root) {
      enc.write_var_uint(1);
      enc.write_var_string(parent->name);
    } else {
      const Item& owner = pool_[parent->item];
      enc.write_var_uint(0);
      enc.write_var_uint(clients_[owner.client].id);
      enc.write_var_uint(owner.clock);
    }
    if (s.has_key) {
      enc.write_var_string(s.key);
    }
  }
  switch (it.ref) {
    case content_ref::deleted:
      enc.write_var_uint(it.length() - offset);
      break;
    case content_ref::string:
      write_string_tail(enc, item_str(it), it.length(), offset);
      break;
    case content_ref::json:
    case content_ref::any:
      write_values(enc, static_cast<std::uint8_t>(it.ref), std::get<AnyArray>(*it.box()), offset);
      break;
    case content_ref::type: {
      const Branch* b = it.branch();
      enc.write_var_uint(static_cast<std::uint8_t>(b->type_ref));
      if (b->type_ref == TypeRef::xml_element || b->type_ref == TypeRef::xml_hook) {
        enc.write_var_string(b->name);
      }
      break;
    }
    default:
      write_box(enc, static_cast<std::uint8_t>(it.ref), *it.box());
  }
}

void DocImpl::write_clients_structs(lib0::Encoder& enc, const StateVector& target) const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sm;  // client → first clock to write
  for (const auto& c : clients_) {
    if (c.structs.empty()) {
      continue;
    }
    const std::uint64_t state = pool_[c.structs.back()].end();
    if (!target.contains(c.id)) {
      sm.emplace_back(c.id, 0);
    } else if (state > target.get(c.id)) {
      sm.emplace_back(c.id, target.get(c.id));
    }
  }
  // Higher client ids first.
  std::sort(sm.begin(), sm.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  enc.write_var_uint(sm.size());
  for (const auto& [client, from] : sm) {
    const auto& structs = clients_[client_index(client)].structs;
    const std::uint64_t clock = std::max(from, pool_[structs.front()].clock);
    const Pos start = find_pos(structs, clock);
    enc.write_var_uint(structs.count_from(start));
    enc.write_var_uint(client);
    enc.write_var_uint(clock);
    const Item& first = pool_[structs.at(start)];
    write_item(enc, first, clock - first.clock);
    for (Pos p = structs.next(start); structs.valid(p); p = structs.next(p)) {
      write_item(enc, pool_[structs.at(p)], 0);
    }
  }
}

DeleteSet DocImpl::delete_set_from_store() const {
  DeleteSet ds;
  for (const auto& c : clients_) {
    // One range per maximal run of deleted structs.
    bool in_run = false;
    std::uint64_t run_clock = 0;
    std::uint64_t run_len = 0;
    c.structs.for_each([&](ItemRef r) {
      const Item& s = pool_[r];
      if (s.deleted()) {
        if (!in_run) {
          in_run = true;
          run_clock = s.clock;
          run_len = 0;
        }
        run_len += s.length();
      } else if (in_run) {
        ds.add(c.id, run_clock, run_len);
        in_run = false;
      }
    });
    if (in_run) {
      ds.add(c.id, run_clock, run_len);
    }
  }
  return ds;
}

// writeClientsStructs(restStructs, new Map()): every rest client from its first struct, higher
// clients first.
Bytes DocImpl::encode_rest(
    const std::vector<std::pair<std::uint64_t, std::vector<Block>>>& rest) const {
  std::vector<const std::pair<std::uint64_t, std::vector<Block>>*> order;
  for (const auto& r : rest) {
    order.push_back(&r);
  }
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return a->first > b->first; });
  lib0::Encoder enc;
  enc.write_var_uint(order.size());
  for (const auto* r : order) {
    enc.write_var_uint(r->second.size());
    enc.write_var_uint(r->first);
    enc.write_var_uint(r->second.front().id.clock);
    for (const Block& b : r->second) {
      write_block(enc, b, 0);
    }
  }
  enc.write_var_uint(0);  // empty delete set
  return enc.take();
}

Bytes DocImpl::encode_state_vector() const {
  StateVector sv;
  for (const auto& c : clients_) {
    if (!c.structs.empty()) {
      sv.set(c.id, pool_[c.structs.back()].end());
    }
  }
  return sv.encode();
}

Bytes DocImpl::encode_snapshot() const {
  lib0::Encoder enc;
  delete_set_from_store().write(enc);
  enc.write_raw(encode_state_vector());
  return enc.take();
}

Bytes DocImpl::encode_state_as_update(ByteView state_vector) const {
  const StateVector target =
      state_vector.empty() ? StateVector{} : StateVector::decode(state_vector);
  lib0::Encoder enc;
  write_clients_structs(enc, target);
  delete_set_from_store().write(enc);
  if (!pending_ds_.has_value() && !pending_structs_.has_value()) {
    return enc.take();
  }
  // Pending data is merged in (encodeStateAsUpdateV2 → mergeUpdates).
  const Bytes u0 = enc.take();
  std::vector<Bytes> parts;
  if (pending_ds_.has_value()) {
    parts.push_back(*pending_ds_);
  }
  if (pending_structs_.has_value()) {
    DecodedUpdate pending;
    decode_update_v1(pending_structs_->update, pending);
    parts.push_back(diff_decoded(pending, target));
  }
  std::vector<DecodedUpdate> decoded(parts.size() + 1);
  decode_update_v1(u0, decoded[0]);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    decode_update_v1(parts[i], decoded[i + 1]);
  }
  std::vector<const DecodedUpdate*> ptrs;
  for (const auto& d : decoded) {
    ptrs.push_back(&d);
  }
  return merge_decoded(ptrs);
}

}  // namespace crdt
