// Port of yjs src/utils/DeleteSet.js (the parts that do not touch the struct store).
#include "delete_set.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace crdt {

std::vector<DeleteItem>& DeleteSet::ranges_of(std::uint64_t client) {
  if (last_ < size_ && clients_[last_].client == client) {
    return clients_[last_].ranges;
  }
  // Few clients: scan. Many (hostile input, huge deletions): hash index.
  if (size_ > kScanLimit) {
    if (const auto it = index_.find(client); it != index_.end()) {
      last_ = it->second;
      return clients_[last_].ranges;
    }
  } else {
    for (std::size_t i = 0; i < size_; ++i) {
      if (clients_[i].client == client) {
        last_ = i;
        return clients_[i].ranges;
      }
    }
  }
  if (size_ == clients_.size()) {
    clients_.push_back(ClientRanges{client, {}});
  } else {
    clients_[size_].client = client;
    clients_[size_].ranges.clear();
  }
  last_ = size_++;
  if (size_ == kScanLimit + 1) {
    for (std::size_t i = 0; i < size_; ++i) {
      index_.emplace(clients_[i].client, i);
    }
  } else if (size_ > kScanLimit + 1) {
    index_.emplace(client, last_);
  }
  return clients_[last_].ranges;
}

void DeleteSet::sort_and_merge() {
  for (std::size_t ci = 0; ci < size_; ++ci) {
    auto& dels = clients_[ci].ranges;
    if (dels.size() <= 1) {
      continue;
    }
    const auto by_clock = [](const DeleteItem& a, const DeleteItem& b) {
      return a.clock < b.clock;
    };
    if (dels.size() <= 16) {
      // Stable insertion sort: no temporary buffer for the common tiny sets.
      for (std::size_t i = 1; i < dels.size(); ++i) {
        const DeleteItem d = dels[i];
        std::size_t j = i;
        for (; j > 0 && by_clock(d, dels[j - 1]); --j) {
          dels[j] = dels[j - 1];
        }
        dels[j] = d;
      }
    } else if (!std::is_sorted(dels.begin(), dels.end(), by_clock)) {
      // Often sorted already: deletions recorded while integrating one update in clock order.
      std::stable_sort(dels.begin(), dels.end(), by_clock);
    }
    std::size_t j = 1;
    for (std::size_t i = 1; i < dels.size(); ++i) {
      DeleteItem& left = dels[j - 1];
      const DeleteItem right = dels[i];
      if (left.clock + left.len >= right.clock) {
        left.len = std::max(left.len, right.clock + right.len - left.clock);
      } else {
        dels[j++] = right;
      }
    }
    if (!dels.empty()) {
      dels.resize(j);
    }
  }
}

void DeleteSet::write(lib0::Encoder& enc) const {
  enc.write_var_uint(size_);
  if (size_ == 1) {
    const auto& c = clients_[0];
    enc.write_var_uint(c.client);
    enc.write_var_uint(c.ranges.size());
    for (const auto& r : c.ranges) {
      enc.write_var_uint(r.clock);
      enc.write_var_uint(r.len);
    }
    return;
  }
  std::vector<std::size_t> order(size_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return clients_[a].client > clients_[b].client;
  });
  for (const std::size_t i : order) {
    const auto& c = clients_[i];
    enc.write_var_uint(c.client);
    enc.write_var_uint(c.ranges.size());
    for (const auto& r : c.ranges) {
      enc.write_var_uint(r.clock);
      enc.write_var_uint(r.len);
    }
  }
}

DeleteSet DeleteSet::read(lib0::Decoder& dec) {
  DeleteSet ds;
  read(dec, ds);
  return ds;
}

void DeleteSet::read(lib0::Decoder& dec, DeleteSet& ds) {
  ds.clear();
  const std::uint64_t num_clients = dec.read_var_uint();
  if (num_clients > dec.remaining() / 2) {
    throw Error(ErrorCode::end_of_buffer, "delete set client count exceeds the remaining bytes");
  }
  for (std::uint64_t i = 0; i < num_clients; ++i) {
    const std::uint64_t client = dec.read_var_uint();
    const std::uint64_t n = dec.read_var_uint();
    if (n > dec.remaining() / 2) {
      throw Error(ErrorCode::end_of_buffer, "delete set range count exceeds the remaining bytes");
    }
    if (n == 0) {
      continue;
    }
    std::vector<DeleteItem>* ranges = &ds.ranges_of(client);
    ranges->reserve(ranges->size() + static_cast<std::size_t>(n));
    for (std::uint64_t r = 0; r < n; ++r) {
      const std::uint64_t clock = dec.read_var_uint();
      const std::uint64_t len = dec.read_var_uint();
      if (clock + len > kMaxSafeInteger) {
        throw Error(ErrorCode::integer_overflow, "delete set range ends beyond 2^53-1");
      }
      ranges->push_back(DeleteItem{clock, len});
    }
    ds.ranges_ += static_cast<std::size_t>(n);
  }
}

DeleteSet DeleteSet::merge(const std::vector<const DeleteSet*>& sets) {
  DeleteSet merged;
  for (const DeleteSet* ds : sets) {
    for (const auto& c : ds->clients()) {
      auto& dst = merged.ranges_of(c.client);
      dst.insert(dst.end(), c.ranges.begin(), c.ranges.end());
    }
  }
  merged.sort_and_merge();
  return merged;
}

}  // namespace crdt
