// crdt::Doc against the yjs 13.6.33 vectors of yjs-spec.md §2.9 and §7.3 (U1–U37): applying,
// the re-encoded update events, encodeStateAsUpdate / encodeStateVector, pending data, GC.
#include "crdt/doc.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::spaced;
using test::to_hex;

const char* const kU1 = "01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00";
const char* const kU8[] = {
    "01 01 01 00 04 01 04 74 65 78 74 01 61 00",
    "01 01 01 01 84 01 00 01 62 00",
    "01 01 01 02 84 01 01 01 63 00",
};
const char* const kU10 = "01 03 01 00 04 01 04 74 65 78 74 01 61 84 01 00 01 62 84 01 01 01 63 00";

Doc make_doc(bool gc = true) { return Doc(DocOptions{.gc = gc, .client_id = 999}); }

std::string apply(Doc& doc, const char* update) {
  return to_hex(doc.apply_update(hex(update)).update);
}
std::string state(const Doc& doc) { return to_hex(doc.encode_state_as_update()); }
std::string state(const Doc& doc, const char* sv) {
  return to_hex(doc.encode_state_as_update(hex(sv)));
}
std::string sv(const Doc& doc) { return to_hex(doc.encode_state_vector()); }

// A full-state update applied to a fresh document is emitted and re-encoded unchanged.
void expect_round_trip(const char* update, bool gc = true) {
  Doc doc = make_doc(gc);
  EXPECT_EQ(apply(doc, update), spaced(update));
  EXPECT_EQ(state(doc), spaced(update));
}

TEST(Doc, EmptyDocument) {  // U7
  Doc doc = make_doc();
  EXPECT_EQ(state(doc), "00 00");
  EXPECT_EQ(sv(doc), "00");
  EXPECT_FALSE(doc.has_pending());
  EXPECT_EQ(doc.client_id(), 999u);
}

TEST(Doc, InsertAndStateVector) {  // U1, U3, U4, U5
  Doc doc = make_doc();
  const ApplyResult r = doc.apply_update(hex(kU1));
  EXPECT_EQ(to_hex(r.update), spaced(kU1));
  EXPECT_EQ(r.inserted, 3u);
  EXPECT_EQ(r.deleted, 0u);
  EXPECT_EQ(state(doc), spaced(kU1));
  EXPECT_EQ(sv(doc), "01 01 03");
  EXPECT_EQ(state(doc, "01 01 01"), spaced("01 01 01 01 84 01 00 02 62 63 00"));
  EXPECT_EQ(state(doc, "01 01 03"), "00 00");
  EXPECT_EQ(to_hex(doc.encode_snapshot()), "00 01 01 03");  // U6
  // Entries above the local state and unknown clients are ignored.
  EXPECT_EQ(state(doc, "02 07 05 01 09"), "00 00");
}

TEST(Doc, RepeatedUpdateEmitsNothing) {
  Doc doc = make_doc();
  apply(doc, kU1);
  const ApplyResult r = doc.apply_update(hex(kU1));
  EXPECT_TRUE(r.update.empty());
  EXPECT_EQ(r.inserted, 0u);
}

TEST(Doc, TypingMergesItems) {  // U8, U9
  Doc doc = make_doc();
  for (const char* u : kU8) {
    EXPECT_EQ(apply(doc, u), spaced(u));
  }
  EXPECT_EQ(state(doc), spaced(kU1));
}

TEST(Doc, MergedUpdateIsReencoded) {  // U37
  Doc doc = make_doc();
  EXPECT_EQ(apply(doc, kU10), spaced(kU1));
}

TEST(Doc, DeleteAndGc) {  // U14, U15
  Doc doc = make_doc();
  apply(doc, kU1);
  const ApplyResult r = doc.apply_update(hex("00 01 01 01 01 01"));
  EXPECT_EQ(to_hex(r.update), "00 01 01 01 01 01");
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(state(doc), spaced("01 03 01 00 04 01 04 74 65 78 74 01 61 81 01 00 01 84 01 01 01 63 "
                               "01 01 01 01 01"));
  EXPECT_EQ(doc.to_json("text", RootKind::text), R"("ac")");
}

