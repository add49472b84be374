#include "net/ws_protocol.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <crdt/lib0.hpp>

namespace napc::wsproto {
namespace {

// A message's buffer starts at most this large, however long its header says it is, and grows
// as its bytes arrive: a header alone cannot make the server allocate.
constexpr std::size_t kInitialReserve = 64u << 10;

bool valid_utf8(std::span<const std::uint8_t> bytes) {
  return crdt::lib0::is_valid_utf8(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool is_control(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

bool is_known(std::uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

// Copies n bytes from src to dst, unmasking with `mask` starting at key position `pos`;
// returns the key position after them.
std::uint8_t unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
                         const std::array<std::uint8_t, 4>& mask, std::uint8_t pos) {
  std::size_t i = 0;
  // Eight bytes at a time with the key rotated to the current position.
  if (n >= 16) {
    std::uint8_t key8[8];
    for (int k = 0; k < 8; ++k) key8[k] = mask[(pos + k) & 3];
    std::uint64_t key;
    std::memcpy(&key, key8, 8);
    for (; i + 8 <= n; i += 8) {
      std::uint64_t v;
      std::memcpy(&v, src + i, 8);
      v ^= key;
      std::memcpy(dst + i, &v, 8);
    }
  }
  for (; i < n; ++i) dst[i] = src[i] ^ mask[(pos + i) & 3];
  return static_cast<std::uint8_t>((pos + n) & 3);
}

}  // namespace

std::size_t encode_header(Header& out, Opcode op, std::uint64_t payload_size) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_size >> (56 - 8 * i));
  return 10;
}

std::vector<std::uint8_t> close_payload(CloseCode code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    std::size_t cut = kMaxCloseReason;
    // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
    while (cut > 0 && (static_cast<std::uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  const auto c = static_cast<std::uint16_t>(code);
  std::vector<std::uint8_t> out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<std::uint8_t>(c >> 8));
  out.push_back(static_cast<std::uint8_t>(c));
  out.insert(out.end(), reason.begin(), reason.end());
  return out;
}

bool is_valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

Event Reader::fail(std::uint16_t code, std::string reason) {
  failed_ = true;
  error_.kind = Event::Kind::error;
  error_.code = code;
  error_.reason = std::move(reason);
  message_ = {};
  return error_;
}

std::vector<std::uint8_t> Reader::take_message() {
  std::vector<std::uint8_t> out;
  out.swap(message_);
  return out;
}

bool Reader::begin_frame(Event& error) {
  constexpr auto protocol = static_cast<std::uint16_t>(CloseCode::protocol_error);
  const std::uint8_t b0 = header_[0];
  const std::uint8_t b1 = header_[1];
  const bool fin = (b0 & 0x80) != 0;
  const std::uint8_t op = b0 & 0x0F;
  const std::uint8_t len7 = b1 & 0x7F;
  std::uint64_t len = len7;
  if (len7 == 126) {
    len = (std::uint64_t{header_[2]} << 8) | header_[3];
    if (len < 126) return error = fail(protocol, "length not minimally encoded"), false;
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    if (len >> 63) return error = fail(protocol, "frame length too large"), false;
    if (len <= 0xFFFF) return error = fail(protocol, "length not minimally encoded"), false;
  }
  const auto opcode = static_cast<Opcode>(op);
  if (is_control(opcode)) {
    if (!fin) return error = fail(protocol, "fragmented control frame"), false;
    if (len > kMaxControlPayload) return error = fail(protocol, "control frame too long"), false;
    control_size_ = 0;
  } else {
    if (opcode == Opcode::continuation && !in_message_) {
      return error = fail(protocol, "continuation frame outside a message"), false;
    }
    if (opcode != Opcode::continuation && in_message_) {
      return error = fail(protocol, "new message inside a fragmented message"), false;
    }
    const std::size_t have = in_message_ ? message_.size() : 0;
    if (len > max_message_ - have) {
      return error = fail(static_cast<std::uint16_t>(CloseCode::too_big), "message too big"), false;
    }
    if (!in_message_) {
      in_message_ = true;
      message_text_ = opcode == Opcode::text;
      message_.clear();
      message_.reserve(std::min<std::uint64_t>(len, kInitialReserve));
    }
  }
  const std::size_t key_at = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
  std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(key_at), 4, mask_.begin());
  mask_pos_ = 0;
  frame_op_ = opcode;
  frame_fin_ = fin;
  frame_left_ = len;
  in_frame_ = true;
  return true;
}

Event Reader::end_frame() {
  in_frame_ = false;
  Event ev;
  switch (frame_op_) {
    case Opcode::ping:
      ev.kind = Event::Kind::ping;
      return ev;
    case Opcode::pong:
      ev.kind = Event::Kind::pong;
      return ev;
    case Opcode::close: {
      ev.kind = Event::Kind::close;
      if (control_size_ == 0) return ev;
      if (control_size_ == 1) {
        return fail(static_cast<std::uint16_t>(CloseCode::protocol_error), "close frame of 1 byte");
      }
      const auto code = static_cast<std::uint16_t>((control_[0] << 8) | control_[1]);
      if (!is_valid_close_code(code)) {
        return fail(static_cast<std::uint16_t>(CloseCode::protocol_error), "invalid close code");
      }
      const std::span<const std::uint8_t> reason(control_.data() + 2, control_size_ - 2u);
      if (!valid_utf8(reason)) {
        return fail(static_cast<std::uint16_t>(CloseCode::bad_payload),
                    "close reason is not UTF-8");
      }
      ev.code = code;
      ev.reason.assign(reason.begin(), reason.end());
      return ev;
    }
    default:
      break;
  }
  if (!frame_fin_) return ev;  // Kind::none: the message goes on in a continuation frame
  in_message_ = false;
  if (message_text_ && !valid_utf8(message_)) {
    return fail(static_cast<std::uint16_t>(CloseCode::bad_payload), "text is not UTF-8");
  }
  ev.kind = Event::Kind::message;
  ev.text = message_text_;
  return ev;
}

Event Reader::read(std::span<const std::uint8_t> in, std::size_t& consumed) {
  consumed = 0;
  if (failed_) return error_;
  for (;;) {
    if (!in_frame_) {
      while (header_have_ < header_need_) {
        if (consumed == in.size()) return {};
        header_[header_have_++] = in[consumed++];
        if (header_have_ != 2) continue;
        // The first two bytes say everything that can be refused before the rest arrives.
        const std::uint8_t b0 = header_[0];
        const std::uint8_t b1 = header_[1];
        constexpr auto protocol = static_cast<std::uint16_t>(CloseCode::protocol_error);
        if ((b0 & 0x70) != 0) return fail(protocol, "reserved bits set");
        if (!is_known(b0 & 0x0F)) return fail(protocol, "unknown opcode");
        if ((b1 & 0x80) == 0) return fail(protocol, "client frames must be masked");
        const std::uint8_t len7 = b1 & 0x7F;
        header_need_ = static_cast<std::uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
      }
      header_have_ = 0;
      header_need_ = 2;
      Event error;
      if (!begin_frame(error)) return error;
    }
    const auto n = static_cast<std::size_t>(
        std::min<std::uint64_t>(frame_left_, static_cast<std::uint64_t>(in.size() - consumed)));
    if (n > 0) {
      std::uint8_t* dst;
      if (is_control(frame_op_)) {
        dst = control_.data() + control_size_;
        control_size_ = static_cast<std::uint8_t>(control_size_ + n);
      } else {
        const auto at = message_.size();
        message_.resize(at + n);
        dst = message_.data() + at;
      }
      mask_pos_ = unmask_copy(dst, in.data() + consumed, n, mask_, mask_pos_);
      consumed += n;
      frame_left_ -= n;
    }
    if (frame_left_ > 0) return {};
    Event ev = end_frame();
    if (ev.kind != Event::Kind::none) return ev;
  }
}

}  // namespace napc::wsproto
