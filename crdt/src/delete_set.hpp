// Delete sets (yjs src/utils/DeleteSet.js): per client, the clock ranges of deleted content.
//
// Wire form (V1): varUint numClients { varUint client, varUint numRanges { varUint clock,
// varUint len }* }*, clients written in descending order, ranges in stored order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/lib0.hpp"

namespace crdt {

struct DeleteItem {
  std::uint64_t clock;
  std::uint64_t len;
};

/**
 * Client → ranges, clients kept in first-insertion order (Yjs uses a Map). Ranges are only
 * sorted and merged by sort_and_merge(), exactly where Yjs calls sortAndMergeDeleteSet.
 */
class DeleteSet {
 public:
  struct ClientRanges {
    std::uint64_t client;
    std::vector<DeleteItem> ranges;
  };

  void add(std::uint64_t client, std::uint64_t clock, std::uint64_t len) {
    ranges_of(client).push_back(DeleteItem{clock, len});
    ++ranges_;
  }

  /** add() for each of `ranges` in order; nothing for an empty span. */
  void append(std::uint64_t client, std::span<const DeleteItem> ranges) {
    if (!ranges.empty()) {
      auto& r = ranges_of(client);
      r.insert(r.end(), ranges.begin(), ranges.end());
      ranges_ += ranges.size();
    }
  }

  /** sortAndMergeDeleteSet: sort by clock, merge ranges that overlap or touch. */
  void sort_and_merge();

  /** writeDeleteSet: clients descending, ranges as stored. */
  void write(lib0::Encoder& enc) const;

  /**
   * readDeleteSet: clients with zero ranges are dropped, a repeated client appends to its
   * earlier ranges. Rejects ranges whose end would pass 2^53-1.
   */
  static DeleteSet read(lib0::Decoder& dec);
  /** As read(), into `out` (cleared first, its buffers reused). */
  static void read(lib0::Decoder& dec, DeleteSet& out);

  /** mergeDeleteSets: union per client, then sort and merge. */
  static DeleteSet merge(const std::vector<const DeleteSet*>& sets);

  bool empty() const { return size_ == 0; }
  /** Keeps the buffers, so a reused DeleteSet does not allocate for small updates. */
  void clear() {
    peak_ = std::max(peak_, ranges_);
    ranges_ = 0;
    size_ = 0;
    last_ = 0;
    if (!index_.empty()) {
      index_.clear();
    }
  }
  /** The most ranges this set has held at once: a proxy for the memory its buffers keep. */
  std::size_t peak() const { return std::max(peak_, ranges_); }
  std::span<const ClientRanges> clients() const {
    return std::span<const ClientRanges>(clients_).first(size_);
  }

 private:
  std::vector<DeleteItem>& ranges_of(std::uint64_t client);

  static constexpr std::size_t kScanLimit = 16;

  std::vector<ClientRanges> clients_;  // the first size_ entries are in use
  std::size_t size_ = 0;
  std::size_t ranges_ = 0;  // ranges held now (counted by add and read)
  std::size_t peak_ = 0;
  std::size_t last_ = 0;                                  // cache of the last client looked up
  std::unordered_map<std::uint64_t, std::size_t> index_;  // used once size_ > kScanLimit
};

}  // namespace crdt