TEST(Doc, DeleteWithoutGcKeepsContent) {
  Doc doc = make_doc(false);
  apply(doc, kU1);
  apply(doc, "00 01 01 01 01 01");
  // The split items differ in `deleted` and stay separate.
  EXPECT_EQ(state(doc), spaced("01 03 01 00 04 01 04 74 65 78 74 01 61 84 01 00 01 62 84 01 01 01 "
                               "63 01 01 01 01 01"));
}

TEST(Doc, MapSetAndOverwrite) {  // U16, U17
  const char* u16 =
      "01 03 01 00 28 01 03 6d 61 70 01 6b 01 77 01 76 28 01 03 6d 61 70 01 6e 01 7d 2a 28 01 03 "
      "6d "
      "61 70 01 6f 01 76 01 01 61 75 02 7d 01 7d 02 00";
  expect_round_trip(u16);
  Doc doc = make_doc();
  apply(doc, u16);
  const ApplyResult r = doc.apply_update(hex("01 01 01 03 a8 01 00 01 77 01 77 01 01 01 00 01"));
  EXPECT_EQ(to_hex(r.update), spaced("01 01 01 03 a8 01 00 01 77 01 77 01 01 01 00 01"));
  EXPECT_EQ(r.inserted, 1u);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(doc.to_json("map", RootKind::map), R"({"k":"w","n":42,"o":{"a":[1,2]}})");
  EXPECT_EQ(state(doc),
            spaced("010401002101036d6170016b012801036d6170016e017d2a2801036d6170016f01760101617502"
                   "7d017d02a80100017701770101010001"));
}

TEST(Doc, ArrayContent) {  // U18
  const char* u18 =
      "01 03 01 00 08 01 03 61 72 72 04 7d 01 77 03 74 77 6f 7e 78 83 01 03 02 de ad 87 01 04 01 "
      "00";
  expect_round_trip(u18);
  Doc doc = make_doc();
  apply(doc, u18);
  EXPECT_EQ(doc.to_json("arr", RootKind::array), R"([1,"two",null,true,[222,173],{}])");
}

TEST(Doc, NestedTypeGc) {  // U19, U20, U21
  const char* u19 = "01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 00";
  expect_round_trip(u19);
  Doc gc = make_doc(true);
  apply(gc, u19);
  EXPECT_EQ(gc.to_json("m", RootKind::map), R"({"list":["x","y"]})");
  const ApplyResult r = gc.apply_update(hex("00 01 01 01 00 03"));
  EXPECT_EQ(to_hex(r.update), "00 01 01 01 00 03");
  EXPECT_EQ(state(gc), spaced("01 02 01 00 21 01 01 6d 04 6c 69 73 74 01 00 02 01 01 01 00 03"));
  EXPECT_EQ(gc.to_json("m", RootKind::map), "{}");

  Doc keep = make_doc(false);
  apply(keep, u19);
  apply(keep, "00 01 01 01 00 03");
  EXPECT_EQ(state(keep), spaced("01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 "
                                "77 01 79 01 01 01 00 03"));
}

TEST(Doc, NestedTypeDeletedByParentOnly) {
  // Only the map entry is deleted; ContentType.delete deletes the children in the same
  // transaction, so the emitted delete set covers them too.
  Doc doc = make_doc();
  apply(doc, "01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 00");
  EXPECT_EQ(apply(doc, "00 01 01 01 00 01"), "00 01 01 01 00 03");
  EXPECT_EQ(state(doc), spaced("01 02 01 00 21 01 01 6d 04 6c 69 73 74 01 00 02 01 01 01 00 03"));
}

