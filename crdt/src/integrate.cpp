// Applying remote updates: port of yjs src/utils/encoding.js readUpdateV2 + integrateStructs,
// src/structs/Item.js getMissing + integrate, GC.integrate and src/utils/DeleteSet.js
// readAndApplyDeleteSet. Control flow follows Yjs closely: the order in which structs are
// integrated and split decides the bytes of every later encoding.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "doc_impl.hpp"
#include "updates_internal.hpp"
#include "utf16.hpp"

namespace crdt {

namespace {

// The small identity sets of the YATA conflict loop (conflictingItems / itemsBeforeOrigin). They
// usually hold a handful of items; a hash set takes over for pathological histories.
class ItemSet {
 public:
  void insert(ItemRef r) {
    if (big_) {
      set_.insert(r);
      return;
    }
    small_.push_back(r);
    if (small_.size() > 32) {
      big_ = true;
      set_.insert(small_.begin(), small_.end());
    }
  }
  bool contains(ItemRef r) const {
    return big_ ? set_.count(r) != 0 : std::find(small_.begin(), small_.end(), r) != small_.end();
  }
  void clear() {
    small_.clear();
    if (big_) {
      set_.clear();
      big_ = false;
    }
  }

 private:
  std::vector<ItemRef> small_;
  std::unordered_set<ItemRef> set_;
  bool big_ = false;
};

}  // namespace

// Item.getMissing: returns the client of a dependency that is not integrated yet, or resolves
// neighbours (splitting them so they end/start exactly at the origins) and the parent.
std::optional<std::uint64_t> DocImpl::get_missing(Block& b) {
  if (b.has_origin && b.origin.client != b.id.client &&
      b.origin.clock >= get_state(b.origin.client)) {
    return b.origin.client;
  }
  if (b.has_right_origin && b.right_origin.client != b.id.client &&
      b.right_origin.clock >= get_state(b.right_origin.client)) {
    return b.right_origin.client;
  }
  if (b.parent_kind == ParentKind::id && b.parent_id.client != b.id.client &&
      b.parent_id.clock >= get_state(b.parent_id.client)) {
    return b.parent_id.client;
  }
  // We have all missing ids, now find the items.
  b.left_ref = b.has_origin ? get_item_clean_end(b.origin) : kNoItem;
  b.right_ref = b.has_right_origin ? get_item_clean_start(b.right_origin) : kNoItem;
  const bool left_gc = b.left_ref != kNoItem && pool_[b.left_ref].is_gc();
  const bool right_gc = b.right_ref != kNoItem && pool_[b.right_ref].is_gc();
  b.gc_parent = false;
  b.slot = kNoSlot;
  if (left_gc || right_gc) {
    b.gc_parent = true;
  } else if (b.parent_kind == ParentKind::none) {
    // Copy parent and parentSub from the left neighbour, else from the right one.
    if (b.left_ref != kNoItem) {
      b.slot = pool_[b.left_ref].parent;
    } else if (b.right_ref != kNoItem) {
      b.slot = pool_[b.right_ref].parent;
    } else {
      b.gc_parent = true;
    }
  } else {
    Branch* parent = nullptr;
    if (b.parent_kind == ParentKind::root) {
      parent = root(b.parent_name, /*create=*/true);
    } else {
      // A parent that is a GC, or whose content is not a type (`content.type` is undefined),
      // leaves the item without parent: it becomes a GC.
      const Item& p = pool_[find(b.parent_id)];
      if (p.ref == content_ref::type) {
        parent = p.branch();
      }
    }
    if (parent == nullptr) {
      b.gc_parent = true;
    } else {
      b.slot = b.has_parent_sub ? slot_for(parent, b.parent_sub) : list_slot(parent);
    }
  }
  return std::nullopt;
}

void DocImpl::integrate_gc(Id id, std::uint64_t length) {
  const ItemRef r = pool_.allocate();
  Item& it = pool_[r];
  it = Item{};
  it.clock = id.clock;
  it.client = intern_client(id.client);
  it.ref = content_ref::gc;
  it.flags = item_flag::deleted;
  it.origin_client = kNoClient;
  it.right_origin_client = kNoClient;
  it.parent = kNoSlot;
  it.set_length(length);
  add_struct(r);
}

// Item.integrate (YATA). `offset` units at the front are already known and are cut off first.
ItemRef DocImpl::integrate_block(Block& b, std::uint64_t offset) {
  if (b.kind == StructKind::gc) {
    integrate_gc(Id{b.id.client, b.id.clock + offset}, b.length - offset);
    return kNoItem;
  }
  if (offset > 0) {
    const ItemRef left = get_item_clean_end(Id{b.id.client, b.id.clock + offset - 1});
    std::uint32_t left_slot_keep = b.slot;
    const bool gc_parent = b.gc_parent;
    const ItemRef right = b.right_ref;
    b = slice_block(b, offset);  // origin becomes (client, clock + offset - 1) = left.lastId
    b.left_ref = left;
    b.right_ref = right;
    b.slot = left_slot_keep;
    // DIVERGES: if the known prefix is a GC while the item has a live parent, Yjs crashes on
    // `GC.right` (undefined) in the conflict loop; here the item becomes a GC as well.
    b.gc_parent = gc_parent || pool_[left].is_gc();
  }
  if (b.gc_parent) {
    integrate_gc(b.id, b.length);
    return kNoItem;
  }
  const Slot& slot = slots_[b.slot];
  Branch* parent = slot.branch;
  const bool has_key = slot.has_key;
  const std::uint32_t parent_slot = b.slot;

  // Create the item.
  const ItemRef r = pool_.allocate();
  {
    Item& it = pool_[r];
    it = Item{};
    it.clock = b.id.clock;
    it.client = intern_client(b.id.client);
    it.ref = b.ref;
    it.flags = ref_countable(b.ref) ? item_flag::countable : 0;
    it.set_length(b.length);
    it.parent = parent_slot;
    it.origin_client = b.has_origin ? client_index(b.origin.client) : kNoClient;
    it.origin_clock = b.has_origin ? b.origin.clock : 0;
    it.right_origin_client = b.has_right_origin ? client_index(b.right_origin.client) : kNoClient;
    it.right_origin_clock = b.has_right_origin ? b.right_origin.clock : 0;
    switch (b.ref) {
      case content_ref::string: {
        using Piece = StringArena::Piece;
        const std::uint32_t off =
            b.fffd_prefix ? arena_.append({Piece::text(utf16::kReplacement), Piece::text(b.str)})
                          : arena_.append({Piece::text(b.str)});
        it.set_str(off, static_cast<std::uint32_t>(
                            b.str.size() + (b.fffd_prefix ? utf16::kReplacement.size() : 0)));
        break;
      }
      case content_ref::deleted:
        break;
      case content_ref::type: {
        const auto& t = std::get<TypeValue>(*b.box);
        auto* branch = new Branch();
        branch->item = r;
        branch->type_ref = t.type_ref;
        branch->name = t.name;
        it.payload = reinterpret_cast<std::uint64_t>(branch);
        break;
      }
      case content_ref::json:
      case content_ref::any: {
        auto& values = std::get<AnyArray>(*b.box);
        ContentBox* box;
        if (b.offset == 0 && b.box.use_count() == 1) {
          box = new ContentBox(std::move(values));
        } else {
          box = new ContentBox(
              AnyArray(values.begin() + static_cast<std::ptrdiff_t>(b.offset), values.end()));
        }
        it.payload = reinterpret_cast<std::uint64_t>(box);
        break;
      }
      default:
        it.payload = reinterpret_cast<std::uint64_t>(
            b.box.use_count() == 1 ? new ContentBox(std::move(*b.box)) : new ContentBox(*b.box));
    }
  }

  ItemRef left = b.left_ref;
  ItemRef right = b.right_ref;
  // Resolve conflicts only if left and right are not adjacent.
  if ((left == kNoItem && (right == kNoItem || pool_[right].left != kNoItem)) ||
      (left != kNoItem && pool_[left].right != right)) {
    static thread_local ItemSet conflicting;
    static thread_local ItemSet before_origin;
    conflicting.clear();
    before_origin.clear();
    ItemRef new_left = left;
    ItemRef o;
    if (left != kNoItem) {
      o = pool_[left].right;
    } else if (has_key) {
      o = map_get(parent, parent_slot);
      while (o != kNoItem && pool_[o].left != kNoItem) {
        o = pool_[o].left;
      }
    } else {
      o = parent->start;
    }
    const Item& self = pool_[r];
    // Let c in conflictingItems, b in itemsBeforeOrigin
    // ***{origin}bbbb{this}{c,b}{c,b}{o}***
    // Note that conflictingItems is a subset of itemsBeforeOrigin
    while (o != kNoItem && o != right) {
      before_origin.insert(o);
      conflicting.insert(o);
      const Item& oi = pool_[o];
      const bool same_origin =
          oi.origin_client == self.origin_client &&
          (self.origin_client == kNoClient || oi.origin_clock == self.origin_clock);
      if (same_origin) {
        // case 1
        if (clients_[oi.client].id < b.id.client) {
          new_left = o;
          conflicting.clear();
        } else if (oi.right_origin_client == self.right_origin_client &&
                   (self.right_origin_client == kNoClient ||
                    oi.right_origin_clock == self.right_origin_clock)) {
          // this and o are conflicting and point to the same integration points. The id decides
          // which item comes first. Since this is to the left of o, we can break here.
          break;
        }
        // else, o might be integrated before an item that this conflicts with. If so, we will
        // find it in the next iterations.
      } else if (oi.has_origin() &&
                 before_origin.contains(find(oi.origin_client, oi.origin_clock))) {
        // case 2 (getItem, not getItemCleanEnd: no splitting here)
        if (!conflicting.contains(find(oi.origin_client, oi.origin_clock))) {
          new_left = o;
          conflicting.clear();
        }
      } else {
        break;
      }
      o = oi.right;
    }
    left = new_left;
  }
  // Reconnect left/right and update the parent's map/start if necessary.
  if (left != kNoItem) {
    right = pool_[left].right;
    pool_[left].right = r;
  } else if (has_key) {
    right = map_get(parent, parent_slot);
    while (right != kNoItem && pool_[right].left != kNoItem) {
      right = pool_[right].left;
    }
  } else {
    right = parent->start;
    parent->start = r;
  }
  pool_[r].left = left;
  pool_[r].right = right;
  if (right != kNoItem) {
    pool_[right].left = r;
  } else if (has_key) {
    // The rightmost item is the current value of the key; the previous value is deleted.
    map_set(parent, parent_slot, r);
    if (left != kNoItem) {
      delete_item(left, true);
    }
  }
  Item& it = pool_[r];
  if (!has_key && it.countable() && !it.deleted()) {
    parent->length += it.length();
  }
  add_struct(r);
  // content.integrate
  if (it.ref == content_ref::deleted) {
    tx_->delete_set.add(b.id.client, it.clock, it.length());
    it.flags |= item_flag::deleted;
  } else if (it.ref == content_ref::format) {
    parent->has_formatting = true;
  }
  add_changed_type(parent);
  // Delete if the parent is deleted or if this is not the current value of its key.
  if ((parent->item != kNoItem && pool_[parent->item].deleted()) || (has_key && right != kNoItem)) {
    delete_item(r, false);
  }
  if (it.countable() && !it.deleted()) {
    tx_->inserted += it.length();
  }
  return r;
}

Bytes DocImpl::apply_delete_set(const DeleteSet& ds) {
  DeleteSet unapplied;
  for (const auto& entry : ds.clients()) {
    const std::uint64_t client = entry.client;
    const std::uint32_t ci = client_index(client);
    const std::uint64_t state = ci == kNoClient ? 0 : state_of(ci);
    for (const DeleteItem& d : entry.ranges) {
      const std::uint64_t clock = d.clock;
      const std::uint64_t clock_end = d.clock + d.len;
      if (clock < state) {
        if (state < clock_end) {
          unapplied.add(client, state, clock_end - state);
        }
        auto& structs = clients_[ci].structs;
        Pos p = find_pos_near(structs, clock);
        // Split the first item if necessary (GC and deleted structs are skipped anyway).
        {
          const Item& first = pool_[structs.at(p)];
          if (!first.deleted() && first.clock < clock) {
            p = structs.insert_after(pool_, p, split_item(structs.at(p), clock - first.clock));
          }
        }
        while (structs.valid(p)) {
          const ItemRef sr = structs.at(p);
          const Item& s = pool_[sr];
          if (s.clock >= clock_end) {
            break;
          }
          if (!s.deleted()) {
            if (clock_end < s.end()) {
              p = structs.insert_after(pool_, p, split_item(sr, clock_end - s.clock));
            } else {
              p = structs.next(p);
            }
            delete_item(sr, true);
          } else {
            p = structs.next(p);
          }
        }
      } else {
        unapplied.add(client, clock, clock_end - clock);
      }
    }
  }
  if (unapplied.empty()) {
    return {};
  }
  lib0::Encoder enc;
  enc.write_var_uint(0);  // no structs: a delete-set-only update
  unapplied.write(enc);
  return enc.take();
}

// readUpdateV2 (without the transaction wrapper) on a decoded update. `depth` selects the
// scratch buffers: the pending retry at the end re-enters once.
void DocImpl::read_update(DecodedUpdate& update, int depth) {
  IntegrateScratch& sc = integrate_scratch_[depth];
  sc.clear();
  // readClientsStructRefs: clientRefs is a Map, so a later block of the same client replaces an
  // earlier one.
  auto& refs = sc.refs;
  for (const auto& cb : update.clients) {
    refs.push_back(ClientRefs{cb.client, update.blocks.data() + cb.begin, 0, cb.end - cb.begin});
  }
  if (refs.size() > 1) {
    std::stable_sort(refs.begin(), refs.end(),
                     [](const ClientRefs& a, const ClientRefs& b) { return a.client < b.client; });
    auto last_of_run =
        std::unique(refs.rbegin(), refs.rend(), [](const ClientRefs& a, const ClientRefs& b) {
          return a.client == b.client;
        }).base();
    refs.erase(refs.begin(), last_of_run);
  }
  auto get_refs = [&refs](std::uint64_t client) -> ClientRefs* {
    const auto it =
        std::lower_bound(refs.begin(), refs.end(), client,
                         [](const ClientRefs& r, std::uint64_t c) { return r.client < c; });
    return it != refs.end() && it->client == client && it->present ? &*it : nullptr;
  };

  // --- integrateStructs ---
  auto& ids = sc.ids;  // ascending; the highest client is worked on first
  for (const auto& r : refs) {
    ids.push_back(r.client);
  }
  auto& rest = sc.rest;
  auto& missing_sv = sc.missing_sv;
  auto update_missing_sv = [&missing_sv](std::uint64_t client, std::uint64_t clock) {
    const auto [it, inserted] = missing_sv.try_emplace(client, clock);
    if (!inserted) {
      it->second = std::min(it->second, clock);
    }
  };
  auto set_rest = [&rest, &sc](std::uint64_t client, std::vector<Block> blocks) {
    const auto [it, inserted] = sc.rest_index.try_emplace(client, rest.size());
    if (inserted) {
      rest.emplace_back(client, std::move(blocks));
    } else {
      rest[it->second].second = std::move(blocks);
    }
  };
  auto next_target = [&]() -> ClientRefs* {
    while (!ids.empty()) {
      ClientRefs* t = get_refs(ids.back());
      if (t != nullptr && t->i < t->end) {
        return t;
      }
      ids.pop_back();
    }
    return nullptr;
  };

  ClientRefs* target = refs.empty() ? nullptr : next_target();
  if (target != nullptr) {
    auto& stack = sc.stack;
    auto add_stack_to_rest = [&]() {
      for (Block* item : stack) {
        const std::uint64_t client = item->id.client;
        if (ClientRefs* inapplicable = get_refs(client)) {
          // Decrement because we weren't able to apply the previous operation.
          --inapplicable->i;
          set_rest(client, std::vector<Block>(inapplicable->blocks + inapplicable->i,
                                              inapplicable->blocks + inapplicable->end));
          inapplicable->present = false;
          inapplicable->i = 0;
          inapplicable->end = 0;
        } else {
          // The item was the last one of its client and the refs were already cleared.
          set_rest(client, std::vector<Block>{*item});
        }
        // The client is done: get_refs() no longer finds it, so next_target() drops it from
        // `ids` (Yjs filters it out of clientsStructRefsIds right here).
      }
      stack.clear();
    };

    Block* head = &target->blocks[target->i++];
    while (true) {
      if (head->kind != StructKind::skip) {
        const std::uint64_t client = head->id.client;
        const std::uint64_t local_clock = get_state(client);
        if (local_clock < head->id.clock) {
          // An update from the same client is missing.
          stack.push_back(head);
          update_missing_sv(client, head->id.clock - 1);
          add_stack_to_rest();
        } else {
          const std::uint64_t offset = local_clock - head->id.clock;
          const std::optional<std::uint64_t> missing =
              head->is_item() ? get_missing(*head) : std::nullopt;
          if (missing.has_value()) {
            stack.push_back(head);
            ClientRefs* dep = get_refs(*missing);
            if (dep == nullptr || dep->i == dep->end) {
              // This update causally depends on another update that doesn't exist yet.
              update_missing_sv(*missing, get_state(*missing));
              add_stack_to_rest();
            } else {
              head = &dep->blocks[dep->i++];
              continue;
            }
          } else if (offset == 0 || offset < head->length) {
            integrate_block(*head, offset);
          }
        }
      }
      // Iterate to the next stack head.
      if (!stack.empty()) {
        head = stack.back();
        stack.pop_back();
      } else if (target != nullptr && target->present && target->i < target->end) {
        head = &target->blocks[target->i++];
      } else {
        target = next_target();
        if (target == nullptr) {
          break;
        }
        head = &target->blocks[target->i++];
      }
    }
  }

  // --- pending structs ---
  bool retry = false;
  Bytes rest_update;
  if (!rest.empty()) {
    rest_update = encode_rest(rest);
  }
  if (pending_structs_.has_value()) {
    for (const auto& [client, clock] : pending_structs_->missing) {
      if (clock < get_state(client)) {
        retry = true;
        break;
      }
    }
    if (!rest.empty()) {
      for (const auto& [client, clock] : missing_sv) {
        const auto [it, inserted] = pending_structs_->missing.try_emplace(client, clock);
        if (!inserted) {
          it->second = std::min(it->second, clock);
        }
      }
      DecodedUpdate a;
      DecodedUpdate b;
      decode_update_v1(pending_structs_->update, a);
      decode_update_v1(rest_update, b);
      pending_structs_->update = merge_decoded({&a, &b});
    }
  } else if (!rest.empty()) {
    pending_structs_ = PendingStructs{std::move(missing_sv), std::move(rest_update)};
  }

  // --- delete set ---
  Bytes ds_rest = apply_delete_set(update.ds);
  if (pending_ds_.has_value()) {
    const Bytes pending_ds = std::move(*pending_ds_);
    pending_ds_.reset();
    lib0::Decoder dec(pending_ds);
    dec.read_var_uint();  // 0 structs: pendingDs only holds deletes
    Bytes ds_rest2 = apply_delete_set(DeleteSet::read(dec));
    if (!ds_rest.empty() && !ds_rest2.empty()) {
      DecodedUpdate a;
      DecodedUpdate b;
      decode_update_v1(ds_rest, a);
      decode_update_v1(ds_rest2, b);
      pending_ds_ = merge_decoded({&a, &b});
    } else if (!ds_rest.empty()) {
      pending_ds_ = std::move(ds_rest);
    } else if (!ds_rest2.empty()) {
      pending_ds_ = std::move(ds_rest2);
    }
  } else if (!ds_rest.empty()) {
    pending_ds_ = std::move(ds_rest);
  }

  if (retry) {
    const Bytes pending = std::move(pending_structs_->update);
    pending_structs_.reset();
    DecodedUpdate decoded;
    decode_update_v1(pending, decoded);
    read_update(decoded, depth + 1);
  }
}

}  // namespace crdt
