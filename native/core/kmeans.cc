// Spherical k-means for the inverted-file index. The assignment step, the only O(n nlist d) part,
// is cross_gram on tiles of points against all centroids, followed by a scan for each row's
// maximum; the update sums each cluster in float64 in point order, so it is deterministic.
#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "gram.h"
#include "thread_pool.h"

namespace speclin {
namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Scales `v` (length d) to unit norm; false (v untouched) if its norm is 0 or not finite.
template <typename T>
bool normalize(T* v, const double* sum, std::size_t d) {
  double n2 = 0;
  for (std::size_t j = 0; j < d; ++j) n2 += sum[j] * sum[j];
  if (!(n2 > 0) || !std::isfinite(n2)) return false;
  double inv = 1 / std::sqrt(n2);
  for (std::size_t j = 0; j < d; ++j) v[j] = static_cast<T>(sum[j] * inv);
  return true;
}

}  // namespace

template <typename T>
void nearest_centroids(const T* X, std::size_t n, const T* C, std::size_t nlist, std::size_t d,
                       std::int32_t* assign) {
  // Row tiles keep the score tile near 1 MiB whatever nlist is.
  const std::size_t rows = std::max<std::size_t>(16, std::min<std::size_t>(1024, (1u << 18) / nlist));
  const std::size_t tiles = (n + rows - 1) / rows;
  parallel_for(0, tiles, 1, [&](std::size_t lo, std::size_t hi) {
    std::vector<T> S(rows * nlist);
    for (std::size_t t = lo; t < hi; ++t) {
      std::size_t r0 = t * rows, m = std::min(rows, n - r0);
      cross_gram<T>(X + r0 * d, C, S.data(), 1, m, nlist, d);
      for (std::size_t r = 0; r < m; ++r) {
        const T* s = S.data() + r * nlist;
        std::size_t best = 0;
        // Strictly greater: ties keep the lower centroid; a NaN score never wins.
        for (std::size_t c = 1; c < nlist; ++c)
          if (s[c] > s[best] || (std::isnan(s[best]) && !std::isnan(s[c]))) best = c;
        assign[r0 + r] = static_cast<std::int32_t>(best);
      }
    }
  });
}

template <typename T>
bool train_centroids(const T* X, std::size_t n, std::size_t d, const KmeansOptions& opts, T* C,
                     const std::atomic<bool>* cancel) {
  const std::size_t nlist = opts.nlist;
  if (nlist < 1) throw std::invalid_argument("k-means: nlist must be at least 1");
  if (nlist > n)
    throw std::invalid_argument("k-means: nlist = " + std::to_string(nlist) + " exceeds the number of keys (" +
                                std::to_string(n) + "); each list needs at least one key to start from");
  // The training sample: a seeded partial Fisher-Yates shuffle of the row indices; the first
  // nlist of them (distinct rows) are the initial centroids.
  std::uint64_t state = opts.seed;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t m = std::min(n, std::max(nlist, nlist * opts.max_points_per_centroid));
  for (std::size_t i = 0; i < m; ++i) std::swap(order[i], order[i + splitmix64(state) % (n - i)]);
  order.resize(m);
  // Training on every point needs no copy; a sample is gathered in memory order.
  std::vector<T> gathered;
  if (m < n) {
    std::vector<std::size_t> rows(order);
    std::sort(rows.begin(), rows.end());
    gathered.resize(m * d);
    for (std::size_t i = 0; i < m; ++i) std::copy(X + rows[i] * d, X + rows[i] * d + d, gathered.data() + i * d);
  }
  const T* sample = m < n ? gathered.data() : X;

  std::vector<double> sum(nlist * d);
  for (std::size_t c = 0; c < nlist; ++c) {
    std::copy(X + order[c] * d, X + order[c] * d + d, sum.data() + c * d);
    // A zero row as a start is kept as is: no point prefers it over a unit centroid with a
    // positive score, and the empty-cluster rule then replaces it.
    if (!normalize(C + c * d, sum.data() + c * d, d)) std::fill(C + c * d, C + c * d + d, T(0));
  }
  std::vector<std::int32_t> assign(m);
  std::vector<std::size_t> count(nlist);
  for (std::size_t it = 0; it < opts.iterations; ++it) {
    if (cancel && cancel->load()) return false;
    nearest_centroids(sample, m, C, nlist, d, assign.data());
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < m; ++i) {
      std::size_t c = static_cast<std::size_t>(assign[i]);
      ++count[c];
      const T* x = sample + i * d;
      double* s = sum.data() + c * d;
      for (std::size_t j = 0; j < d; ++j) s[j] += x[j];
    }
    for (std::size_t c = 0; c < nlist; ++c)
      if (count[c] > 0 && !normalize(C + c * d, sum.data() + c * d, d)) count[c] = 0;
    // Empty clusters (or ones whose points cancel out) split the largest cluster: two copies of
    // its centroid pushed apart by a small symmetric perturbation, as faiss does.
    for (std::size_t c = 0; c < nlist; ++c) {
      if (count[c] > 0) continue;
      std::size_t big = static_cast<std::size_t>(std::max_element(count.begin(), count.end()) - count.begin());
      if (count[big] < 2) break;
      std::vector<double> a(d), b(d);
      for (std::size_t j = 0; j < d; ++j) {
        double eps = (j % 2 ? 1.0 : -1.0) / 1024.0;
        a[j] = double(C[big * d + j]) * (1 + eps);
        b[j] = double(C[big * d + j]) * (1 - eps);
      }
      normalize(C + c * d, a.data(), d);
      normalize(C + big * d, b.data(), d);
      count[c] = count[big] / 2;
      count[big] -= count[c];
    }
  }
  return true;
}

template void nearest_centroids<float>(const float*, std::size_t, const float*, std::size_t, std::size_t,
                                       std::int32_t*);
template void nearest_centroids<double>(const double*, std::size_t, const double*, std::size_t, std::size_t,
                                        std::int32_t*);
template bool train_centroids<float>(const float*, std::size_t, std::size_t, const KmeansOptions&, float*,
                                     const std::atomic<bool>*);
template bool train_centroids<double>(const double*, std::size_t, std::size_t, const KmeansOptions&, double*,
                                      const std::atomic<bool>*);

}  // namespace speclin
