// Doc::xml_tree (crdt/xml.hpp): the read-only XML tree the exporters walk. Expected trees come
// from Yjs 13.6.33 (toArray / nodeName / getAttributes / toDelta / hookName of the same update);
// the random differential check is tests/conformance/xmltree.test.mjs.
#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "crdt/xml.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;

// Made by Yjs 13.6.33 (clientID 1): XmlFragment "prosemirror" holding
//   <heading level=2 id="intro">XmlText "Title"</heading>
//   <paragraph data={x:1,0:'zero'} 1=true>XmlText "Hello world" (Hello bold, world linked with
//     {href, target:null}) + embed {image:'x.png'} italic</paragraph>
//   <bullet_list><list_item/></bullet_list>, an XmlHook "mention" {id:7};
// a <blockquote> inserted before the hook and deleted again.
constexpr std::string_view kProsemirror =
    "0118010007010b70726f73656d6972726f72030768656164696e67070001000604000101055469746c6528000100"
    "056c6576656c017d0228000100026964017705696e74726f87010003097061726167726170680700010906280001"
    "090464617461017602013077047a65726f01787d012800010901310178870109030b62756c6c65745f6c69737407"
    "00010d03096c6973745f6974656d87010d05076d656e74696f6e2800010f026964017d070400010a0548656c6c6f"
    "840115012084011605776f726c6446011104626f6c640474727565c60115011604626f6c64046e756c6cc6011601"
    "17046c696e6b2a7b2268726566223a2268747470733a2f2f612e6578616d706c65222c22746172676574223a6e75"
    "6c6c7d86011b046c696e6b046e756c6c86011f066974616c69630474727565850120117b22696d616765223a2278"
    "2e706e67227d860121066974616c6963046e756c6cc1010d010f010101012301";

// JSON.stringify of the tree tests/conformance/lib/oracle.mjs xmlTree reads from Yjs.
constexpr std::string_view kProsemirrorTree =
    R"([{"type":"element","name":"heading","attributes":{"level":2,"id":"intro"},"children":[)"
    R"({"type":"text","delta":[{"insert":"Title"}]}]},{"type":"element","name":"paragraph",)"
    R"("attributes":{"1":true,"data":{"0":"zero","x":1}},"children":[{"type":"text","delta":[)"
    R"({"insert":"Hello","attributes":{"bold":true}},{"insert":" "},{"insert":"world",)"
    R"("attributes":{"link":{"href":"https://a.example","target":null}}},{"insert":)"
    R"({"image":"x.png"},"attributes":{"italic":true}}]}]},{"type":"element","name":)"
    R"("bullet_list","attributes":{},"children":[{"type":"element","name":"list_item",)"
    R"("attributes":{},"children":[]}]},{"type":"hook","name":"mention","attributes":{"id":7}}])";

TEST(XmlTree, ProsemirrorDocumentFromYjs) {
  for (const bool gc : {true, false}) {
    Doc d(DocOptions{.gc = gc});
    d.apply_update(hex(kProsemirror));
    const std::vector<XmlNode> tree = d.xml_tree("prosemirror");
    ASSERT_EQ(tree.size(), 4u);  // the deleted blockquote is gone

    const XmlNode& heading = tree[0];
    EXPECT_EQ(heading.kind, XmlNode::Kind::element);
    EXPECT_EQ(heading.name, "heading");
    ASSERT_EQ(heading.attributes.size(), 2u);
    EXPECT_EQ(heading.attributes.entries()[0].first, "level");  // getAttributes() order
    EXPECT_EQ(heading.attributes.entries()[0].second, Any(2));
    EXPECT_EQ(*heading.attributes.find("id"), Any("intro"));
    ASSERT_EQ(heading.children.size(), 1u);
    ASSERT_EQ(heading.children[0].kind, XmlNode::Kind::text);
    ASSERT_EQ(heading.children[0].delta.size(), 1u);
    EXPECT_EQ(heading.children[0].delta[0].text, "Title");
    EXPECT_TRUE(heading.children[0].delta[0].attributes.empty());

    const XmlNode& para = tree[1];
    EXPECT_EQ(para.name, "paragraph");
    ASSERT_EQ(para.attributes.size(), 2u);
    EXPECT_EQ(para.attributes.entries()[0].first, "1");  // array-index keys first, as in JS
    EXPECT_TRUE(para.attributes.find("data")->is_object());
    ASSERT_EQ(para.children.size(), 1u);
    const auto& delta = para.children[0].delta;
    ASSERT_EQ(delta.size(), 4u);
    EXPECT_EQ(delta[0].kind, XmlDeltaOp::Kind::text);
    EXPECT_EQ(delta[0].text, "Hello");
    EXPECT_EQ(*delta[0].attributes.find("bold"), Any(true));
    EXPECT_EQ(delta[1].text, " ");
    EXPECT_TRUE(delta[1].attributes.empty());
    EXPECT_EQ(delta[2].text, "world");
    const Any* link = delta[2].attributes.find("link");
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(*link->as_object().find("href"), Any("https://a.example"));
    EXPECT_EQ(delta[3].kind, XmlDeltaOp::Kind::embed);
    EXPECT_EQ(*delta[3].embed.as_object().find("image"), Any("x.png"));
    EXPECT_EQ(*delta[3].attributes.find("italic"), Any(true));

    EXPECT_EQ(tree[2].name, "bullet_list");
    ASSERT_EQ(tree[2].children.size(), 1u);
    EXPECT_EQ(tree[2].children[0].name, "list_item");
    EXPECT_EQ(tree[3].kind, XmlNode::Kind::hook);
    EXPECT_EQ(tree[3].name, "mention");
    EXPECT_EQ(*tree[3].attributes.find("id"), Any(7));

    EXPECT_EQ(json_stringify(xml_tree_to_any(tree)), kProsemirrorTree);
    EXPECT_EQ(d.to_json("prosemirror", RootKind::xml_tree), kProsemirrorTree);
  }
}

