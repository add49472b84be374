// lib0 primitive vectors from yjs-spec.md §1 (generated with lib0 0.2.120), both directions.
#include "crdt/lib0.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::to_hex;

struct UintVector {
  std::uint64_t value;
  const char* bytes;
};

TEST(Lib0, VarUintVectors) {
  const UintVector vectors[] = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "80 01"},
      {255, "ff 01"},
      {300, "ac 02"},
      {16383, "ff 7f"},
      {16384, "80 80 01"},
      {2147483647, "ff ff ff ff 07"},
      {4294967295, "ff ff ff ff 0f"},
      {3000000000, "80 bc c1 96 0b"},
      {kMaxSafeInteger, "ff ff ff ff ff ff ff 0f"},
  };
  for (const auto& v : vectors) {
    lib0::Encoder enc;
    enc.write_var_uint(v.value);
    EXPECT_EQ(to_hex(enc.bytes()), test::spaced(v.bytes)) << v.value;
    const Bytes b = hex(v.bytes);
    lib0::Decoder dec(b);
    EXPECT_EQ(dec.read_var_uint(), v.value);
    EXPECT_TRUE(dec.done());
  }
}

TEST(Lib0, VarUintAcceptsNonMinimal) {
  const Bytes b = hex("81 00");
  lib0::Decoder dec(b);
  EXPECT_EQ(dec.read_var_uint(), 1u);
  const Bytes zeros = hex("80 80 80 80 80 80 80 80 80 80 00");
  lib0::Decoder dec2(zeros);
  EXPECT_EQ(dec2.read_var_uint(), 0u);
}

TEST(Lib0, VarUintRejectsAboveMaxSafeInteger) {
  const Bytes b = hex("80 80 80 80 80 80 80 10");  // 2^53
  lib0::Decoder dec(b);
  try {
    dec.read_var_uint();
    FAIL() << "expected overflow";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::integer_overflow);
  }
  const Bytes big = hex("ff ff ff ff ff ff ff ff ff 01");
  lib0::Decoder dec2(big);
  EXPECT_THROW(dec2.read_var_uint(), Error);
}

TEST(Lib0, VarUintTruncated) {
  const Bytes b = hex("80 80");
  lib0::Decoder dec(b);
  try {
    dec.read_var_uint();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::end_of_buffer);
  }
}

struct IntVector {
  std::uint64_t magnitude;
  bool negative;
  const char* bytes;
};

TEST(Lib0, VarIntVectors) {
  const IntVector vectors[] = {
      {0, false, "00"},
      {0, true, "40"},
      {1, false, "01"},
      {1, true, "41"},
      {63, false, "3f"},
      {63, true, "7f"},
      {64, false, "80 01"},
      {64, true, "c0 01"},
      {8191, false, "bf 7f"},
      {8192, false, "80 80 01"},
      {2147483647, false, "bf ff ff ff 0f"},
      {2147483647, true, "ff ff ff ff 0f"},
      {2147483648, true, "c0 80 80 80 10"},
      {std::uint64_t{1} << 40, false, "80 80 80 80 80 40"},
  };
  for (const auto& v : vectors) {
    lib0::Encoder enc;
    enc.write_var_int(v.magnitude, v.negative);
    EXPECT_EQ(to_hex(enc.bytes()), test::spaced(v.bytes));
    const Bytes b = hex(v.bytes);
    lib0::Decoder dec(b);
    const auto r = dec.read_var_int();
    EXPECT_EQ(r.magnitude, v.magnitude);
    EXPECT_EQ(r.negative, v.negative);
    EXPECT_TRUE(dec.done());
  }
  lib0::Encoder enc;
  enc.write_var_int(std::int64_t{-64});
  EXPECT_EQ(to_hex(enc.bytes()), "c0 01");
}

TEST(Lib0, VarStringVectors) {
  const std::pair<std::string, const char*> vectors[] = {
      {"", "00"},
      {"abc", "03 61 62 63"},
      {"\xc3\xa9", "02 c3 a9"},
      {"\xe2\x82\xac", "03 e2 82 ac"},
      {"\xf0\x9f\x98\x80", "04 f0 9f 98 80"},
      {"\xef\xbf\xbd", "03 ef bf bd"},
      {std::string("a\0b", 3), "03 61 00 62"},
  };
  for (const auto& [s, bytes] : vectors) {
    lib0::Encoder enc;
    enc.write_var_string(s);
    EXPECT_EQ(to_hex(enc.bytes()), test::spaced(bytes));
    const Bytes b = hex(bytes);
    lib0::Decoder dec(b);
    EXPECT_EQ(dec.read_var_string(), s);
  }
}

