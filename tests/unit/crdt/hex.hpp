// Hex helpers shared by the crdt unit tests: vectors in yjs-spec.md are written as spaced hex.
#pragma once

#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crdt/lib0.hpp"

namespace crdt::test {

inline Bytes hex(std::string_view s) {
  Bytes out;
  out.reserve(s.size() / 2 + 1);
  int hi = -1;
  for (const char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      continue;
    }
    const int v =
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (v < 0 || v > 15) {
      throw std::invalid_argument("bad hex");
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) {
    throw std::invalid_argument("odd hex");
  }
  return out;
}

inline std::string to_hex(ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i > 0) {
      s += ' ';
    }
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xf];
  }
  return s;
}

// Normalizes spaced or unspaced hex to the spaced form used in failure messages.
inline std::string spaced(std::string_view s) { return to_hex(hex(s)); }

}  // namespace crdt::test