TEST(Doc, RichText) {  // U22
  const char* u22 =
      "01 06 01 00 04 01 01 74 01 68 84 01 00 02 65 6c 84 01 02 02 6c 6f c6 01 00 01 01 04 62 6f "
      "6c "
      "64 04 74 72 75 65 c6 01 02 01 03 04 62 6f 6c 64 04 6e 75 6c 6c 85 01 04 11 7b 22 69 6d 61 "
      "67 "
      "65 22 3a 22 78 2e 70 6e 67 22 7d 00";
  expect_round_trip(u22);
  Doc doc = make_doc();
  apply(doc, u22);
  EXPECT_EQ(doc.to_json("t", RootKind::text), R"("hello")");
  EXPECT_EQ(doc.to_json("t", RootKind::text_delta),
            R"([{"insert":"h"},{"insert":"el","attributes":{"bold":true}},{"insert":"lo"},)"
            R"({"insert":{"image":"x.png"}}])");
}

TEST(Doc, Xml) {  // U23
  const char* u23 =
      "01 04 01 00 07 01 0b 70 72 6f 73 65 6d 69 72 72 6f 72 03 09 70 61 72 61 67 72 61 70 68 28 "
      "00 "
      "01 00 05 61 6c 69 67 6e 01 77 04 6c 65 66 74 07 00 01 00 06 04 00 01 02 02 48 69 00";
  expect_round_trip(u23);
  Doc doc = make_doc();
  apply(doc, u23);
  EXPECT_EQ(doc.to_json("prosemirror", RootKind::xml_fragment),
            R"("<paragraph align=\"left\">Hi</paragraph>")");
}

TEST(Doc, Subdocuments) {  // U24, U25
  expect_round_trip("01 01 01 00 29 01 04 64 6f 63 73 01 73 08 73 75 62 2d 67 75 69 64 76 00 00");
  expect_round_trip(
      "01 02 01 00 29 01 04 64 6f 63 73 01 73 08 73 75 62 2d 67 75 69 64 76 00 29 01 04 64 6f 63 "
      "73 "
      "01 74 02 67 32 76 03 02 67 63 79 08 61 75 74 6f 4c 6f 61 64 78 04 6d 65 74 61 77 01 6d 00");
}

TEST(Doc, SubdocumentOptionsAreNormalized) {
  // yrs-style options {gc:true, autoLoad:false, shouldLoad:true} re-encode as {} (node-checked).
  Doc doc = make_doc();
  apply(doc,
        "01 01 01 00 29 01 01 64 01 73 01 67 76 03 02 67 63 78 08 61 75 74 6f 4c 6f 61 64 79 0a 73 "
        "68 6f 75 6c 64 4c 6f 61 64 78 00");
  EXPECT_EQ(state(doc), spaced("01 01 01 00 29 01 01 64 01 73 01 67 76 00 00"));
}

TEST(Doc, ConcurrentInsertsLowerClientFirst) {  // U26, U27
  const char* u26 = "02 01 02 00 04 01 01 74 01 42 01 01 00 04 01 01 74 01 41 00";
  expect_round_trip(u26);
  Doc doc = make_doc();
  apply(doc, "01 01 02 00 04 01 01 74 01 42 00");
  apply(doc, "01 01 01 00 04 01 01 74 01 41 00");
  EXPECT_EQ(state(doc), spaced(u26));
  EXPECT_EQ(sv(doc), "02 02 01 01 01");
  EXPECT_EQ(doc.to_json("t", RootKind::text), R"("AB")");
}

TEST(Doc, LargeClientId) {  // U28
  expect_round_trip("01 01 80 bc c1 96 0b 00 04 01 04 74 65 78 74 01 78 00");
  Doc doc = make_doc();
  apply(doc, "01 01 80 bc c1 96 0b 00 04 01 04 74 65 78 74 01 78 00");
  EXPECT_EQ(sv(doc), "01 80 bc c1 96 0b 01");
}

