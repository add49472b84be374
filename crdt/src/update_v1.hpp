// Whole V1 updates: the struct section decoded into per-client Block lists (yjs encoding.js
// readClientsStructRefs / updates.js LazyStructReader) plus the delete set.
#pragma once

#include <span>
#include <vector>

#include "block.hpp"
#include "delete_set.hpp"

namespace crdt {

// One client block: blocks[begin, end) of the update, contiguous clocks in wire order.
struct ClientBlocks {
  std::uint64_t client = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Flat so that a reused DecodedUpdate decodes small updates without allocating.
struct DecodedUpdate {
  std::vector<ClientBlocks> clients;  // wire order; a client may appear more than once
  std::vector<Block> blocks;
  DeleteSet ds;

  std::span<Block> blocks_of(const ClientBlocks& c) {
    return std::span<Block>(blocks).subspan(c.begin, c.end - c.begin);
  }
  std::span<const Block> blocks_of(const ClientBlocks& c) const {
    return std::span<const Block>(blocks).subspan(c.begin, c.end - c.begin);
  }
  void clear() {
    clients.clear();
    blocks.clear();
    ds.clear();
  }
};

/**
 * Decodes a complete V1 update into `out` (cleared first). Throws crdt::Error on any malformed
 * byte; trailing bytes after the delete set are ignored, as in Yjs.
 */
void decode_update_v1(ByteView update, DecodedUpdate& out);

/**
 * LazyStructWriter (yjs updates.js): buffers structs per run of one client and prefixes the
 * counts when finished. A run only ends when the client changes, even if clocks jump.
 */
class LazyStructWriter {
 public:
  void write(const Block& b, std::uint64_t offset);
  /** finishLazyStructWriting: appends the struct section to `out`. */
  void finish(lib0::Encoder& out);

 private:
  void flush();

  struct Fragment {
    std::uint64_t written;
    Bytes bytes;
  };
  std::uint64_t client_ = 0;
  std::uint64_t written_ = 0;
  lib0::Encoder current_;
  std::vector<Fragment> fragments_;
};

}  // namespace crdt
