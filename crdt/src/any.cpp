// lib0 Any: JS object semantics and the binary codec (lib0 encoding.js writeAny, decoding.js
// readAny).
#include "crdt/any.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace crdt {

bool is_array_index(std::string_view key, std::uint32_t* value) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) {
    return false;
  }
  std::uint64_t v = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  // Array indices stop at 2^32-2; "4294967295" is an ordinary string key.
  if (v >= 0xffffffffULL) {
    return false;
  }
  if (value != nullptr) {
    *value = static_cast<std::uint32_t>(v);
  }
  return true;
}

namespace {

// Stable JS property order: array-index keys ascending, then the rest in their current order.
void order_like_js(std::vector<AnyObject::Entry>& entries) {
  std::stable_partition(entries.begin(), entries.end(),
                        [](const AnyObject::Entry& e) { return is_array_index(e.first); });
  const auto first_named =
      std::find_if(entries.begin(), entries.end(),
                   [](const AnyObject::Entry& e) { return !is_array_index(e.first); });
  std::sort(entries.begin(), first_named, [](const AnyObject::Entry& a, const AnyObject::Entry& b) {
    std::uint32_t x = 0;
    std::uint32_t y = 0;
    is_array_index(a.first, &x);
    is_array_index(b.first, &y);
    return x < y;
  });
}

}  // namespace

AnyObject AnyObject::from_assignments(std::vector<Entry> entries, bool drop_proto) {
  AnyObject obj;
  obj.entries_.reserve(entries.size());
  // Small objects: linear duplicate check. Large ones: hash index, so hostile input with many
  // keys stays O(n).
  std::unordered_map<std::string_view, std::size_t> index;
  const bool use_index = entries.size() > 16;
  for (auto& e : entries) {
    if (drop_proto && e.first == "__proto__") {
      continue;
    }
    std::size_t pos = obj.entries_.size();
    if (use_index) {
      const auto it = index.find(e.first);
      if (it != index.end()) {
        pos = it->second;
      }
    } else {
      for (std::size_t i = 0; i < obj.entries_.size(); ++i) {
        if (obj.entries_[i].first == e.first) {
          pos = i;
          break;
        }
      }
    }
    if (pos < obj.entries_.size()) {
      obj.entries_[pos].second = std::move(e.second);
    } else {
      obj.entries_.push_back(std::move(e));
      if (use_index) {
        index.emplace(obj.entries_.back().first, pos);
      }
    }
  }
  order_like_js(obj.entries_);
  return obj;
}

void AnyObject::set(std::string key, Any value) {
  for (auto& e : entries_) {
    if (e.first == key) {
      e.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
  if (is_array_index(entries_.back().first)) {
    order_like_js(entries_);
  }
}

const Any* AnyObject::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.first == key) {
      return &e.second;
    }
  }
  return nullptr;
}

bool operator==(const AnyObject& a, const AnyObject& b) { return a.entries_ == b.entries_; }

bool Any::truthy() const {
  return std::visit(
      [](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, Null>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v;
        } else if constexpr (std::is_same_v<T, double>) {
          return v != 0 && !std::isnan(v);
        } else if constexpr (std::is_same_v<T, BigInt>) {
          return v.value != 0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return !v.empty();
        } else {
          return true;  // objects, arrays and Uint8Arrays are always truthy
        }
      },
      v_);
}

namespace {

// lib0 isFloat32: setFloat32 rounds to nearest (overflow gives Infinity), then compares.
bool is_float32(double d) {
  if (std::isnan(d)) {
    return false;
  }
  if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) {
    return false;  // the cast would be undefined behaviour; JS gets Infinity != d
  }
  return static_cast<double>(static_cast<float>(d)) == d;
}

void write_number(lib0::Encoder& enc, double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 2147483647.0) {
    enc.write_u8(125);
    const bool negative = std::signbit(d);
    enc.write_var_int(static_cast<std::uint64_t>(std::fabs(d)), negative);
  } else if (is_float32(d)) {
    enc.write_u8(124);
    enc.write_f32(static_cast<float>(d));
  } else {
    enc.write_u8(123);
    enc.write_f64(std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : d);
  }
}

