// The awareness protocol against yjs-spec.md §4.3 (vectors from y-protocols 1.0.7) and the
// server transcripts of §5.7: the clock-0 rule, same-clock removal, removal on close without a
// clock bump, 30 s expiry, raw JSON kept byte for byte, strict JSON.
#include "crdt/awareness.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using awareness::Awareness;
using awareness::Entry;
using test::hex;
using test::to_hex;

constexpr const char* kAnn = R"({"user":{"name":"Ann","color":"#f00"}})";

TEST(AwarenessCodec, SpecVectors) {
  const Entry initial[] = {{1, 0, "{}"}};
  EXPECT_EQ(to_hex(awareness::encode_update(initial)), "01 01 00 02 7b 7d");
  const Entry removed[] = {{1, 2, "null"}};
  EXPECT_EQ(to_hex(awareness::encode_update(removed)), "01 01 02 04 6e 75 6c 6c");
  const Entry big[] = {{3000000000, 1, R"({"cursor":null,"n":1.5})"}};
  EXPECT_EQ(to_hex(awareness::encode_update(big)),
            test::spaced("01 80 bc c1 96 0b 01 17 7b 22 63 75 72 73 6f 72 22 3a 6e 75 6c 6c 2c 22 "
                         "6e 22 3a 31 2e 35 7d"));
  const auto decoded = awareness::decode_update(hex(
      "01 80 bc c1 96 0b 01 17 7b 22 63 75 72 73 6f 72 22 3a 6e 75 6c 6c 2c 22 6e 22 3a 31 2e 35 "
      "7d"));
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].client_id, 3000000000u);
  EXPECT_EQ(decoded[0].clock, 1u);
  EXPECT_EQ(decoded[0].json, R"({"cursor":null,"n":1.5})");
}

TEST(AwarenessCodec, RejectsBadInput) {
  EXPECT_THROW(awareness::decode_update(hex("01 01 00")), Error);              // truncated
  EXPECT_THROW(awareness::decode_update(hex("01 01 00 02 7b 7d 00")), Error);  // trailing
  EXPECT_THROW(awareness::decode_update(hex("ff 01 01 00 02 7b 7d")), Error);  // count too big
  try {
    awareness::decode_update(hex("01 01 01 02 7b 7b"));  // "{{"
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_json);
  }
  try {
    awareness::decode_update(hex("01 01 01 03 22 ff 22"));  // "\xff"
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_utf8);
  }
}

TEST(AwarenessJson, StrictValidation) {
  bool is_null = false;
  EXPECT_TRUE(awareness::is_valid_json("null", &is_null));
  EXPECT_TRUE(is_null);
  EXPECT_TRUE(awareness::is_valid_json(" null\n", &is_null));
  EXPECT_TRUE(is_null);
  EXPECT_TRUE(awareness::is_valid_json(kAnn, &is_null));
  EXPECT_FALSE(is_null);
  EXPECT_TRUE(awareness::is_valid_json(R"([1,-0.5e+3,true,false,null,"\u00e9\ud800",{}])"));
  EXPECT_TRUE(awareness::is_valid_json("\"caf\xc3\xa9\""));
  EXPECT_TRUE(awareness::is_valid_json("0"));
  for (const char* bad :
       {"",          "nul",   "nulls", "{",        "{\"a\"}",       "{\"a\":1,}", "[1,]",
        "01",        "1.",    ".5",    "+1",       "'a'",           "\"a",        "\"\\x\"",
        "\"\\u12\"", "{a:1}", "NaN",   "Infinity", "\"tab\there\"", "[] []",      "\"\xff\""}) {
    EXPECT_FALSE(awareness::is_valid_json(bad)) << bad;
  }
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_FALSE(awareness::is_valid_json(deep));
  EXPECT_TRUE(awareness::is_valid_json(deep, nullptr, 256));
}

TEST(Awareness, ClockZeroFirstStateIsIgnored) {
  // §5.7: the server did not accept or broadcast client 1's {} at clock 0.
  Awareness a;
  const auto ch = a.apply_update(hex("01 01 00 02 7b 7d"), 0);
  EXPECT_TRUE(ch.empty());
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.find(1), nullptr);
  // ... and its goodbye null at clock 0 too.
  EXPECT_TRUE(a.apply_update(hex("01 01 00 04 6e 75 6c 6c"), 0).empty());
}

