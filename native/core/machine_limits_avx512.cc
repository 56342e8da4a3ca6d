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

#include "machine_limits_chains.h"
#include "machine_limits_kernels.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 16;

struct F32x16 {
  using T = float;
  using V = __m512;
  static constexpr int kWidth = 16;
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V fma(V c, V a, V b) { return _mm512_fmadd_ps(c, a, b); }
  static V add(V x, V y) { return _mm512_add_ps(x, y); }
  static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
};

struct F64x8 {
  using T = double;
  using V = __m512d;
  static constexpr int kWidth = 8;
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V fma(V c, V a, V b) { return _mm512_fmadd_pd(c, a, b); }
  static V add(V x, V y) { return _mm512_add_pd(x, y); }
  static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
};

}  // namespace

FmaKernel avx512_fma_kernel(bool float64) {
  return float64 ? FmaKernel{run_chains<F64x8, kChains>, 2.0 * F64x8::kWidth * kChains}
                 : FmaKernel{run_chains<F32x16, kChains>, 2.0 * F32x16::kWidth * kChains};
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
