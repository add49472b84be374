// A faithful model of V8's Array.prototype.sort (TimSort, v8 third_party/v8/builtins/
// array-sort.tq) as shipped in V8 11.3 / Node 20 (20.20.2 runs the conformance suite).
//
// Why this exists: Yjs's mergeUpdatesV2 sorts its struct readers with a comparator that is not a
// consistent ordering (a GC and an Item at the same id compare as "less" in both directions), so
// which reader ends up first depends on the exact sequence of comparisons and moves V8 performs.
// Any other stable sort gives different bytes. Everything that is observable with an inconsistent
// comparator is reproduced here: run detection (a strictly descending run is reversed in place),
// minrun, binary insertion placing the pivot right of elements it does not compare below, the
// pending-run stack invariants, the gallop searches with their hints, merge_lo / merge_hi with the
// adaptive min_gallop (7 at the start of every sort call), including the "cannot happen with a
// consistent comparator" exits.
//
// The comparator is called as cmp(x, y) and returns an int whose sign is all that matters, like a
// JS comparefn (-1: x before y).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace crdt::v8sort {

/**
 * Arrays shorter than this are sorted by binary insertion only, without run detection. V8 11.3
 * (Node 20) has no such cut-over (checked against node 20.20 on random inconsistent comparators);
 * later V8 versions use 10 here (kMinTimSortLen), which changes results for 3..9 elements, so
 * real Yjs itself merges some updates differently on newer Node.
 */
inline constexpr std::ptrdiff_t kMinTimSortLen = 0;
/** Initial min_gallop of each sort call. */
inline constexpr std::ptrdiff_t kMinGallopWins = 7;

namespace detail {

template <class T, class Cmp>
class TimSort {
 public:
  TimSort(std::vector<T>& a, Cmp& cmp) : a_(a), cmp_(cmp) {}

  void sort() {
    const auto n = static_cast<std::ptrdiff_t>(a_.size());
    if (n < 2) {
      return;
    }
    if (n < kMinTimSortLen) {
      binary_insertion_sort(0, 0, n);
      return;
    }
    const std::ptrdiff_t min_run = min_run_length(n);
    std::ptrdiff_t low = 0;
    std::ptrdiff_t remaining = n;
    while (remaining != 0) {
      std::ptrdiff_t run = count_and_make_run(low, low + remaining);
      if (run < min_run) {
        const std::ptrdiff_t forced = std::min(min_run, remaining);
        binary_insertion_sort(low, low + run, low + forced);
        run = forced;
      }
      runs_.push_back({low, run});
      merge_collapse();
      low += run;
      remaining -= run;
    }
    merge_force_collapse();
  }

 private:
  struct Run {
    std::ptrdiff_t base;
    std::ptrdiff_t len;
  };

  int compare(const T& x, const T& y) { return cmp_(x, y); }

  static std::ptrdiff_t min_run_length(std::ptrdiff_t n) {
    std::ptrdiff_t r = 0;  // becomes 1 if any 1 bit is shifted off
    while (n >= 64) {
      r |= n & 1;
      n >>= 1;
    }
    return n + r;
  }

  // Sorts [low, high) given that [low, start) is sorted. Each pivot is inserted after every
  // element it does not compare below (binary search: `cmp(pivot, mid) < 0` goes left).
  void binary_insertion_sort(std::ptrdiff_t low, std::ptrdiff_t start, std::ptrdiff_t high) {
    if (start == low) {
      ++start;
    }
    for (; start < high; ++start) {
      std::ptrdiff_t left = low;
      std::ptrdiff_t right = start;
      T pivot = a_[start];
      while (left < right) {
        const std::ptrdiff_t mid = left + ((right - left) >> 1);
        if (compare(pivot, a_[mid]) < 0) {
          right = mid;
        } else {
          left = mid + 1;
        }
      }
      for (std::ptrdiff_t p = start; p > left; --p) {
        a_[p] = a_[p - 1];
      }
      a_[left] = pivot;
    }
  }

  // Length of the run starting at low (low < high). A run is non-descending (cmp(next, prev) >= 0
  // throughout) or strictly descending (cmp(next, prev) < 0 throughout); a descending run is
  // reversed in place.
  std::ptrdiff_t count_and_make_run(std::ptrdiff_t low, std::ptrdiff_t high) {
    if (low + 1 == high) {
      return 1;
    }
    std::ptrdiff_t run = 2;
    const bool descending = compare(a_[low + 1], a_[low]) < 0;
    std::ptrdiff_t prev = low + 1;
    for (std::ptrdiff_t i = low + 2; i < high; ++i) {
      const int order = compare(a_[i], a_[prev]);
      if (descending ? order >= 0 : order < 0) {
        break;
      }
      prev = i;
      ++run;
    }
    if (descending) {
      std::reverse(a_.begin() + low, a_.begin() + low + run);
    }
    return run;
  }

