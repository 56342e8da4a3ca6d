// The inverted-file index. A search batches its queries by list: each list is scanned once, by
// every query that probes it, as a Gram product (cross_gram of those queries against the list's
// keys), so the scan runs at the speed of the GEMM kernels instead of one dot product at a time.
// The lists are divided between threads by their work (queries x keys), each thread keeping its
// own heap per query; the heaps are merged at the end. As in topK, selection depends only on the
// scores and the (score desc, id asc) order, so the split changes nothing.
#include "ivf.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "gram.h"
#include "kmeans.h"
#include "thread_pool.h"
#include "topk_heap.h"

namespace speclin {

template <typename T>
InvertedLists<T>::InvertedLists(std::size_t dim, std::vector<T> unit_centroids)
    : d(dim), nlist(unit_centroids.size() / dim), centroids(std::move(unit_centroids)) {
  vectors.resize(nlist);
  ids.resize(nlist);
}

template <typename T>
void InvertedLists<T>::add(const T* X, std::size_t n) {
  if (size + n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::invalid_argument("index: " + std::to_string(size + n) +
                                " keys; ids are Int32, so at most 2^31 - 1 keys are supported");
  std::vector<std::int32_t> assign(n);
  nearest_centroids(X, n, centroids.data(), nlist, d, assign.data());
  std::vector<std::size_t> grow(nlist, 0);
  for (std::size_t i = 0; i < n; ++i) ++grow[static_cast<std::size_t>(assign[i])];
  for (std::size_t c = 0; c < nlist; ++c) {
    vectors[c].reserve(vectors[c].size() + grow[c] * d);
    ids[c].reserve(ids[c].size() + grow[c]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = static_cast<std::size_t>(assign[i]);
    vectors[c].insert(vectors[c].end(), X + i * d, X + i * d + d);
    ids[c].push_back(static_cast<std::int32_t>(size + i));
  }
  size += n;
}

template <typename T>
void InvertedLists<T>::gather_keys(T* out) const {
  for (std::size_t c = 0; c < nlist; ++c)
    for (std::size_t j = 0; j < ids[c].size(); ++j)
      std::copy(vectors[c].begin() + j * d, vectors[c].begin() + (j + 1) * d, out + static_cast<std::size_t>(ids[c][j]) * d);
}

template <typename T>
std::size_t InvertedLists<T>::bytes() const {
  std::size_t b = centroids.size() * sizeof(T);
  for (std::size_t c = 0; c < nlist; ++c) b += vectors[c].capacity() * sizeof(T) + ids[c].capacity() * sizeof(std::int32_t);
  return b;
}

namespace {

// Query batches bound the heaps' memory (threads x batch x k entries) whatever nq is.
constexpr std::size_t kQueryBatch = 8192;
// Tiles of one list's scan: queries x keys, a 256 KiB float32 score tile.
constexpr std::size_t kQueryTile = 64;
constexpr std::size_t kKeyTile = 1024;
constexpr std::size_t kKeysFirstBelow = 24;

}  // namespace

template <typename T>
bool ivf_search(const InvertedLists<T>& lists, const T* Q, std::size_t nq, std::size_t k, std::size_t nprobe,
                std::int32_t* indices, T* scores, const std::atomic<bool>* cancel) {
  const std::size_t d = lists.d, nlist = lists.nlist;
  if (k < 1) throw std::invalid_argument("search: k must be at least 1");
  if (k > lists.size)
    throw std::invalid_argument("search: k = " + std::to_string(k) + " exceeds the number of keys in the index (" +
                                std::to_string(lists.size) + ")");
  if (nprobe < 1 || nprobe > nlist)
    throw std::invalid_argument("search: nprobe = " + std::to_string(nprobe) + " must be in [1, " +
                                std::to_string(nlist) + "] (the index's nlist)");
  const std::size_t threads = static_cast<std::size_t>(get_threads());

  for (std::size_t b0 = 0; b0 < nq; b0 += kQueryBatch) {
    if (cancel && cancel->load()) return false;
    const std::size_t nb = std::min(kQueryBatch, nq - b0);
    const T* Qb = Q + b0 * d;

    // 1. The nprobe best lists of each query, from its scores against every centroid.
    std::vector<std::int32_t> probe(nb * nprobe);
    {
      const std::size_t rows = std::max<std::size_t>(16, std::min<std::size_t>(256, (1u << 18) / nlist));
      const std::size_t tiles = (nb + rows - 1) / rows;
      parallel_for(0, tiles, 1, [&](std::size_t lo, std::size_t hi) {
        std::vector<T> S(rows * nlist);
        std::vector<TopKEntry<T>> heap(nprobe), all;
        std::vector<T> centroid_scores(nprobe);
        for (std::size_t t = lo; t < hi; ++t) {
          std::size_t r0 = t * rows, m = std::min(rows, nb - r0);
          cross_gram<T>(Qb + r0 * d, lists.centroids.data(), S.data(), 1, m, nlist, d);
          for (std::size_t r = 0; r < m; ++r) {
            BoundedHeap<T> h{heap.data(), 0, nprobe};
            const T* s = S.data() + r * nlist;
            for (std::size_t c = 0; c < nlist; ++c) h.offer(s[c], static_cast<std::int32_t>(c));
            all.assign(heap.begin(), heap.begin() + static_cast<std::ptrdiff_t>(h.size));
            write_best(all, nprobe, probe.data() + (r0 + r) * nprobe, centroid_scores.data());
          }
        }
      });
    }

    // 2. The queries of each list (in query order), and each list's work.
    std::vector<std::size_t> start(nlist + 1, 0);
    for (std::int32_t c : probe)
      if (c >= 0) ++start[static_cast<std::size_t>(c) + 1];
    for (std::size_t c = 0; c < nlist; ++c) start[c + 1] += start[c];
    std::vector<std::int32_t> members(start[nlist]);
    {
      std::vector<std::size_t> fill(start.begin(), start.end() - 1);
      for (std::size_t q = 0; q < nb; ++q)
        for (std::size_t j = 0; j < nprobe; ++j) {
          std::int32_t c = probe[q * nprobe + j];
          if (c >= 0) members[fill[static_cast<std::size_t>(c)]++] = static_cast<std::int32_t>(q);
        }
    }
    // Contiguous ranges of lists of about equal work (queries x keys, plus a per-query term for
    // the heap offers' bookkeeping), one per thread.
    std::vector<double> work(nlist + 1, 0);
    for (std::size_t c = 0; c < nlist; ++c)
      work[c + 1] = work[c] + double(start[c + 1] - start[c]) * double(lists.ids[c].size() + 8);
    const std::size_t parts = std::max<std::size_t>(1, std::min(threads, nlist));
    std::vector<std::size_t> cut(parts + 1, nlist);
    cut[0] = 0;
    for (std::size_t p = 1; p < parts; ++p)
      cut[p] = static_cast<std::size_t>(std::lower_bound(work.begin(), work.end(), work[nlist] * double(p) / double(parts)) - work.begin());
    for (std::size_t p = 1; p <= parts; ++p) cut[p] = std::max(cut[p], cut[p - 1]);

    // 3. Each part scans its lists into its own heaps.
    std::vector<TopKEntry<T>> heaps(parts * nb * k);
    std::vector<std::size_t> sizes(parts * nb, 0);
    std::atomic<bool> stopped{false};
    parallel_for(0, parts, 1, [&](std::size_t lo, std::size_t hi) {
      std::vector<T> Qg(kQueryTile * d), S(kQueryTile * kKeyTile);
      for (std::size_t p = lo; p < hi; ++p) {
        for (std::size_t c = cut[p]; c < cut[p + 1]; ++c) {
          if (cancel && cancel->load()) {
            stopped = true;
            return;
          }
          const std::size_t len = lists.ids[c].size();
          if (len == 0) continue;
          const T* V = lists.vectors[c].data();
          const std::int32_t* id = lists.ids[c].data();
          for (std::size_t g0 = start[c]; g0 < start[c + 1]; g0 += kQueryTile) {
            const std::size_t gm = std::min(kQueryTile, start[c + 1] - g0);
            for (std::size_t r = 0; r < gm; ++r) {
              const T* q = Qb + static_cast<std::size_t>(members[g0 + r]) * d;
              std::copy(q, q + d, Qg.data() + r * d);
            }
            for (std::size_t j0 = 0; j0 < len; j0 += kKeyTile) {
              const std::size_t jm = std::min(kKeyTile, len - j0);
              // With few queries per list, keys x queries: the GEMM then packs the few queries
              // rather than the list's many keys (pack_bt was 8% of a profile at 8 queries per
              // list). docs/search.md has the measurement.
              const bool keys_first = gm < kKeysFirstBelow;
              if (keys_first) cross_gram<T>(V + j0 * d, Qg.data(), S.data(), 1, jm, gm, d);
              else cross_gram<T>(Qg.data(), V + j0 * d, S.data(), 1, gm, jm, d);
              const std::size_t row_step = keys_first ? 1 : jm, col_step = keys_first ? gm : 1;
              for (std::size_t r = 0; r < gm; ++r) {
                const std::size_t slot = p * nb + static_cast<std::size_t>(members[g0 + r]);
                BoundedHeap<T> h{heaps.data() + slot * k, sizes[slot], k};
                const T* s = S.data() + r * row_step;
                for (std::size_t j = 0; j < jm; ++j) h.offer(s[j * col_step], id[j0 + j]);
                sizes[slot] = h.size;
              }
            }
          }
        }
      }
    });
    if (stopped) return false;

    // 4. Merge each query's heaps.
    parallel_for(0, nb, 16, [&](std::size_t lo, std::size_t hi) {
      std::vector<TopKEntry<T>> all;
      for (std::size_t q = lo; q < hi; ++q) {
        all.clear();
        for (std::size_t p = 0; p < parts; ++p) {
          std::size_t slot = p * nb + q;
          all.insert(all.end(), heaps.begin() + static_cast<std::ptrdiff_t>(slot * k),
                     heaps.begin() + static_cast<std::ptrdiff_t>(slot * k + sizes[slot]));
        }
        write_best(all, k, indices + (b0 + q) * k, scores + (b0 + q) * k);
      }
    });
  }
  return true;
}

template struct InvertedLists<float>;
template struct InvertedLists<double>;
template bool ivf_search<float>(const InvertedLists<float>&, const float*, std::size_t, std::size_t, std::size_t,
                                std::int32_t*, float*, const std::atomic<bool>*);
template bool ivf_search<double>(const InvertedLists<double>&, const double*, std::size_t, std::size_t,
                                 std::size_t, std::int32_t*, double*, const std::atomic<bool>*);

}  // namespace speclin
