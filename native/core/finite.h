// Scans for NaN and Infinity: the loss's overflow check and topK's and the search index's input
// checks.
#pragma once
#include <cstddef>

namespace speclin {

// True when none of x[0..count) is NaN or Infinity, over chunks split across the thread pool.
template <typename T>
bool all_finite(const T* x, std::size_t count);

// Index of the first row of X (n x d) holding a NaN or Infinity, or n if none.
template <typename T>
std::size_t first_non_finite_row(const T* X, std::size_t n, std::size_t d);

}  // namespace speclin