  // Position in [base, base + len) where key goes, left of elements it is not above:
  // the offset k with a[base + k - 1] < key <= a[base + k] (as judged by cmp(elem, key) < 0).
  std::ptrdiff_t gallop_left(const std::vector<T>& arr, const T& key, std::ptrdiff_t base,
                             std::ptrdiff_t len, std::ptrdiff_t hint) {
    std::ptrdiff_t last = 0;
    std::ptrdiff_t ofs = 1;
    if (compare(arr[base + hint], key) < 0) {
      // Gallop right until arr[base + hint + last] < key <= arr[base + hint + ofs].
      const std::ptrdiff_t max_ofs = len - hint;
      while (ofs < max_ofs) {
        if (compare(arr[base + hint + ofs], key) >= 0) {
          break;
        }
        last = ofs;
        ofs = (ofs << 1) + 1;
      }
      ofs = std::min(ofs, max_ofs);
      last += hint;
      ofs += hint;
    } else {
      // Gallop left until arr[base + hint - ofs] < key <= arr[base + hint - last].
      const std::ptrdiff_t max_ofs = hint + 1;
      while (ofs < max_ofs) {
        if (compare(arr[base + hint - ofs], key) < 0) {
          break;
        }
        last = ofs;
        ofs = (ofs << 1) + 1;
      }
      ofs = std::min(ofs, max_ofs);
      const std::ptrdiff_t tmp = last;
      last = hint - ofs;
      ofs = hint - tmp;
    }
    ++last;
    while (last < ofs) {
      const std::ptrdiff_t m = last + ((ofs - last) >> 1);
      if (compare(arr[base + m], key) < 0) {
        last = m + 1;
      } else {
        ofs = m;
      }
    }
    return ofs;
  }

  // Like gallop_left but right of elements the key is not below (judged by cmp(key, elem) < 0).
  std::ptrdiff_t gallop_right(const std::vector<T>& arr, const T& key, std::ptrdiff_t base,
                              std::ptrdiff_t len, std::ptrdiff_t hint) {
    std::ptrdiff_t last = 0;
    std::ptrdiff_t ofs = 1;
    if (compare(key, arr[base + hint]) < 0) {
      // Gallop left until arr[base + hint - ofs] <= key < arr[base + hint - last].
      const std::ptrdiff_t max_ofs = hint + 1;
      while (ofs < max_ofs) {
        if (compare(key, arr[base + hint - ofs]) >= 0) {
          break;
        }
        last = ofs;
        ofs = (ofs << 1) + 1;
      }
      ofs = std::min(ofs, max_ofs);
      const std::ptrdiff_t tmp = last;
      last = hint - ofs;
      ofs = hint - tmp;
    } else {
      // Gallop right until arr[base + hint + last] <= key < arr[base + hint + ofs].
      const std::ptrdiff_t max_ofs = len - hint;
      while (ofs < max_ofs) {
        if (compare(key, arr[base + hint + ofs]) < 0) {
          break;
        }
        last = ofs;
        ofs = (ofs << 1) + 1;
      }
      ofs = std::min(ofs, max_ofs);
      last += hint;
      ofs += hint;
    }
    ++last;
    while (last < ofs) {
      const std::ptrdiff_t m = last + ((ofs - last) >> 1);
      if (compare(key, arr[base + m]) < 0) {
        ofs = m;
      } else {
        last = m + 1;
      }
    }
    return ofs;
  }

  // Copies [src, src + n) of `from` to [dst, dst + n) of `to` (ranges may overlap when from == to).
  static void copy(const std::vector<T>& from, std::ptrdiff_t src, std::vector<T>& to,
                   std::ptrdiff_t dst, std::ptrdiff_t n) {
    if (src < dst) {
      for (std::ptrdiff_t i = n - 1; i >= 0; --i) {
        to[dst + i] = from[src + i];
      }
    } else {
      for (std::ptrdiff_t i = 0; i < n; ++i) {
        to[dst + i] = from[src + i];
      }
    }
  }

