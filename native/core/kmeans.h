// Spherical k-means, the coarse quantizer of the inverted-file index: centroids of unit norm, each
// point assigned to the centroid of largest inner product (for unit-norm points, the nearest one).
// The assignment step is a Gram product (cross_gram of a tile of points against the centroids).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace speclin {

// assign[i] = argmax_c <X[i], C[c]> (ties: the lower c). X is n x d, C is nlist x d, row-major.
// Deterministic: each score is one cross_gram entry, whatever the tiling or thread count.
template <typename T>
void nearest_centroids(const T* X, std::size_t n, const T* C, std::size_t nlist, std::size_t d,
                       std::int32_t* assign);

struct KmeansOptions {
  std::size_t nlist = 0;
  std::size_t iterations = 20;
  // Points trained on: at most this many per centroid, drawn by `seed` (as faiss's
  // max_points_per_centroid: more points move the centroids little and cost linearly).
  std::size_t max_points_per_centroid = 256;
  std::uint64_t seed = 0;
};

// Trains opts.nlist unit-norm centroids on the rows of X (n x d) into C (nlist x d). An empty
// cluster takes over half of the largest one (its centroid, perturbed). Returns false, with C
// holding the last complete iteration's centroids, when *cancel was set between iterations.
// Throws std::invalid_argument when nlist is 0 or exceeds n. Bit-identical for a given seed and
// thread count.
template <typename T>
bool train_centroids(const T* X, std::size_t n, std::size_t d, const KmeansOptions& opts, T* C,
                     const std::atomic<bool>* cancel);

}  // namespace speclin
