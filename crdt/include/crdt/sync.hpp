// y-protocols sync messages and the y-websocket outer framing (y-protocols 1.0.7 sync.js and
// auth.js, y-websocket 3.0.0 src/y-websocket.js; spec §4.1, §4.2, §4.4).
//
// Wire forms (every WebSocket binary message is one Frame):
//   Frame       := varUint outer_type payload
//     0 sync            : varUint sync_type  varUint8Array(data)
//         sync_type 0 = step 1 (data = state vector), 1 = step 2 (data = update),
//                   2 = update (data = update)
//     1 awareness       : varUint8Array(AwarenessUpdate)                      (awareness.hpp)
//     2 auth            : varUint auth_type (0 = permission denied)  varString reason
//     3 query awareness : (empty)
//
// A room name is never part of a message; the transport (the URL) scopes it.
#pragma once

#include <cstdint>
#include <string_view>

#include "crdt/error.hpp"
#include "crdt/lib0.hpp"

namespace crdt::sync {

// DO NOT CHANGE: on the wire.
enum class MessageType : std::uint64_t { sync = 0, awareness = 1, auth = 2, query_awareness = 3 };
enum class SyncType : std::uint64_t { step1 = 0, step2 = 1, update = 2 };
enum class AuthType : std::uint64_t { permission_denied = 0 };

/** [0, 0, varUint8Array(state_vector)] */
Bytes encode_sync_step1(ByteView state_vector);
/** [0, 1, varUint8Array(update)] */
Bytes encode_sync_step2(ByteView update);
/** [0, 2, varUint8Array(update)] */
Bytes encode_sync_update(ByteView update);
/** [1, varUint8Array(awareness_update)] */
Bytes encode_awareness(ByteView awareness_update);
/** [2, 0, varString(reason)]. REQUIRES: reason is valid UTF-8. */
Bytes encode_permission_denied(std::string_view reason);
/** [3] */
Bytes encode_query_awareness();

/**
 * One decoded frame. Views point into the frame passed to decode_message and are valid as long
 * as it is.
 */
struct Message {
  MessageType type = MessageType::sync;
  SyncType sync_type = SyncType::step1;              // for type == sync
  ByteView payload;                                  // sync data, or the awareness update
  AuthType auth_type = AuthType::permission_denied;  // for type == auth
  std::string_view reason;                           // for type == auth
};

/**
 * Decodes a frame. Strict: the frame must be exactly one message (no trailing bytes).
 * @throws crdt::Error end_of_buffer / integer_overflow / malformed (truncated, trailing bytes),
 *         invalid_utf8 (auth reason), unknown_message_type (outer type > 3, sync type > 2,
 *         auth type > 0).
 */
Message decode_message(ByteView frame);

/**
 * The update carried by a sync update frame, without decoding the rest again. Used to merge
 * queued [0, 2, …] frames. @throws crdt::Error when `frame` is not a sync step 2 / update.
 */
ByteView update_payload(ByteView frame);

/**
 * Decodes a state vector (varUint n, then n × (client, clock)).
 * @param visit called with each (client, clock) pair in wire order.
 * @throws crdt::Error on malformed input (including trailing bytes).
 */
template <typename Visit>
void for_each_state(ByteView state_vector, Visit&& visit) {
  lib0::Decoder dec(state_vector);
  const std::uint64_t n = dec.read_var_uint();
  if (n > dec.remaining()) throw Error(ErrorCode::malformed, "state vector: count too large");
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t client = dec.read_var_uint();
    const std::uint64_t clock = dec.read_var_uint();
    visit(client, clock);
  }
  if (!dec.done()) throw Error(ErrorCode::malformed, "state vector: trailing bytes");
}

/**
 * True when every clock in `update_sv` is at most the clock of the same client in `doc_sv`,
 * i.e. the update carries no struct the document lacks (it may still carry deletions).
 * @throws crdt::Error when either state vector is malformed.
 */
bool state_vector_covered(ByteView update_sv, ByteView doc_sv);

}  // namespace crdt::sync
