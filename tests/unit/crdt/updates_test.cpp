// Doc-less update operations (mergeUpdates, diffUpdate, encodeStateVectorFromUpdate) against the
// yjs 13.6.33 vectors of yjs-spec.md §7.3 and node-made expectations.
#include "crdt/updates.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::spaced;
using test::to_hex;

const char* const kU8[] = {
    "01 01 01 00 04 01 04 74 65 78 74 01 61 00",
    "01 01 01 01 84 01 00 01 62 00",
    "01 01 01 02 84 01 01 01 63 00",
};
const char* const kU10 = "01 03 01 00 04 01 04 74 65 78 74 01 61 84 01 00 01 62 84 01 01 01 63 00";

std::string merge(std::initializer_list<const char*> hexes) {
  std::vector<Bytes> updates;
  for (const char* h : hexes) {
    updates.push_back(hex(h));
  }
  return to_hex(merge_updates(updates));
}

TEST(Updates, MergeKeepsItemsSeparate) {  // U10
  EXPECT_EQ(merge({kU8[0], kU8[1], kU8[2]}), spaced(kU10));
  // Input order does not matter.
  EXPECT_EQ(merge({kU8[2], kU8[0], kU8[1]}), spaced(kU10));
}

TEST(Updates, MergeFillsGapsWithSkip) {  // U11
  EXPECT_EQ(merge({kU8[0], kU8[2]}),
            spaced("01 03 01 00 04 01 04 74 65 78 74 01 61 0a 01 84 01 01 01 63 00"));
}

TEST(Updates, MergeSingleUpdateIsIdentity) {
  EXPECT_EQ(merge({kU10}), spaced(kU10));
  EXPECT_THROW(merge({"01 01"}), Error);
}

TEST(Updates, MergeOverlapsAreSliced) {
  // The full 'abc' item (U1) merged with the 'b' increment: the store already covers it.
  EXPECT_EQ(merge({"01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00", kU8[1]}),
            spaced("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  // 'a' + the diff 'bc' from clock 1 + 'b' again: 'bc' wins, 'b' is already written.
  EXPECT_EQ(merge({kU8[0], "01 01 01 01 84 01 00 02 62 63 00", kU8[1]}),
            spaced("01 02 01 00 04 01 04 74 65 78 74 01 61 84 01 00 02 62 63 00"));
}

TEST(Updates, MergeClearsParentSubBitWithOrigin) {
  // U16 + U17 (map overwrite `a8`): the doc-less reader drops parentSub, so it becomes `88`.
  EXPECT_EQ(merge({"01 03 01 00 28 01 03 6d 61 70 01 6b 01 77 01 76 28 01 03 6d 61 70 01 6e 01 7d "
                   "2a 28 01 03 6d 61 70 01 6f 01 76 01 01 61 75 02 7d 01 7d 02 00",
                   "01 01 01 03 a8 01 00 01 77 01 77 01 01 01 00 01"}),
            spaced("010401002801036d6170016b017701762801036d6170016e017d2a2801036d6170016f017601"
                   "016175027d017d02880100017701770101010001"));
}

TEST(Updates, MergeUnionsDeleteSets) {
  EXPECT_EQ(merge({"00 01 01 01 01 01", "00 01 01 01 02 01", "00 01 02 01 00 01"}),
            spaced("00 02 02 01 00 01 01 01 01 02"));
}

TEST(Updates, MergeTieBetweenGcAndItemFollowsV8Sort) {
  // Yjs's reader comparator returns -1 both ways for a GC and an Item at the same id, so the
  // winner is whatever V8's TimSort makes of it (node-made expectations).
  const char* gc = "01 01 01 00 00 03 00";
  const char* item = "01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00";
  EXPECT_EQ(merge({gc, item}), spaced(item));
  EXPECT_EQ(merge({item, gc}), spaced(gc));
  EXPECT_EQ(merge({gc, item, gc}), spaced(gc));
  EXPECT_EQ(merge({item, gc, item}), spaced(item));
}

TEST(Updates, DiffUpdate) {  // U12
  const Bytes u10 = hex(kU10);
  EXPECT_EQ(to_hex(diff_update(u10, hex("01 01 01"))),
            spaced("01 02 01 01 84 01 00 01 62 84 01 01 01 63 00"));
  // Offset inside an item (U4 made doc-less).
  EXPECT_EQ(
      to_hex(diff_update(hex("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"), hex("01 01 01"))),
      spaced("01 01 01 01 84 01 00 02 62 63 00"));
  // Everything known: no structs, the delete set is copied unchanged.
  EXPECT_EQ(to_hex(diff_update(hex("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 01 01 01 01 01"),
                               hex("01 01 05"))),
            "00 01 01 01 01 01");
}

TEST(Updates, DiffUpdateInsideSurrogatePair) {
  // U29 'a😀b' cut at clock 2 (inside the pair): the tail starts with U+FFFD (U32).
  EXPECT_EQ(
      to_hex(diff_update(hex("01 01 01 00 04 01 01 74 06 61 f0 9f 98 80 62 00"), hex("01 01 02"))),
      spaced("01 01 01 02 84 01 01 04 ef bf bd 62 00"));
}

TEST(Updates, StateVectorFromUpdate) {  // U13
  EXPECT_EQ(to_hex(encode_state_vector_from_update(hex(kU10))), "01 01 03");
  // Runs that do not start at 0, or stop at a Skip.
  EXPECT_EQ(to_hex(encode_state_vector_from_update(hex(kU8[1]))), "00");
  EXPECT_EQ(to_hex(encode_state_vector_from_update(
                hex("01 03 01 00 04 01 04 74 65 78 74 01 61 0a 01 84 01 01 01 63 00"))),
            "01 01 01");
  EXPECT_EQ(to_hex(encode_state_vector_from_update(hex("00 00"))), "00");
}

TEST(Updates, RejectMalformed) {
  const char* bad[] = {
      "01",                                         // truncated
      "01 01 01 00 0b 01 04 74 65 78 74 01 61 00",  // content ref 11
      "01 01 01 00 8a 01 00",                       // flagged Skip
      "01 01 01 00 80 01 01 00",                    // flagged GC
      "01 01 01 00 00 00 00",                       // zero-length GC
      "01 01 01 00 04 01 04 74 65 78 74 00 00",     // empty string item
      "01 01 01 00 07 01 01 74 07 00",              // type ref 7
      "01 01 01 00 04 01 04 74 65 78 74 01 ff 00",  // invalid UTF-8
      "01 01 01 00 05 01 01 74 02 7b 7d 01",        // truncated delete set
      "01 01 01 00 05 01 01 74 02 7b 7a 00",        // invalid embed JSON
  };
  for (const char* h : bad) {
    const Bytes b = hex(h);
    EXPECT_THROW(diff_update(b, hex("00")), Error) << h;
    EXPECT_THROW(encode_state_vector_from_update(b), Error) << h;
  }
}

}  // namespace
}  // namespace crdt
