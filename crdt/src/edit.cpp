// Local editing: port of yjs src/types/AbstractType.js (typeListInsertGenerics[After],
// typeListPushGenerics, typeListDelete, typeMapSet, typeMapDelete) and src/types/YText.js
// (findPosition, insertText, formatText, deleteText and their attribute helpers).
//
// DIVERGES: Yjs finds list positions through search markers, which can make the left origin of an
// insertion a deleted neighbour instead of the last visible unit before the index. Positions
// here are always those of Yjs's marker-free path (the one it uses for formatted text); both
// produce valid operations that every peer integrates identically.
#include <algorithm>

#include "crdt/doc.hpp"
#include "doc_impl.hpp"
#include "utf16.hpp"

namespace crdt {

namespace {

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorCode::malformed, what); }

bool is_primitive(const Any& v) { return !v.is_object() && !v.is_array() && !v.is_binary(); }

// The enumerable properties of an object, array or Uint8Array as (key, value) pairs.
std::vector<std::pair<std::string, Any>> props(const Any& v) {
  std::vector<std::pair<std::string, Any>> out;
  if (v.is_object()) {
    for (const auto& [k, x] : v.as_object().entries()) {
      out.emplace_back(k, x);
    }
  } else if (v.is_array()) {
    const auto& arr = v.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      out.emplace_back(std::to_string(i), arr[i]);
    }
  } else if (v.is_binary()) {
    const auto& bytes = v.as_binary();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      out.emplace_back(std::to_string(i), Any(static_cast<double>(bytes[i])));
    }
  }
  return out;
}

// lib0 object.equalFlat for two distinct containers: nested objects are distinct objects, so
// `===` between property values only holds for equal primitives.
bool equal_flat(const Any& a, const Any& b) {
  const auto pa = props(a);
  const auto pb = props(b);
  if (pa.size() != pb.size()) {
    return false;
  }
  for (const auto& prop : pa) {
    const std::string& k = prop.first;
    const Any& v = prop.second;
    const auto it =
        std::find_if(pb.begin(), pb.end(), [&k](const auto& e) { return e.first == k; });
    if (it == pb.end()) {
      return false;  // b[key] is undefined: equal only to an undefined value with the key present
    }
    if (v.is_undefined() || it->second.is_undefined()) {
      if (!(v.is_undefined() && it->second.is_undefined())) {
        return false;
      }
      continue;
    }
    if (!is_primitive(v) || !is_primitive(it->second) || !strict_equal(&v, &it->second)) {
      return false;
    }
  }
  return true;
}

const FormatValue& format_of(const Item& it) { return std::get<FormatValue>(*it.box()); }

TypeRef type_ref_of(SharedKind k) {
  switch (k) {
    case SharedKind::array:
      return TypeRef::array;
    case SharedKind::map:
      return TypeRef::map;
    case SharedKind::text:
      return TypeRef::text;
    case SharedKind::xml_element:
      return TypeRef::xml_element;
    case SharedKind::xml_fragment:
      return TypeRef::xml_fragment;
    case SharedKind::xml_hook:
      return TypeRef::xml_hook;
    case SharedKind::xml_text:
      return TypeRef::xml_text;
  }
  return TypeRef::array;
}

}  // namespace

bool equal_attrs(const Any* a, const Any* b) {
  if (a == b) {
    return true;
  }
  const bool a_null = a == nullptr || a->is_null();
  const bool b_null = b == nullptr || b->is_null();
  if (a_null || b_null) {
    return a_null && b_null;
  }
  if (is_primitive(*a) || is_primitive(*b)) {
    return strict_equal(a, b);
  }
  return equal_flat(*a, *b);
}

// --- plumbing ---------------------------------------------------------------------------------

Branch* DocImpl::resolve(const SharedRef& ref) {
  if (!ref.item.has_value()) {
    return root(ref.root, /*create=*/true);
  }
  return const_cast<Branch*>(find_branch(ref));
}

// new Item(nextID, left, left.lastId, right, right.id, parent, parentSub, content).integrate()
ItemRef DocImpl::insert_local(std::uint32_t slot, ItemRef left, ItemRef right, Block& b) {
  b.kind = StructKind::item;
  b.id = Id{client_id_, get_state(client_id_)};
  b.has_origin = left != kNoItem;
  if (b.has_origin) {
    b.origin = last_id(pool_[left]);
  }
  b.has_right_origin = right != kNoItem;
  if (b.has_right_origin) {
    b.right_origin = item_id(pool_[right]);
  }
  b.left_ref = left;
  b.right_ref = right;
  b.slot = slot;
  b.gc_parent = false;
  return integrate_block(b, 0);
}