  // Merges the pending runs i and i + 1 (i is the second- or third-last run).
  void merge_at(std::size_t i) {
    std::ptrdiff_t base_a = runs_[i].base;
    std::ptrdiff_t len_a = runs_[i].len;
    const std::ptrdiff_t base_b = runs_[i + 1].base;
    std::ptrdiff_t len_b = runs_[i + 1].len;
    runs_[i].len = len_a + len_b;
    runs_.erase(runs_.begin() + static_cast<std::ptrdiff_t>(i) + 1);

    // Elements of A that B's first element does not go before stay in place.
    const std::ptrdiff_t k = gallop_right(a_, a_[base_b], base_a, len_a, 0);
    base_a += k;
    len_a -= k;
    if (len_a == 0) {
      return;
    }
    // Elements of B that A's last element does not go after stay in place.
    len_b = gallop_left(a_, a_[base_a + len_a - 1], base_b, len_b, len_b - 1);
    if (len_b == 0) {
      return;
    }
    if (len_a <= len_b) {
      merge_lo(base_a, len_a, base_b, len_b);
    } else {
      merge_hi(base_a, len_a, base_b, len_b);
    }
  }

  void merge_lo(std::ptrdiff_t base_a, std::ptrdiff_t len_a, std::ptrdiff_t base_b,
                std::ptrdiff_t len_b) {
    tmp_.assign(a_.begin() + base_a, a_.begin() + base_a + len_a);
    std::ptrdiff_t dest = base_a;
    std::ptrdiff_t cur_t = 0;
    std::ptrdiff_t cur_b = base_b;
    a_[dest++] = a_[cur_b++];

    enum class Exit { succeed, copy_b };
    const Exit exit = [&] {
      if (--len_b == 0) {
        return Exit::succeed;
      }
      if (len_a == 1) {
        return Exit::copy_b;
      }
      std::ptrdiff_t min_gallop = min_gallop_;
      while (true) {
        std::ptrdiff_t wins_a = 0;
        std::ptrdiff_t wins_b = 0;
        // One pair at a time until one run wins min_gallop times in a row.
        while (true) {
          if (compare(a_[cur_b], tmp_[cur_t]) < 0) {
            a_[dest++] = a_[cur_b++];
            ++wins_b;
            --len_b;
            wins_a = 0;
            if (len_b == 0) {
              return Exit::succeed;
            }
            if (wins_b >= min_gallop) {
              break;
            }
          } else {
            a_[dest++] = tmp_[cur_t++];
            ++wins_a;
            --len_a;
            wins_b = 0;
            if (len_a == 1) {
              return Exit::copy_b;
            }
            if (wins_a >= min_gallop) {
              break;
            }
          }
        }
        // Galloping mode.
        ++min_gallop;
        bool first = true;
        while (wins_a >= kMinGallopWins || wins_b >= kMinGallopWins || first) {
          first = false;
          min_gallop = std::max<std::ptrdiff_t>(1, min_gallop - 1);
          min_gallop_ = min_gallop;

          wins_a = gallop_right(tmp_, a_[cur_b], cur_t, len_a, 0);
          if (wins_a > 0) {
            copy(tmp_, cur_t, a_, dest, wins_a);
            dest += wins_a;
            cur_t += wins_a;
            len_a -= wins_a;
            if (len_a == 1) {
              return Exit::copy_b;
            }
            if (len_a == 0) {  // only with an inconsistent comparator
              return Exit::succeed;
            }
          }
          a_[dest++] = a_[cur_b++];
          if (--len_b == 0) {
            return Exit::succeed;
          }

          wins_b = gallop_left(a_, tmp_[cur_t], cur_b, len_b, 0);
          if (wins_b > 0) {
            copy(a_, cur_b, a_, dest, wins_b);
            dest += wins_b;
            cur_b += wins_b;
            len_b -= wins_b;
            if (len_b == 0) {
              return Exit::succeed;
            }
          }
          a_[dest++] = tmp_[cur_t++];
          if (--len_a == 1) {
            return Exit::copy_b;
          }
        }
        ++min_gallop;  // penalty for leaving galloping mode
        min_gallop_ = min_gallop;
      }
    }();

    if (exit == Exit::succeed) {
      if (len_a > 0) {
        copy(tmp_, cur_t, a_, dest, len_a);
      }
    } else {
      // The last element of A belongs at the end of the merge.
      copy(a_, cur_b, a_, dest, len_b);
      a_[dest + len_b] = tmp_[cur_t];
    }
  }

