// lib0 Any: the JS value model Yjs stores in ContentAny, map values, Format/Embed payloads and
// subdocument options, plus its binary codec (lib0 writeAny/readAny) and exact JSON.parse /
// JSON.stringify clones.
//
// The model follows JS semantics where they are visible on the wire:
//   * numbers are doubles (tags 7d/7c/7b all decode to a double; -0 and NaN exist),
//   * bigint is a separate kind (tag 7a),
//   * object keys follow JS property order: array-index keys ("0".."4294967294") ascending first,
//     then the other keys in insertion order; a repeated key keeps its first position and takes
//     the last value.
// Strings are UTF-8. Strings that come from JSON text may hold lone surrogates (JSON allows
// "\ud800"); those are kept in generalized UTF-8 (WTF-8: ED A0..BF xx) and escaped again by
// json_stringify, exactly like JS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "crdt/lib0.hpp"

namespace crdt {

class Any;

struct Undefined {
  friend bool operator==(Undefined, Undefined) { return true; }
};
struct Null {
  friend bool operator==(Null, Null) { return true; }
};
struct BigInt {
  std::int64_t value = 0;
  friend bool operator==(BigInt, BigInt) = default;
};

using AnyArray = std::vector<Any>;

/** A JS plain object: own enumerable string keys in JS property order. */
class AnyObject {
 public:
  using Entry = std::pair<std::string, Any>;

  AnyObject() = default;

  /**
   * Builds an object as JS would by assigning `entries` in order (obj[k] = v).
   * @param drop_proto true for lib0 readAny, where `obj["__proto__"] = v` hits the prototype
   *        setter and never creates an own key; false for JSON.parse, which keeps it.
   */
  static AnyObject from_assignments(std::vector<Entry> entries, bool drop_proto);

  /** obj[key] = value with JS ordering rules. O(n). */
  void set(std::string key, Any value);
  const Any* find(std::string_view key) const;

  // Defined below Any: the entry type must be complete first.
  const std::vector<Entry>& entries() const;
  std::size_t size() const;
  bool empty() const;

  friend bool operator==(const AnyObject&, const AnyObject&);

 private:
  std::vector<Entry> entries_;
};

/** True if `key` is a JS array index (canonical decimal below 2^32-1). */
bool is_array_index(std::string_view key, std::uint32_t* value = nullptr);

class Any {
 public:
  using Value =
      std::variant<Undefined, Null, bool, double, BigInt, std::string, AnyArray, AnyObject, Bytes>;

  Any() = default;
  Any(Undefined v) : v_(v) {}
  Any(Null v) : v_(v) {}
  Any(bool v) : v_(v) {}
  Any(double v) : v_(v) {}
  Any(int v) : v_(static_cast<double>(v)) {}
  Any(BigInt v) : v_(v) {}
  Any(std::string v) : v_(std::move(v)) {}
  Any(const char* v) : v_(std::string(v)) {}
  Any(AnyArray v) : v_(std::move(v)) {}
  Any(AnyObject v) : v_(std::move(v)) {}
  Any(Bytes v) : v_(std::move(v)) {}

  bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  bool is_null() const { return std::holds_alternative<Null>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<double>(v_); }
  bool is_bigint() const { return std::holds_alternative<BigInt>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<AnyArray>(v_); }
  bool is_object() const { return std::holds_alternative<AnyObject>(v_); }
  bool is_binary() const { return std::holds_alternative<Bytes>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  BigInt as_bigint() const { return std::get<BigInt>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const AnyArray& as_array() const { return std::get<AnyArray>(v_); }
  const AnyObject& as_object() const { return std::get<AnyObject>(v_); }
  const Bytes& as_binary() const { return std::get<Bytes>(v_); }

  /** JS truthiness (`if (v)`). */
  bool truthy() const;

  const Value& value() const { return v_; }

  // Structural equality; numbers compare as doubles (NaN != NaN, 0 == -0).
  friend bool operator==(const Any& a, const Any& b) { return a.v_ == b.v_; }

 private:
  Value v_;
};

inline const std::vector<AnyObject::Entry>& AnyObject::entries() const { return entries_; }
inline std::size_t AnyObject::size() const { return entries_.size(); }
inline bool AnyObject::empty() const { return entries_.empty(); }

/** Nesting cap for readAny and json_parse; deeper input throws ErrorCode::too_deep. */
inline constexpr int kMaxAnyDepth = 512;

/** lib0 writeAny, including lib0's number classification (int32 → 7d, float32 → 7c, else 7b). */
void write_any(lib0::Encoder& enc, const Any& value);

/** lib0 readAny. Throws crdt::Error (unknown_any_tag, too_deep, end_of_buffer, ...). */
Any read_any(lib0::Decoder& dec);

struct JsonOptions {
  // JSON.stringify renders a Uint8Array as {"0":b0,"1":b1,...}; the ycrdt tool wants [b0,b1,...].
  bool binary_as_array = false;
};

/**
 * Exact JSON.stringify(value). Returns false (and writes nothing) when JS would return
 * undefined, i.e. for a top-level undefined. Throws Error(malformed) for a BigInt, as JS throws.
 */
bool json_stringify(const Any& value, std::string& out, JsonOptions opts = {});

/** JSON.stringify for a value known not to be undefined at top level. */
std::string json_stringify(const Any& value, JsonOptions opts = {});

/** Appends a JSON string literal (quotes and escapes exactly as JSON.stringify). */
void json_quote(std::string_view wtf8, std::string& out);

/** Exact JSON.parse. Throws Error(invalid_json / invalid_utf8 / too_deep). */
Any json_parse(std::string_view text);

/** Number.prototype.toString() for a double (shortest round-trip digits, JS formatting). */
std::string js_number_to_string(double v);

/** String(value) as JS computes it (used by the XML renderers). */
std::string js_to_string(const Any& value);

}  // namespace crdt