namespace {

Block string_block(std::string_view utf8) {
  if (!lib0::is_valid_utf8(utf8)) {
    throw Error(ErrorCode::invalid_utf8, "text is not valid UTF-8");
  }
  Block b;
  b.ref = content_ref::string;
  b.str = utf8;
  b.length = utf16::length(utf8);
  return b;
}

Block box_block(std::uint8_t ref, ContentBox box, std::uint64_t length) {
  Block b;
  b.ref = ref;
  b.box = std::make_shared<ContentBox>(std::move(box));
  b.length = length;
  return b;
}

Block type_block(const NewShared& t) {
  return box_block(content_ref::type, TypeValue{type_ref_of(t.kind), t.name}, 1);
}

}  // namespace

// The visible countable item holding unit `u` and the offset of `u` in it, walking from the
// type's cursor or start, whichever is closer; {kNoItem, 0} if the list ends first. That happens
// although u < b->length when a remote update overlapping known clocks named another parent
// than its known left neighbour's: Yjs then links the item into the neighbour's list but
// counts its length in the named parent (Item.integrate), and so do we, byte for byte.
std::pair<ItemRef, std::uint64_t> DocImpl::locate_unit(Branch* b, std::uint64_t u) {
  ItemRef p = b->start;
  std::uint64_t idx = 0;
  if (b->cursor_item != kNoItem && b->cursor_epoch == remote_epoch_) {
    const std::uint64_t dist = b->cursor_index > u ? b->cursor_index - u : u - b->cursor_index;
    if (dist < u) {
      p = b->cursor_item;
      idx = b->cursor_index;
    }
  }
  while (idx > u) {
    p = pool_[p].left;
    const Item& it = pool_[p];
    if (it.countable() && !it.deleted()) {
      idx -= it.length();
    }
  }
  while (true) {
    if (p == kNoItem) {
      return {kNoItem, 0};
    }
    const Item& it = pool_[p];
    if (it.countable() && !it.deleted()) {
      if (u < idx + it.length()) {
        break;
      }
      idx += it.length();
    }
    p = it.right;
  }
  set_cursor(b, p, idx);
  return {p, u - idx};
}

void DocImpl::set_cursor(Branch* b, ItemRef item, std::uint64_t index) {
  b->cursor_item = item;
  b->cursor_index = index;
  b->cursor_epoch = remote_epoch_;
}

// The item after which list index `index` is inserted (typeListInsertGenerics): the visible
// item holding unit index-1, split to end there; kNoItem for index 0. If the list has fewer
// units (see locate_unit), kNoItem, as Yjs's walk ends on null, and *past_end is set.
ItemRef DocImpl::list_left_of(Branch* b, std::uint64_t index, bool* past_end) {
  if (past_end != nullptr) {
    *past_end = false;
  }
  if (index == 0) {
    return kNoItem;
  }
  const auto [n, off] = locate_unit(b, index - 1);
  if (n == kNoItem) {
    if (past_end != nullptr) {
      *past_end = true;
    }
    return kNoItem;
  }
  if (off + 1 < pool_[n].length()) {
    get_item_clean_start(Id{clients_[pool_[n].client].id, pool_[n].clock + off + 1});
  }
  return n;
}

// typeListInsertGenericsAfter: consecutive JSON values share one ContentAny item.
std::vector<SharedRef> DocImpl::list_insert_after(Branch* b, ItemRef left,
                                                  std::span<const Value> values) {
  const std::uint32_t slot = list_slot(b);
  const ItemRef right = left != kNoItem ? pool_[left].right : b->start;
  std::vector<SharedRef> created;
  AnyArray json;
  auto pack_json = [&] {
    if (!json.empty()) {
      const std::size_t n = json.size();
      Block blk = box_block(content_ref::any, std::move(json), n);
      left = insert_local(slot, left, right, blk);
      json = AnyArray{};
    }
  };
  for (const Value& v : values) {
    if (const Any* a = std::get_if<Any>(&v)) {
      if (a->is_binary()) {
        pack_json();
        Block blk = box_block(content_ref::binary, a->as_binary(), 1);
        left = insert_local(slot, left, right, blk);
      } else if (a->is_undefined() || a->is_bigint()) {
        fail("Unexpected content type in insert operation");
      } else {
        json.push_back(*a);
      }
    } else {
      pack_json();
      Block blk = type_block(std::get<NewShared>(v));
      left = insert_local(slot, left, right, blk);
      created.push_back(SharedRef::nested(item_id(pool_[left])));
    }
  }
  pack_json();
  return created;
}

