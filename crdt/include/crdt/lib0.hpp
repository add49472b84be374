// lib0 binary encoding primitives (lib0 0.2.120 encoding.js / decoding.js), the byte layer under
// every Yjs update, state vector and y-protocols message.
//
// Wire forms (spec §1):
//   varUint  unsigned LEB128, 7 bits per byte, least significant group first, 0x80 = more follows
//   varInt   sign-magnitude: first byte 0x80 more | 0x40 negative | 6 bits, then 7-bit groups
//   varString  varUint(byte length) + UTF-8 bytes (strict UTF-8, BOM kept)
//   varUint8Array  varUint(length) + bytes
//   f32 / f64 / i64  big-endian IEEE-754 / two's complement
//
// Every read is bounds-checked and throws crdt::Error; nothing is allocated from an unchecked
// length.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/error.hpp"

namespace crdt {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Largest integer JS can hold exactly (Number.MAX_SAFE_INTEGER). Yjs client ids, clocks and
// lengths never exceed it.
inline constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;

namespace lib0 {

/** True if `s` is strict UTF-8 as accepted by TextDecoder('utf-8', {fatal: true}). */
bool is_valid_utf8(std::string_view s);

/**
 * Appends lib0-encoded values to a growing byte buffer. Always encodes minimally.
 *
 * The buffer is written through a raw cursor: each primitive checks the room once (not once per
 * byte, as push_back would) and strings are copied with memcpy. `buf_` is kept at its allocated
 * size; only the first `len_` bytes are content.
 */
class Encoder {
 public:
  void write_u8(std::uint8_t v) {
    *room(1) = v;
    ++len_;
  }

  // REQUIRES: v <= 2^53-1 for Yjs compatibility (larger values are still encoded losslessly).
  void write_var_uint(std::uint64_t v) {
    if (v < 0x80 && len_ < buf_.size()) {
      buf_[len_++] = static_cast<std::uint8_t>(v);  // one byte: the most common case
      return;
    }
    end_write(put_var_uint(room(10), v));
  }

  // Cursor API for hot encoders: begin_write(n) returns room for `n` bytes at the end, the
  // caller fills (at most n) bytes through the cursor with put_* and hands the advanced cursor
  // to end_write. No other write may happen in between.
  std::uint8_t* begin_write(std::size_t n) { return room(n); }
  void end_write(const std::uint8_t* cursor) {
    len_ = static_cast<std::size_t>(cursor - buf_.data());
  }
  /** Writes varUint `v` (at most 10 bytes) at `p`; returns the cursor after it. */
  static std::uint8_t* put_var_uint(std::uint8_t* p, std::uint64_t v) {
    while (v > 0x7f) {
      *p++ = static_cast<std::uint8_t>(0x80 | (v & 0x7f));
      v >>= 7;
    }
    *p++ = static_cast<std::uint8_t>(v);
    return p;
  }

  void write_var_int(std::int64_t v) {
    const bool negative = v < 0;
    const std::uint64_t magnitude =
        negative ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    write_var_int(magnitude, negative);
  }

  // Sign-magnitude form; (0, true) writes JS -0 as 0x40.
  void write_var_int(std::uint64_t magnitude, bool negative) {
    std::uint8_t* const start = room(10);
    std::uint8_t* p = start;
    std::uint8_t first = static_cast<std::uint8_t>((magnitude & 0x3f) | (negative ? 0x40 : 0));
    magnitude >>= 6;
    if (magnitude > 0) {
      first |= 0x80;
    }
    *p++ = first;
    while (magnitude > 0) {
      std::uint8_t b = static_cast<std::uint8_t>(magnitude & 0x7f);
      magnitude >>= 7;
      if (magnitude > 0) {
        b |= 0x80;
      }
      *p++ = b;
    }
    len_ += static_cast<std::size_t>(p - start);
  }

  // REQUIRES: utf8 is valid UTF-8 (JS strings always encode to valid UTF-8).
  void write_var_string(std::string_view utf8) {
    write_var_uint(utf8.size());
    write_raw(utf8);
  }

  void write_var_uint8_array(ByteView data) {
    write_var_uint(data.size());
    write_raw(data);
  }

  void write_raw(ByteView data) { append(data.data(), data.size()); }
  void write_raw(std::string_view data) { append(data.data(), data.size()); }

  void write_f32(float v) { write_be(std::bit_cast<std::uint32_t>(v), 4); }
  void write_f64(double v) { write_be(std::bit_cast<std::uint64_t>(v), 8); }
  void write_i64(std::int64_t v) { write_be(static_cast<std::uint64_t>(v), 8); }

