// Operations on encoded V1 updates that need no document (yjs src/utils/updates.js).
// All of them decode their input completely and throw crdt::Error on malformed bytes.
#pragma once

#include <span>
#include <vector>

#include "crdt/lib0.hpp"

namespace crdt {

/**
 * Y.mergeUpdates: one update holding every struct and deletion of `updates`. Gaps within a client
 * become Skip structs, overlapping structs are sliced, items are never concatenated (only GC+GC
 * and Skip+Skip merge), delete sets are unioned. A single update is returned unchanged.
 */
Bytes merge_updates(std::span<const ByteView> updates);
Bytes merge_updates(const std::vector<Bytes>& updates);

/**
 * Y.diffUpdate: the structs of `update` that `state_vector` lacks (the first partially known
 * struct is cut with an offset); the delete set is copied unchanged.
 */
Bytes diff_update(ByteView update, ByteView state_vector);

/**
 * Y.encodeStateVectorFromUpdate: per client, the end of the run of structs that starts at clock 0
 * (stops at a Skip or a non-zero start), in update order.
 */
Bytes encode_state_vector_from_update(ByteView update);

}  // namespace crdt
