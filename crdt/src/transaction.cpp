// Transactions: port of Item.delete / Item.gc / Item.mergeWith, ContentType.delete / gc and
// yjs src/utils/Transaction.js cleanup (tryGcDeleteSet, tryMergeDeleteSet, tryToMergeWithLefts,
// the per-client merge pass and writeUpdateMessageFromTransaction). The merge rules are what
// make converged replicas byte-identical, so they are ported without shortcuts.
#include <algorithm>
#include <random>

#include "doc_impl.hpp"

namespace crdt {

void DocImpl::begin_transaction(Transaction& tx, bool local) {
  tx.reset(++tx_counter_, local);
  tx_ = &tx;
}

// addChangedTypeToTransaction, recording only text types (see Transaction): nested Y.Text /
// Y.XmlText, and roots typed by Doc::get_text (a root has no item, so it always "changed").
void DocImpl::add_changed_type(Branch* b) {
  if (b->changed_stamp == tx_->stamp) {
    return;
  }
  if (b->is_root) {
    if (b->text_root) {
      b->changed_stamp = tx_->stamp;
      tx_->changed_texts.push_back(b);
    }
    return;
  }
  if (b->type_ref != TypeRef::text && b->type_ref != TypeRef::xml_text) {
    return;
  }
  // A type created in this transaction, or a deleted one, has not "changed".
  const Item& owner = pool_[b->item];
  if (owner.clock < tx_before(owner.client) && !owner.deleted()) {
    b->changed_stamp = tx_->stamp;
    tx_->changed_texts.push_back(b);
  }
}

// YText._callObserver: after a remote transaction a changed Y.Text with formatting asks for the
// cleanup (observers only run for types whose item is not deleted).
bool DocImpl::needs_format_cleanup() const {
  if (tx_->local) {
    return false;
  }
  for (const Branch* b : tx_->changed_texts) {
    if (b->has_formatting && (b->is_root || !pool_[b->item].deleted())) {
      return true;
    }
  }
  return false;
}

// Item.delete, including ContentType.delete for nested types.
void DocImpl::delete_item(ItemRef r, bool count) {
  Item& it = pool_[r];
  if (it.deleted()) {
    return;
  }
  const Slot& s = slots_[it.parent];
  if (it.countable() && !s.has_key) {
    s.branch->length -= it.length();
  }
  if (count && it.countable()) {
    tx_->deleted += it.length();
  }
  it.flags |= item_flag::deleted;
  tx_->delete_set.add(clients_[it.client].id, it.clock, it.length());
  add_changed_type(s.branch);
  if (it.ref != content_ref::type) {
    return;
  }
  // ContentType.delete: delete every live child; already deleted children from before this
  // transaction are queued for merging (they will be gc'd with the type).
  Branch* b = it.branch();
  b->cursor_item = kNoItem;
  auto visit = [this](ItemRef c) {
    const Item& child = pool_[c];
    if (!child.deleted()) {
      delete_item(c, true);
    } else if (child.clock < tx_before(child.client)) {
      tx_->merge_structs.push_back(item_id(child));
    }
  };
  for (ItemRef c = b->start; c != kNoItem; c = pool_[c].right) {
    visit(c);
  }
  for (const auto& e : map_entries(b)) {
    visit(e.item);
  }
}

// Item.gc. With parent_gcd the struct is replaced by a GC (the parent type is collected);
// otherwise only the content is dropped and the item stays as a ContentDeleted tombstone.
void DocImpl::gc_item(ItemRef r, bool parent_gcd) {
  Item& it = pool_[r];
  if (it.ref == content_ref::type) {
    // ContentType.gc: collect every child, then forget the type.
    Branch* b = it.branch();
    for (ItemRef c = b->start; c != kNoItem;) {
      const ItemRef next = pool_[c].right;
      gc_item(c, true);
      c = next;
    }
    for (const auto& e : map_entries(b)) {
      for (ItemRef c = e.item; c != kNoItem;) {
        const ItemRef next = pool_[c].left;
        gc_item(c, true);
        c = next;
      }
    }
  }
  free_content(it);
  if (parent_gcd) {
    const std::uint32_t client = it.client;
    const std::uint64_t clock = it.clock;
    const std::uint64_t length = it.length();
    it = Item{};
    it.clock = clock;
    it.client = client;
    it.ref = content_ref::gc;
    it.flags = item_flag::deleted;
    it.origin_client = kNoClient;
    it.right_origin_client = kNoClient;
    it.parent = kNoSlot;
    it.set_length(length);
  } else {
    it.ref = content_ref::deleted;
  }
}

// Item.mergeWith (both are items with equal `deleted`, right directly after left in the store).
bool DocImpl::merge_items(ItemRef left_ref, ItemRef right_ref) {
  Item& left = pool_[left_ref];
  Item& right = pool_[right_ref];
  if (left.ref != right.ref || right.origin_client != left.client ||
      right.origin_clock != left.end() - 1 || left.right != right_ref ||
      left.right_origin_client != right.right_origin_client ||
      (left.right_origin_client != kNoClient &&
       left.right_origin_clock != right.right_origin_clock) ||
      left.client != right.client || left.end() != right.clock) {
    return false;
  }
  switch (left.ref) {
    case content_ref::string: {
      if (left.str_offset() + left.str_bytes() != right.str_offset()) {
        // Not adjacent in the arena: store the concatenation.
        using Piece = StringArena::Piece;
        const std::uint32_t bytes = left.str_bytes() + right.str_bytes();
        const std::uint32_t off =
            arena_.append({Piece::range(left.str_offset(), left.str_bytes()),
                           Piece::range(right.str_offset(), right.str_bytes())});
        arena_.add_garbage(bytes);
        left.set_str(off, bytes);
      } else {
        left.set_str(left.str_offset(), left.str_bytes() + right.str_bytes());
      }
      break;
    }
    case content_ref::json:
    case content_ref::any: {
      auto& l = std::get<AnyArray>(*left.box());
      auto& rv = std::get<AnyArray>(*right.box());
      l.insert(l.end(), std::make_move_iterator(rv.begin()), std::make_move_iterator(rv.end()));
      delete right.box();
      break;
    }
    case content_ref::deleted:
      break;
    default:
      return false;
  }
  right.payload = 0;
  left.right = right.right;
  if (left.right != kNoItem) {
    pool_[left.right].left = left_ref;
  }
  left.set_length(left.length() + right.length());
  return true;
}

// tryToMergeWithLefts: merges the struct at `pos` into its left neighbours as far as possible
// and removes the merged structs. Returns how many were merged; `survivor` (if given) receives
// the position of the struct they were merged into.
std::size_t DocImpl::try_to_merge_with_lefts(StructList& structs, Pos pos, Pos* survivor) {
  std::size_t merged = 0;
  ItemRef right = structs.at(pos);
  Pos at = pos;
  while (structs.has_prev(at)) {
    const Pos left_pos = structs.prev(at);
    const ItemRef left = structs.at(left_pos);
    Item& l = pool_[left];
    Item& r = pool_[right];
    if (l.deleted() != r.deleted() || l.is_gc() != r.is_gc()) {
      break;
    }
    bool ok;
    if (l.is_gc()) {
      l.set_length(l.length() + r.length());
      ok = true;
    } else {
      const std::uint64_t left_units = l.countable() && !l.deleted() ? l.length() : 0;
      ok = merge_items(left, right);
      if (ok) {
        const Slot& s = slots_[r.parent];
        if (s.has_key && map_get(s.branch, r.parent) == right) {
          map_set(s.branch, r.parent, left);
        }
        // The right item is forgotten: move a cursor on it to the merged item.
        if (s.branch->cursor_item == right) {
          s.branch->cursor_item = left;
          s.branch->cursor_index -= left_units;
        }
      }
    }
    if (!ok) {
      break;
    }
    pool_.release(right);
    right = left;
    at = left_pos;
    ++merged;
  }
  if (merged > 0) {
    structs.erase_after(pool_, at, merged);
  }
  if (survivor != nullptr) {
    *survivor = at;
  }
  return merged;
}

// The `finally` part of cleanupTransactions. REQUIRES: the delete set is sorted and merged.
void DocImpl::finalize_transaction() {
  const DeleteSet& ds = tx_->delete_set;
  // Replace deleted items with ContentDeleted / GC (tryGcDeleteSet).
  if (opts_.gc) {
    for (const auto& entry : ds.clients()) {
      const auto& structs = clients_[client_index(entry.client)].structs;
      for (std::size_t di = entry.ranges.size(); di-- > 0;) {
        const DeleteItem& d = entry.ranges[di];
        const std::uint64_t end = d.clock + d.len;
        for (Pos p = find_pos_near(structs, d.clock);
             structs.valid(p) && pool_[structs.at(p)].clock < end; p = structs.next(p)) {
          const ItemRef sr = structs.at(p);
          if (!pool_[sr].is_gc() && pool_[sr].deleted()) {
            gc_item(sr, false);
          }
        }
      }
    }
  }
  // tryMergeDeleteSet: merge from right to left so no merge target is missed.
  for (const auto& entry : ds.clients()) {
    auto& structs = clients_[client_index(entry.client)].structs;
    for (std::size_t di = entry.ranges.size(); di-- > 0;) {
      const DeleteItem& d = entry.ranges[di];
      // Start with the struct right of the last deleted one.
      Pos p = find_pos_near(structs, d.clock + d.len - 1);
      if (structs.valid(structs.next(p))) {
        p = structs.next(p);
      }
      while (structs.has_prev(p) && pool_[structs.at(p)].clock >= d.clock) {
        Pos survivor;
        try_to_merge_with_lefts(structs, p, &survivor);
        if (!structs.has_prev(survivor)) {
          break;
        }
        p = structs.prev(survivor);
      }
    }
  }
  // Merge what this transaction appended, per client, right to left.
  for (const std::uint32_t ci : tx_->touched) {
    const std::uint64_t before = clients_[ci].tx_before;
    auto& structs = clients_[ci].structs;
    if (state_of(ci) == before) {
      continue;
    }
    // Yjs: firstChangePos = max(findIndexSS(before), 1); positions compare by clock.
    Pos first = find_pos(structs, before);
    if (!structs.has_prev(first)) {
      first = structs.next(first);
      if (!structs.valid(first)) {
        continue;
      }
    }
    const std::uint64_t first_clock = pool_[structs.at(first)].clock;
    Pos p = structs.last();
    while (pool_[structs.at(p)].clock >= first_clock) {
      Pos survivor;
      try_to_merge_with_lefts(structs, p, &survivor);
      if (!structs.has_prev(survivor)) {
        break;
      }
      p = structs.prev(survivor);
    }
  }
  // Merge the items that splits created (_mergeStructs).
  for (std::size_t i = tx_->merge_structs.size(); i-- > 0;) {
    const Id id = tx_->merge_structs[i];
    auto& structs = clients_[client_index(id.client)].structs;
    const Pos replaced = find_pos(structs, id.clock);
    const Pos after = structs.next(replaced);
    if (structs.valid(after) && try_to_merge_with_lefts(structs, after) > 1) {
      continue;  // both are already merged
    }
    const Pos again = find_pos(structs, id.clock);
    if (structs.has_prev(again)) {
      try_to_merge_with_lefts(structs, again);
    }
  }
  // A remote transaction that advanced our own client means someone else uses our id.
  if (!tx_->local) {
    const std::uint32_t own = client_index(client_id_);
    if (own != kNoClient && state_of(own) != tx_before(own)) {
      std::random_device rd;
      client_id_ = rd();
    }
  }
  if (arena_.wants_compaction()) {
    arena_.compact([this](auto&& relocate) {
      for (auto& c : clients_) {
        c.structs.for_each([&](ItemRef r) {
          Item& it = pool_[r];
          if (it.ref == content_ref::string) {
            it.set_str(relocate(it.str_offset(), it.str_bytes()), it.str_bytes());
          }
        });
      }
    });
  }
}

// writeUpdateMessageFromTransaction: empty when nothing was deleted and no state changed.
Bytes DocImpl::write_transaction_update() {
  bool changed = false;
  for (const std::uint32_t ci : tx_->touched) {
    if (state_of(ci) != clients_[ci].tx_before) {
      changed = true;
    }
  }
  if (tx_->delete_set.empty() && !changed) {
    return {};
  }
  // writeStructsFromTransaction = writeClientsStructs(store, beforeState): only clients whose
  // state grew have structs to write, from their state before the transaction.
  auto& order = order_scratch_;
  order.clear();
  for (const std::uint32_t ci : tx_->touched) {
    if (state_of(ci) > clients_[ci].tx_before) {
      order.emplace_back(clients_[ci].id, ci);
    }
  }
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  lib0::Encoder enc;
  enc.reserve(64);
  enc.write_var_uint(order.size());
  for (const auto& [client, ci] : order) {
    const auto& structs = clients_[ci].structs;
    const std::uint64_t clock = clients_[ci].tx_before;
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
  tx_->delete_set.write(enc);
  return enc.take();
}

}  // namespace crdt