  void merge_hi(std::ptrdiff_t base_a, std::ptrdiff_t len_a, std::ptrdiff_t base_b,
                std::ptrdiff_t len_b) {
    tmp_.assign(a_.begin() + base_b, a_.begin() + base_b + len_b);
    std::ptrdiff_t dest = base_b + len_b - 1;
    std::ptrdiff_t cur_t = len_b - 1;
    std::ptrdiff_t cur_a = base_a + len_a - 1;
    a_[dest--] = a_[cur_a--];

    enum class Exit { succeed, copy_a };
    const Exit exit = [&] {
      if (--len_a == 0) {
        return Exit::succeed;
      }
      if (len_b == 1) {
        return Exit::copy_a;
      }
      std::ptrdiff_t min_gallop = min_gallop_;
      while (true) {
        std::ptrdiff_t wins_a = 0;
        std::ptrdiff_t wins_b = 0;
        while (true) {
          if (compare(tmp_[cur_t], a_[cur_a]) < 0) {
            a_[dest--] = a_[cur_a--];
            ++wins_a;
            --len_a;
            wins_b = 0;
            if (len_a == 0) {
              return Exit::succeed;
            }
            if (wins_a >= min_gallop) {
              break;
            }
          } else {
            a_[dest--] = tmp_[cur_t--];
            ++wins_b;
            --len_b;
            wins_a = 0;
            if (len_b == 1) {
              return Exit::copy_a;
            }
            if (wins_b >= min_gallop) {
              break;
            }
          }
        }
        ++min_gallop;
        bool first = true;
        while (wins_a >= kMinGallopWins || wins_b >= kMinGallopWins || first) {
          first = false;
          min_gallop = std::max<std::ptrdiff_t>(1, min_gallop - 1);
          min_gallop_ = min_gallop;

          std::ptrdiff_t k = gallop_right(a_, tmp_[cur_t], base_a, len_a, len_a - 1);
          wins_a = len_a - k;
          if (wins_a > 0) {
            dest -= wins_a;
            cur_a -= wins_a;
            copy(a_, cur_a + 1, a_, dest + 1, wins_a);
            len_a -= wins_a;
            if (len_a == 0) {
              return Exit::succeed;
            }
          }
          a_[dest--] = tmp_[cur_t--];
          if (--len_b == 1) {
            return Exit::copy_a;
          }

          k = gallop_left(tmp_, a_[cur_a], 0, len_b, len_b - 1);
          wins_b = len_b - k;
          if (wins_b > 0) {
            dest -= wins_b;
            cur_t -= wins_b;
            copy(tmp_, cur_t + 1, a_, dest + 1, wins_b);
            len_b -= wins_b;
            if (len_b == 1) {
              return Exit::copy_a;
            }
            if (len_b == 0) {  // only with an inconsistent comparator
              return Exit::succeed;
            }
          }
          a_[dest--] = a_[cur_a--];
          if (--len_a == 0) {
            return Exit::succeed;
          }
        }
        ++min_gallop;
        min_gallop_ = min_gallop;
      }
    }();

    if (exit == Exit::succeed) {
      if (len_b > 0) {
        copy(tmp_, 0, a_, dest - (len_b - 1), len_b);
      }
    } else {
      // The first element of B belongs at the front of the merge.
      dest -= len_a;
      cur_a -= len_a;
      copy(a_, cur_a + 1, a_, dest + 1, len_a);
      a_[dest] = tmp_[cur_t];
    }
  }

  // Restores the stack invariants len[i-3] > len[i-2] + len[i-1] and len[i-2] > len[i-1].
  void merge_collapse() {
    while (runs_.size() > 1) {
      std::size_t n = runs_.size() - 2;
      const auto broken = [&](std::size_t top) {  // invariant at `top` does not hold
        return top >= 2 && runs_[top - 2].len <= runs_[top - 1].len + runs_[top].len;
      };
      if (broken(n + 1) || broken(n)) {
        if (runs_[n - 1].len < runs_[n + 1].len) {
          --n;
        }
        merge_at(n);
      } else if (runs_[n].len <= runs_[n + 1].len) {
        merge_at(n);
      } else {
        break;
      }
    }
  }

  void merge_force_collapse() {
    while (runs_.size() > 1) {
      std::size_t n = runs_.size() - 2;
      if (n > 0 && runs_[n - 1].len < runs_[n + 1].len) {
        --n;
      }
      merge_at(n);
    }
  }

  std::vector<T>& a_;
  Cmp& cmp_;
  std::vector<Run> runs_;
  std::vector<T> tmp_;
  std::ptrdiff_t min_gallop_ = kMinGallopWins;
};

}  // namespace detail

/**
 * Sorts `a` in place exactly as V8's `Array.prototype.sort(cmp)` orders a dense array without
 * undefined entries, for any comparator (consistent or not). `cmp(x, y)` returns an int: < 0 when
 * x goes before y.
 */
template <class T, class Cmp>
void array_sort(std::vector<T>& a, Cmp cmp) {
  detail::TimSort<T, Cmp>(a, cmp).sort();
}

}  // namespace crdt::v8sort
