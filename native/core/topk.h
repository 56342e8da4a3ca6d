// Exact maximum inner product search: for each query row, the k key rows with the largest inner
// product, sorted by descending score, ties broken by the lower key index.
#pragma once
#include <cstddef>
#include <cstdint>

namespace speclin {

// Q is nq x d, K is nk x d (row-major). Writes nq x k indices and scores. Scores come from the
// Gram kernels' cross_gram on tiles of keys, so memory beyond the output stays
// O(query tile x key tile) per thread (plus one heap of k per query and key partition).
// Bad arguments (k < 1, k > nk, nk beyond int32, NaN or Infinity in Q or K) throw
// std::invalid_argument naming the argument.
template <typename T>
void top_k(const T* Q, std::size_t nq, const T* K, std::size_t nk, std::size_t d, std::size_t k,
           std::int32_t* indices, T* scores);

}  // namespace speclin
