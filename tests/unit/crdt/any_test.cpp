// lib0 Any vectors (yjs-spec.md §1.6) and the JSON.parse / JSON.stringify clones, checked against
// outputs of node 20.
#include "crdt/any.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::to_hex;

std::string encode(const Any& v) {
  lib0::Encoder enc;
  write_any(enc, v);
  return to_hex(enc.bytes());
}

Any decode(const char* h) {
  const Bytes b = hex(h);
  lib0::Decoder dec(b);
  Any v = read_any(dec);
  EXPECT_TRUE(dec.done());
  return v;
}

TEST(Any, NumberClassification) {
  EXPECT_EQ(encode(Undefined{}), "7f");
  EXPECT_EQ(encode(Null{}), "7e");
  EXPECT_EQ(encode(true), "78");
  EXPECT_EQ(encode(false), "79");
  EXPECT_EQ(encode(0.0), "7d 00");
  EXPECT_EQ(encode(-0.0), "7d 40");
  EXPECT_EQ(encode(1.0), "7d 01");
  EXPECT_EQ(encode(-1.0), "7d 41");
  EXPECT_EQ(encode(2147483647.0), "7d bf ff ff ff 0f");
  EXPECT_EQ(encode(-2147483647.0), "7d ff ff ff ff 0f");
  EXPECT_EQ(encode(2147483648.0), "7c 4f 00 00 00");
  EXPECT_EQ(encode(-2147483648.0), "7c cf 00 00 00");
  EXPECT_EQ(encode(9007199254740991.0), "7b 43 3f ff ff ff ff ff ff");
  EXPECT_EQ(encode(1.5), "7c 3f c0 00 00");
  EXPECT_EQ(encode(0.1), "7b 3f b9 99 99 99 99 99 9a");
  EXPECT_EQ(encode(std::nan("")), "7b 7f f8 00 00 00 00 00 00");
  EXPECT_EQ(encode(-std::numeric_limits<double>::quiet_NaN()), "7b 7f f8 00 00 00 00 00 00");
  EXPECT_EQ(encode(std::numeric_limits<double>::infinity()), "7c 7f 80 00 00");
  EXPECT_EQ(encode(-std::numeric_limits<double>::infinity()), "7c ff 80 00 00");
  EXPECT_EQ(encode(1e300), "7b 7e 37 e4 3c 88 00 75 9c");
  EXPECT_EQ(encode(BigInt{1}), "7a 00 00 00 00 00 00 00 01");
  EXPECT_EQ(encode(BigInt{-2}), "7a ff ff ff ff ff ff ff fe");
}

TEST(Any, CompositeVectors) {
  EXPECT_EQ(encode("x"), "77 01 78");
  EXPECT_EQ(encode(AnyArray{1, "a"}), "75 02 7d 01 77 01 61");
  AnyObject o;
  o.set("a", 1);
  o.set("b", AnyArray{true});
  EXPECT_EQ(encode(o), "76 02 01 61 7d 01 01 62 75 01 78");
  EXPECT_EQ(encode(AnyObject{}), "76 00");
  EXPECT_EQ(encode(Bytes{1, 2}), "74 02 01 02");
}

TEST(Any, DecodeRoundTrips) {
  const char* vectors[] = {"7f",
                           "7e",
                           "78",
                           "79",
                           "7d 00",
                           "7d 40",
                           "7d 41",
                           "7c 4f 00 00 00",
                           "7b 3f b9 99 99 99 99 99 9a",
                           "7a ff ff ff ff ff ff ff fe",
                           "75 02 7d 01 77 01 61",
                           "76 02 01 61 7d 01 01 62 75 01 78",
                           "74 02 01 02"};
  for (const char* v : vectors) {
    EXPECT_EQ(encode(decode(v)), test::spaced(v)) << v;
  }
  EXPECT_TRUE(std::signbit(decode("7d 40").as_number()));
}

TEST(Any, DecodeNormalizesLikeJs) {
  // Integral float64 re-encodes as an integer; non-minimal varInt re-encodes minimally.
  EXPECT_EQ(encode(decode("7b 3f f0 00 00 00 00 00 00")), "7d 01");
  EXPECT_EQ(encode(decode("7d 81 00")), "7d 01");
  // Object {b:1, "1":2, b:3, __proto__:{}}: index key first, duplicate keeps position, the
  // __proto__ assignment never creates an own key.
  const Any o =
      decode("76 04 01 62 7d 01 01 31 7d 02 01 62 7d 03 09 5f 5f 70 72 6f 74 6f 5f 5f 76 00");
  EXPECT_EQ(encode(o), "76 02 01 31 7d 02 01 62 7d 03");
}

