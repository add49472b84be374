// libFuzzer target: hostile WebSocket frames against the y-websocket framing, the sync message
// decoder and the awareness protocol, as the server meets them. Nothing may crash, hang or
// allocate without bound; a refused frame leaves the awareness state as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <crdt/awareness.hpp>
#include <crdt/error.hpp>
#include <crdt/sync.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crdt::ByteView frame(data, size);
  try {
    crdt::sync::decode_message(frame);
  } catch (const crdt::Error&) {
  }
  try {
    crdt::sync::update_payload(frame);
  } catch (const crdt::Error&) {
  }

  // The same bytes as an awareness update, applied to a state that already knows a client.
  crdt::awareness::Awareness awareness(7);
  static const std::uint8_t kKnown[] = {0x01, 0x01, 0x01, 0x02, 0x7b, 0x7d};  // client 1 @1 {}
  awareness.apply_update(kKnown, 0);
  const auto snapshot = [&awareness] { return awareness.encode_update(awareness.state_ids()); };
  const auto before = snapshot();
  try {
    const auto entries = crdt::awareness::decode_update(frame);
    crdt::awareness::encode_update(entries);
    awareness.apply_update(frame, 1000);
    snapshot();
  } catch (const crdt::Error&) {
    if (snapshot() != before) std::abort();  // a refused update changed the state
  }
  crdt::awareness::is_valid_json(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