TEST(Awareness, AddUpdateRemove) {
  Awareness a;
  const Entry ann1[] = {{1, 1, kAnn}};
  auto ch = a.apply_entries(ann1, 100);
  EXPECT_EQ(ch.added, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(ch.updated.empty());
  ASSERT_NE(a.find(1), nullptr);
  EXPECT_EQ(*a.find(1)->json, kAnn);

  // Re-sent at the same clock (a peer re-broadcasting): dropped.
  EXPECT_TRUE(a.apply_entries(ann1, 200).empty());

  // Renewal at clock 2 with the same state: 'update' but not 'change'.
  const Entry ann2[] = {{1, 2, kAnn}};
  ch = a.apply_entries(ann2, 300);
  EXPECT_EQ(ch.updated, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(ch.changed.empty());

  const Entry ann3[] = {{1, 3, R"({"user":{"name":"Ann B"}})"}};
  ch = a.apply_entries(ann3, 400);
  EXPECT_EQ(ch.changed, std::vector<std::uint64_t>{1});

  // An older clock is ignored.
  EXPECT_TRUE(a.apply_entries(ann1, 500).empty());

  // Removal at the SAME clock is accepted while the state exists.
  const Entry gone[] = {{1, 3, "null"}};
  ch = a.apply_entries(gone, 600);
  EXPECT_EQ(ch.removed, std::vector<std::uint64_t>{1});
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.find(1)->clock, 3u);
  // A second same-clock removal finds no state: ignored.
  EXPECT_TRUE(a.apply_entries(gone, 700).empty());
  // The client comes back with a higher clock: added again? No: meta exists, so 'updated'.
  const Entry back[] = {{1, 4, kAnn}};
  ch = a.apply_entries(back, 800);
  EXPECT_EQ(ch.updated, std::vector<std::uint64_t>{1});
  EXPECT_EQ(a.size(), 1u);
}

TEST(Awareness, EncodesStatesAndRemovalsRawJson) {
  Awareness a;
  // Raw JSON text is kept as received, including formatting JS would not produce.
  const Entry e[] = {{10, 1, R"({ "n" : 1.50 })"}, {20, 1, R"({"x":[]})"}};
  a.apply_entries(e, 0);
  const std::uint64_t both[] = {10, 20};
  EXPECT_EQ(awareness::decode_update(a.encode_update(both))[0].json, R"({ "n" : 1.50 })");
  const std::uint64_t one[] = {20};
  a.remove_states(one, 1);
  EXPECT_EQ(to_hex(a.encode_update(one)), "01 14 01 04 6e 75 6c 6c");  // null, clock 1 (no bump)
  EXPECT_EQ(a.state_ids(), std::vector<std::uint64_t>{10});
}

TEST(Awareness, RemovalOnCloseKeepsTheClock) {
  // §5.7 transcript 2: A (id 10, clock 1) is terminated; the server broadcasts
  // 01 0a 01 04 6e 75 6c 6c (null at the SAME clock 1).
  Awareness server;
  server.apply_update(hex("01 0a 01 15 7b 22 75 73 65 72 22 3a 7b 22 6e 61 6d 65 22 3a 22 41 22 "
                          "7d 7d"),
                      0);
  const std::uint64_t ids[] = {10};
  EXPECT_EQ(server.remove_states(ids, 10), std::vector<std::uint64_t>{10});
  EXPECT_EQ(to_hex(server.encode_update(ids)), "01 0a 01 04 6e 75 6c 6c");

  // A peer that knew A at clock 1 accepts the same-clock removal ...
  Awareness peer;
  peer.apply_update(hex("01 0a 01 15 7b 22 75 73 65 72 22 3a 7b 22 6e 61 6d 65 22 3a 22 41 22 7d "
                        "7d"),
                    0);
  const auto ch = peer.apply_update(server.encode_update(ids), 20);
  EXPECT_EQ(ch.removed, std::vector<std::uint64_t>{10});
  // ... and a reconnecting A at clock 2 wins over it (no bump on removal: ygo #226).
  const Entry again[] = {{10, 2, R"({"user":{"name":"A"}})"}};
  EXPECT_EQ(server.apply_entries(again, 30).updated, std::vector<std::uint64_t>{10});
}

TEST(Awareness, OutdatedStatesExpireAfterThirtySeconds) {
  Awareness a;
  const Entry e[] = {{1, 1, "{}"}, {2, 1, "{}"}};
  a.apply_entries(e, 0);
  const Entry renew[] = {{2, 2, "{}"}};
  a.apply_entries(renew, 20000);
  EXPECT_TRUE(a.remove_outdated(29999).empty());
  EXPECT_EQ(a.remove_outdated(30000), std::vector<std::uint64_t>{1});
  EXPECT_EQ(a.find(1)->clock, 1u);  // not bumped
  EXPECT_EQ(a.remove_outdated(50000), std::vector<std::uint64_t>{2});
  EXPECT_EQ(a.size(), 0u);
}

TEST(Awareness, RemoteRemovalOfOurselvesIsOutbid) {
  Awareness a(7);
  a.set_local_state(std::string("{}"), 0);          // clock 0
  a.set_local_state(std::string(R"({"a":1})"), 0);  // clock 1
  const Entry kill[] = {{7, 1, "null"}};
  const auto ch = a.apply_entries(kill, 1);
  EXPECT_EQ(ch.removed, std::vector<std::uint64_t>{7});
  ASSERT_NE(a.find(7), nullptr);
  EXPECT_TRUE(a.find(7)->json.has_value());
  EXPECT_EQ(a.find(7)->clock, 2u);
}

TEST(Awareness, ServerLocalStateIsNullAndInvisible) {
  // The y-websocket server's awareness: setLocalState(null) after construction → clock 1.
  Awareness a(99);
  a.set_local_state(std::string("{}"), 0);
  a.set_local_state(std::nullopt, 0);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.find(99)->clock, 1u);
  EXPECT_TRUE(a.state_ids().empty());
}

TEST(Awareness, InvalidUpdateAppliesNothing) {
  Awareness a;
  // Entry 1 valid, entry 2 invalid JSON: JS would apply entry 1 and throw; we apply neither.
  EXPECT_THROW(a.apply_update(hex("02 01 01 02 7b 7d 02 01 01 7b"), 0), Error);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.find(1), nullptr);
}

}  // namespace
}  // namespace crdt
