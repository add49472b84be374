// Local editing (crdt::Edit) reproduces the updates Yjs 13.6.33 authors for the same operations:
// the §7.3 vectors of yjs-spec.md were made by exactly these edits with clientID 1.
#include "crdt/edit.hpp"

#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::spaced;
using test::to_hex;

Doc client1() { return Doc(DocOptions{.gc = true, .client_id = 1}); }
std::string state(const Doc& d) { return to_hex(d.encode_state_as_update()); }

template <typename F>
std::string edit(Doc& d, F&& f) {
  return to_hex(d.transact(f).update);
}

const SharedRef kText = SharedRef::root_type("text");

TEST(Edit, TextInsertAndDelete) {  // U1, U14, U15
  Doc d = client1();
  const ApplyResult r = d.transact([](Edit& e) { e.insert_text(kText, 0, "abc"); });
  EXPECT_EQ(to_hex(r.update), spaced("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  EXPECT_EQ(r.inserted, 3u);
  EXPECT_EQ(edit(d, [](Edit& e) { e.delete_text(kText, 1, 1); }), "00 01 01 01 01 01");
  EXPECT_EQ(state(d), spaced("01 03 01 00 04 01 04 74 65 78 74 01 61 81 01 00 01 84 01 01 01 63 "
                             "01 01 01 01 01"));
  EXPECT_EQ(d.length(kText), 2u);
}

TEST(Edit, TypingMergesItems) {  // U8, U9
  Doc d = client1();
  EXPECT_EQ(edit(d, [](Edit& e) { e.insert_text(kText, 0, "a"); }),
            spaced("01 01 01 00 04 01 04 74 65 78 74 01 61 00"));
  EXPECT_EQ(edit(d, [](Edit& e) { e.insert_text(kText, 1, "b"); }),
            spaced("01 01 01 01 84 01 00 01 62 00"));
  EXPECT_EQ(edit(d, [](Edit& e) { e.insert_text(kText, 2, "c"); }),
            spaced("01 01 01 02 84 01 01 01 63 00"));
  EXPECT_EQ(state(d), spaced("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
}

TEST(Edit, MapSetAndOverwrite) {  // U16, U17
  Doc d = client1();
  const SharedRef map = SharedRef::root_type("map");
  d.transact([&](Edit& e) {
    e.set(map, "k", Any("v"));
    e.set(map, "n", Any(42));
    AnyObject o;
    o.set("a", AnyArray{1, 2});
    e.set(map, "o", Any(o));
  });
  EXPECT_EQ(state(d),
            spaced("01 03 01 00 28 01 03 6d 61 70 01 6b 01 77 01 76 28 01 03 6d 61 70 01 6e 01 7d "
                   "2a 28 01 03 6d 61 70 01 6f 01 76 01 01 61 75 02 7d 01 7d 02 00"));
  EXPECT_EQ(edit(d, [&](Edit& e) { e.set(map, "k", Any("w")); }),
            spaced("01 01 01 03 a8 01 00 01 77 01 77 01 01 01 00 01"));
  EXPECT_EQ(d.to_json("map", RootKind::map), R"({"k":"w","n":42,"o":{"a":[1,2]}})");
  edit(d, [&](Edit& e) { e.remove_key(map, "n"); });
  EXPECT_EQ(d.to_json("map", RootKind::map), R"({"k":"w","o":{"a":[1,2]}})");
}

TEST(Edit, ArrayContent) {  // U18
  Doc d = client1();
  const SharedRef arr = SharedRef::root_type("arr");
  d.transact([&](Edit& e) {
    const Value first[] = {Any(1), Any("two"), Any(Null{}), Any(true)};
    e.insert(arr, 0, first);
    const Value bin[] = {Any(Bytes{0xde, 0xad})};
    e.push(arr, bin);
    const Value map[] = {NewShared{SharedKind::map, ""}};
    EXPECT_EQ(e.push(arr, map).size(), 1u);
  });
  EXPECT_EQ(state(d), spaced("01 03 01 00 08 01 03 61 72 72 04 7d 01 77 03 74 77 6f 7e 78 83 01 03 "
                             "02 de ad 87 01 04 01 00"));
  edit(d, [&](Edit& e) { e.remove(arr, 1, 2); });
  EXPECT_EQ(d.to_json("arr", RootKind::array), R"([1,true,[222,173],{}])");
  EXPECT_THROW(d.transact([&](Edit& e) { e.remove(arr, 3, 2); }), Error);
}

TEST(Edit, NestedTypes) {  // U19
  Doc d = client1();
  const SharedRef m = SharedRef::root_type("m");
  d.transact([&](Edit& e) {
    const auto list = e.set(m, "list", NewShared{SharedKind::array, ""});
    ASSERT_TRUE(list.has_value());
    EXPECT_EQ(*list->item, (Id{1, 0}));
    const Value xy[] = {Any("x"), Any("y")};
    e.push(*list, xy);
  });
  EXPECT_EQ(
      state(d),
      spaced("01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 00"));
  EXPECT_EQ(d.length(SharedRef::nested(Id{1, 0})), 2u);
}

TEST(Edit, RichText) {  // U22
  Doc d = client1();
  const SharedRef t = SharedRef::root_type("t");
  d.transact([&](Edit& e) {
    e.insert_text(t, 0, "hello");
    AnyObject bold;
    bold.set("bold", true);
    e.format_text(t, 1, 2, bold);
    AnyObject image;
    image.set("image", "x.png");
    e.insert_embed(t, 5, image);
  });
  EXPECT_EQ(state(d),
            spaced("01 06 01 00 04 01 01 74 01 68 84 01 00 02 65 6c 84 01 02 02 6c 6f c6 01 00 01 "
                   "01 04 62 6f 6c 64 04 74 72 75 65 c6 01 02 01 03 04 62 6f 6c 64 04 6e 75 6c 6c "
                   "85 01 04 11 7b 22 69 6d 61 67 65 22 3a 22 78 2e 70 6e 67 22 7d 00"));
  // Typing inside the bold range inherits it.
  edit(d, [&](Edit& e) { e.insert_text(t, 2, "X"); });
  EXPECT_EQ(d.to_json("t", RootKind::text_delta),
            R"([{"insert":"h"},{"insert":"eXl","attributes":{"bold":true}},{"insert":"lo"},)"
            R"({"insert":{"image":"x.png"}}])");
}

TEST(Edit, Xml) {  // U23
  Doc d = client1();
  const SharedRef frag = SharedRef::root_type("prosemirror");
  d.transact([&](Edit& e) {
    const Value para[] = {NewShared{SharedKind::xml_element, "paragraph"}};
    const SharedRef p = e.insert(frag, 0, para).at(0);
    e.set(p, "align", Any("left"));
    const Value text[] = {NewShared{SharedKind::xml_text, ""}};
    const SharedRef hi = e.insert(p, 0, text).at(0);
    e.insert_text(hi, 0, "Hi");
  });
  EXPECT_EQ(state(d), spaced("01 04 01 00 07 01 0b 70 72 6f 73 65 6d 69 72 72 6f 72 03 09 70 61 72 "
                             "61 67 72 61 70 68 28 00 01 00 05 61 6c 69 67 6e 01 77 04 6c 65 66 74 "
                             "07 00 01 00 06 04 00 01 02 02 48 69 00"));
  EXPECT_EQ(d.to_json("prosemirror", RootKind::xml_fragment),
            R"("<paragraph align=\"left\">Hi</paragraph>")");
}

TEST(Edit, EditsConvergeWithRemoteReplica) {
  Doc a(DocOptions{.client_id = 1});
  Doc b(DocOptions{.client_id = 2});
  const SharedRef t = SharedRef::root_type("t");
  b.apply_update(a.transact([&](Edit& e) { e.insert_text(t, 0, "hello world"); }).update);
  const Bytes ua = a.transact([&](Edit& e) { e.insert_text(t, 5, ","); }).update;
  const Bytes ub = b.transact([&](Edit& e) {
                      e.delete_text(t, 0, 1);
                      e.insert_text(t, 0, "H");
                    }).update;
  a.apply_update(ub);
  b.apply_update(ua);
  EXPECT_EQ(a.to_json("t", RootKind::text), R"("Hello, world")");
  EXPECT_EQ(state(a), state(b));
}

TEST(Edit, InvalidInputChangesNothing) {
  Doc d = client1();
  EXPECT_THROW(d.transact([](Edit& e) { e.insert_text(kText, 0, "\xff"); }), Error);
  EXPECT_THROW(d.transact([](Edit& e) { e.set(SharedRef::nested(Id{7, 0}), "k", Any(1)); }), Error);
  const Value one[] = {Any(1)};
  EXPECT_THROW(d.transact([&](Edit& e) { e.insert(SharedRef::root_type("a"), 1, one); }), Error);
  EXPECT_EQ(to_hex(d.encode_state_vector()), "00");
}

}  // namespace
}  // namespace crdt
