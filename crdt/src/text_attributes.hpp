// Formatting attributes as Y.Text tracks them while walking a text: a JS Map from attribute key
// to the format value in effect. Values are pointers into format items (or caller-owned values),
// because Yjs compares object values by identity (`===`) in some places and shallowly
// (object.equalFlat) in others; nullptr stands for `null`.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "block.hpp"

namespace crdt {

// Attribute values are shared pointers: their address is the JS object identity.
using AttrValue = std::shared_ptr<const Any>;

class Attributes {
 public:
  using Entry = std::pair<std::string_view, AttrValue>;

  bool contains(std::string_view key) const { return find(key) != nullptr; }
  /** get(key) ?? null: nullptr when absent. */
  const Any* get(std::string_view key) const {
    const Entry* e = find(key);
    return e == nullptr ? nullptr : e->second.get();
  }
  AttrValue get_shared(std::string_view key) const {
    const Entry* e = find(key);
    return e == nullptr ? nullptr : e->second;
  }
  void set(std::string_view key, AttrValue value) {
    for (auto& e : entries_) {
      if (e.first == key) {
        e.second = std::move(value);
        return;
      }
    }
    entries_.emplace_back(key, std::move(value));
  }
  void erase(std::string_view key) {
    std::erase_if(entries_, [key](const Entry& e) { return e.first == key; });
  }
  /** updateCurrentAttributes: a null value removes the attribute. */
  void update(const FormatValue& f) {
    if (f.value->is_null()) {
      erase(f.key);
    } else {
      set(f.key, f.value);
    }
  }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  const Entry* find(std::string_view key) const {
    for (const auto& e : entries_) {
      if (e.first == key) {
        return &e;
      }
    }
    return nullptr;
  }

  std::vector<Entry> entries_;
};

/** The JS `null` that attribute objects hold. */
inline const AttrValue kJsNull = std::make_shared<const Any>(Null{});

// The `attributes` object of YText: keys in JS property order.
class JsAttributes {
 public:
  struct Entry {
    std::string key;
    AttrValue value;  // never nullptr; kJsNull for null
  };

  /** A caller's attribute object: every value is a new JS object. */
  static JsAttributes from_object(const AnyObject& o) {
    JsAttributes a;
    for (const auto& [k, v] : o.entries()) {
      a.entries_.push_back(Entry{k, std::make_shared<const Any>(v)});
    }
    return a;
  }

  /** attributes[key]: nullptr when undefined. */
  const Any* get(std::string_view key) const {
    for (const auto& e : entries_) {
      if (e.key == key) {
        return e.value.get();
      }
    }
    return nullptr;
  }

  // attributes[key] = value
  void set(std::string_view key, AttrValue value) {
    for (auto& e : entries_) {
      if (e.key == key) {
        e.value = std::move(value);
        return;
      }
    }
    entries_.push_back(Entry{std::string(key), std::move(value)});
    if (is_array_index(key)) {
      std::stable_partition(entries_.begin(), entries_.end(),
                            [](const Entry& e) { return is_array_index(e.key); });
      const auto named = std::find_if(entries_.begin(), entries_.end(),
                                      [](const Entry& e) { return !is_array_index(e.key); });
      std::sort(entries_.begin(), named, [](const Entry& x, const Entry& y) {
        std::uint32_t a = 0;
        std::uint32_t b = 0;
        is_array_index(x.key, &a);
        is_array_index(y.key, &b);
        return a < b;
      });
    }
  }

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

/** JS `a === b` for attribute values; nullptr is `null`. Objects compare by identity. */
bool strict_equal(const Any* a, const Any* b);

/** YText equalAttrs: `a === b`, or both non-null objects with object.equalFlat(a, b). */
bool equal_attrs(const Any* a, const Any* b);

}  // namespace crdt
