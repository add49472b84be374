// crdt::Doc — a Yjs 13.6 document replica (yjs src/utils/Doc.js) that integrates V1 updates and
// encodes state exactly as Yjs does, byte for byte.
//
// Thread safety: a Doc is not synchronized; use one from one thread (or strand) at a time.
// Distinct Docs are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "crdt/edit.hpp"
#include "crdt/lib0.hpp"
#include "crdt/relative_position.hpp"
#include "crdt/updates.hpp"
#include "crdt/xml.hpp"

namespace crdt {

struct DocOptions {
  bool gc = true;               // garbage-collect deleted content, like new Y.Doc({gc})
  std::uint64_t client_id = 0;  // 0 = pick a random uint32 like Yjs
  // Run Yjs's Y.Text formatting cleanup after remote transactions. Yjs does this for nested
  // Y.Text / Y.XmlText types (root types stay untyped here, as on a y-websocket server): it
  // deletes redundant format items in a second, local transaction (ApplyResult::cleanup_update).
  bool format_cleanup = true;
};

struct ApplyResult {
  // The transaction's update exactly as Yjs's doc.on('update') emits it (a re-encoding, not the
  // input bytes); empty if Yjs would emit no event.
  Bytes update;
  // UTF-16 units / elements of countable content newly integrated and still visible when the
  // transaction ends.
  std::uint64_t inserted = 0;
  // Units of countable content that went from visible to deleted in this transaction.
  std::uint64_t deleted = 0;
  // The second update event Yjs emits when the Y.Text formatting cleanup deleted redundant
  // format items after this (remote) transaction; empty otherwise. It must be broadcast and
  // persisted after `update`, exactly like a client's own update.
  Bytes cleanup_update;
};

struct ApplyOptions {
  // Produce ApplyResult::update. Loading persisted state does not need the re-encoding, which
  // for a whole document costs as much as encode_state_as_update().
  bool emit_update = true;
};

/** How `Doc::to_json` reads a root type (the kind is never on the wire). */
enum class RootKind {
  text,          // Y.Text toString()
  text_delta,    // Y.Text toDelta()
  array,         // Y.Array toJSON()
  map,           // Y.Map toJSON()
  xml_fragment,  // Y.XmlFragment toString()
  xml_tree,      // the XML tree of xml_tree() as a JSON array (crdt/xml.hpp, xml_tree_to_any)
};

class DocImpl;

class Doc {
 public:
  explicit Doc(DocOptions opts = {});
  ~Doc();
  Doc(Doc&&) noexcept;
  Doc& operator=(Doc&&) noexcept;

  /**
   * Y.applyUpdate: decodes a V1 update completely (every struct and the delete set), then
   * integrates it as one remote transaction. Structs with missing dependencies and deletes of
   * unknown clocks are kept pending and retried by later updates.
   * @throws crdt::Error on malformed input; the document is then left exactly as it was.
   */
  ApplyResult apply_update(ByteView update);
  ApplyResult apply_update(ByteView update, ApplyOptions opts);

  /**
   * Applies several updates in one remote transaction, like
   * transact(doc, () => updates.forEach(u => Y.applyUpdate(doc, u))): one update event for all.
   * Every update is decoded and checked before the first is applied.
   * @throws crdt::Error if any update is malformed; the document is then unchanged.
   */
  ApplyResult apply_updates(std::span<const ByteView> updates, ApplyOptions opts = {});

  /** Y.encodeStateVector (pending structs excluded). */
  Bytes encode_state_vector() const;

  /**
   * Y.encodeSnapshot(Y.snapshot(doc)): the delete set, then the state vector. Only meaningful for
   * documents with gc off.
   */
  Bytes encode_snapshot() const;

  /**
   * Y.encodeStateAsUpdate(doc, sv): the structs `state_vector` lacks, the document's complete
   * delete set, and pending data merged in as Yjs does. An empty view means the empty vector.
   * @throws crdt::Error if `state_vector` is malformed.
   */
  Bytes encode_state_as_update(ByteView state_vector = {}) const;

  /**
   * Runs `edits` as one local transaction (Yjs doc.transact) and returns its update, which must
   * be broadcast like any other. New items get this document's client id.
   * If `edits` throws, the edits made so far are kept and committed, and the exception
   * propagates; their update is then not returned (encode_state_as_update covers it).
   */
  ApplyResult transact(const std::function<void(Edit&)>& edits);

  /** The _length of a shared type: visible UTF-16 units / elements of its list. */
  std::uint64_t length(const SharedRef& type) const;

  /**
   * The XML tree under root `name` read as a Y.XmlFragment: its children (toArray()), each with
   * its attributes, children or text delta (crdt/xml.hpp). An absent root reads as empty.
   * @throws crdt::Error where JS would throw.
   */
  std::vector<XmlNode> xml_tree(std::string_view name) const;

  /**
   * The children (toArray()) of any shared type: a root by name (read as a Y.XmlFragment), or a
   * nested Y.XmlElement / Y.XmlFragment by item id.
   * @throws crdt::Error(malformed) if the nested type is unknown or was garbage-collected.
   */
  std::vector<XmlNode> xml_tree(const SharedRef& type) const;

  /** to_json for any shared type (a root by name or a nested one by item id). */
  std::string to_json(const SharedRef& type, RootKind kind) const;

  /** Y.createRelativePositionFromTypeIndex(type, index, assoc). */
  RelativePosition relative_position(const SharedRef& type, std::uint64_t index,
                                     std::int64_t assoc = 0) const;

  /**
   * Y.createAbsolutePositionFromRelativePosition: nullopt if the item or type is unknown or was
   * garbage-collected.
   */
  std::optional<AbsolutePosition> absolute_position(const RelativePosition& pos) const;

  /**
   * Yjs doc.getText(name): types root `name` as a Y.Text for this replica, so that remote
   * transactions changing it run Yjs's formatting cleanup (ApplyResult::cleanup_update), as in
   * a Yjs client that called getText. Call it before the root receives content, as clients do
   * (Yjs resets a late-typed root's formatting state; this port does not). Roots are otherwise
   * untyped, as on a y-websocket server, which never types them.
   */
  SharedRef get_text(std::string_view name);

  /** True while structs or deletions wait for missing dependencies. */
  bool has_pending() const;

  std::uint64_t client_id() const;

  /**
   * The JSON.stringify'd view of root `name` read as `kind` (an absent root reads as empty).
   * Uint8Array values print as arrays of numbers.
   * @throws crdt::Error where JS would throw (e.g. a BigInt inside).
   */
  std::string to_json(std::string_view name, RootKind kind) const;

 private:
  std::unique_ptr<DocImpl> impl_;
};

}  // namespace crdt
