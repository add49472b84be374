// crdt::Doc: decode-then-integrate entry point (Y.applyUpdate) and the public wrappers.
#include "crdt/doc.hpp"

#include <unordered_set>

#include "doc_impl.hpp"
#include "utf16.hpp"

namespace crdt {

namespace {

// Checks that make integration safe before the document is touched. Yjs resolves same-client
// references without a causality check (getMissing only looks at other clients) and throws
// half-way through integration when they point at clocks that do not exist yet.
// Returns the number of text bytes the update may add to the arena.
std::uint64_t validate_for_doc(const DecodedUpdate& u, const DocImpl& doc) {
  std::unordered_set<std::uint64_t> new_clients;
  std::uint64_t text_bytes = 0;
  std::uint64_t strings = 0;
  for (const auto& cb : u.clients) {
    if (doc.client_index(cb.client) == kNoClient) {
      new_clients.insert(cb.client);
    }
    for (const Block& b : u.blocks_of(cb)) {
      if (!b.is_item()) {
        continue;
      }
      // DIVERGES: an item referring to its own client at or after its own clock cannot come from
      // a Yjs peer (origins, right origins and parents always exist before the item); Yjs would
      // throw mid-transaction, here the update is rejected up front.
      const auto self_ref = [&b](const Id& ref) {
        return ref.client == b.id.client && ref.clock >= b.id.clock;
      };
      if ((b.has_origin && self_ref(b.origin)) ||
          (b.has_right_origin && self_ref(b.right_origin)) ||
          (b.parent_kind == ParentKind::id && self_ref(b.parent_id))) {
        throw Error(ErrorCode::malformed, "item refers to its own client's future");
      }
      if (b.ref == content_ref::string) {
        text_bytes += b.str.size() + (b.fffd_prefix ? utf16::kReplacement.size() : 0);
        ++strings;
      }
    }
  }
  if (doc.clients_.size() + new_clients.size() > kMaxClients) {
    throw Error(ErrorCode::too_large, "too many clients in one document");
  }
  // Splits inside surrogate pairs may add a U+FFFD per string.
  if (doc.arena_.size() + text_bytes + strings * utf16::kReplacement.size() > 0xffffffffu) {
    throw Error(ErrorCode::too_large, "document text exceeds 4 GiB");
  }
  return text_bytes;
}

}  // namespace

ApplyResult DocImpl::apply_update(ByteView update, ApplyOptions opts) {
  return apply_updates(std::span<const ByteView>(&update, 1), opts);
}

// Like Yjs's transact(doc, () => updates.forEach(u => applyUpdate(doc, u))): every update is
// decoded and checked before the first one touches the document, then all are integrated in
// one remote transaction.
ApplyResult DocImpl::apply_updates(std::span<const ByteView> updates, ApplyOptions opts) {
  if (updates.size() > 1) {
    for (const ByteView u : updates) {
      decode_update_v1(u, scratch_);
      validate_for_doc(scratch_, *this);
    }
  }
  ++remote_epoch_;  // remote items may land anywhere: local cursors are stale
  bool begun = false;
  for (const ByteView u : updates) {
    decode_update_v1(u, scratch_);
    arena_.reserve_more(static_cast<std::size_t>(validate_for_doc(scratch_, *this)));
    if (!begun) {
      begin_transaction(tx_main_, /*local=*/false);
      begun = true;
    }
    read_update(scratch_);
  }
  if (!begun) {
    begin_transaction(tx_main_, /*local=*/false);
  }
  tx_main_.delete_set.sort_and_merge();
  // Observers run before the transaction is finalized; YText's observer may start the
  // formatting cleanup, a second transaction that is finalized after the first one.
  const bool cleanup = opts_.format_cleanup && needs_format_cleanup();
  if (cleanup) {
    begin_transaction(tx_cleanup_, /*local=*/true);
    run_format_cleanup(tx_main_, tx_cleanup_);
  }
  tx_ = &tx_main_;
  finalize_transaction();
  ApplyResult result;
  if (opts.emit_update) {
    result.update = write_transaction_update();
  }
  result.inserted = tx_main_.inserted;
  result.deleted = tx_main_.deleted;
  if (cleanup) {
    tx_ = &tx_cleanup_;
    tx_cleanup_.delete_set.sort_and_merge();
    finalize_transaction();
    if (opts.emit_update) {
      result.cleanup_update = write_transaction_update();
    }
    tx_ = &tx_main_;
  }
  release_scratch();
  return result;
}

// The scratch buffers only pay off for the small updates of live editing; after a big update
// (loading a snapshot) they would keep megabytes alive.
void DocImpl::release_scratch() {
  constexpr std::size_t kKeep = 256;
  if (scratch_.blocks.capacity() > kKeep || scratch_.ds.peak() > kKeep) {
    scratch_ = DecodedUpdate{};
  } else {
    scratch_.clear();  // drop references to content boxes
  }
  for (Transaction* tx : {&tx_main_, &tx_cleanup_}) {
    if (tx->merge_structs.capacity() > kKeep || tx->touched.capacity() > kKeep ||
        tx->changed_texts.capacity() > kKeep || tx->delete_set.peak() > kKeep) {
      *tx = Transaction{};
    }
  }
  for (auto& sc : integrate_scratch_) {
    if (sc.refs.capacity() > kKeep || !sc.rest.empty()) {
      sc = IntegrateScratch{};
    }
  }
}

ApplyResult DocImpl::transact(const std::function<void(Edit&)>& edits) {
  begin_transaction(tx_main_, /*local=*/true);
  Edit edit(*this);
  // Like Yjs's `finally`: whatever was done before an exception is committed.
  auto commit = [this](ApplyResult* result) {
    tx_ = &tx_main_;
    tx_main_.delete_set.sort_and_merge();
    finalize_transaction();
    if (result != nullptr) {
      result->update = write_transaction_update();
      result->inserted = tx_main_.inserted;
      result->deleted = tx_main_.deleted;
    }
    release_scratch();
  };
  try {
    edits(edit);
  } catch (...) {
    commit(nullptr);
    throw;
  }
  ApplyResult result;
  commit(&result);
  return result;
}

const Branch* DocImpl::find_branch(const SharedRef& ref) const {
  if (!ref.item.has_value()) {
    const auto it = roots_.find(ref.root);
    return it == roots_.end() ? nullptr : it->second.get();
  }
  const std::uint32_t ci = client_index(ref.item->client);
  if (ci == kNoClient || ref.item->clock >= state_of(ci)) {
    throw Error(ErrorCode::malformed, "unknown shared type");
  }
  const Item& it = pool_[find(ci, ref.item->clock)];
  if (it.is_gc() || it.ref != content_ref::type || it.clock != ref.item->clock) {
    throw Error(ErrorCode::malformed, "not a (live) shared type");
  }
  return it.branch();
}

SharedRef Doc::get_text(std::string_view name) {
  impl_->root(name, /*create=*/true)->text_root = true;
  return SharedRef::root_type(std::string(name));
}

Doc::Doc(DocOptions opts) : impl_(std::make_unique<DocImpl>(opts)) {}
Doc::~Doc() = default;
Doc::Doc(Doc&&) noexcept = default;
Doc& Doc::operator=(Doc&&) noexcept = default;

ApplyResult Doc::apply_update(ByteView update) { return impl_->apply_update(update, {}); }
ApplyResult Doc::apply_update(ByteView update, ApplyOptions opts) {
  return impl_->apply_update(update, opts);
}
ApplyResult Doc::apply_updates(std::span<const ByteView> updates, ApplyOptions opts) {
  return impl_->apply_updates(updates, opts);
}
Bytes Doc::encode_state_vector() const { return impl_->encode_state_vector(); }
Bytes Doc::encode_snapshot() const { return impl_->encode_snapshot(); }
Bytes Doc::encode_state_as_update(ByteView state_vector) const {
  return impl_->encode_state_as_update(state_vector);
}
bool Doc::has_pending() const { return impl_->has_pending(); }
ApplyResult Doc::transact(const std::function<void(Edit&)>& edits) {
  return impl_->transact(edits);
}
std::uint64_t Doc::length(const SharedRef& type) const {
  const Branch* b = impl_->find_branch(type);
  return b == nullptr ? 0 : b->length;
}
std::uint64_t Doc::client_id() const { return impl_->client_id(); }

}  // namespace crdt
