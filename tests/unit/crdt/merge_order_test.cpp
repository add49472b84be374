// mergeUpdates when a GC and an Item of the same client start at the same clock: Yjs sorts its
// struct readers with a comparator that calls each of the two "less" than the other, so the winner
// is whatever V8's TimSort leaves first. Covers the V8 sort model (timsort.hpp) against orderings
// node 20 (V8 11.3) produced, and the merges of vectors/more.json M1, M2 and G4.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "crdt/updates.hpp"
#include "hex.hpp"
#include "timsort.hpp"

namespace crdt {
namespace {

using test::hex;
using test::spaced;
using test::to_hex;

// ---- the sort model ------------------------------------------------------------------------

// Element code = client * 1000 + clock * 10 + (1 for a GC, 0 for an Item); compared exactly like
// Yjs's mergeUpdatesV2 comparator (no Skips here, so a GC/Item tie is -1 both ways).
int yjs_compare(int a, int b) {
  const int c1 = a / 1000;
  const int c2 = b / 1000;
  const int k1 = a / 10 % 100;
  const int k2 = b / 10 % 100;
  if (c1 == c2) {
    if (k1 == k2) {
      return a % 10 == b % 10 ? 0 : -1;
    }
    return k1 - k2;
  }
  return c2 - c1;
}

// The permutation (original indices in sorted order) the model produces.
std::vector<int> sorted_indices(const std::vector<int>& in) {
  std::vector<int> idx(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    idx[i] = static_cast<int>(i);
  }
  v8sort::array_sort(idx, [&](int x, int y) { return yjs_compare(in[x], in[y]); });
  return idx;
}

// Expectations from node 20.20.2 (V8 11.3):
//   const cmp = (a, b) => { const c1 = Math.floor(a / 1000), c2 = Math.floor(b / 1000),
//     k1 = Math.floor(a / 10) % 100, k2 = Math.floor(b / 10) % 100
//     if (c1 === c2) { if (k1 === k2) return a % 10 === b % 10 ? 0 : -1; return k1 - k2 }
//     return c2 - c1 }
//   const idx = input.map((_, i) => i); idx.sort((x, y) => cmp(input[x], input[y]))
TEST(V8Sort, SmallArraysWithGcItemTies) {
  EXPECT_EQ(sorted_indices({2001, 2000}), (std::vector<int>{1, 0}));
  EXPECT_EQ(sorted_indices({2000, 2001}), (std::vector<int>{1, 0}));
  EXPECT_EQ(sorted_indices({2000, 2010}), (std::vector<int>{0, 1}));
  EXPECT_EQ(sorted_indices({2001, 2000, 2001}), (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(sorted_indices({2000, 2001, 2000}), (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(sorted_indices({2011, 2001, 2001}), (std::vector<int>{1, 2, 0}));
  EXPECT_EQ(sorted_indices({1000, 2010, 1011, 1011, 2001}), (std::vector<int>{4, 1, 0, 2, 3}));
}

// n = 64 and 100: several runs, merge_lo / merge_hi, and (checked with an instrumented copy)
// galloping mode is entered in both.
TEST(V8Sort, RunMergingAndGalloping) {
  const std::vector<int> in64 = {2000, 2000, 2000, 2131, 2011, 2010, 2020, 2021, 2020, 2031, 2030,
                                 2030, 2041, 2041, 2230, 2051, 2051, 2051, 2340, 2060, 2061, 2070,
                                 2071, 1290, 1110, 1281, 1270, 1271, 1261, 1261, 1250, 1251, 1241,
                                 1241, 1231, 1161, 1221, 1220, 1210, 1211, 1201, 1200, 1190, 1190,
                                 1181, 1180, 2151, 2150, 2161, 2161, 2050, 2171, 2171, 2170, 2180,
                                 2181, 2181, 2191, 2190, 2331, 2200, 2200, 2201, 2211};
  const std::vector<int> out64 = {0,  1,  2,  5,  4,  7,  6,  8,  10, 11, 9,  12, 13, 50, 15, 16,
                                  17, 20, 19, 22, 21, 3,  47, 46, 48, 49, 53, 51, 52, 55, 56, 54,
                                  58, 57, 62, 60, 61, 63, 14, 59, 18, 24, 35, 45, 44, 42, 43, 41,
                                  40, 39, 38, 37, 36, 34, 32, 33, 31, 30, 28, 29, 27, 26, 25, 23};
  EXPECT_EQ(sorted_indices(in64), out64);

  const std::vector<int> in100 = {
      2000, 2000, 2000, 2351, 2010, 2011, 2021, 2081, 2020, 2031, 2030, 2031, 2041, 2040, 2040,
      2341, 2051, 2051, 2061, 2061, 2001, 2071, 2071, 1291, 1281, 1280, 1270, 1271, 1260, 1261,
      1250, 1041, 1241, 1240, 1230, 1230, 1250, 1220, 1210, 1210, 1200, 1200, 1190, 1190, 1281,
      1181, 2151, 2150, 2171, 2161, 2161, 2170, 2170, 2170, 2180, 2220, 2101, 2191, 2190, 2190,
      2200, 2200, 2200, 2061, 2210, 2070, 2220, 2221, 2080, 1061, 1051, 1051, 1040, 1151, 1030,
      1081, 1021, 1020, 1010, 1010, 1400, 1400, 1390, 1390, 1110, 1380, 1371, 1371, 1360, 1360,
      1351, 1351, 2140, 2311, 2310, 2311, 2321, 2320, 2321, 2330};
  const std::vector<int> out100 = {
      20, 0,  1,  2,  5,  4,  8,  6,  10, 9,  11, 13, 14, 12, 16, 17, 18, 19, 63, 65,
      21, 22, 68, 7,  56, 92, 47, 46, 49, 50, 51, 52, 53, 48, 54, 58, 59, 57, 60, 61,
      62, 64, 67, 55, 66, 95, 94, 93, 97, 96, 98, 99, 15, 3,  78, 79, 77, 76, 74, 72,
      31, 70, 71, 69, 75, 84, 73, 45, 42, 43, 40, 41, 38, 39, 37, 34, 35, 33, 32, 30,
      36, 29, 28, 27, 26, 25, 24, 44, 23, 90, 91, 88, 89, 86, 87, 85, 82, 83, 80, 81};
  EXPECT_EQ(sorted_indices(in100), out100);
}

// With a consistent comparator the model is a plain stable sort.
TEST(V8Sort, ConsistentComparatorIsStable) {
  std::vector<std::pair<int, int>> v;
  for (int i = 0; i < 300; ++i) {
    v.emplace_back((i * 37) % 11, i);
  }
  auto expected = v;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  v8sort::array_sort(v, [](const auto& a, const auto& b) { return a.first - b.first; });
  EXPECT_EQ(v, expected);
}

// ---- mergeUpdates --------------------------------------------------------------------------

std::string merge(std::initializer_list<const char*> hexes) {
  std::vector<Bytes> updates;
  for (const char* h : hexes) {
    updates.push_back(hex(h));
  }
  return to_hex(merge_updates(updates));
}

// Expected bytes from the pinned yjs 13.6.33 under node 20.20.2:
//   import * as Y from 'yjs'
//   const un = (h) => new Uint8Array(Buffer.from(h, 'hex'))
//   Buffer.from(Y.mergeUpdates(updates.map(un))).toString('hex')
// A: client 6 clock 0 GC len 1 (+ client 5's map entry); B: client 6 clock 0 Item ["XY"].
const char* const kGcUpdate = "0201060000010105002101016d016b01020601000105010001";
const char* const kItemUpdate = "0101060008000500017702585900";

// Y.mergeUpdates([A, B]): 2 readers [GC, Item]; cmp(Item, GC) < 0 is a descending run, reversed,
// so the Item is written and the GC sliced away (vectors/more.json M1).
TEST(MergeOrder, GcThenItemKeepsItem) {
  EXPECT_EQ(merge({kGcUpdate, kItemUpdate}),
            spaced("020106000800050001770258590105002101016d016b01020601000105010001"));
}

// Y.mergeUpdates([B, A]): the GC wins (vectors/more.json M2).
TEST(MergeOrder, ItemThenGcKeepsGc) {
  EXPECT_EQ(merge({kItemUpdate, kGcUpdate}),
            spaced("0201060000010105002101016d016b01020601000105010001"));
}

// Y.mergeUpdates of a GC-on full state (GC structs) with the two original updates
// (vectors/more.json G4).
TEST(MergeOrder, GcStateWithOriginalUpdates) {
  EXPECT_EQ(
      merge({"020106000004040500210104726f6f7403617272010007270104726f6f74056f7468657201280005"
             "080171017d01020601000405010008",
             "01010600c4050305040358595a00", "01010603880507017d0700"}),
      spaced("02020600c4050305040358595a0001040500210104726f6f7403617272010007270104726f6f74"
             "056f7468657201280005080171017d01020601000405010008"));
}

}  // namespace
}  // namespace crdt
