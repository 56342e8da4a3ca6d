// AVX2+FMA micro-kernels. This file alone is compiled with -mavx2 -mfma; gram.cc calls into it
// only when cpu_features reports both, so the rest of the core stays runnable on any x86-64.
//
// Shape: 6 rows x 2 vectors (6 x 16 floats, 6 x 8 doubles). Twelve accumulators hide the FMA
// latency (4-5 cycles, two FMA ports: at least 8-10 independent chains are needed), and with two
// B vectors and one broadcast A value they fill 15 of the 16 ymm registers without spilling.
// Per k step: 2 loads of B, 6 broadcasts of A, 12 FMAs, so loads never limit the FMA ports.
#include <immintrin.h>

#include "gemm_kernels.h"

namespace speclin::gemm_detail {
namespace {

inline void store_tile_row(float* c, __m256 lo, __m256 hi, __m256 alpha, __m256 beta, bool read_c) {
  if (read_c) {
    lo = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), _mm256_mul_ps(alpha, lo));
    hi = _mm256_fmadd_ps(beta, _mm256_loadu_ps(c + 8), _mm256_mul_ps(alpha, hi));
  } else {
    lo = _mm256_mul_ps(alpha, lo);
    hi = _mm256_mul_ps(alpha, hi);
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}

inline void store_tile_row(double* c, __m256d lo, __m256d hi, __m256d alpha, __m256d beta, bool read_c) {
  if (read_c) {
    lo = _mm256_fmadd_pd(beta, _mm256_loadu_pd(c), _mm256_mul_pd(alpha, lo));
    hi = _mm256_fmadd_pd(beta, _mm256_loadu_pd(c + 4), _mm256_mul_pd(alpha, hi));
  } else {
    lo = _mm256_mul_pd(alpha, lo);
    hi = _mm256_mul_pd(alpha, hi);
  }
  _mm256_storeu_pd(c, lo);
  _mm256_storeu_pd(c + 4, hi);
}

void kernel_f32_6x16(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                     float alpha, float beta) {
  // The tile's rows are written at the end; asking for them now overlaps the misses with the loop.
  for (int i = 0; i < 6; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (std::size_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 ai;
    ai = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(ai, b0, c00); c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(ai, b0, c10); c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(ai, b0, c20); c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(ai, b0, c30); c31 = _mm256_fmadd_ps(ai, b1, c31);
    ai = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(ai, b0, c40); c41 = _mm256_fmadd_ps(ai, b1, c41);
    ai = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(ai, b0, c50); c51 = _mm256_fmadd_ps(ai, b1, c51);
    a += 6;
    b += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool read_c = beta != 0.0f;
  store_tile_row(c + 0 * ldc, c00, c01, va, vb, read_c);
  store_tile_row(c + 1 * ldc, c10, c11, va, vb, read_c);
  store_tile_row(c + 2 * ldc, c20, c21, va, vb, read_c);
  store_tile_row(c + 3 * ldc, c30, c31, va, vb, read_c);
  store_tile_row(c + 4 * ldc, c40, c41, va, vb, read_c);
  store_tile_row(c + 5 * ldc, c50, c51, va, vb, read_c);
}

void kernel_f64_6x8(std::size_t kc, const double* a, const double* b, double* c, std::size_t ldc,
                    double alpha, double beta) {
  for (int i = 0; i < 6; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
#pragma GCC unroll 4
  for (std::size_t p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_load_pd(b);
    const __m256d b1 = _mm256_load_pd(b + 4);
    __m256d ai;
    ai = _mm256_broadcast_sd(a + 0); c00 = _mm256_fmadd_pd(ai, b0, c00); c01 = _mm256_fmadd_pd(ai, b1, c01);
    ai = _mm256_broadcast_sd(a + 1); c10 = _mm256_fmadd_pd(ai, b0, c10); c11 = _mm256_fmadd_pd(ai, b1, c11);
    ai = _mm256_broadcast_sd(a + 2); c20 = _mm256_fmadd_pd(ai, b0, c20); c21 = _mm256_fmadd_pd(ai, b1, c21);
    ai = _mm256_broadcast_sd(a + 3); c30 = _mm256_fmadd_pd(ai, b0, c30); c31 = _mm256_fmadd_pd(ai, b1, c31);
    ai = _mm256_broadcast_sd(a + 4); c40 = _mm256_fmadd_pd(ai, b0, c40); c41 = _mm256_fmadd_pd(ai, b1, c41);
    ai = _mm256_broadcast_sd(a + 5); c50 = _mm256_fmadd_pd(ai, b0, c50); c51 = _mm256_fmadd_pd(ai, b1, c51);
    a += 6;
    b += 8;
  }
  const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
  const bool read_c = beta != 0.0;
  store_tile_row(c + 0 * ldc, c00, c01, va, vb, read_c);
  store_tile_row(c + 1 * ldc, c10, c11, va, vb, read_c);
  store_tile_row(c + 2 * ldc, c20, c21, va, vb, read_c);
  store_tile_row(c + 3 * ldc, c30, c31, va, vb, read_c);
  store_tile_row(c + 4 * ldc, c40, c41, va, vb, read_c);
  store_tile_row(c + 5 * ldc, c50, c51, va, vb, read_c);
}

}  // namespace

// Blocking for a Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB L3), which also suits larger Intel
// caches: kc = 256 keeps a B micro-panel (16 KiB) and an A micro-panel (6 or 12 KiB) in L1;
// mc x kc of A is 144 KiB of L2; the shared kc x nc block of B is 3-4 MiB of L3.
template <>
const KernelSpec<float>& avx2_spec<float>() {
  static const KernelSpec<float> spec{6, 16, 256, 144, 3072, kernel_f32_6x16};
  return spec;
}
template <>
const KernelSpec<double>& avx2_spec<double>() {
  static const KernelSpec<double> spec{6, 8, 256, 72, 2048, kernel_f64_6x8};
  return spec;
}

}  // namespace speclin::gemm_detail
