// Local edits on a type whose counted length exceeds its list. A remote update that overlaps
// known clocks and names another parent than its known left neighbour's is linked into the
// neighbour's list but counted in the named parent (Yjs Item.integrate does the same). Edits
// there must not loop or corrupt anything, and must do what Yjs 13.6.33 does; the expected
// bytes below were produced by Yjs in node for the same updates and edits.
#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "crdt/error.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::spaced;
using test::to_hex;

// Client 7 wrote "xyz" into root a, then (a second replica reusing id 7) "abcdef" into root b.
const char* const kXyzInA = "01010700040101610378797a00";
const char* const kAbcdefInB = "01010700040101620661626364656600";
// Client 9 wrote [1, 2] into root z, then [5, 6, 7, 8] into root c.
const char* const kOneTwoInZ = "010109000801017a027d017d0200";
const char* const kFiveToEightInC = "0101090008010163047d057d067d077d0800";

Doc overlapped() {
  Doc d(DocOptions{.gc = true, .client_id = 1});
  for (const char* u : {kXyzInA, kAbcdefInB, kOneTwoInZ, kFiveToEightInC}) {
    d.apply_update(hex(u));
  }
  return d;
}

TEST(EditOverlap, ContentGoesToTheLeftNeighboursListButCountsInTheNamedParent) {
  const Doc d = overlapped();
  EXPECT_EQ(d.to_json("a", RootKind::text), "\"xyzdef\"");
  EXPECT_EQ(d.to_json("b", RootKind::text), "\"\"");
  EXPECT_EQ(d.length(SharedRef::root_type("b")), 3u);
  EXPECT_EQ(d.to_json("z", RootKind::array), "[1,2,7,8]");
  EXPECT_EQ(d.length(SharedRef::root_type("c")), 2u);
}

TEST(EditOverlap, TextInsertPastTheListEndsAtItsEndAsInYjs) {
  Doc d = overlapped();
  const ApplyResult r =
      d.transact([](Edit& e) { e.insert_text(SharedRef::root_type("b"), 3, "q"); });
  EXPECT_EQ(to_hex(r.update), spaced("0101010004010162017100"));
  EXPECT_EQ(d.to_json("b", RootKind::text), "\"q\"");
  EXPECT_EQ(d.to_json("a", RootKind::text), "\"xyzdef\"");
}

TEST(EditOverlap, ListInsertPastTheListGoesFirstAndDeleteThrowsAsInYjs) {
  Doc d = overlapped();
  d.transact([](Edit& e) { e.insert_text(SharedRef::root_type("b"), 3, "q"); });  // as in Yjs's run
  EXPECT_THROW(d.transact([](Edit& e) { e.remove(SharedRef::root_type("c"), 1, 1); }), Error);
  const ApplyResult r = d.transact([](Edit& e) {
    const std::vector<Value> values{Any("n")};
    e.insert(SharedRef::root_type("c"), 2, values);
  });
  EXPECT_EQ(to_hex(r.update), spaced("01010101080101630177016e00"));
  EXPECT_EQ(d.to_json("c", RootKind::array), "[\"n\"]");
  EXPECT_EQ(d.to_json("z", RootKind::array), "[1,2,7,8]");
  EXPECT_EQ(
      to_hex(d.encode_state_as_update()),
      spaced("030109000801017a047d017d027d077d08010700040101610678797a646566020100040101620171"
             "080101630177016e00"));
}

}  // namespace
}  // namespace crdt