TEST(Doc, SurrogatePairs) {  // U29–U33
  const char* u29 = "01 01 01 00 04 01 01 74 06 61 f0 9f 98 80 62 00";
  expect_round_trip(u29);
  Doc doc = make_doc();
  apply(doc, u29);
  EXPECT_EQ(state(doc, "01 01 02"), spaced("01 01 01 02 84 01 01 04 ef bf bd 62 00"));  // U32
  // U30: client 2 inserts 'X' inside the pair; both halves become U+FFFD (U31).
  EXPECT_EQ(apply(doc, "01 01 02 00 c4 01 01 01 02 01 58 00"),
            spaced("01 01 02 00 c4 01 01 01 02 01 58 00"));
  EXPECT_EQ(state(doc),
            spaced("02 01 02 00 c4 01 01 01 02 01 58 02 01 00 04 01 01 74 04 61 ef bf bd "
                   "84 01 01 04 ef bf bd 62 00"));
  EXPECT_EQ(doc.to_json("t", RootKind::text),
            "\"a\xef\xbf\xbdX\xef\xbf\xbd"
            "b\"");

  Doc emoji = make_doc();  // U33
  apply(emoji, "01 01 01 00 04 01 01 74 04 f0 9f 98 80 00");
  EXPECT_EQ(apply(emoji, "00 01 01 01 00 01"), "00 01 01 01 00 01");
  EXPECT_EQ(state(emoji), spaced("01 02 01 00 01 01 01 74 01 84 01 00 03 ef bf bd 01 01 01 00 01"));
}

TEST(Doc, ArrayJsonSplitsSurrogatePairs) {
  // Y.Array of the string content 'a😀' reads as single UTF-16 units, like str.split('').
  Doc doc = make_doc();
  apply(doc, "01 01 01 00 04 01 01 61 05 61 f0 9f 98 80 00");
  EXPECT_EQ(doc.to_json("a", RootKind::array), R"(["a","\ud83d","\ude00"])");
}

TEST(Doc, PendingStructs) {  // U34, U35
  Doc doc = make_doc();
  const ApplyResult r = doc.apply_update(hex(kU8[1]));
  EXPECT_TRUE(r.update.empty());
  EXPECT_TRUE(doc.has_pending());
  EXPECT_EQ(state(doc), spaced("01 01 01 01 84 01 00 01 62 00"));
  EXPECT_EQ(sv(doc), "00");
  // The missing struct arrives: both integrate in one transaction.
  EXPECT_EQ(apply(doc, kU8[0]), spaced("01 01 01 00 04 01 04 74 65 78 74 02 61 62 00"));
  EXPECT_FALSE(doc.has_pending());
  EXPECT_EQ(state(doc), spaced("01 01 01 00 04 01 04 74 65 78 74 02 61 62 00"));
}

TEST(Doc, PendingDeletesAndStructsTogether) {  // U36 and node-made expectations
  Doc ds_only = make_doc();
  EXPECT_TRUE(ds_only.apply_update(hex("00 01 01 01 05 01")).update.empty());
  EXPECT_TRUE(ds_only.has_pending());
  EXPECT_EQ(state(ds_only), "00 01 01 01 05 01");

  Doc doc = make_doc();
  apply(doc, kU8[2]);
  apply(doc, "00 01 01 01 05 01");
  EXPECT_EQ(state(doc), spaced("01 01 01 02 84 01 01 01 63 01 01 01 05 01"));
  EXPECT_EQ(state(doc, "01 01 02"), spaced("01 01 01 02 84 01 01 01 63 01 01 01 05 01"));
  EXPECT_EQ(apply(doc, kU8[0]), spaced(kU8[0]));
  EXPECT_EQ(state(doc),
            spaced("01 03 01 00 04 01 04 74 65 78 74 01 61 0a 01 84 01 01 01 63 01 01 01 05 01"));
  EXPECT_EQ(apply(doc, kU8[1]), spaced("01 01 01 01 84 01 00 02 62 63 00"));
  EXPECT_EQ(state(doc), spaced("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 01 01 01 05 01"));
  EXPECT_TRUE(doc.has_pending());  // the delete of clock 5 still waits
}

TEST(Doc, LaterClientBlockReplacesEarlier) {
  // readClientsStructRefs keeps one block per client: the second block of client 1 wins.
  Doc doc = make_doc();
  apply(doc, "02 01 01 00 04 01 01 74 01 61 01 01 00 04 01 01 75 01 62 00");
  EXPECT_EQ(doc.to_json("t", RootKind::text), R"("")");
  EXPECT_EQ(doc.to_json("u", RootKind::text), R"("b")");
}

}  // namespace
}  // namespace crdt
