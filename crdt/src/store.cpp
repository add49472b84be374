// Struct store and shared-type bookkeeping: port of yjs src/utils/StructStore.js (findIndexSS,
// getItemCleanStart/End, addStruct), Item.js splitItem and the parts of AbstractType/Doc.get that
// hold types.
#include <algorithm>
#include <random>

#include "doc_impl.hpp"
#include "utf16.hpp"

namespace crdt {

namespace {

[[noreturn]] void internal_error(const char* what) {
  throw Error(ErrorCode::malformed, std::string("inconsistent document: ") + what);
}

std::uint64_t random_client_id() {
  std::random_device rd;
  return rd();  // Yjs generateNewClientId = random.uint32
}

}  // namespace

DocImpl::DocImpl(DocOptions opts)
    : opts_(opts), client_id_(opts.client_id != 0 ? opts.client_id : random_client_id()) {}

DocImpl::~DocImpl() {
  for (auto& c : clients_) {
    c.structs.for_each([this](ItemRef r) {
      Item& it = pool_[r];
      if (it.ref == content_ref::type) {
        delete it.branch();
      } else if (it.ref != content_ref::string && it.payload != 0) {
        delete it.box();
      }
    });
  }
}

std::uint32_t DocImpl::client_index(std::uint64_t client) const {
  if (last_index_ != kNoClient && last_client_ == client) {
    return last_index_;
  }
  const auto it = client_index_.find(client);
  if (it == client_index_.end()) {
    return kNoClient;
  }
  last_client_ = client;
  last_index_ = it->second;
  return it->second;
}

std::uint32_t DocImpl::intern_client(std::uint64_t client) {
  if (last_index_ != kNoClient && last_client_ == client) {
    return last_index_;  // the one-entry cache of client_index: no hashing per integrated struct
  }
  const auto [it, inserted] =
      client_index_.try_emplace(client, static_cast<std::uint32_t>(clients_.size()));
  if (inserted) {
    if (clients_.size() >= kMaxClients) {
      client_index_.erase(it);
      throw Error(ErrorCode::too_large, "too many clients in one document");
    }
    clients_.push_back(ClientStructs{client, {}, 0, 0});
  }
  return it->second;
}

std::uint64_t DocImpl::state_of(std::uint32_t ci) const {
  const auto& s = clients_[ci].structs;
  return s.empty() ? 0 : pool_[s.back()].end();
}

std::uint64_t DocImpl::get_state(std::uint64_t client) const {
  const std::uint32_t ci = client_index(client);
  return ci == kNoClient ? 0 : state_of(ci);
}

std::uint64_t DocImpl::tx_before(std::uint32_t ci) const {
  return clients_[ci].tx_stamp == tx_->stamp ? clients_[ci].tx_before : state_of(ci);
}

// findIndexSS. A miss means the caller broke the "check the state first" rule.
StructList::Pos DocImpl::find_pos(const StructList& structs, std::uint64_t clock) const {
  const Pos p = structs.find(pool_, clock);
  if (!structs.valid(p)) {
    internal_error("findIndexSS found no struct");
  }
  return p;
}

StructList::Pos DocImpl::find_pos_near(const StructList& structs, std::uint64_t clock) const {
  const Pos p = structs.find<StructList::kNearProbe>(pool_, clock);
  if (!structs.valid(p)) {
    internal_error("findIndexSS found no struct");
  }
  return p;
}

ItemRef DocImpl::find(std::uint32_t ci, std::uint64_t clock) const {
  const auto& structs = clients_[ci].structs;
  return structs.at(find_pos(structs, clock));
}

ItemRef DocImpl::find(Id id) const {
  const std::uint32_t ci = client_index(id.client);
  if (ci == kNoClient) {
    internal_error("getItem on an unknown client");
  }
  return find(ci, id.clock);
}

// Port of splitItem (Item.js). The right part keeps rightOrigin; the left item's rightOrigin is
// not changed ("it will lead to problems when syncing").
ItemRef DocImpl::split_item(ItemRef left_ref, std::uint64_t diff) {
  const ItemRef right_ref = pool_.allocate();
  Item& left = pool_[left_ref];
  Item& right = pool_[right_ref];
  right = left;
  right.clock = left.clock + diff;
  right.set_length(left.length() - diff);
  right.left = left_ref;
  right.origin_client = left.client;
  right.origin_clock = right.clock - 1;
  // content.splice(diff): the left part stays, the right part moves to the new item.
  switch (left.ref) {
    case content_ref::string: {
      const std::string_view s = item_str(left);
      const utf16::Split at = utf16::byte_offset(s, diff, left.length());
      if (!at.mid_pair) {
        right.set_str(left.str_offset() + static_cast<std::uint32_t>(at.bytes),
                      left.str_bytes() - static_cast<std::uint32_t>(at.bytes));
        left.set_str(left.str_offset(), static_cast<std::uint32_t>(at.bytes));
      } else {
        // ContentString.splice: a surrogate pair cut in half becomes U+FFFD on both sides.
        using Piece = StringArena::Piece;
        const auto head = static_cast<std::uint32_t>(at.bytes);
        const std::uint32_t tail = left.str_bytes() - head - 4;
        const auto fffd = static_cast<std::uint32_t>(utf16::kReplacement.size());
        const std::uint32_t lo = arena_.append(
            {Piece::range(left.str_offset(), head), Piece::text(utf16::kReplacement)});
        const std::uint32_t ro = arena_.append(
            {Piece::text(utf16::kReplacement), Piece::range(left.str_offset() + head + 4, tail)});
        arena_.add_garbage(left.str_bytes());
        left.set_str(lo, head + fffd);
        right.set_str(ro, tail + fffd);
      }
      break;
    }
    case content_ref::json:
    case content_ref::any: {
      auto& values = std::get<AnyArray>(*left.box());
      const auto cut = values.begin() + static_cast<std::ptrdiff_t>(diff);
      right.payload = reinterpret_cast<std::uint64_t>(new ContentBox(
          AnyArray(std::make_move_iterator(cut), std::make_move_iterator(values.end()))));
      values.erase(cut, values.end());
      break;
    }
    case content_ref::deleted:
      break;
    default:
      internal_error("split of unsplittable content");
  }
  left.right = right_ref;
  if (right.right != kNoItem) {
    pool_[right.right].left = right_ref;
  }
  left.set_length(diff);
  tx_->merge_structs.push_back(item_id(right));
  const Slot& s = slots_[right.parent];
  if (s.has_key && right.right == kNoItem) {
    map_set(s.branch, right.parent, right_ref);
  }
  return right_ref;
}

StructList::Pos DocImpl::find_pos_clean_start(std::uint32_t ci, std::uint64_t clock) {
  auto& structs = clients_[ci].structs;
  const Pos p = find_pos(structs, clock);
  const Item& it = pool_[structs.at(p)];
  if (it.clock < clock && !it.is_gc()) {
    return structs.insert_after(pool_, p, split_item(structs.at(p), clock - it.clock));
  }
  return p;
}

ItemRef DocImpl::get_item_clean_start(Id id) {
  const std::uint32_t ci = client_index(id.client);
  if (ci == kNoClient) {
    internal_error("getItemCleanStart on an unknown client");
  }
  return clients_[ci].structs.at(find_pos_clean_start(ci, id.clock));
}

ItemRef DocImpl::get_item_clean_end(Id id) {
  const std::uint32_t ci = client_index(id.client);
  if (ci == kNoClient) {
    internal_error("getItemCleanEnd on an unknown client");
  }
  auto& structs = clients_[ci].structs;
  const Pos p = find_pos(structs, id.clock);
  const ItemRef r = structs.at(p);
  const Item& it = pool_[r];
  if (id.clock != it.end() - 1 && !it.is_gc()) {
    structs.insert_after(pool_, p, split_item(r, id.clock - it.clock + 1));
  }
  return r;
}

void DocImpl::add_struct(ItemRef r) {
  const Item& it = pool_[r];
  ClientStructs& c = clients_[it.client];
  const std::uint64_t state = c.structs.empty() ? 0 : pool_[c.structs.back()].end();
  if (state != it.clock) {
    internal_error("addStruct with a clock gap");
  }
  if (c.tx_stamp != tx_->stamp) {
    c.tx_stamp = tx_->stamp;
    c.tx_before = state;
    tx_->touched.push_back(it.client);
  }
  c.structs.push_back(pool_, r);
}

Branch* DocImpl::root(std::string_view name, bool create) {
  const auto it = roots_.find(std::string(name));
  if (it != roots_.end()) {
    return it->second.get();
  }
  if (!create) {
    return nullptr;
  }
  auto b = std::make_unique<Branch>();
  b->is_root = true;
  b->name = std::string(name);
  Branch* raw = b.get();
  roots_.emplace(std::string(name), std::move(b));
  return raw;
}

std::uint32_t DocImpl::list_slot(Branch* b) {
  if (b->list_slot == kNoSlot) {
    const std::uint32_t s = slots_.take();
    slots_[s] = Slot{b, {}, false};
    b->list_slot = s;
  }
  return b->list_slot;
}

Branch::MapEntry* DocImpl::map_find(Branch* b, std::string_view key) {
  if (b->map_index) {
    const auto it = b->map_index->find(key);
    return it == b->map_index->end() ? nullptr : &b->map[it->second];
  }
  for (auto& e : b->map) {
    if (slots_[e.slot].key == key) {
      return &e;
    }
  }
  return nullptr;
}

std::uint32_t DocImpl::slot_for(Branch* b, std::string_view key) {
  if (Branch::MapEntry* e = map_find(b, key)) {
    return e->slot;
  }
  const std::uint32_t s = slots_.take();
  slots_[s] = Slot{b, std::string(key), true};
  // Until the first map_set the entry reads as absent and takes no part in iteration order.
  b->map.push_back(Branch::MapEntry{s, kNoItem, 0});
  if (b->map_index) {
    b->map_index->emplace(slots_[s].key, b->map.size() - 1);
  } else if (b->map.size() > 8) {
    b->map_index = std::make_unique<std::unordered_map<std::string_view, std::size_t>>();
    for (std::size_t i = 0; i < b->map.size(); ++i) {
      b->map_index->emplace(slots_[b->map[i].slot].key, i);
    }
  }
  return s;
}

void DocImpl::map_set(Branch* b, std::uint32_t slot, ItemRef item) {
  Branch::MapEntry* e = map_find(b, slots_[slot].key);
  if (e == nullptr) {
    internal_error("map entry without slot");
  }
  if (e->seq == 0) {
    e->seq = ++b->next_seq;
  }
  e->item = item;
}

std::vector<Branch::MapEntry> DocImpl::map_entries(const Branch* b) const {
  std::vector<Branch::MapEntry> entries;
  for (const auto& e : b->map) {
    if (e.seq != 0) {
      entries.push_back(e);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Branch::MapEntry& x, const Branch::MapEntry& y) { return x.seq < y.seq; });
  return entries;
}

ItemRef DocImpl::map_get(Branch* b, std::uint32_t slot) {
  const Branch::MapEntry* e = map_find(b, slots_[slot].key);
  return e == nullptr ? kNoItem : e->item;
}

void DocImpl::destroy_branch(Branch* b) {
  if (b->list_slot != kNoSlot) {
    slots_.release(b->list_slot);
  }
  for (const auto& e : b->map) {
    slots_.release(e.slot);
  }
  delete b;
}

void DocImpl::free_content(Item& it) {
  switch (it.ref) {
    case content_ref::string:
      arena_.add_garbage(it.str_bytes());
      break;
    case content_ref::type:
      destroy_branch(it.branch());
      break;
    case content_ref::gc:
    case content_ref::deleted:
      break;
    default:
      delete it.box();
  }
  it.payload = 0;
}

}  // namespace crdt
