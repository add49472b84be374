#pragma once
// RFC 6455 framing for the server end of a WebSocket connection, without any I/O.
//
// `Reader` turns the bytes a client sends into messages and control frames and checks everything
// the RFC asks of a client: every frame masked, no reserved bits (no extension is ever
// negotiated), known opcodes, control frames final and at most 125 bytes, minimal length
// encodings, continuation frames only inside a fragmented message, valid close codes, and UTF-8
// in text messages and close reasons. A violation is reported as the close code and reason to
// send; a message larger than the limit is 1009.
//
// Why not Beast's websocket::stream: every stream carries a fixed 4 KiB read buffer, which
// alone was most of the memory an idle connection costs, and every write goes through a
// composed operation and a post. The session (sync/ws_session) reads with a shared per-thread
// buffer and writes a frame with one system call; this file is the protocol half of that.
// docs/decisions.md ("Server") has the measurements.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace napc::wsproto {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// The close codes the server sends (names as in Beast's websocket::close_code).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  unknown_data = 1003,
  bad_payload = 1007,
  policy_error = 1008,
  too_big = 1009,
  internal_error = 1011,
  service_restart = 1012,
  try_again_later = 1013,
};

// Largest header of a frame the server sends (unmasked): 2 + 8 length bytes.
inline constexpr std::size_t kMaxServerHeader = 10;
inline constexpr std::size_t kMaxControlPayload = 125;
// A close reason is at most 123 bytes (125 minus the code).
inline constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;

using Header = std::array<std::uint8_t, kMaxServerHeader>;

// Writes the header of a final, unmasked frame into `out`; returns its length (2, 4 or 10).
std::size_t encode_header(Header& out, Opcode op, std::uint64_t payload_size);

// The payload of a close frame: the code, big-endian, then the reason cut to
// kMaxCloseReason bytes at a UTF-8 character boundary.
std::vector<std::uint8_t> close_payload(CloseCode code, std::string_view reason);

// True for the close codes a peer may send (RFC 6455 §7.4 and the IANA registry): 1000–1003,
// 1007–1014 and 3000–4999.
bool is_valid_close_code(std::uint16_t code);

struct Event {
  enum class Kind {
    none,     // more bytes are needed
    message,  // a whole data message: take it with Reader::take_message
    ping,     // payload: Reader::control_payload
    pong,
    close,  // the peer's close frame: `code` (0 if it gave none) and `reason`
    error,  // a protocol violation: close with `code` and `reason`
  };
  Kind kind = Kind::none;
  bool text = false;  // message: a text message (valid UTF-8); binary otherwise
  std::uint16_t code = 0;
  std::string reason;
};

class Reader {
 public:
  explicit Reader(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

  // Reads from `in` until one event is complete or `in` is used up. `consumed` is how many bytes
  // of `in` were used; the rest belongs to later events. After an error every call returns the
  // same error and consumes nothing.
  Event read(std::span<const std::uint8_t> in, std::size_t& consumed);

  // The message of the last message event (moved out; the reader starts the next one empty).
  std::vector<std::uint8_t> take_message();
  // The payload of the last ping, pong or close frame.
  std::span<const std::uint8_t> control_payload() const { return {control_.data(), control_size_}; }
  // Heap memory held for a message in progress.
  std::size_t buffered_bytes() const { return message_.capacity(); }
  // Frees that memory; the reader must not be used after it.
  void release_buffers() { message_ = std::vector<std::uint8_t>(); }

 private:
  Event fail(std::uint16_t code, std::string reason);
  // Checks the header in header_[0..header_size_); false on a violation (failed_ is set).
  bool begin_frame(Event& error);
  Event end_frame();

  const std::size_t max_message_;
  // The header being read: 2 bytes, then the extended length and the mask key.
  std::array<std::uint8_t, 14> header_{};
  std::uint8_t header_have_ = 0;
  std::uint8_t header_need_ = 2;
  // The frame being read.
  bool in_frame_ = false;
  Opcode frame_op_ = Opcode::binary;
  bool frame_fin_ = false;
  std::uint64_t frame_left_ = 0;
  std::array<std::uint8_t, 4> mask_{};
  std::uint8_t mask_pos_ = 0;
  // The data message being assembled (possibly over several frames).
  bool in_message_ = false;
  bool message_text_ = false;
  std::vector<std::uint8_t> message_;
  // The control frame being read.
  std::array<std::uint8_t, kMaxControlPayload> control_{};
  std::uint8_t control_size_ = 0;
  bool failed_ = false;
  Event error_;
};

}  // namespace napc::wsproto
