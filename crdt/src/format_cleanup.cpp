// Y.Text formatting cleanup: port of yjs src/types/YText.js cleanupYTextAfterTransaction,
// cleanupContextlessFormattingGap, cleanupYTextFormatting and cleanupFormattingGap.
//
// Yjs runs it after every remote transaction that changed a Y.Text (here: a nested Y.Text or
// Y.XmlText) with formatting. It deletes redundant ContentFormat items in a new local
// transaction, so every replica — including a y-websocket server — authors the same deletions.
// The quirks (identity comparison of object values, a full cleanup that only looks at the gap
// before the first content item) are kept because they decide which items get deleted.
#include <algorithm>

#include "doc_impl.hpp"
#include "text_attributes.hpp"

namespace crdt {

bool strict_equal(const Any* a, const Any* b) {
  const bool a_null = a == nullptr || a->is_null();
  const bool b_null = b == nullptr || b->is_null();
  if (a_null || b_null) {
    return a_null && b_null;
  }
  if (a->value().index() != b->value().index()) {
    return false;
  }
  if (a->is_number()) {
    return a->as_number() == b->as_number();
  }
  if (a->is_bool()) {
    return a->as_bool() == b->as_bool();
  }
  if (a->is_string()) {
    return a->as_string() == b->as_string();
  }
  if (a->is_bigint()) {
    return a->as_bigint() == b->as_bigint();
  }
  return a == b;
}

namespace {

const FormatValue& format_of(const Item& it) { return std::get<FormatValue>(*it.box()); }

}  // namespace

void DocImpl::cleanup_contextless_formatting_gap(ItemRef item) {
  // Iterate until item.right is null or content.
  while (item != kNoItem && pool_[item].right != kNoItem &&
         (pool_[pool_[item].right].deleted() || !pool_[pool_[item].right].countable())) {
    item = pool_[item].right;
  }
  std::vector<std::string_view> seen;
  // Iterate back until a content item is found.
  while (item != kNoItem && (pool_[item].deleted() || !pool_[item].countable())) {
    const Item& it = pool_[item];
    if (!it.deleted() && it.ref == content_ref::format) {
      const std::string_view key = format_of(it).key;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        delete_item(item, true);
      } else {
        seen.push_back(key);
      }
    }
    item = pool_[item].left;
  }
}

// cleanupFormattingGap: `curr` is the exclusive end; formats up to the next content item are kept
// only if they are the last format of their key and change the attribute.
void DocImpl::cleanup_formatting_gap(ItemRef start, ItemRef curr,
                                     const Attributes& start_attributes,
                                     Attributes& curr_attributes) {
  ItemRef end = start;
  std::vector<std::pair<std::string_view, ItemRef>> end_formats;
  while (end != kNoItem && (!pool_[end].countable() || pool_[end].deleted())) {
    const Item& e = pool_[end];
    if (!e.deleted() && e.ref == content_ref::format) {
      const std::string_view key = format_of(e).key;
      auto pos = std::find_if(end_formats.begin(), end_formats.end(),
                              [key](const auto& f) { return f.first == key; });
      if (pos != end_formats.end()) {
        pos->second = end;
      } else {
        end_formats.emplace_back(key, end);
      }
    }
    end = e.right;
  }
  bool reached_curr = false;
  while (start != end) {
    if (curr == start) {
      reached_curr = true;
    }
    if (!pool_[start].deleted() && pool_[start].ref == content_ref::format) {
      const FormatValue& f = format_of(pool_[start]);
      const AttrValue start_value = start_attributes.get_shared(f.key);
      auto last = std::find_if(end_formats.begin(), end_formats.end(),
                               [&f](const auto& e) { return e.first == f.key; });
      const bool overwritten = last == end_formats.end() || last->second != start;
      if (overwritten || strict_equal(start_value.get(), f.value.get())) {
        // Either this format is overwritten or the attribute already had this value.
        delete_item(start, true);
        if (!reached_curr && strict_equal(curr_attributes.get(f.key), f.value.get()) &&
            !strict_equal(start_value.get(), f.value.get())) {
          if (start_value == nullptr) {
            curr_attributes.erase(f.key);
          } else {
            curr_attributes.set(f.key, start_value);
          }
        }
      }
      if (!reached_curr && !pool_[start].deleted()) {
        curr_attributes.update(f);
      }
    }
    start = pool_[start].right;
  }
}

