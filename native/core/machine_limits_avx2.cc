// AVX2+FMA chains for the peak probe. Twelve independent accumulators: two FMA pipes with a latency
// of 4 to 5 cycles need at least ten in flight to issue one FMA per pipe per cycle.
#include <immintrin.h>

#include "machine_limits_chains.h"
#include "machine_limits_kernels.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 12;

struct F32x8 {
  using T = float;
  using V = __m256;
  static constexpr int kWidth = 8;
  static V set1(T x) { return _mm256_set1_ps(x); }
  static V fma(V c, V a, V b) { return _mm256_fmadd_ps(c, a, b); }
  static V add(V x, V y) { return _mm256_add_ps(x, y); }
  static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
};

struct F64x4 {
  using T = double;
  using V = __m256d;
  static constexpr int kWidth = 4;
  static V set1(T x) { return _mm256_set1_pd(x); }
  static V fma(V c, V a, V b) { return _mm256_fmadd_pd(c, a, b); }
  static V add(V x, V y) { return _mm256_add_pd(x, y); }
  static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
};

}  // namespace

FmaKernel avx2_fma_kernel(bool float64) {
  // One FMA is two flops per lane.
  return float64 ? FmaKernel{run_chains<F64x4, kChains>, 2.0 * F64x4::kWidth * kChains}
                 : FmaKernel{run_chains<F32x8, kChains>, 2.0 * F32x8::kWidth * kChains};
}

}  // namespace speclin::machine_limits_detail
