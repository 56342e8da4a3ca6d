// The inverted-file index: keys grouped into lists by their nearest centroid (kmeans.h), and a
// search that scans, for each query, only the `nprobe` lists whose centroids score highest.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace speclin {

template <typename T>
struct InvertedLists {
  std::size_t d = 0;
  std::size_t nlist = 0;
  std::size_t size = 0;  // keys over all lists; their ids are 0 .. size - 1
  std::vector<T> centroids;                       // nlist x d, unit rows
  std::vector<std::vector<T>> vectors;            // per list: its keys, len x d, in id order
  std::vector<std::vector<std::int32_t>> ids;     // per list: the keys' ids

  InvertedLists(std::size_t dim, std::vector<T> unit_centroids);
  // Appends the n rows of X (n x d) with ids size, size + 1, ..., each to the list of its nearest
  // centroid. Throws std::invalid_argument if the ids would pass 2^31 - 1.
  void add(const T* X, std::size_t n);
  // The keys back in id order (size x d).
  void gather_keys(T* out) const;
  // Bytes held: keys, ids and centroids (what a key costs is (bytes - centroids) / size).
  std::size_t bytes() const;
};

// For each of the nq rows of Q (nq x d): the k keys of largest inner product among the lists of
// the nprobe centroids that score highest against the query (ties: the lower list), sorted as
// topK sorts (score descending, ties by the lower id). A query whose probed lists hold fewer than
// k keys ends in index -1, score 0. Returns false if *cancel was set (output then unspecified).
// Throws std::invalid_argument for k < 1, k > size, nprobe < 1 or nprobe > nlist.
template <typename T>
bool ivf_search(const InvertedLists<T>& lists, const T* Q, std::size_t nq, std::size_t k, std::size_t nprobe,
                std::int32_t* indices, T* scores, const std::atomic<bool>* cancel);

}  // namespace speclin
