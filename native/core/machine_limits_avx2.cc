// AVX2+FMA chains for the peak probe. Twelve independent accumulators: two FMA pipes with a latency
// of 4 to 5 cycles need at least ten in flight to issue one FMA per pipe per cycle.
#include <immintrin.h>

#include "machine_limits_kernels.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 12;

// The chains converge to b / (1 - a) = 1, so no value overflows or becomes subnormal.
double run_f32(std::int64_t iterations) {
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  __m256 c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = _mm256_set1_ps(0.5f + 0.01f * j);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) c[j] = _mm256_fmadd_ps(c[j], a, b);
  }
  __m256 s = c[0];
  for (int j = 1; j < kChains; ++j) s = _mm256_add_ps(s, c[j]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  double total = 0;
  for (float v : out) total += v;
  return total;
}

double run_f64(std::int64_t iterations) {
  const __m256d a = _mm256_set1_pd(0.999), b = _mm256_set1_pd(0.001);
  __m256d c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = _mm256_set1_pd(0.5 + 0.01 * j);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) c[j] = _mm256_fmadd_pd(c[j], a, b);
  }
  __m256d s = c[0];
  for (int j = 1; j < kChains; ++j) s = _mm256_add_pd(s, c[j]);
  alignas(32) double out[4];
  _mm256_store_pd(out, s);
  return out[0] + out[1] + out[2] + out[3];
}

}  // namespace

FmaKernel avx2_fma_kernel(bool float64) {
  // One FMA is two flops per lane: 8 float32 or 4 float64 lanes per 256-bit register.
  return float64 ? FmaKernel{run_f64, 2.0 * 4 * kChains} : FmaKernel{run_f32, 2.0 * 8 * kChains};
}

}  // namespace speclin::machine_limits_detail