// cleanupYTextFormatting. Note that after the first content item `start` is a content item, so
// later gaps are left alone, as in Yjs.
void DocImpl::cleanup_text_formatting(Branch* b) {
  ItemRef start = b->start;
  Attributes start_attributes;
  Attributes current_attributes = start_attributes;
  for (ItemRef end = b->start; end != kNoItem; end = pool_[end].right) {
    const Item& e = pool_[end];
    if (e.deleted()) {
      continue;
    }
    if (e.ref == content_ref::format) {
      current_attributes.update(format_of(e));
    } else {
      cleanup_formatting_gap(start, end, start_attributes, current_attributes);
      start_attributes = current_attributes;
      start = end;
    }
  }
}

// cleanupYTextAfterTransaction. `remote` is the transaction that just ended (before it was
// finalized); the deletions go to `cleanup`, a new local transaction.
void DocImpl::run_format_cleanup(Transaction& remote, Transaction& cleanup) {
  // Types into which a (still visible) format item was inserted get a full cleanup.
  std::vector<Branch*> full;
  auto add_full = [&full](Branch* b) {
    if (std::find(full.begin(), full.end(), b) == full.end()) {
      full.push_back(b);
    }
  };
  for (std::uint32_t ci = 0; ci < clients_.size(); ++ci) {
    if (clients_[ci].tx_stamp != remote.stamp) {
      continue;  // state unchanged
    }
    const auto& structs = clients_[ci].structs;
    for (Pos p = find_pos(structs, clients_[ci].tx_before); structs.valid(p); p = structs.next(p)) {
      const Item& it = pool_[structs.at(p)];
      if (!it.is_gc() && !it.deleted() && it.ref == content_ref::format) {
        add_full(slots_[it.parent].branch);
      }
    }
  }
  // iterateDeletedStructs(remote, remote.deleteSet): splits belong to the remote transaction.
  for (const auto& entry : remote.delete_set.clients()) {
    const std::uint32_t ci = client_index(entry.client);
    if (ci == kNoClient || clients_[ci].structs.empty()) {
      continue;
    }
    const std::uint64_t state = state_of(ci);
    for (const DeleteItem& del : entry.ranges) {
      if (del.clock >= state) {
        break;
      }
      if (del.len == 0) {
        continue;
      }
      const std::uint64_t clock_end = del.clock + del.len;
      tx_ = &remote;
      Pos p = find_pos_clean_start(ci, del.clock);
      while (true) {
        tx_ = &remote;
        const ItemRef sr = clients_[ci].structs.at(p);
        if (clock_end < pool_[sr].end()) {
          find_pos_clean_start(ci, clock_end);
        }
        tx_ = &cleanup;
        const Item& it = pool_[sr];
        if (!it.is_gc()) {
          Branch* parent = slots_[it.parent].branch;
          if (parent->has_formatting && std::find(full.begin(), full.end(), parent) == full.end()) {
            if (it.ref == content_ref::format) {
              full.push_back(parent);
            } else {
              cleanup_contextless_formatting_gap(sr);
            }
          }
        }
        const auto& structs = clients_[ci].structs;
        p = structs.next(structs.find(pool_, pool_[sr].clock));
        if (!structs.valid(p) || pool_[structs.at(p)].clock >= clock_end) {
          break;
        }
      }
    }
  }
  tx_ = &cleanup;
  for (Branch* b : full) {
    cleanup_text_formatting(b);
  }
}

}  // namespace crdt
