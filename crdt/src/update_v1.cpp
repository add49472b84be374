// V1 update decoding and the lazy struct writer used by the doc-less update operations.
#include "update_v1.hpp"

#include <algorithm>

namespace crdt {

void decode_update_v1(ByteView update, DecodedUpdate& out) {
  out.clear();
  lib0::Decoder dec(update);
  const std::uint64_t num_clients = dec.read_var_uint();
  // A client block needs at least its struct count, client and clock: 3 bytes.
  if (num_clients > dec.remaining() / 3) {
    throw Error(ErrorCode::end_of_buffer, "client count exceeds the remaining bytes");
  }
  out.clients.reserve(static_cast<std::size_t>(num_clients));
  for (std::uint64_t c = 0; c < num_clients; ++c) {
    const std::uint64_t num_structs = dec.read_var_uint();
    ClientBlocks cb;
    cb.client = dec.read_var_uint();
    std::uint64_t clock = dec.read_var_uint();
    // Every struct takes at least 2 bytes.
    if (num_structs > dec.remaining() / 2) {
      throw Error(ErrorCode::end_of_buffer, "struct count exceeds the remaining bytes");
    }
    cb.begin = out.blocks.size();
    const std::size_t needed = out.blocks.size() + static_cast<std::size_t>(num_structs);
    if (needed > out.blocks.capacity()) {
      out.blocks.reserve(std::max(needed, 2 * out.blocks.capacity()));
    }
    for (std::uint64_t i = 0; i < num_structs; ++i) {
      read_block(dec, cb.client, clock, out.blocks.emplace_back());
      const std::uint64_t len = out.blocks.back().length;
      if (len > kMaxSafeInteger - clock) {
        throw Error(ErrorCode::integer_overflow, "struct clock range ends beyond 2^53-1");
      }
      clock += len;
    }
    cb.end = out.blocks.size();
    out.clients.push_back(cb);
  }
  DeleteSet::read(dec, out.ds);
}

void LazyStructWriter::flush() {
  if (written_ > 0) {
    fragments_.push_back(Fragment{written_, current_.take()});
    current_.clear();
    written_ = 0;
  }
}

void LazyStructWriter::write(const Block& b, std::uint64_t offset) {
  if (written_ > 0 && client_ != b.id.client) {
    flush();
  }
  if (written_ == 0) {
    client_ = b.id.client;
    current_.write_var_uint(b.id.client);
    current_.write_var_uint(b.id.clock + offset);
  }
  write_block(current_, b, offset);
  ++written_;
}

void LazyStructWriter::finish(lib0::Encoder& out) {
  flush();
  out.write_var_uint(fragments_.size());
  for (const auto& f : fragments_) {
    out.write_var_uint(f.written);
    out.write_raw(f.bytes);
  }
  fragments_.clear();
}

}  // namespace crdt
