// RFC 6455 framing (server/net/src/ws_protocol): frames as a client sends them, whole, split at
// every byte and back to back; and every violation the RFC names, with the close code the
// server answers it with. The integration suites drive the same code with the `ws` client.
#include "net/ws_protocol.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace napc::wsproto {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A client frame: masked with `key`, the length in the shortest form unless `len_form` forces
// 126 or 127.
Bytes client_frame(std::uint8_t first_byte, const Bytes& payload, bool masked = true,
                   int len_form = 0, std::uint32_t key = 0x37fa213d) {
  Bytes out{first_byte};
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  const auto n = payload.size();
  if (len_form == 0 && n < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | n));
  } else if (len_form == 126 || (len_form == 0 && n <= 0xFFFF)) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<std::uint8_t>(std::uint64_t{n} >> (8 * i)));
  }
  const std::uint8_t k[4] = {static_cast<std::uint8_t>(key >> 24),
                             static_cast<std::uint8_t>(key >> 16),
                             static_cast<std::uint8_t>(key >> 8), static_cast<std::uint8_t>(key)};
  if (masked) out.insert(out.end(), k, k + 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(masked ? payload[i] ^ k[i % 4] : payload[i]);
  return out;
}

Bytes binary(const Bytes& payload) { return client_frame(0x82, payload); }

Bytes text_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct Seen {
  Event::Kind kind;
  bool text = false;
  std::uint16_t code = 0;
  std::string reason;
  Bytes payload;
  bool operator==(const Seen&) const = default;
};

// Feeds `wire` in pieces of `piece` bytes (0: all at once) and records every event.
std::vector<Seen> read_all(const Bytes& wire, std::size_t piece = 0, std::size_t max = 1 << 20) {
  Reader reader(max);
  std::vector<Seen> seen;
  std::size_t at = 0;
  while (at < wire.size()) {
    const auto len = piece == 0 ? wire.size() - at : std::min(piece, wire.size() - at);
    std::span<const std::uint8_t> in(wire.data() + at, len);
    while (!in.empty()) {
      std::size_t consumed = 0;
      Event ev = reader.read(in, consumed);
      EXPECT_LE(consumed, in.size());
      in = in.subspan(consumed);
      at += consumed;
      if (ev.kind == Event::Kind::none) {
        EXPECT_TRUE(in.empty());
        break;
      }
      Seen s{ev.kind, ev.text, ev.code, ev.reason, {}};
      if (ev.kind == Event::Kind::message) s.payload = reader.take_message();
      if (ev.kind == Event::Kind::ping || ev.kind == Event::Kind::pong) {
        const auto p = reader.control_payload();
        s.payload.assign(p.begin(), p.end());
      }
      seen.push_back(s);
      if (ev.kind == Event::Kind::error) {
        // Sticky: the same error again, nothing consumed.
        std::size_t again = 1;
        const Event next = reader.read(in, again);
        EXPECT_EQ(next.kind, Event::Kind::error);
        EXPECT_EQ(again, 0u);
        return seen;
      }
    }
  }
  return seen;
}

Seen error(CloseCode code, std::string reason) {
  return {Event::Kind::error, false, static_cast<std::uint16_t>(code), std::move(reason), {}};
}

