// Whether every value of an array is finite: the check behind the loss's overflow error.
#pragma once
#include <cstddef>

namespace speclin {

// True when none of x[0..count) is NaN or Infinity. Tests the exponent bits, without a branch per
// value, over chunks split across the thread pool.
template <typename T>
bool all_finite(const T* x, std::size_t count);

}  // namespace speclin
