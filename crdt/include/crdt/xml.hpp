// A read-only tree view of Yjs XML types, for exporters that walk y-prosemirror documents: an
// XmlFragment root holding XmlElements (paragraph, heading, bullet_list, ...) with attributes,
// and XmlText with formatting marks.
//
// The view is a copy taken by Doc::xml_tree; it mirrors what Yjs's own API returns:
//   Y.XmlFragment / Y.XmlElement  toArray()        → XmlNode::children
//   Y.XmlElement                  nodeName         → XmlNode::name (case kept, not lower-cased)
//                                 getAttributes()  → XmlNode::attributes
//   Y.XmlText                     toDelta()        → XmlNode::delta
//   Y.XmlHook (a Y.Map)           hookName, toJSON() → XmlNode::name, XmlNode::attributes
// Text is UTF-8 (Yjs counts UTF-16 units; the view holds whole strings, so that never shows).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "crdt/any.hpp"

namespace crdt {

struct XmlNode;

/** One op of YXmlText.toDelta() (a Y.Text delta without snapshots). */
struct XmlDeltaOp {
  enum class Kind {
    text,   // {insert: "string"}
    embed,  // {insert: {...}}: an embed (Y.Text insertEmbed), e.g. an image
    type,   // {insert: <Y type>}: a shared type embedded in the text
  };
  Kind kind = Kind::text;
  std::string text;  // kind text
  Any embed;         // kind embed
  // kind type: exactly one node, the embedded type (an element, a text, a hook, or a `value`
  // node holding toJSON() of a Y.Map / Y.Array / Y.Text).
  std::vector<XmlNode> type;
  // The formatting marks in effect (op.attributes), in toDelta's key order (JS object order: the
  // order the marks were met, array-index keys first). Empty when the op has none. A mark's value
  // is whatever the format call stored: true for bold, {href: ...} for a link, and so on.
  AnyObject attributes;
};

/** One node of the tree. */
struct XmlNode {
  enum class Kind {
    element,   // Y.XmlElement: name, attributes, children
    text,      // Y.XmlText: delta
    hook,      // Y.XmlHook: name (hookName), attributes (its map entries)
    fragment,  // a nested Y.XmlFragment: children
    // Anything else a list can hold that is not an XML type: one value of a content item
    // (toArray() yields strings one UTF-16 unit each, Any values, Uint8Array) or a non-XML
    // shared type (Y.Text / Y.Array / Y.Map as toJSON(), a subdocument as {}).
    value,
  };
  Kind kind = Kind::element;
  std::string name;
  // getAttributes() for elements: every attribute that is set, in Yjs's key order (JS object
  // order over the attribute map's insertion order, array-index keys first). A value is the
  // stored Any (setAttribute keeps strings, numbers and objects as they are); an attribute whose
  // value is a shared type reads as that type's toJSON(). Hooks: their Y.Map toJSON().
  AnyObject attributes;
  std::vector<XmlNode> children;  // element, fragment
  std::vector<XmlDeltaOp> delta;  // text
  Any value;                      // value
};

/**
 * The tree as plain JSON values, the shape `ycrdt json --xmltree` prints:
 *   element   {"type":"element","name":N,"attributes":{...},"children":[...]}
 *   text      {"type":"text","delta":[{"insert":...,"attributes":{...}}...]}  (attributes only
 *             when the op has marks; an embedded type's insert is its node object)
 *   hook      {"type":"hook","name":N,"attributes":{...}}
 *   fragment  {"type":"fragment","children":[...]}
 *   value     {"type":"value","value":V}
 */
Any xml_tree_to_any(std::span<const XmlNode> nodes);
Any xml_node_to_any(const XmlNode& node);

}  // namespace crdt