TEST(WsHeader, ShortestLengthForm) {
  Header h;
  EXPECT_EQ(encode_header(h, Opcode::binary, 0), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 0);
  EXPECT_EQ(encode_header(h, Opcode::binary, 125), 2u);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(encode_header(h, Opcode::ping, 126), 4u);
  EXPECT_EQ(h[0], 0x89);
  EXPECT_EQ((Bytes{h[1], h[2], h[3]}), (Bytes{126, 0, 126}));
  EXPECT_EQ(encode_header(h, Opcode::binary, 0xFFFF), 4u);
  EXPECT_EQ((Bytes{h[2], h[3]}), (Bytes{0xFF, 0xFF}));
  EXPECT_EQ(encode_header(h, Opcode::close, 0x10000), 10u);
  EXPECT_EQ((Bytes(h.begin(), h.end())), (Bytes{0x88, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(WsClosePayload, CodeThenReasonCutAtACharacter) {
  EXPECT_EQ(close_payload(CloseCode::try_again_later, "full"),
            (Bytes{0x03, 0xF5, 'f', 'u', 'l', 'l'}));
  // 122 ASCII bytes then "é" (2 bytes): 124 > 123, so the é goes whole.
  const std::string reason = std::string(122, 'a') + "\xC3\xA9";
  const auto p = close_payload(CloseCode::policy_error, reason);
  EXPECT_EQ(p.size(), 2u + 122u);
  EXPECT_TRUE(is_valid_close_code(1000));
  EXPECT_TRUE(is_valid_close_code(1013));
  EXPECT_TRUE(is_valid_close_code(4999));
  EXPECT_FALSE(is_valid_close_code(1005));
  EXPECT_FALSE(is_valid_close_code(1006));
  EXPECT_FALSE(is_valid_close_code(1015));
  EXPECT_FALSE(is_valid_close_code(999));
  EXPECT_FALSE(is_valid_close_code(2000));
}

TEST(WsReader, MessagesWholeSplitAndBackToBack) {
  Bytes big(70000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  Bytes wire;
  for (const auto& f : {binary({0, 0, 1, 0}), binary({}), binary(Bytes(200, 9)), binary(big),
                        client_frame(0x81, text_of("h\xC3\xA9llo"))}) {
    wire.insert(wire.end(), f.begin(), f.end());
  }
  const std::vector<Seen> want{
      {Event::Kind::message, false, 0, "", {0, 0, 1, 0}},
      {Event::Kind::message, false, 0, "", {}},
      {Event::Kind::message, false, 0, "", Bytes(200, 9)},
      {Event::Kind::message, false, 0, "", big},
      {Event::Kind::message, true, 0, "", text_of("h\xC3\xA9llo")},
  };
  EXPECT_EQ(read_all(wire), want);
  for (const std::size_t piece : {1u, 2u, 3u, 7u, 13u, 4096u}) {
    EXPECT_EQ(read_all(wire, piece), want) << "pieces of " << piece;
  }
}

TEST(WsReader, FragmentsWithControlFramesBetween) {
  Bytes wire;
  for (const auto& f :
       {client_frame(0x02, {1, 2}), client_frame(0x89, {7}), client_frame(0x00, {3}),
        client_frame(0x8A, {}), client_frame(0x80, {4, 5})}) {
    wire.insert(wire.end(), f.begin(), f.end());
  }
  const std::vector<Seen> want{
      {Event::Kind::ping, false, 0, "", {7}},
      {Event::Kind::pong, false, 0, "", {}},
      {Event::Kind::message, false, 0, "", {1, 2, 3, 4, 5}},
  };
  EXPECT_EQ(read_all(wire), want);
  EXPECT_EQ(read_all(wire, 1), want);
}

TEST(WsReader, CloseFrames) {
  EXPECT_EQ(read_all(client_frame(0x88, {})),
            (std::vector<Seen>{{Event::Kind::close, false, 0, "", {}}}));
  EXPECT_EQ(read_all(client_frame(0x88, {0x03, 0xE8, 'b', 'y', 'e'})),
            (std::vector<Seen>{{Event::Kind::close, false, 1000, "bye", {}}}));
  EXPECT_EQ(read_all(client_frame(0x88, {0x03})),
            (std::vector<Seen>{error(CloseCode::protocol_error, "close frame of 1 byte")}));
  EXPECT_EQ(read_all(client_frame(0x88, {0x03, 0xED})),  // 1005 may not be sent
            (std::vector<Seen>{error(CloseCode::protocol_error, "invalid close code")}));
  EXPECT_EQ(read_all(client_frame(0x88, {0x03, 0xE8, 0xFF})),
            (std::vector<Seen>{error(CloseCode::bad_payload, "close reason is not UTF-8")}));
}

TEST(WsReader, ViolationsAndTheirCloseCodes) {
  const auto first_error = [](const Bytes& wire, std::size_t max = 1 << 20) {
    const auto seen = read_all(wire, 0, max);
    return seen.empty() ? Seen{Event::Kind::none, false, 0, "", {}} : seen.back();
  };
  using C = CloseCode;
  EXPECT_EQ(first_error(client_frame(0x82, {1}, false)),
            error(C::protocol_error, "client frames must be masked"));
  EXPECT_EQ(first_error(client_frame(0xC2, {1})), error(C::protocol_error, "reserved bits set"));
  EXPECT_EQ(first_error(client_frame(0x83, {1})), error(C::protocol_error, "unknown opcode"));
  EXPECT_EQ(first_error(client_frame(0x8B, {})), error(C::protocol_error, "unknown opcode"));
  EXPECT_EQ(first_error(client_frame(0x09, {})),
            error(C::protocol_error, "fragmented control frame"));
  EXPECT_EQ(first_error(client_frame(0x89, Bytes(126, 0))),
            error(C::protocol_error, "control frame too long"));
  EXPECT_EQ(first_error(client_frame(0x80, {1})),
            error(C::protocol_error, "continuation frame outside a message"));
  Bytes twice = client_frame(0x02, {1});
  const auto second = client_frame(0x82, {2});
  twice.insert(twice.end(), second.begin(), second.end());
  EXPECT_EQ(first_error(twice),
            error(C::protocol_error, "new message inside a fragmented message"));
  EXPECT_EQ(first_error(client_frame(0x82, Bytes(5, 1), true, 126)),
            error(C::protocol_error, "length not minimally encoded"));
  EXPECT_EQ(first_error(client_frame(0x82, Bytes(300, 1), true, 127)),
            error(C::protocol_error, "length not minimally encoded"));
  EXPECT_EQ(first_error(Bytes{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}),
            error(C::protocol_error, "frame length too large"));
  EXPECT_EQ(first_error(client_frame(0x81, {'a', 0xC3})),
            error(C::bad_payload, "text is not UTF-8"));
  // Too big: refused from the header, before any payload arrives, and over fragments.
  EXPECT_EQ(first_error(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}),
            error(C::too_big, "message too big"));
  EXPECT_EQ(first_error(client_frame(0x82, Bytes(101, 1)), 100),
            error(C::too_big, "message too big"));
  Bytes pieces = client_frame(0x02, Bytes(60, 1));
  const auto more = client_frame(0x80, Bytes(41, 1));
  pieces.insert(pieces.end(), more.begin(), more.end());
  EXPECT_EQ(first_error(pieces, 100), error(C::too_big, "message too big"));
  // Exactly the limit passes.
  EXPECT_EQ(read_all(client_frame(0x82, Bytes(100, 1)), 0, 100).back().kind, Event::Kind::message);
}

TEST(WsReader, HeaderAloneDoesNotAllocateItsLength) {
  Reader reader(64u << 20);
  const Bytes header{0x82, 0xFF, 0, 0, 0, 0, 0x03, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4};  // 64 MiB
  std::size_t consumed = 0;
  EXPECT_EQ(reader.read(header, consumed).kind, Event::Kind::none);
  EXPECT_EQ(consumed, header.size());
  EXPECT_LE(reader.buffered_bytes(), 64u << 10);
}

// Any byte stream, whole or in random pieces, gives the same events (the property the fuzzer
// checks at length).
TEST(WsReader, RandomStreamsSplitAnywhereAgree) {
  std::mt19937 rng(42);
  for (int round = 0; round < 500; ++round) {
    Bytes wire;
    const int frames = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < frames; ++f) {
      Bytes payload(rng() % 300);
      for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
      static const std::uint8_t firsts[] = {0x82, 0x02, 0x00, 0x80, 0x89, 0x8A, 0x81, 0x88};
      auto frame = client_frame(firsts[rng() % 8], payload, rng() % 16 != 0, 0,
                                static_cast<std::uint32_t>(rng()));
      if (rng() % 10 == 0)
        frame[rng() % frame.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      wire.insert(wire.end(), frame.begin(), frame.end());
    }
    const auto whole = read_all(wire, 0, 512);
    EXPECT_EQ(read_all(wire, 1 + rng() % 17, 512), whole) << "round " << round;
  }
}

}  // namespace
}  // namespace napc::wsproto
