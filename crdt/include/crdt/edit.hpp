// Local editing: the Y.Text / Y.Array / Y.Map / Y.Xml* operations of yjs src/types, authored
// by this replica with its own client id inside one transaction (Doc::transact). Every edit
// produces items exactly as Yjs's typeListInsertGenerics, typeMapSet, YText insertText /
// formatText / deleteText do, so Yjs peers accept and converge on the result.
//
// Indices count what Yjs counts: UTF-16 code units for text, elements for arrays.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crdt/any.hpp"
#include "crdt/id.hpp"

namespace crdt {

/**
 * Names a shared type: a root type by name (created on first use, as doc.get(name)), or a
 * nested type by the id of the item that holds it. Handles stay valid across transactions; using
 * one whose type was garbage-collected throws Error(malformed).
 */
struct SharedRef {
  std::string root;
  std::optional<Id> item;

  static SharedRef root_type(std::string name) { return SharedRef{std::move(name), std::nullopt}; }
  static SharedRef nested(Id id) { return SharedRef{{}, id}; }
  friend bool operator==(const SharedRef&, const SharedRef&) = default;
};

/** Kinds of shared types that can be created inside arrays, maps and XML elements. */
enum class SharedKind { array, map, text, xml_element, xml_fragment, xml_hook, xml_text };

/** A new, empty shared type to insert (new Y.Map(), new Y.XmlElement('p'), ...). */
struct NewShared {
  SharedKind kind = SharedKind::map;
  std::string name;  // nodeName of an XmlElement, hookName of an XmlHook
};

/**
 * What can be inserted into arrays and maps: a JSON-like Any (a Uint8Array becomes binary
 * content, as in Yjs), or a new shared type.
 */
using Value = std::variant<Any, NewShared>;

class DocImpl;

/**
 * The operations of one local transaction (Yjs `doc.transact(tr => ...)`). Obtained from
 * Doc::transact and only valid inside its callback.
 * Errors: Error(malformed) for an index past the end, a missing or collected type, invalid UTF-8.
 * An edit that throws has changed nothing; earlier edits of the transaction are kept.
 */
class Edit {
 public:
  // --- Y.Text / Y.XmlText ---
  /** text.insert(index, text): inherits the formatting at `index`. */
  void insert_text(const SharedRef& text, std::uint64_t index, std::string_view utf8);
  /** text.insert(index, text, attributes): exactly these attributes (null removes one). */
  void insert_text(const SharedRef& text, std::uint64_t index, std::string_view utf8,
                   const AnyObject& attributes);
  /** text.insertEmbed(index, embed, attributes). */
  void insert_embed(const SharedRef& text, std::uint64_t index, const Any& embed,
                    const AnyObject& attributes = {});
  /** text.delete(index, length). */
  void delete_text(const SharedRef& text, std::uint64_t index, std::uint64_t length);
  /** text.format(index, length, attributes). */
  void format_text(const SharedRef& text, std::uint64_t index, std::uint64_t length,
                   const AnyObject& attributes);

  // --- Y.Array, and the children of Y.XmlFragment / Y.XmlElement ---
  /** list.insert(index, values); returns the handles of the shared types created. */
  std::vector<SharedRef> insert(const SharedRef& list, std::uint64_t index,
                                std::span<const Value> values);
  /**
   * Y.Array push(values): after the last item of the list, even a deleted one. Yjs's
   * XmlFragment/XmlElement push is insert(length) instead: use insert for those.
   */
  std::vector<SharedRef> push(const SharedRef& list, std::span<const Value> values);
  /** list.delete(index, length). */
  void remove(const SharedRef& list, std::uint64_t index, std::uint64_t length);

  // --- Y.Map, Y.XmlElement attributes, Y.Text attributes ---
  /** map.set(key, value); returns the handle if a shared type was created. */
  std::optional<SharedRef> set(const SharedRef& map, std::string_view key, const Value& value);
  /** map.delete(key). */
  void remove_key(const SharedRef& map, std::string_view key);

 private:
  friend class DocImpl;
  explicit Edit(DocImpl& doc) : doc_(doc) {}
  DocImpl& doc_;
};

}  // namespace crdt
