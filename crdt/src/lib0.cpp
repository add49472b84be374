// Strict UTF-8 validation for lib0 varStrings (the rest of lib0 is inline in lib0.hpp).
#include "crdt/lib0.hpp"

namespace crdt::lib0 {

// Mirrors the WHATWG UTF-8 decoder with fatal:true: rejects overlong forms, UTF-8 encoded
// surrogates (ED A0..BF), code points above U+10FFFF and truncated sequences. NUL and a leading
// BOM are valid and kept.
bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path, 8 bytes at a time.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) != 0) {
        break;
      }
      p += 8;
    }
    if (p >= end) {
      break;
    }
    const unsigned char b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    int n;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b == 0xe0) {
        lo = 0xa0;
      } else if (b == 0xed) {
        hi = 0x9f;
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b == 0xf0) {
        lo = 0x90;
      } else if (b == 0xf4) {
        hi = 0x8f;
      }
    } else {
      return false;
    }
    if (end - p <= n) {
      return false;
    }
    if (p[1] < lo || p[1] > hi) {
      return false;
    }
    for (int i = 2; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) {
        return false;
      }
    }
    p += n + 1;
  }
  return true;
}

}  // namespace crdt::lib0