TEST(Lib0, VarStringKeepsBom) {
  const Bytes b = hex("03 ef bb bf");
  lib0::Decoder dec(b);
  EXPECT_EQ(dec.read_var_string(), "\xef\xbb\xbf");
}

TEST(Lib0, VarStringRejectsInvalidUtf8) {
  const char* bad[] = {
      "01 ff",           // invalid byte
      "02 c0 80",        // overlong NUL
      "03 e0 80 80",     // overlong
      "03 ed a0 80",     // UTF-8 encoded surrogate
      "04 f4 90 80 80",  // above U+10FFFF
      "02 e2 82",        // truncated sequence
      "01 80",           // stray continuation byte
      "04 f8 88 80 80",  // 5-byte form
  };
  for (const char* h : bad) {
    const Bytes b = hex(h);
    lib0::Decoder dec(b);
    try {
      dec.read_var_string();
      FAIL() << h;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_utf8) << h;
    }
  }
}

TEST(Lib0, VarUint8ArrayLengthCheckedBeforeAllocation) {
  const Bytes b = hex("05 01");
  lib0::Decoder dec(b);
  EXPECT_THROW(dec.read_var_uint8_array(), Error);
  const Bytes huge = hex("ff ff ff ff ff ff ff 0f 00");
  lib0::Decoder dec2(huge);
  try {
    dec2.read_var_uint8_array();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::end_of_buffer);
  }
}

TEST(Lib0, FixedWidth) {
  lib0::Encoder enc;
  enc.write_f32(1.5f);
  enc.write_f64(0.1);
  enc.write_i64(-2);
  EXPECT_EQ(to_hex(enc.bytes()), "3f c0 00 00 3f b9 99 99 99 99 99 9a ff ff ff ff ff ff ff fe");
  lib0::Decoder dec(enc.bytes());
  EXPECT_EQ(dec.read_f32(), 1.5f);
  EXPECT_EQ(dec.read_f64(), 0.1);
  EXPECT_EQ(dec.read_i64(), -2);
  EXPECT_TRUE(dec.done());
  EXPECT_THROW(dec.read_u8(), Error);
}

// The encoder writes through a cursor into spare room: content must survive every growth step,
// bytes()/take()/reserve()/clear() must expose exactly the written bytes, and the cursor API
// must agree with the ordinary writers.
TEST(Lib0, EncoderGrowthAndCursorApi) {
  lib0::Encoder enc;
  Bytes expected;
  const std::string text = "h\xc3\xa9llo \xf0\x9f\x98\x80";
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const std::uint64_t v = i * 2654435761u % (std::uint64_t{1} << (i % 53));
    enc.write_var_uint(v);
    for (std::uint64_t w = v; true; w >>= 7) {
      expected.push_back(static_cast<std::uint8_t>((w > 0x7f ? 0x80 : 0) | (w & 0x7f)));
      if (w <= 0x7f) {
        break;
      }
    }
    if (i % 7 == 0) {
      enc.write_var_string(text);
      expected.push_back(static_cast<std::uint8_t>(text.size()));
      expected.insert(expected.end(), text.begin(), text.end());
    }
    if (i % 11 == 0) {
      std::uint8_t* p = enc.begin_write(21);
      *p++ = 0xab;
      p = lib0::Encoder::put_var_uint(p, 300);
      enc.end_write(lib0::Encoder::put_var_uint(p, 1));
      expected.insert(expected.end(), {0xab, 0xac, 0x02, 0x01});
    }
    ASSERT_EQ(enc.size(), expected.size()) << i;
  }
  EXPECT_EQ(enc.bytes(), expected);
  enc.write_u8(7);  // writing after bytes() keeps going
  expected.push_back(7);
  EXPECT_EQ(enc.take(), expected);
  EXPECT_EQ(enc.size(), 0u);
  enc.reserve(1000);
  EXPECT_EQ(enc.size(), 0u);
  enc.write_f64(1.5);
  EXPECT_EQ(to_hex(enc.bytes()), "3f f8 00 00 00 00 00 00");
  enc.clear();
  EXPECT_TRUE(enc.bytes().empty());
}

}  // namespace
}  // namespace crdt
