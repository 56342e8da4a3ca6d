// Exact top-k by inner product. Scores of a query tile against a key tile come from cross_gram
// (the Gram kernels' Z W^T); each query keeps a bounded heap of its best k so far, whose root is
// the worst kept entry, so most scores are rejected by one comparison with the root.
// Work is split over query tiles and, when there are fewer query tiles than threads, over key
// partitions too, each with its own heaps, merged at the end. Selection depends only on the
// scores and the (score desc, index asc) order, so the result does not depend on the split.
// A NaN score is never selected (finite inputs give one when partial sums of one dot product
// overflow to +Inf and -Inf); a query left with fewer than k other scores ends in index -1 with
// score 0, as topk.wgsl writes it. +Inf and -Inf are ranked as numbers.
#include "topk.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "finite.h"
#include "gram.h"
#include "thread_pool.h"
#include "topk_heap.h"

namespace speclin {

template <typename T>
void top_k(const T* Q, std::size_t nq, const T* K, std::size_t nk, std::size_t d, std::size_t k,
           std::int32_t* indices, T* scores) {
  if (k < 1) throw std::invalid_argument("topK: k must be at least 1");
  if (k > nk)
    throw std::invalid_argument("topK: k = " + std::to_string(k) + " exceeds the number of keys (" +
                                std::to_string(nk) + ")");
  if (nk > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::invalid_argument("topK: keys has " + std::to_string(nk) +
                                " rows; indices are Int32, so at most 2^31 - 1 keys are supported");
  if (std::size_t i = first_non_finite_row(Q, nq, d); i < nq)
    throw std::invalid_argument("topK: queries row " + std::to_string(i) + " contains NaN or Infinity");
  if (std::size_t i = first_non_finite_row(K, nk, d); i < nk)
    throw std::invalid_argument("topK: keys row " + std::to_string(i) + " contains NaN or Infinity");

  // A 256 x 1024 score tile is 1 MiB in float32. Taller query tiles amortize the packing of
  // each key tile over more queries; larger tiles gained nothing more (docs/topk.md).
  const std::size_t qt = std::min<std::size_t>(nq, 256);
  const std::size_t kt = std::min<std::size_t>(nk, 1024);
  const std::size_t qtiles = (nq + qt - 1) / qt;
  const std::size_t ktiles = (nk + kt - 1) / kt;
  const std::size_t threads = static_cast<std::size_t>(get_threads());
  const std::size_t parts =
      qtiles >= threads ? 1 : std::min(ktiles, (threads + qtiles - 1) / qtiles);

  std::vector<TopKEntry<T>> heaps(parts * nq * k);
  std::vector<std::size_t> sizes(parts * nq, 0);
  const std::size_t tasks = qtiles * parts;
  parallel_for(0, tasks, 1, [&](std::size_t lo, std::size_t hi) {
    std::vector<T> S(qt * kt);
    for (std::size_t t = lo; t < hi; ++t) {
      std::size_t q0 = (t / parts) * qt, qm = std::min(qt, nq - q0);
      std::size_t part = t % parts;
      std::size_t k_begin = nk * part / parts, k_end = nk * (part + 1) / parts;
      for (std::size_t k0 = k_begin; k0 < k_end; k0 += kt) {
        std::size_t km = std::min(kt, k_end - k0);
        cross_gram<T>(Q + q0 * d, K + k0 * d, S.data(), 1, qm, km, d);
        for (std::size_t r = 0; r < qm; ++r) {
          std::size_t slot = part * nq + q0 + r;
          BoundedHeap<T> heap{heaps.data() + slot * k, sizes[slot], k};
          const T* s = S.data() + r * km;
          for (std::size_t j = 0; j < km; ++j) heap.offer(s[j], static_cast<std::int32_t>(k0 + j));
          sizes[slot] = heap.size;
        }
      }
    }
  });

  parallel_for(0, nq, 16, [&](std::size_t lo, std::size_t hi) {
    std::vector<TopKEntry<T>> all;
    for (std::size_t q = lo; q < hi; ++q) {
      all.clear();
      for (std::size_t p = 0; p < parts; ++p) {
        std::size_t slot = p * nq + q;
        all.insert(all.end(), heaps.begin() + slot * k, heaps.begin() + slot * k + sizes[slot]);
      }
      write_best(all, k, indices + q * k, scores + q * k);
    }
  });
}

template void top_k<float>(const float*, std::size_t, const float*, std::size_t, std::size_t, std::size_t,
                           std::int32_t*, float*);
template void top_k<double>(const double*, std::size_t, const double*, std::size_t, std::size_t,
                            std::size_t, std::int32_t*, double*);

}  // namespace speclin