// --- Y.Text ---------------------------------------------------------------------------------

void DocImpl::forward(TextPos& pos) {
  const Item& r = pool_[pos.right];
  if (r.ref == content_ref::format) {
    if (!r.deleted()) {
      pos.current.update(format_of(r));
    }
  } else if (!r.deleted()) {
    pos.index += r.length();
  }
  pos.left = pos.right;
  pos.right = r.right;
}

// findPosition. Text without formatting has no format items, so the position after `index`
// units is found from the cursor; otherwise the attributes in effect require a walk from the
// start (Yjs disables its search markers for formatted text as well).
DocImpl::TextPos DocImpl::find_text_position(Branch* b, std::uint64_t index) {
  TextPos pos{kNoItem, b->start, 0, {}};
  if (!b->has_formatting && index > 0 && index <= b->length) {
    bool past_end = false;
    const ItemRef left = list_left_of(b, index, &past_end);
    if (!past_end) {
      pos.left = left;
      pos.right = pool_[left].right;
      pos.index = index;
      return pos;
    }
    // Fewer units than b->length: walk to the end of the list as findPosition does.
  }
  std::uint64_t count = index;
  while (pos.right != kNoItem && count > 0) {
    const Item& r = pool_[pos.right];
    if (r.ref == content_ref::format) {
      if (!r.deleted()) {
        pos.current.update(format_of(r));
      }
    } else if (!r.deleted()) {
      if (count < r.length()) {
        get_item_clean_start(Id{clients_[r.client].id, r.clock + count});
      }
      pos.index += r.length();
      count -= r.length();
    }
    pos.left = pos.right;
    pos.right = r.right;
  }
  return pos;
}

ItemRef DocImpl::insert_format(Branch* b, TextPos& pos, std::string_view key, AttrValue value) {
  Block blk = box_block(content_ref::format, FormatValue{std::string(key), value}, 1);
  pos.right = insert_local(list_slot(b), pos.left, pos.right, blk);
  forward(pos);
  return pos.left;
}

// minimizeAttributeChanges: skip deleted items and formats that already say the same.
void DocImpl::minimize_attribute_changes(TextPos& pos, const JsAttributes& attributes) {
  while (pos.right != kNoItem) {
    const Item& r = pool_[pos.right];
    if (!r.deleted()) {
      if (r.ref != content_ref::format) {
        break;
      }
      const FormatValue& f = format_of(r);
      if (!equal_attrs(attributes.get(f.key), f.value.get())) {
        break;
      }
    }
    forward(pos);
  }
}

// insertAttributes: a format item for every attribute that changes; returns what to restore.
Attributes DocImpl::insert_attributes(Branch* b, TextPos& pos, const JsAttributes& attributes) {
  Attributes negated;
  for (const auto& [key, val] : attributes.entries()) {
    AttrValue current = pos.current.get_shared(key);
    if (!equal_attrs(current.get(), val.get())) {
      // The key view must outlive `attributes`: point it at the new format item's key.
      const ItemRef f = insert_format(b, pos, key, val);
      negated.set(format_of(pool_[f]).key, current ? current : kJsNull);
    }
  }
  return negated;
}

// insertNegatedAttributes: restore the attributes after inserted content, unless the formats that
// follow already do.
void DocImpl::insert_negated_attributes(Branch* b, TextPos& pos, Attributes& negated) {
  while (pos.right != kNoItem) {
    const Item& r = pool_[pos.right];
    if (!r.deleted()) {
      if (r.ref != content_ref::format) {
        break;
      }
      const FormatValue& f = format_of(r);
      if (!negated.contains(f.key) || !equal_attrs(negated.get(f.key), f.value.get())) {
        break;
      }
      negated.erase(f.key);
    }
    forward(pos);
  }
  for (const auto& [key, val] : negated.entries()) {
    insert_format(b, pos, key, val);
  }
}

