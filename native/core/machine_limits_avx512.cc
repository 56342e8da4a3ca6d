// AVX-512 chains for the peak probe. Like gemm_avx512.cc, this file is compiled with the portable
// flags and enables the instruction set for its functions by target pragma; it is called only after
// run-time detection. Sixteen accumulators: two 512-bit FMA pipes of latency 4 need eight in
// flight, and Zen 4 splits each into two 256-bit halves.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif
#include <immintrin.h>

#include "machine_limits_kernels.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 16;

double run_f32(std::int64_t iterations) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  __m512 c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = _mm512_set1_ps(0.5f + 0.01f * j);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int j = 0; j < kChains; ++j) c[j] = _mm512_fmadd_ps(c[j], a, b);
  }
  __m512 s = c[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_ps(s, c[j]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  double total = 0;
  for (float v : out) total += v;
  return total;
}

double run_f64(std::int64_t iterations) {
  const __m512d a = _mm512_set1_pd(0.999), b = _mm512_set1_pd(0.001);
  __m512d c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = _mm512_set1_pd(0.5 + 0.01 * j);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int j = 0; j < kChains; ++j) c[j] = _mm512_fmadd_pd(c[j], a, b);
  }
  __m512d s = c[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_pd(s, c[j]);
  alignas(64) double out[8];
  _mm512_store_pd(out, s);
  double total = 0;
  for (double v : out) total += v;
  return total;
}

}  // namespace

FmaKernel avx512_fma_kernel(bool float64) {
  return float64 ? FmaKernel{run_f64, 2.0 * 8 * kChains} : FmaKernel{run_f32, 2.0 * 16 * kChains};
}

}  // namespace speclin::machine_limits_detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else  // not x86-64 with a GNU-compatible compiler: the portable chains stand in

#include "machine_limits_kernels.h"
namespace speclin::machine_limits_detail {
FmaKernel avx512_fma_kernel(bool float64) { return portable_fma_kernel(float64); }
}  // namespace speclin::machine_limits_detail
#endif
