// Doc-less update operations on decoded updates, shared by the public byte-level API and the
// document's pending-struct bookkeeping (which Yjs keeps as encoded updates too).
#pragma once

#include <vector>

#include "crdt/id.hpp"
#include "update_v1.hpp"

namespace crdt {

/** mergeUpdatesV2 on decoded updates (at least two). */
Bytes merge_decoded(const std::vector<const DecodedUpdate*>& updates);

/** diffUpdateV2 on a decoded update. */
Bytes diff_decoded(const DecodedUpdate& update, const StateVector& sv);

/** Reads the structs of a decoded update in order, across client blocks (LazyStructReader). */
class BlockReader {
 public:
  BlockReader(const DecodedUpdate& u, bool filter_skips) : u_(&u), filter_skips_(filter_skips) {
    settle();
  }
  const Block* curr() const { return curr_; }
  const Block* next() {
    ++bi_;
    settle();
    return curr_;
  }

 private:
  void settle() {
    curr_ = nullptr;
    while (ci_ < u_->clients.size()) {
      const auto blocks = u_->blocks_of(u_->clients[ci_]);
      if (bi_ < blocks.size()) {
        if (filter_skips_ && blocks[bi_].kind == StructKind::skip) {
          ++bi_;
          continue;
        }
        curr_ = &blocks[bi_];
        return;
      }
      ++ci_;
      bi_ = 0;
    }
  }

  const DecodedUpdate* u_;
  bool filter_skips_;
  std::size_t ci_ = 0;
  std::size_t bi_ = 0;
  const Block* curr_ = nullptr;
};

}  // namespace crdt