// insertText for string or embed content.
void DocImpl::insert_text_content(Branch* b, TextPos& pos, Block& content,
                                  JsAttributes attributes) {
  for (const auto& [key, value] : pos.current.entries()) {
    if (attributes.get(key) == nullptr) {
      attributes.set(key, kJsNull);
    }
  }
  minimize_attribute_changes(pos, attributes);
  Attributes negated = insert_attributes(b, pos, attributes);
  const std::uint64_t index = pos.index;
  pos.right = insert_local(list_slot(b), pos.left, pos.right, content);
  set_cursor(b, pos.right, index);
  forward(pos);
  insert_negated_attributes(b, pos, negated);
}

// --- Edit: the public operations --------------------------------------------------------------

void Edit::insert_text(const SharedRef& text, std::uint64_t index, std::string_view utf8) {
  if (utf8.empty()) {
    return;
  }
  Block content = string_block(utf8);
  Branch* b = doc_.resolve(text);
  DocImpl::TextPos pos = doc_.find_text_position(b, index);
  // No attributes given: keep the ones in effect at the position.
  JsAttributes attributes;
  for (const auto& [key, value] : pos.current.entries()) {
    attributes.set(key, value);
  }
  doc_.insert_text_content(b, pos, content, std::move(attributes));
}

void Edit::insert_text(const SharedRef& text, std::uint64_t index, std::string_view utf8,
                       const AnyObject& attributes) {
  if (utf8.empty()) {
    return;
  }
  Block content = string_block(utf8);
  Branch* b = doc_.resolve(text);
  DocImpl::TextPos pos = doc_.find_text_position(b, index);
  doc_.insert_text_content(b, pos, content, JsAttributes::from_object(attributes));
}

void Edit::insert_embed(const SharedRef& text, std::uint64_t index, const Any& embed,
                        const AnyObject& attributes) {
  Block content = box_block(content_ref::embed, embed, 1);
  Branch* b = doc_.resolve(text);
  DocImpl::TextPos pos = doc_.find_text_position(b, index);
  doc_.insert_text_content(b, pos, content, JsAttributes::from_object(attributes));
}

void Edit::delete_text(const SharedRef& text, std::uint64_t index, std::uint64_t length) {
  if (length == 0) {
    return;
  }
  Branch* b = doc_.resolve(text);
  DocImpl::TextPos pos = doc_.find_text_position(b, index);
  const Attributes start_attributes = pos.current;
  const ItemRef start = pos.right;
  const std::uint64_t start_index = pos.index;
  ItemPool& pool = doc_.pool_;
  while (length > 0 && pos.right != kNoItem) {
    const ItemRef r = pos.right;
    const Item& it = pool[r];
    if (!it.deleted() && (it.ref == content_ref::string || it.ref == content_ref::embed ||
                          it.ref == content_ref::type)) {
      if (length < it.length()) {
        doc_.get_item_clean_start(Id{doc_.clients_[it.client].id, it.clock + length});
      }
      length -= std::min(length, pool[r].length());
      doc_.delete_item(r, true);
    }
    doc_.forward(pos);
  }
  if (start != kNoItem) {
    // Without format items in the type there is nothing the gap cleanup could delete.
    if (b->has_formatting) {
      doc_.cleanup_formatting_gap(start, pos.right, start_attributes, pos.current);
    }
    doc_.set_cursor(b, start, start_index);
  }
}

void Edit::format_text(const SharedRef& text, std::uint64_t index, std::uint64_t length,
                       const AnyObject& attrs) {
  if (length == 0) {
    return;
  }
  Branch* b = doc_.resolve(text);
  DocImpl::TextPos pos = doc_.find_text_position(b, index);
  if (pos.right == kNoItem) {
    return;
  }
  const JsAttributes attributes = JsAttributes::from_object(attrs);
  doc_.minimize_attribute_changes(pos, attributes);
  Attributes negated = doc_.insert_attributes(b, pos, attributes);
  ItemPool& pool = doc_.pool_;
  // Iterate until the first non-format item; delete the formats the new attributes override.
  while (pos.right != kNoItem) {
    const Item& r = pool[pos.right];
    if (!(length > 0 || (!negated.empty() && (r.deleted() || r.ref == content_ref::format)))) {
      break;
    }
    if (!r.deleted()) {
      if (r.ref == content_ref::format) {
        const FormatValue& f = format_of(r);
        const Any* attr = attributes.get(f.key);
        if (attr != nullptr) {
          if (equal_attrs(attr, f.value.get())) {
            negated.erase(f.key);
          } else {
            if (length == 0) {
              break;
            }
            negated.set(f.key, f.value);
          }
          doc_.delete_item(pos.right, true);
        } else {
          pos.current.set(f.key, f.value);
        }
      } else {
        if (length < r.length()) {
          doc_.get_item_clean_start(Id{doc_.clients_[r.client].id, r.clock + length});
        }
        length -= std::min(length, pool[pos.right].length());
      }
    }
    doc_.forward(pos);
  }
  // Quill assumes a text ends with a newline: formatting past the end appends newlines.
  if (length > 0) {
    const std::string newlines(static_cast<std::size_t>(length), '\n');
    Block nl = string_block(newlines);
    pos.right = doc_.insert_local(doc_.list_slot(b), pos.left, pos.right, nl);
    doc_.forward(pos);
  }
  doc_.insert_negated_attributes(b, pos, negated);
}

