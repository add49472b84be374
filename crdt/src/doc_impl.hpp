// DocImpl: the state behind crdt::Doc — struct store (yjs StructStore.js), shared types,
// transactions and pending data. Split by concept over store.cpp, integrate.cpp,
// transaction.cpp, encode.cpp and read_*.cpp.
//
// Invariants:
//  * clients_[c].structs lists pool refs of client c's structs sorted by clock, contiguous, first
//    clock 0 (addStruct in Yjs).
//  * An Item's left/right/parent form the per-type lists of Yjs; GC structs have no links.
//  * Outside apply_update nothing refers to a struct by pointer except those lists, branches and
//    the per-client vectors.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "branch.hpp"
#include "crdt/doc.hpp"
#include "delete_set.hpp"
#include "item.hpp"
#include "string_arena.hpp"
#include "struct_list.hpp"
#include "text_attributes.hpp"
#include "update_v1.hpp"

namespace crdt {

struct ClientStructs {
  std::uint64_t id = 0;
  StructList structs;
  // Clock before the running transaction touched this client (valid if tx_stamp matches).
  std::uint64_t tx_before = 0;
  std::uint32_t tx_stamp = 0;
};

// Yjs Transaction (utils/Transaction.js) for remote updates.
struct Transaction {
  std::uint32_t stamp = 0;
  bool local = false;
  DeleteSet delete_set;
  std::vector<Id> merge_structs;       // _mergeStructs, by id (Yjs only ever reads their ids)
  std::vector<std::uint32_t> touched;  // clients whose state changed, in first-touch order
  // transaction.changed, restricted to what matters here: nested Y.Text / Y.XmlText types,
  // whose observers request the formatting cleanup after remote transactions.
  std::vector<Branch*> changed_texts;
  std::uint64_t inserted = 0;
  std::uint64_t deleted = 0;

  void reset(std::uint32_t new_stamp, bool is_local) {
    stamp = new_stamp;
    local = is_local;
    delete_set.clear();
    merge_structs.clear();
    touched.clear();
    changed_texts.clear();
    inserted = 0;
    deleted = 0;
  }
};

// Per-client cursor over the decoded structs during integrateStructs.
struct ClientRefs {
  std::uint64_t client;
  Block* blocks;
  std::size_t i = 0;
  std::size_t end = 0;  // number of blocks, or 0 once moved to the rest
  bool present = true;
};

// Buffers of integrateStructs, kept between updates so small updates do not allocate.
struct IntegrateScratch {
  std::vector<ClientRefs> refs;
  std::vector<std::uint64_t> ids;
  std::vector<Block*> stack;
  std::vector<std::pair<std::uint64_t, std::vector<Block>>> rest;
  std::unordered_map<std::uint64_t, std::size_t> rest_index;  // client → position in rest
  std::unordered_map<std::uint64_t, std::uint64_t> missing_sv;

  void clear() {
    refs.clear();
    ids.clear();
    stack.clear();
    rest.clear();
    if (!rest_index.empty()) {
      rest_index.clear();
    }
    if (!missing_sv.empty()) {
      missing_sv.clear();
    }
  }
};

// Yjs StructStore.pendingStructs. The update is kept encoded, as Yjs does (V1 here, V2 there:
// both hold the same structs).
struct PendingStructs {
  std::unordered_map<std::uint64_t, std::uint64_t> missing;  // client → lowest missing clock
  Bytes update;
};

class DocImpl {
 public:
  explicit DocImpl(DocOptions opts);
  ~DocImpl();
  DocImpl(const DocImpl&) = delete;
  DocImpl& operator=(const DocImpl&) = delete;

  // --- public operations (doc.cpp) ---
  ApplyResult apply_update(ByteView update, ApplyOptions opts);
  ApplyResult apply_updates(std::span<const ByteView> updates, ApplyOptions opts);
  void release_scratch();
  Bytes encode_state_vector() const;
  Bytes encode_snapshot() const;
  Bytes encode_state_as_update(ByteView state_vector) const;
  bool has_pending() const { return pending_structs_.has_value() || pending_ds_.has_value(); }
  std::uint64_t client_id() const { return client_id_; }

  // --- store (store.cpp) ---
  std::uint32_t client_index(std::uint64_t client) const;  // kNoClient if unknown
  std::uint32_t intern_client(std::uint64_t client);
  std::uint64_t get_state(std::uint64_t client) const;
  std::uint64_t state_of(std::uint32_t ci) const;
  using Pos = StructList::Pos;
  Pos find_pos(const StructList& structs, std::uint64_t clock) const;  // findIndexSS
  // findIndexSS for callers walking sorted clocks (delete-set ranges): probes wider around the
  // last hit before searching.
  Pos find_pos_near(const StructList& structs, std::uint64_t clock) const;
  ItemRef find(Id id) const;  // getItem: the struct containing id
  ItemRef find(std::uint32_t ci, std::uint64_t clock) const;
  ItemRef split_item(ItemRef left, std::uint64_t diff);
  Pos find_pos_clean_start(std::uint32_t ci, std::uint64_t clock);
  ItemRef get_item_clean_start(Id id);
  ItemRef get_item_clean_end(Id id);
  void add_struct(ItemRef r);
  std::uint64_t tx_before(std::uint32_t ci) const;
  Id item_id(const Item& it) const { return Id{clients_[it.client].id, it.clock}; }
  Id last_id(const Item& it) const { return Id{clients_[it.client].id, it.end() - 1}; }