TEST(XmlTree, AbsentAndEmptyRoots) {
  Doc d;
  EXPECT_TRUE(d.xml_tree("nothing").empty());
  EXPECT_EQ(d.to_json("nothing", RootKind::xml_tree), "[]");
  EXPECT_TRUE(d.xml_tree(SharedRef::root_type("nothing")).empty());
}

TEST(XmlTree, LocalEditsNestedRefsAndDeletions) {
  Doc d(DocOptions{.gc = true, .client_id = 5});
  const SharedRef frag = SharedRef::root_type("pm");
  SharedRef para;
  SharedRef text;
  d.transact([&](Edit& e) {
    const std::vector<Value> blocks = {NewShared{SharedKind::xml_element, "paragraph"},
                                       NewShared{SharedKind::xml_element, "heading"}};
    const auto refs = e.insert(frag, 0, blocks);
    para = refs[0];
    e.set(refs[1], "level", Any(3));
    e.set(para, "align", Any("left"));
    e.set(para, "align", Any("right"));  // overwriting keeps one attribute
    const std::vector<Value> texts = {NewShared{SharedKind::xml_text, ""}};
    text = e.insert(para, 0, texts)[0];
    e.insert_text(text, 0, "ab cd");
    AnyObject bold;
    bold.set("bold", true);
    e.format_text(text, 3, 2, bold);
  });
  auto tree = d.xml_tree(frag);
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(json_stringify(xml_node_to_any(tree[0])),
            R"({"type":"element","name":"paragraph","attributes":{"align":"right"},"children":)"
            R"([{"type":"text","delta":[{"insert":"ab "},{"insert":"cd","attributes":)"
            R"({"bold":true}}]}]})");
  EXPECT_EQ(*tree[1].attributes.find("level"), Any(3));

  // A nested element by handle: its children.
  const auto children = d.xml_tree(para);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].kind, XmlNode::Kind::text);

  // Removing an attribute and a block.
  d.transact([&](Edit& e) {
    e.remove_key(para, "align");
    e.remove(frag, 1, 1);
  });
  tree = d.xml_tree("pm");
  ASSERT_EQ(tree.size(), 1u);
  EXPECT_TRUE(tree[0].attributes.empty());
}

TEST(XmlTree, NonXmlContentReadsAsValues) {
  // A list holding plain values and a Y.Map: toArray() yields the values (strings one UTF-16
  // unit each) and the map, which reads as its toJSON().
  Doc d(DocOptions{.gc = true, .client_id = 9});
  const SharedRef root = SharedRef::root_type("r");
  d.transact([&](Edit& e) {
    const std::vector<Value> values = {Any(1.5), Any("x"), NewShared{SharedKind::map, ""}};
    const auto refs = e.insert(root, 0, values);
    e.set(refs[0], "k", Any(true));
  });
  EXPECT_EQ(d.to_json("r", RootKind::xml_tree),
            R"([{"type":"value","value":1.5},{"type":"value","value":"x"},)"
            R"({"type":"value","value":{"k":true}}])");
}

}  // namespace
}  // namespace crdt
