// Encoding the document: port of Item.write / GC.write, yjs src/utils/encoding.js
// writeClientsStructs / writeStructs / encodeStateAsUpdateV2 / encodeStateVector and
// DeleteSet.js createDeleteSetFromStructStore.
#include <algorithm>

#include "doc_impl.hpp"
#include "updates_internal.hpp"

namespace crdt {

void DocImpl::write_item(lib0::Encoder& enc, const Item& it, std::uint64_t offset) const {
  using E = lib0::Encoder;
  // The fixed part (info, origins, a length) goes through one cursor: at most 1 + 4 * 10 + 10
  // bytes.
  std::uint8_t* p = enc.begin_write(51);
  if (it.is_gc()) {
    *p++ = content_ref::gc;
    enc.end_write(E::put_var_uint(p, it.length() - offset));
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
  *p++ = info;
  if (has_origin) {
    if (offset > 0) {
      p = E::put_var_uint(p, clients_[it.client].id);
      p = E::put_var_uint(p, it.clock + offset - 1);
    } else {
      p = E::put_var_uint(p, clients_[it.origin_client].id);
      p = E::put_var_uint(p, it.origin_clock);
    }
  }
  if (it.has_right_origin()) {
    p = E::put_var_uint(p, clients_[it.right_origin_client].id);
    p = E::put_var_uint(p, it.right_origin_clock);
  }
  if (!has_origin && !it.has_right_origin()) {
    enc.end_write(p);
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
    p = enc.begin_write(10);
  }
  switch (it.ref) {
    case content_ref::deleted:
      enc.end_write(E::put_var_uint(p, it.length() - offset));
      break;
    case content_ref::string: {
      const std::string_view str = item_str(it);
      if (offset == 0) {
        enc.end_write(E::put_var_uint(p, str.size()));
        enc.write_raw(str);
      } else {
        enc.end_write(p);
        write_string_tail(enc, str, it.length(), offset);
      }
      break;
    }
    case content_ref::json:
    case content_ref::any:
      enc.end_write(p);
      write_values(enc, static_cast<std::uint8_t>(it.ref), std::get<AnyArray>(*it.box()), offset);
      break;
    case content_ref::type: {
      enc.end_write(p);
      const Branch* b = it.branch();
      enc.write_var_uint(static_cast<std::uint8_t>(b->type_ref));
      if (b->type_ref == TypeRef::xml_element || b->type_ref == TypeRef::xml_hook) {
        enc.write_var_string(b->name);
      }
      break;
    }
    default:
      enc.end_write(p);
      write_box(enc, static_cast<std::uint8_t>(it.ref), *it.box());
  }
}

void DocImpl::write_clients_structs(lib0::Encoder& enc, const StateVector& target,
                                    DeleteSet* whole_ds) const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sm;  // client → first clock to write
  std::vector<DeleteItem> runs;
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
    if (whole_ds == nullptr) {
      for (Pos p = structs.next(start); structs.valid(p); p = structs.next(p)) {
        write_item(enc, pool_[structs.at(p)], 0);
      }
      continue;
    }
    // The same walk collects the delete set (as delete_set_from_store: one range per maximal
    // run of deleted structs, which are contiguous in clock).
    runs.clear();
    auto track = [&runs](const Item& it) {
      if (!it.deleted()) {
        return;
      }
      if (!runs.empty() && runs.back().clock + runs.back().len == it.clock) {
        runs.back().len += it.length();
      } else {
        runs.push_back(DeleteItem{it.clock, it.length()});
      }
    };
    track(first);
    for (Pos p = structs.next(start); structs.valid(p); p = structs.next(p)) {
      const Item& it = pool_[structs.at(p)];
      write_item(enc, it, 0);
      track(it);
    }
    whole_ds->append(client, runs);
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
  if (target.empty()) {
    // A whole-document encoding: one allocation instead of a dozen doublings. The text bytes
    // plus, per struct, an info byte, two ids (origin, right origin) and a length estimate it.
    std::size_t estimate = arena_.size() + 64;
    for (const auto& c : clients_) {
      std::size_t id_bytes = 1;
      for (std::uint64_t v = c.id; v > 0x7f; v >>= 7) {
        ++id_bytes;
      }
      estimate += c.structs.size() * (2 * id_bytes + 10);
    }
    enc.reserve(estimate);
    // Every struct is written from clock 0, so the same walk yields the delete set.
    DeleteSet ds;
    write_clients_structs(enc, target, &ds);
    ds.write(enc);
  } else {
    write_clients_structs(enc, target);
    delete_set_from_store().write(enc);
  }
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
