// libFuzzer target: hostile bytes on a WebSocket connection, as server/net/src/ws_protocol reads
// them. Nothing may crash or allocate past the message limit, and the events must not depend on
// how the bytes were split into reads (the first input byte picks the split).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "net/ws_protocol.hpp"

namespace {

using napc::wsproto::Event;
using napc::wsproto::Reader;

constexpr std::size_t kMaxMessage = 4096;

std::vector<std::string> events(std::span<const std::uint8_t> wire, std::size_t piece) {
  Reader reader(kMaxMessage);
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < wire.size()) {
    const auto len = piece == 0 ? wire.size() - at : std::min(piece, wire.size() - at);
    auto in = wire.subspan(at, len);
    while (!in.empty()) {
      std::size_t consumed = 0;
      const Event ev = reader.read(in, consumed);
      if (consumed > in.size()) std::abort();
      if (reader.buffered_bytes() > kMaxMessage + 64) std::abort();
      in = in.subspan(consumed);
      at += consumed;
      if (ev.kind == Event::Kind::none) break;
      std::string e = std::to_string(static_cast<int>(ev.kind)) + ':' + std::to_string(ev.code) +
                      ':' + ev.reason + ':';
      if (ev.kind == Event::Kind::message) {
        const auto m = reader.take_message();
        if (m.size() > kMaxMessage) std::abort();
        e.append(m.begin(), m.end());
      } else {
        const auto p = reader.control_payload();
        e.append(p.begin(), p.end());
      }
      out.push_back(std::move(e));
      if (ev.kind == Event::Kind::error) return out;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 32;
  const std::span<const std::uint8_t> wire(data + 1, size - 1);
  if (events(wire, 0) != events(wire, piece)) std::abort();
  return 0;
}