// --- Edit: lists and maps ---------------------------------------------------------------------

std::vector<SharedRef> Edit::insert(const SharedRef& list, std::uint64_t index,
                                    std::span<const Value> values) {
  Branch* b = doc_.resolve(list);
  if (index > b->length) {
    fail("Length exceeded!");
  }
  const ItemRef left = doc_.list_left_of(b, index);
  std::vector<SharedRef> created = doc_.list_insert_after(b, left, values);
  if (left == kNoItem && b->start != kNoItem) {
    doc_.set_cursor(b, b->start, 0);
  }
  return created;
}

std::vector<SharedRef> Edit::push(const SharedRef& list, std::span<const Value> values) {
  Branch* b = doc_.resolve(list);
  // typeListPushGenerics: after the very last item, deleted or not.
  ItemRef last = b->start;
  if (b->cursor_item != kNoItem && b->cursor_epoch == doc_.remote_epoch_) {
    last = b->cursor_item;
  }
  if (last != kNoItem) {
    while (doc_.pool_[last].right != kNoItem) {
      last = doc_.pool_[last].right;
    }
  }
  return doc_.list_insert_after(b, last, values);
}

void Edit::remove(const SharedRef& list, std::uint64_t index, std::uint64_t length) {
  if (length == 0) {
    return;
  }
  Branch* b = doc_.resolve(list);
  if (index > b->length || length > b->length - index) {
    fail("Length exceeded!");
  }
  ItemPool& pool = doc_.pool_;
  bool past_end = false;
  const ItemRef left = doc_.list_left_of(b, index, &past_end);
  if (past_end) {
    fail("Length exceeded!");  // typeListDelete found no item at `index`
  }
  ItemRef n = left != kNoItem ? pool[left].right : b->start;
  if (n != kNoItem) {
    doc_.set_cursor(b, n, index);  // everything deleted lies at or after n
  }
  while (length > 0 && n != kNoItem) {
    const Item& it = pool[n];
    if (!it.deleted()) {
      if (length < it.length()) {
        doc_.get_item_clean_start(Id{doc_.clients_[it.client].id, it.clock + length});
      }
      length -= std::min(length, pool[n].length());
      doc_.delete_item(n, true);
    }
    n = pool[n].right;
  }
  if (length > 0) {
    fail("Length exceeded!");  // as typeListDelete, after deleting what there was
  }
}

std::optional<SharedRef> Edit::set(const SharedRef& map, std::string_view key, const Value& value) {
  Branch* b = doc_.resolve(map);
  Block blk;
  std::optional<SharedRef> created;
  if (const Any* a = std::get_if<Any>(&value)) {
    blk = a->is_binary() ? box_block(content_ref::binary, a->as_binary(), 1)
                         : box_block(content_ref::any, AnyArray{*a}, 1);
  } else {
    blk = type_block(std::get<NewShared>(value));
  }
  const std::uint32_t slot = doc_.slot_for(b, key);
  const ItemRef left = doc_.map_get(b, slot);
  const ItemRef r = doc_.insert_local(slot, left, kNoItem, blk);
  if (std::holds_alternative<NewShared>(value)) {
    created = SharedRef::nested(doc_.item_id(doc_.pool_[r]));
  }
  return created;
}

void Edit::remove_key(const SharedRef& map, std::string_view key) {
  Branch* b = doc_.resolve(map);
  if (Branch::MapEntry* e = doc_.map_find(b, key); e != nullptr && e->item != kNoItem) {
    doc_.delete_item(e->item, true);
  }
}

}  // namespace crdt
