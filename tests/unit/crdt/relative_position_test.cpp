// Relative positions against yjs 13.6.33 (createRelativePositionFromTypeIndex, encode/decode,
// createAbsolutePositionFromRelativePosition after concurrent edits).
#include "crdt/relative_position.hpp"

#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::to_hex;

TEST(RelativePosition, FromIndexEncodeResolve) {
  Doc d(DocOptions{.client_id = 1});
  const SharedRef text = SharedRef::root_type("text");
  const SharedRef m = SharedRef::root_type("m");
  SharedRef sub;
  d.transact([&](Edit& e) {
    e.insert_text(text, 0, "abc");
    sub = *e.set(m, "s", NewShared{SharedKind::text, ""});
    e.insert_text(sub, 0, "q");
  });
  struct Case {
    std::uint64_t index;
    std::int64_t assoc;
    const char* bytes;
    std::uint64_t resolved;  // index after "XY" is prepended and "b" deleted
  };
  const Case cases[] = {
      {0, 0, "00 01 00 00", 2},           {1, 0, "00 01 01 00", 3},
      {2, 0, "00 01 02 00", 3},           {3, 0, "01 04 74 65 78 74 00", 4},
      {0, -1, "01 04 74 65 78 74 41", 0}, {1, -1, "00 01 00 41", 3},
      {2, -1, "00 01 01 41", 3},          {3, -1, "00 01 02 41", 4},
  };
  Doc other(DocOptions{.client_id = 2});
  other.apply_update(d.encode_state_as_update());
  other.transact([&](Edit& e) {
    e.insert_text(text, 0, "XY");
    e.delete_text(text, 3, 1);
  });
  EXPECT_EQ(to_hex(other.encode_state_as_update()),
            test::spaced("02 01 02 00 44 01 00 02 58 59 05 01 00 04 01 04 74 65 78 74 01 61 81 01 "
                         "00 01 84 01 01 01 63 27 01 01 6d 01 73 02 04 00 01 03 01 71 01 01 01 01 "
                         "01"));
  for (const Case& c : cases) {
    const RelativePosition rel = d.relative_position(text, c.index, c.assoc);
    EXPECT_EQ(to_hex(encode_relative_position(rel)), test::spaced(c.bytes));
    const RelativePosition back = decode_relative_position(hex(c.bytes));
    EXPECT_EQ(back, rel);
    const auto abs = other.absolute_position(back);
    ASSERT_TRUE(abs.has_value());
    EXPECT_EQ(abs->index, c.resolved) << c.bytes;
    EXPECT_EQ(abs->type, text);
  }
  const RelativePosition end = d.relative_position(sub, 1);
  EXPECT_EQ(to_hex(encode_relative_position(end)), "02 01 03 00");
  EXPECT_EQ(other.absolute_position(end)->index, 1u);
}

TEST(RelativePosition, UnknownAndMalformed) {
  Doc d;
  EXPECT_FALSE(d.absolute_position(decode_relative_position(hex("00 05 00"))).has_value());
  EXPECT_FALSE(d.absolute_position(decode_relative_position(hex("02 05 00 00"))).has_value());
  // assoc is optional on the wire.
  EXPECT_EQ(decode_relative_position(hex("00 01 02")).assoc, 0);
  EXPECT_THROW(decode_relative_position(hex("03 00")), Error);
  EXPECT_THROW(decode_relative_position(hex("00 01")), Error);
}

}  // namespace
}  // namespace crdt