  // --- shared types ---
  Branch* root(std::string_view name, bool create);
  std::uint32_t slot_for(Branch* b, std::string_view key);  // creates the key slot
  std::uint32_t list_slot(Branch* b);
  Branch* slot_branch(std::uint32_t slot) const { return slots_[slot].branch; }
  const Slot& slot(std::uint32_t s) const { return slots_[s]; }
  Branch::MapEntry* map_find(Branch* b, std::string_view key);
  void map_set(Branch* b, std::uint32_t slot, ItemRef item);
  ItemRef map_get(Branch* b, std::uint32_t slot);
  std::vector<Branch::MapEntry> map_entries(const Branch* b) const;  // JS Map order
  void destroy_branch(Branch* b);

  // --- content ---
  std::string_view item_str(const Item& it) const {
    return arena_.view(it.str_offset(), it.str_bytes());
  }
  void free_content(Item& it);  // drops payload (string bytes become garbage)

  // --- integration (integrate.cpp) ---
  void read_update(DecodedUpdate& update, int depth = 0);
  std::optional<std::uint64_t> get_missing(Block& b);
  ItemRef integrate_block(Block& b, std::uint64_t offset);  // kNoItem if it became a GC
  void integrate_gc(Id id, std::uint64_t length);
  Bytes apply_delete_set(const DeleteSet& ds);  // readAndApplyDeleteSet; empty = all applied

  // --- transaction (transaction.cpp) ---
  void begin_transaction(Transaction& tx, bool local);
  void add_changed_type(Branch* b);
  void delete_item(ItemRef r, bool count);
  void gc_item(ItemRef r, bool parent_gcd);
  std::size_t try_to_merge_with_lefts(StructList& structs, Pos pos, Pos* survivor = nullptr);
  bool merge_items(ItemRef left, ItemRef right);
  bool needs_format_cleanup() const;
  void finalize_transaction();
  Bytes write_transaction_update();

  // --- Y.Text formatting cleanup (format_cleanup.cpp) ---
  void run_format_cleanup(Transaction& remote, Transaction& cleanup);
  void cleanup_contextless_formatting_gap(ItemRef item);
  void cleanup_formatting_gap(ItemRef start, ItemRef curr, const Attributes& start_attributes,
                              Attributes& curr_attributes);
  void cleanup_text_formatting(Branch* b);

  // --- local editing (edit.cpp) ---
  struct TextPos {  // ItemTextListPosition
    ItemRef left;
    ItemRef right;
    std::uint64_t index;
    Attributes current;
  };
  ApplyResult transact(const std::function<void(Edit&)>& edits);
  Branch* resolve(const SharedRef& ref);                  // creates missing roots
  const Branch* find_branch(const SharedRef& ref) const;  // nullptr for a missing root
  ItemRef insert_local(std::uint32_t slot, ItemRef left, ItemRef right, Block& b);
  std::pair<ItemRef, std::uint64_t> locate_unit(Branch* b, std::uint64_t u);
  void set_cursor(Branch* b, ItemRef item, std::uint64_t index);
  ItemRef list_left_of(Branch* b, std::uint64_t index, bool* past_end = nullptr);
  std::vector<SharedRef> list_insert_after(Branch* b, ItemRef left, std::span<const Value> values);
  void forward(TextPos& pos);
  TextPos find_text_position(Branch* b, std::uint64_t index);
  ItemRef insert_format(Branch* b, TextPos& pos, std::string_view key, AttrValue value);
  void minimize_attribute_changes(TextPos& pos, const JsAttributes& attributes);
  Attributes insert_attributes(Branch* b, TextPos& pos, const JsAttributes& attributes);
  void insert_negated_attributes(Branch* b, TextPos& pos, Attributes& negated);
  void insert_text_content(Branch* b, TextPos& pos, Block& content, JsAttributes attributes);

  // --- encoding (encode.cpp) ---
  void write_item(lib0::Encoder& enc, const Item& it, std::uint64_t offset) const;
  // With `whole_ds` (only for an empty target: every struct is written) also fills in the
  // delete set of the whole store, as delete_set_from_store would.
  void write_clients_structs(lib0::Encoder& enc, const StateVector& target,
                             DeleteSet* whole_ds = nullptr) const;
  DeleteSet delete_set_from_store() const;
  Bytes encode_rest(const std::vector<std::pair<std::uint64_t, std::vector<Block>>>& rest) const;

  // --- state ---
  DocOptions opts_;
  std::uint64_t client_id_;
  ItemPool pool_;
  StringArena arena_;
  std::vector<ClientStructs> clients_;
  std::unordered_map<std::uint64_t, std::uint32_t> client_index_;
  SlotTable slots_;
  std::unordered_map<std::string, std::unique_ptr<Branch>> roots_;
  std::optional<PendingStructs> pending_structs_;
  std::optional<Bytes> pending_ds_;
  Transaction* tx_ = &tx_main_;  // the running transaction
  Transaction tx_main_;          // the remote transaction of apply_update
  Transaction tx_cleanup_;       // the local formatting-cleanup transaction that may follow it
  std::uint32_t tx_counter_ = 0;
  std::uint64_t remote_epoch_ = 1;         // bumped by every remote update; invalidates cursors
  DecodedUpdate scratch_;                  // reused by apply_update to avoid reallocations
  IntegrateScratch integrate_scratch_[2];  // read_update and its one nested pending retry
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order_scratch_;  // update writer
  mutable std::uint64_t last_client_ = 0;  // one-entry cache of client_index
  mutable std::uint32_t last_index_ = kNoClient;
};

}  // namespace crdt