  std::size_t size() const { return len_; }
  const Bytes& bytes() const {
    buf_.resize(len_);  // drops the unused room; no reallocation
    return buf_;
  }
  Bytes take() {
    buf_.resize(len_);
    len_ = 0;
    return std::move(buf_);
  }
  /** Makes room for `n` bytes in total (one allocation when the final size is known). */
  void reserve(std::size_t n) {
    if (n > buf_.size()) {
      buf_.resize(n);
    }
  }
  void clear() { len_ = 0; }

 private:
  // A pointer to at least `n` writable bytes at the end of the content.
  std::uint8_t* room(std::size_t n) {
    if (buf_.size() - len_ < n) {
      grow(n);
    }
    return buf_.data() + len_;
  }
  void grow(std::size_t n) {
    const std::size_t doubled = buf_.size() * 2;
    buf_.resize(len_ + n > doubled ? len_ + n : (doubled < 64 ? 64 : doubled));
  }
  void append(const void* data, std::size_t n) {
    if (n > 0) {
      std::memcpy(room(n), data, n);
      len_ += n;
    }
  }
  void write_be(std::uint64_t v, int n) {
    std::uint8_t* const p = room(8);
    for (int i = 0; i < n; ++i) {
      p[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    }
    len_ += static_cast<std::size_t>(n);
  }

  mutable Bytes buf_;  // content in [0, len_), then room
  std::size_t len_ = 0;
};

/** Reads lib0-encoded values from a byte view it does not own. */
class Decoder {
 public:
  explicit Decoder(ByteView data) : data_(data) {}

  std::uint8_t read_u8() {
    need(1);
    return data_[pos_++];
  }

  // Accepts non-minimal encodings (81 00 = 1) like lib0; throws integer_overflow above 2^53-1.
  std::uint64_t read_var_uint() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) {
      return data_[pos_++];  // one byte: by far the most common case
    }
    std::uint64_t value = 0;
    unsigned shift = 0;
    while (pos_ < data_.size()) {
      const std::uint8_t b = data_[pos_++];
      const std::uint64_t payload = b & 0x7f;
      if (payload != 0) {
        if (shift >= 53) {
          throw_overflow();
        }
        value += payload << shift;
        if (value > kMaxSafeInteger) {
          throw_overflow();
        }
      }
      if (b < 0x80) {
        return value;
      }
      if (shift < 64) {
        shift += 7;
      }
    }
    throw_end();
  }

  struct VarInt {
    std::uint64_t magnitude;
    bool negative;  // set for -0 as well
  };

  VarInt read_var_int() {
    const std::uint8_t first = read_u8();
    VarInt r{static_cast<std::uint64_t>(first & 0x3f), (first & 0x40) != 0};
    if ((first & 0x80) == 0) {
      return r;
    }
    unsigned shift = 6;
    while (pos_ < data_.size()) {
      const std::uint8_t b = data_[pos_++];
      const std::uint64_t payload = b & 0x7f;
      if (payload != 0) {
        if (shift >= 53) {
          throw_overflow();
        }
        r.magnitude += payload << shift;
        if (r.magnitude > kMaxSafeInteger) {
          throw_overflow();
        }
      }
      if (b < 0x80) {
        return r;
      }
      if (shift < 64) {
        shift += 7;
      }
    }
    throw_end();
  }

  // Strict UTF-8 validation; the view points into the decoded buffer.
  std::string_view read_var_string() {
    const ByteView bytes = read_var_uint8_array();
    const std::string_view s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!is_valid_utf8(s)) {
      throw Error(ErrorCode::invalid_utf8, "varString is not valid UTF-8");
    }
    return s;
  }

  ByteView read_var_uint8_array() {
    const std::uint64_t len = read_var_uint();
    if (len > remaining()) {
      throw_end();
    }
    return read_raw(static_cast<std::size_t>(len));
  }

  ByteView read_raw(std::size_t n) {
    need(n);
    const ByteView r = data_.subspan(pos_, n);
    pos_ += n;
    return r;
  }

  float read_f32() { return std::bit_cast<float>(static_cast<std::uint32_t>(read_be(4))); }
  double read_f64() { return std::bit_cast<double>(read_be(8)); }
  std::int64_t read_i64() { return static_cast<std::int64_t>(read_be(8)); }

  bool done() const { return pos_ >= data_.size(); }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  void need(std::size_t n) const {
    if (n > data_.size() - pos_) {
      throw_end();
    }
  }

  std::uint64_t read_be(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v = (v << 8) | data_[pos_ + i];
    }
    pos_ += n;
    return v;
  }

  [[noreturn]] static void throw_end() {
    throw Error(ErrorCode::end_of_buffer, "unexpected end of array");
  }
  [[noreturn]] static void throw_overflow() {
    throw Error(ErrorCode::integer_overflow, "integer out of range (> 2^53-1)");
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

}  // namespace lib0
}  // namespace crdt
