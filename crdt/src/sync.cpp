// y-protocols sync and y-websocket framing. Port of y-protocols 1.0.7 sync.js writeSyncStep1 /
// writeSyncStep2 / writeUpdate and auth.js writePermissionDenied, plus the outer message types of
// y-websocket 3.0.0 (messageSync 0, messageAwareness 1, messageAuth 2, messageQueryAwareness 3).
#include "crdt/sync.hpp"

#include <unordered_map>

namespace crdt::sync {
namespace {

Bytes frame2(std::uint64_t outer, std::uint64_t inner, ByteView data) {
  lib0::Encoder enc;
  enc.reserve(data.size() + 8);
  enc.write_var_uint(outer);
  enc.write_var_uint(inner);
  enc.write_var_uint8_array(data);
  return enc.take();
}

}  // namespace

Bytes encode_sync_step1(ByteView state_vector) {
  return frame2(static_cast<std::uint64_t>(MessageType::sync),
                static_cast<std::uint64_t>(SyncType::step1), state_vector);
}

Bytes encode_sync_step2(ByteView update) {
  return frame2(static_cast<std::uint64_t>(MessageType::sync),
                static_cast<std::uint64_t>(SyncType::step2), update);
}

Bytes encode_sync_update(ByteView update) {
  return frame2(static_cast<std::uint64_t>(MessageType::sync),
                static_cast<std::uint64_t>(SyncType::update), update);
}

Bytes encode_awareness(ByteView awareness_update) {
  lib0::Encoder enc;
  enc.reserve(awareness_update.size() + 6);
  enc.write_var_uint(static_cast<std::uint64_t>(MessageType::awareness));
  enc.write_var_uint8_array(awareness_update);
  return enc.take();
}

Bytes encode_permission_denied(std::string_view reason) {
  lib0::Encoder enc;
  enc.write_var_uint(static_cast<std::uint64_t>(MessageType::auth));
  enc.write_var_uint(static_cast<std::uint64_t>(AuthType::permission_denied));
  enc.write_var_string(reason);
  return enc.take();
}

Bytes encode_query_awareness() {
  return Bytes{static_cast<std::uint8_t>(MessageType::query_awareness)};
}

Message decode_message(ByteView frame) {
  lib0::Decoder dec(frame);
  Message msg;
  const std::uint64_t outer = dec.read_var_uint();
  switch (outer) {
    case static_cast<std::uint64_t>(MessageType::sync): {
      msg.type = MessageType::sync;
      const std::uint64_t inner = dec.read_var_uint();
      if (inner > static_cast<std::uint64_t>(SyncType::update)) {
        throw Error(ErrorCode::unknown_message_type,
                    "unknown sync message type " + std::to_string(inner));
      }
      msg.sync_type = static_cast<SyncType>(inner);
      msg.payload = dec.read_var_uint8_array();
      break;
    }
    case static_cast<std::uint64_t>(MessageType::awareness):
      msg.type = MessageType::awareness;
      msg.payload = dec.read_var_uint8_array();
      break;
    case static_cast<std::uint64_t>(MessageType::auth): {
      msg.type = MessageType::auth;
      const std::uint64_t auth = dec.read_var_uint();
      if (auth != static_cast<std::uint64_t>(AuthType::permission_denied)) {
        throw Error(ErrorCode::unknown_message_type,
                    "unknown auth message type " + std::to_string(auth));
      }
      msg.reason = dec.read_var_string();
      break;
    }
    case static_cast<std::uint64_t>(MessageType::query_awareness):
      msg.type = MessageType::query_awareness;
      break;
    default:
      throw Error(ErrorCode::unknown_message_type, "unknown message type " + std::to_string(outer));
  }
  if (!dec.done()) throw Error(ErrorCode::malformed, "trailing bytes after the message");
  return msg;
}

ByteView update_payload(ByteView frame) {
  const Message msg = decode_message(frame);
  if (msg.type != MessageType::sync || msg.sync_type == SyncType::step1) {
    throw Error(ErrorCode::malformed, "not a sync update frame");
  }
  return msg.payload;
}

bool state_vector_covered(ByteView update_sv, ByteView doc_sv) {
  std::unordered_map<std::uint64_t, std::uint64_t> have;
  for_each_state(doc_sv, [&](std::uint64_t client, std::uint64_t clock) { have[client] = clock; });
  bool covered = true;
  for_each_state(update_sv, [&](std::uint64_t client, std::uint64_t clock) {
    if (clock == 0) return;
    const auto it = have.find(client);
    if (it == have.end() || it->second < clock) covered = false;
  });
  return covered;
}

}  // namespace crdt::sync
