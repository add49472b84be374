// Port of yjs src/utils/updates.js: mergeUpdatesV2, diffUpdateV2, encodeStateVectorFromUpdateV2
// (in their V1 flavour). The control flow is kept line for line because its quirks are visible
// in the output bytes (Skip placement, slicing, when runs of a client are split).
#include "crdt/updates.hpp"

#include <algorithm>
#include <optional>

#include "timsort.hpp"
#include "updates_internal.hpp"

namespace crdt {

namespace {

// Struct.mergeWith as seen by mergeUpdates: decoded items have `right === null`, so only
// GC+GC (and Skip+Skip, but Skips are filtered from the readers) ever merge.
bool merge_into(Block& left, const Block& right) {
  if (left.kind == StructKind::gc && right.kind == StructKind::gc) {
    left.length += right.length;
    return true;
  }
  return false;
}

// The comparator of mergeUpdatesV2's `lazyStructDecoders.sort(...)`, sign for sign:
// `client2 - client1`, else `clock1 - clock2`, else 0 for the same struct class, 1 if the first is
// a Skip, -1 otherwise (so GC vs Item is -1 in both directions).
int compare_readers(BlockReader* a, BlockReader* b) {
  const Block& x = *a->curr();
  const Block& y = *b->curr();
  if (x.id.client == y.id.client) {
    if (x.id.clock == y.id.clock) {
      if (x.kind == y.kind) {
        return 0;
      }
      return x.kind == StructKind::skip ? 1 : -1;
    }
    return x.id.clock < y.id.clock ? -1 : 1;
  }
  return y.id.client < x.id.client ? -1 : 1;
}

}  // namespace

Bytes merge_decoded(const std::vector<const DecodedUpdate*>& updates) {
  std::vector<BlockReader> storage;
  storage.reserve(updates.size());
  for (const DecodedUpdate* u : updates) {
    storage.emplace_back(*u, /*filter_skips=*/true);
  }
  std::vector<BlockReader*> readers;
  for (auto& r : storage) {
    readers.push_back(&r);
  }
  std::optional<Block> curr_write;
  LazyStructWriter writer;

  while (true) {
    // Write higher clients first: sort by client desc, then clock asc. The same reader vector is
    // filtered (order kept) and re-sorted on every iteration, as in Yjs, with Yjs's comparator run
    // through a model of V8's sort: the comparator is inconsistent for a GC and an Item at the
    // same id (each compares below the other), so only V8's exact TimSort picks the same winner.
    std::erase_if(readers, [](BlockReader* r) { return r->curr() == nullptr; });
    v8sort::array_sort(readers, compare_readers);
    if (readers.empty()) {
      break;
    }
    BlockReader& curr_decoder = *readers[0];
    const std::uint64_t first_client = curr_decoder.curr()->id.client;

    if (curr_write.has_value()) {
      const Block* curr = curr_decoder.curr();
      bool iterated = false;
      // Skip what was already written (higher clients are written first).
      while (curr != nullptr && curr->end() <= curr_write->end() &&
             curr->id.client >= curr_write->id.client) {
        curr = curr_decoder.next();
        iterated = true;
      }
      if (curr == nullptr || curr->id.client != first_client ||
          (iterated && curr->id.clock > curr_write->end())) {
        continue;
      }
      if (first_client != curr_write->id.client) {
        writer.write(*curr_write, 0);
        curr_write = *curr;
        curr_decoder.next();
      } else if (curr_write->end() < curr->id.clock) {
        if (curr_write->kind == StructKind::skip) {
          // Extend the existing skip.
          curr_write->length = curr->end() - curr_write->id.clock;
        } else {
          writer.write(*curr_write, 0);
          Block skip;
          skip.kind = StructKind::skip;
          skip.id = Id{first_client, curr_write->end()};
          skip.length = curr->id.clock - curr_write->end();
          curr_write = std::move(skip);
        }
      } else {
        const std::uint64_t diff = curr_write->end() - curr->id.clock;
        std::optional<Block> sliced;
        if (diff > 0) {
          if (curr_write->kind == StructKind::skip) {
            // Prefer to slice the Skip: the other struct may carry more information.
            curr_write->length -= diff;
          } else {
            sliced = slice_block(*curr, diff);
          }
        }
        const Block& c = sliced.has_value() ? *sliced : *curr;
        if (!merge_into(*curr_write, c)) {
          writer.write(*curr_write, 0);
          curr_write = c;
          curr_decoder.next();
        }
      }
    } else {
      curr_write = *curr_decoder.curr();
      curr_decoder.next();
    }
    for (const Block* next = curr_decoder.curr();
         next != nullptr && next->id.client == first_client &&
         next->id.clock == curr_write->end() && next->kind != StructKind::skip;
         next = curr_decoder.next()) {
      writer.write(*curr_write, 0);
      curr_write = *next;
    }
  }
  if (curr_write.has_value()) {
    writer.write(*curr_write, 0);
  }
  lib0::Encoder enc;
  writer.finish(enc);
  std::vector<const DeleteSet*> sets;
  sets.reserve(updates.size());
  for (const DecodedUpdate* u : updates) {
    sets.push_back(&u->ds);
  }
  DeleteSet::merge(sets).write(enc);
  return enc.take();
}

Bytes diff_decoded(const DecodedUpdate& update, const StateVector& sv) {
  LazyStructWriter writer;
  BlockReader reader(update, /*filter_skips=*/false);
  while (const Block* curr = reader.curr()) {
    const std::uint64_t client = curr->id.client;
    const std::uint64_t sv_clock = sv.get(client);
    if (curr->kind == StructKind::skip) {
      // The first written struct shouldn't be a skip.
      reader.next();
      continue;
    }
    if (curr->end() > sv_clock) {
      writer.write(*curr, sv_clock > curr->id.clock ? sv_clock - curr->id.clock : 0);
      reader.next();
      while (reader.curr() != nullptr && reader.curr()->id.client == client) {
        writer.write(*reader.curr(), 0);
        reader.next();
      }
    } else {
      // Read until something new comes up.
      while (reader.curr() != nullptr && reader.curr()->id.client == client &&
             reader.curr()->end() <= sv_clock) {
        reader.next();
      }
    }
  }
  lib0::Encoder enc;
  writer.finish(enc);
  update.ds.write(enc);
  return enc.take();
}

Bytes merge_updates(std::span<const ByteView> updates) {
  std::vector<DecodedUpdate> decoded(updates.size());
  for (std::size_t i = 0; i < updates.size(); ++i) {
    decode_update_v1(updates[i], decoded[i]);
  }
  if (updates.size() == 1) {
    return Bytes(updates[0].begin(), updates[0].end());
  }
  std::vector<const DecodedUpdate*> ptrs;
  for (const auto& d : decoded) {
    ptrs.push_back(&d);
  }
  return merge_decoded(ptrs);
}

Bytes merge_updates(const std::vector<Bytes>& updates) {
  std::vector<ByteView> views(updates.begin(), updates.end());
  return merge_updates(std::span<const ByteView>(views));
}

Bytes diff_update(ByteView update, ByteView state_vector) {
  const StateVector sv = StateVector::decode(state_vector);
  DecodedUpdate decoded;
  decode_update_v1(update, decoded);
  return diff_decoded(decoded, sv);
}

Bytes encode_state_vector_from_update(ByteView update) {
  DecodedUpdate decoded;
  decode_update_v1(update, decoded);
  BlockReader reader(decoded, /*filter_skips=*/false);
  lib0::Encoder entries;
  std::uint64_t size = 0;
  if (const Block* curr = reader.curr()) {
    std::uint64_t curr_client = curr->id.client;
    bool stop_counting = curr->id.clock != 0;  // must start at 0
    std::uint64_t curr_clock = stop_counting ? 0 : curr->end();
    for (; curr != nullptr; curr = reader.next()) {
      if (curr_client != curr->id.client) {
        if (curr_clock != 0) {
          ++size;
          entries.write_var_uint(curr_client);
          entries.write_var_uint(curr_clock);
        }
        curr_client = curr->id.client;
        curr_clock = 0;
        stop_counting = curr->id.clock != 0;
      }
      if (curr->kind == StructKind::skip) {
        stop_counting = true;
      }
      if (!stop_counting) {
        curr_clock = curr->end();
      }
    }
    if (curr_clock != 0) {
      ++size;
      entries.write_var_uint(curr_client);
      entries.write_var_uint(curr_clock);
    }
  }
  lib0::Encoder enc;
  enc.write_var_uint(size);
  enc.write_raw(entries.bytes());
  return enc.take();
}

}  // namespace crdt
