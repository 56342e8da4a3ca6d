// The selection that every top-k search shares (exact topK, the inverted-file index): bounded heaps
// of (score, index) in the order (score descending, index ascending), and the final merge of the
// heaps that split one query's candidates. Selection depends only on the scores and that order,
// so a result never depends on how the candidates were split between heaps or threads.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace speclin {

template <typename T>
struct TopKEntry {
  T score;
  std::int32_t index;
};

// a ranks below b: lower score, or the same score and a higher index.
template <typename T>
inline bool ranks_below(const TopKEntry<T>& a, const TopKEntry<T>& b) {
  return a.score < b.score || (a.score == b.score && a.index > b.index);
}

// A heap of at most `cap` entries with the worst at h[0], over caller-owned storage. A NaN score
// is never kept.
template <typename T>
struct BoundedHeap {
  TopKEntry<T>* h;
  std::size_t size, cap;

  void offer(T score, std::int32_t index) {
    TopKEntry<T> e{score, index};
    if (size < cap) {
      // Only a filling heap needs this test: a full one rejects NaN below, as every comparison
      // with it is false, so the hot path pays nothing for it.
      if (std::isnan(score)) return;
      std::size_t c = size++;
      while (c > 0) {
        std::size_t p = (c - 1) / 2;
        if (!ranks_below(e, h[p])) break;
        h[c] = h[p];
        c = p;
      }
      h[c] = e;
      return;
    }
    if (score < h[0].score || !ranks_below(h[0], e)) return;
    std::size_t pos = 0;
    for (;;) {
      std::size_t l = 2 * pos + 1;
      if (l >= size) break;
      std::size_t w = l + 1 < size && ranks_below(h[l + 1], h[l]) ? l + 1 : l;
      if (!ranks_below(h[w], e)) break;
      h[pos] = h[w];
      pos = w;
    }
    h[pos] = e;
  }
};

// Writes one query's k best of the entries in `all` (its heaps' contents, in any order), best
// first; a query with fewer than k candidates ends in index -1 with score 0 (as topk.wgsl writes
// it). `all` is reordered.
template <typename T>
void write_best(std::vector<TopKEntry<T>>& all, std::size_t k, std::int32_t* indices, T* scores) {
  auto better = [](const TopKEntry<T>& a, const TopKEntry<T>& b) { return ranks_below(b, a); };
  const std::size_t kept = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + kept, all.end(), better);
  for (std::size_t j = 0; j < kept; ++j) {
    indices[j] = all[j].index;
    scores[j] = all[j].score;
  }
  for (std::size_t j = kept; j < k; ++j) {
    indices[j] = -1;
    scores[j] = T(0);
  }
}

}  // namespace speclin
