// UTF-16 arithmetic on UTF-8 text. Yjs measures strings in UTF-16 code units (JS str.length):
// item lengths, clocks, offsets and delete-set ranges all count units, while the wire carries
// UTF-8 (yjs-spec.md §2.10).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace crdt::utf16 {

// U+FFFD, what Yjs substitutes for each half of a split surrogate pair.
inline constexpr std::string_view kReplacement = "\xef\xbf\xbd";

/** UTF-16 length of valid UTF-8 text: one unit per code point, two for supplementary ones. */
inline std::uint64_t length(std::string_view s) {
  std::uint64_t n = 0;
  std::size_t i = 0;
  // ASCII runs, 8 bytes at a time.
  while (s.size() - i >= 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & 0x8080808080808080ULL) != 0) {
      break;
    }
    n += 8;
    i += 8;
  }
  for (const char ch : s.substr(i)) {
    const auto c = static_cast<unsigned char>(ch);
    n += (c & 0xc0) != 0x80;  // a lead byte starts a code point
    n += c >= 0xf0;           // a 4-byte sequence is a surrogate pair
  }
  return n;
}

struct Split {
  std::size_t bytes;  // byte offset of the code point that holds unit `u16`
  bool mid_pair;      // `u16` falls between the two halves of a 4-byte character
};

/**
 * Maps a UTF-16 offset to a byte offset. `units` is length(s): equal to the byte count only for
 * ASCII text, where the offsets coincide.
 * REQUIRES: s is valid UTF-8, units == length(s) and u16 <= units.
 */
inline Split byte_offset(std::string_view s, std::uint64_t u16, std::uint64_t units) {
  if (s.size() == units || u16 == 0) {
    return {static_cast<std::size_t>(u16), false};
  }
  if (u16 == units) {
    return {s.size(), false};
  }
  if (u16 > units / 2) {
    // Closer to the end: walk backwards over the remaining units.
    std::size_t i = s.size();
    std::uint64_t left = units - u16;
    while (left > 0) {
      std::size_t start = i - 1;
      while ((static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) {
        --start;
      }
      const bool pair = static_cast<unsigned char>(s[start]) >= 0xf0;
      if (pair && left == 1) {
        return {start, true};
      }
      left -= pair ? 2 : 1;
      i = start;
    }
    return {i, false};
  }
  std::size_t i = 0;
  std::uint64_t seen = 0;
  while (seen < u16) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      ++seen;
    } else if (c < 0xe0) {
      i += 2;
      ++seen;
    } else if (c < 0xf0) {
      i += 3;
      ++seen;
    } else {
      if (seen + 1 == u16) {
        return {i, true};
      }
      i += 4;
      seen += 2;
    }
  }
  return {i, false};
}

}  // namespace crdt::utf16