void write_any_impl(lib0::Encoder& enc, const Any& value) {
  std::visit(
      [&enc](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined>) {
          enc.write_u8(127);
        } else if constexpr (std::is_same_v<T, Null>) {
          enc.write_u8(126);
        } else if constexpr (std::is_same_v<T, bool>) {
          enc.write_u8(v ? 120 : 121);
        } else if constexpr (std::is_same_v<T, double>) {
          write_number(enc, v);
        } else if constexpr (std::is_same_v<T, BigInt>) {
          enc.write_u8(122);
          enc.write_i64(v.value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          enc.write_u8(119);
          enc.write_var_string(v);
        } else if constexpr (std::is_same_v<T, AnyArray>) {
          enc.write_u8(117);
          enc.write_var_uint(v.size());
          for (const auto& e : v) {
            write_any_impl(enc, e);
          }
        } else if constexpr (std::is_same_v<T, AnyObject>) {
          enc.write_u8(118);
          enc.write_var_uint(v.size());
          for (const auto& [key, val] : v.entries()) {
            enc.write_var_string(key);
            write_any_impl(enc, val);
          }
        } else {
          enc.write_u8(116);
          enc.write_var_uint8_array(v);
        }
      },
      value.value());
}

Any read_any_impl(lib0::Decoder& dec, int depth) {
  if (depth > kMaxAnyDepth) {
    throw Error(ErrorCode::too_deep, "Any nesting deeper than " + std::to_string(kMaxAnyDepth));
  }
  const std::uint8_t tag = dec.read_u8();
  switch (tag) {
    case 127:
      return Undefined{};
    case 126:
      return Null{};
    case 125: {
      const auto v = dec.read_var_int();
      const double m = static_cast<double>(v.magnitude);
      return v.negative ? -m : m;
    }
    case 124:
      return static_cast<double>(dec.read_f32());
    case 123:
      return dec.read_f64();
    case 122:
      return BigInt{dec.read_i64()};
    case 121:
      return false;
    case 120:
      return true;
    case 119:
      return std::string(dec.read_var_string());
    case 118: {
      const std::uint64_t n = dec.read_var_uint();
      // Each entry needs at least a key length byte and a tag byte.
      if (n > dec.remaining() / 2) {
        throw Error(ErrorCode::end_of_buffer, "Any object count exceeds the remaining bytes");
      }
      std::vector<AnyObject::Entry> entries;
      entries.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        std::string key(dec.read_var_string());
        Any v = read_any_impl(dec, depth + 1);
        entries.emplace_back(std::move(key), std::move(v));
      }
      return AnyObject::from_assignments(std::move(entries), /*drop_proto=*/true);
    }
    case 117: {
      const std::uint64_t n = dec.read_var_uint();
      if (n > dec.remaining()) {
        throw Error(ErrorCode::end_of_buffer, "Any array count exceeds the remaining bytes");
      }
      AnyArray arr;
      arr.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        arr.push_back(read_any_impl(dec, depth + 1));
      }
      return arr;
    }
    case 116: {
      const ByteView b = dec.read_var_uint8_array();
      return Bytes(b.begin(), b.end());
    }
    default:
      throw Error(ErrorCode::unknown_any_tag, "unknown Any tag " + std::to_string(tag));
  }
}

}  // namespace

void write_any(lib0::Encoder& enc, const Any& value) { write_any_impl(enc, value); }

Any read_any(lib0::Decoder& dec) { return read_any_impl(dec, 0); }

std::string js_to_string(const Any& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined>) {
          return "undefined";
        } else if constexpr (std::is_same_v<T, Null>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return js_number_to_string(v);
        } else if constexpr (std::is_same_v<T, BigInt>) {
          return std::to_string(v.value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, AnyArray>) {
          // Array.prototype.join(','): null and undefined become empty strings.
          std::string s;
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) {
              s += ',';
            }
            if (!v[i].is_null() && !v[i].is_undefined()) {
              s += js_to_string(v[i]);
            }
          }
          return s;
        } else if constexpr (std::is_same_v<T, AnyObject>) {
          return "[object Object]";
        } else {
          std::string s;
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) {
              s += ',';
            }
            s += std::to_string(v[i]);
          }
          return s;
        }
      },
      value.value());
}

}  // namespace crdt