TEST(Any, DecodeRejectsBadInput) {
  const std::pair<const char*, ErrorCode> bad[] = {
      {"73", ErrorCode::unknown_any_tag},
      {"00", ErrorCode::unknown_any_tag},
      {"75 05 7e", ErrorCode::end_of_buffer},
      {"76 ff ff ff ff ff ff ff 0f", ErrorCode::end_of_buffer},
      {"77 01 ff", ErrorCode::invalid_utf8},
      {"7c 00 00", ErrorCode::end_of_buffer},
  };
  for (const auto& [h, code] : bad) {
    const Bytes b = hex(h);
    lib0::Decoder dec(b);
    try {
      read_any(dec);
      FAIL() << h;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << h;
    }
  }
}

TEST(Any, DepthIsCapped) {
  Bytes deep(2000, 0x75);  // [[[[...
  for (std::size_t i = 1; i < deep.size(); i += 2) {
    deep[i] = 0x01;
  }
  lib0::Decoder dec(deep);
  try {
    read_any(dec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::too_deep);
  }
}

TEST(Json, NumberToString) {
  const std::pair<double, const char*> vectors[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1.0, "1"},
      {-1.5, "-1.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {1e-7, "1e-7"},
      {1e-6, "0.000001"},
      {123e-20, "1.23e-18"},
      {5e-324, "5e-324"},
      {9007199254740992.0, "9007199254740992"},
      {1.5e300, "1.5e+300"},
      {123456.789, "123456.789"},
      {std::numeric_limits<double>::infinity(), "Infinity"},
  };
  for (const auto& [d, s] : vectors) {
    EXPECT_EQ(js_number_to_string(d), s);
  }
}

TEST(Json, StringifyLikeJs) {
  AnyObject o;
  o.set("b", 1);
  o.set("a", Undefined{});
  o.set("2", AnyArray{Undefined{}, Null{}, std::nan(""), -0.0, "q\"\\\n\x01\xe2\x80\xa8"});
  EXPECT_EQ(json_stringify(o), R"({"2":[null,null,null,0,"q\"\\\n\u0001)"
                               "\xe2\x80\xa8"
                               R"("],"b":1})");
  std::string out;
  EXPECT_FALSE(json_stringify(Undefined{}, out));
  EXPECT_EQ(json_stringify(Bytes{1, 2}), R"({"0":1,"1":2})");
  EXPECT_EQ(json_stringify(Bytes{1, 2}, JsonOptions{.binary_as_array = true}), "[1,2]");
  EXPECT_THROW(json_stringify(BigInt{1}), Error);
}

TEST(Json, ParseThenStringifyMatchesNode) {
  // Expected outputs are JSON.stringify(JSON.parse(input)) under node 20.
  const std::pair<const char*, const char*> vectors[] = {
      {R"({"__proto__":1,"b":2,"2":3,"b":4})", R"({"2":3,"__proto__":1,"b":4})"},
      {R"( [1.0, -0, 1e400, -1e400, 1e-400, 2.50] )", "[1,0,null,null,0,2.5]"},
      {R"("\ud83d")", R"("\ud83d")"},
      {R"("\ud83d\ude00\u0041\/")",
       "\"\xf0\x9f\x98\x80"
       "A/\""},
      {R"("\uD83Dx")", R"("\ud83dx")"},
      {R"({"image":"x.png"})", R"({"image":"x.png"})"},
      {"true", "true"},
      {"null", "null"},
      {R"({"4294967295":1,"4294967294":2})", R"({"4294967294":2,"4294967295":1})"},
  };
  for (const auto& [in, out] : vectors) {
    EXPECT_EQ(json_stringify(json_parse(in)), out) << in;
  }
}

TEST(Json, ParseRejectsInvalid) {
  const char* bad[] = {"",          "{",   "[1,]", "{\"a\":1,}", "01",       "1.",   ".5",
                       "+1",        "tru", "'a'",  "NaN",        "\"\x01\"", "[1]x", "\"\\x\"",
                       "\"\\u12\"", "1e",  "-",    "{a:1}",      "\v1"};
  for (const char* s : bad) {
    EXPECT_THROW(json_parse(s), Error) << s;
  }
}

TEST(Any, JsToString) {
  EXPECT_EQ(js_to_string(AnyArray{1, Null{}, "x", AnyArray{2, 3}}), "1,,x,2,3");
  EXPECT_EQ(js_to_string(AnyObject{}), "[object Object]");
  EXPECT_EQ(js_to_string(1.5), "1.5");
  EXPECT_EQ(js_to_string(Bytes{1, 2}), "1,2");
}

}  // namespace
}  // namespace crdt
