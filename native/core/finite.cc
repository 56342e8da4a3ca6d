#include "finite.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "thread_pool.h"

namespace speclin {
namespace {

// Nonzero when x[0..count) holds a value whose exponent bits are all ones (NaN or Infinity). No
// exit inside the loop, so that the compiler vectorizes it (docs/loss.md: the per-element exit it
// replaces did not).
template <typename T>
bool any_non_finite(const T* x, std::size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  static_assert(sizeof(Bits) == sizeof(T), "float or double");
  constexpr Bits exponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits found = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Bits bits;
    std::memcpy(&bits, x + i, sizeof(T));
    found |= Bits((bits & exponent) == exponent);
  }
  return found != 0;
}

}  // namespace

template <typename T>
bool all_finite(const T* x, std::size_t count) {
  constexpr std::size_t chunk = 4096;
  std::atomic<bool> bad{false};
  parallel_for(0, (count + chunk - 1) / chunk, 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t c = lo; c < hi && !bad.load(std::memory_order_relaxed); ++c) {
      const std::size_t begin = c * chunk;
      if (any_non_finite(x + begin, std::min(count, begin + chunk) - begin)) bad.store(true, std::memory_order_relaxed);
    }
  });
  return !bad.load();
}

template <typename T>
std::size_t first_non_finite_row(const T* X, std::size_t n, std::size_t d) {
  if (n == 0) return 0;  // no chunks to take the minimum over
  const std::size_t grain = std::max<std::size_t>(1, 65536 / d);
  std::vector<std::size_t> first(parallel_chunks(0, n, grain), n);
  parallel_for_chunks(0, n, grain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (any_non_finite(X + i * d, d)) {
        first[c] = i;
        return;
      }
    }
  });
  return *std::min_element(first.begin(), first.end());
}

template bool all_finite<float>(const float*, std::size_t);
template bool all_finite<double>(const double*, std::size_t);
template std::size_t first_non_finite_row<float>(const float*, std::size_t, std::size_t);
template std::size_t first_non_finite_row<double>(const double*, std::size_t, std::size_t);

}  // namespace speclin
