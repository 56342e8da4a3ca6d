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

void kernel_f32_6x16(std::size_t kc, const float* a, std::size_t rsa, std::size_t csa, const float* b,
                     float* c, std::size_t ldc, float alpha, float beta) {
  // The tile's rows are written at the end; asking for them now overlaps the misses with the loop.
  for (int i = 0; i < 6; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  const auto *a0 = a, *a1 = a + rsa, *a2 = a + 2 * rsa, *a3 = a + 3 * rsa, *a4 = a + 4 * rsa,
             *a5 = a + 5 * rsa;
#pragma GCC unroll 4
  for (std::size_t p = 0, off = 0; p < kc; ++p, off += csa) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 ai;
    ai = _mm256_broadcast_ss(a0 + off); c00 = _mm256_fmadd_ps(ai, b0, c00); c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a1 + off); c10 = _mm256_fmadd_ps(ai, b0, c10); c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a2 + off); c20 = _mm256_fmadd_ps(ai, b0, c20); c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a3 + off); c30 = _mm256_fmadd_ps(ai, b0, c30); c31 = _mm256_fmadd_ps(ai, b1, c31);
    ai = _mm256_broadcast_ss(a4 + off); c40 = _mm256_fmadd_ps(ai, b0, c40); c41 = _mm256_fmadd_ps(ai, b1, c41);
    ai = _mm256_broadcast_ss(a5 + off); c50 = _mm256_fmadd_ps(ai, b0, c50); c51 = _mm256_fmadd_ps(ai, b1, c51);
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

void kernel_f64_6x8(std::size_t kc, const double* a, std::size_t rsa, std::size_t csa, const double* b,
                     double* c, std::size_t ldc, double alpha, double beta) {
  for (int i = 0; i < 6; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
  const auto *a0 = a, *a1 = a + rsa, *a2 = a + 2 * rsa, *a3 = a + 3 * rsa, *a4 = a + 4 * rsa,
             *a5 = a + 5 * rsa;
#pragma GCC unroll 4
  for (std::size_t p = 0, off = 0; p < kc; ++p, off += csa) {
    const __m256d b0 = _mm256_load_pd(b);
    const __m256d b1 = _mm256_load_pd(b + 4);
    __m256d ai;
    ai = _mm256_broadcast_sd(a0 + off); c00 = _mm256_fmadd_pd(ai, b0, c00); c01 = _mm256_fmadd_pd(ai, b1, c01);
    ai = _mm256_broadcast_sd(a1 + off); c10 = _mm256_fmadd_pd(ai, b0, c10); c11 = _mm256_fmadd_pd(ai, b1, c11);
    ai = _mm256_broadcast_sd(a2 + off); c20 = _mm256_fmadd_pd(ai, b0, c20); c21 = _mm256_fmadd_pd(ai, b1, c21);
    ai = _mm256_broadcast_sd(a3 + off); c30 = _mm256_fmadd_pd(ai, b0, c30); c31 = _mm256_fmadd_pd(ai, b1, c31);
    ai = _mm256_broadcast_sd(a4 + off); c40 = _mm256_fmadd_pd(ai, b0, c40); c41 = _mm256_fmadd_pd(ai, b1, c41);
    ai = _mm256_broadcast_sd(a5 + off); c50 = _mm256_fmadd_pd(ai, b0, c50); c51 = _mm256_fmadd_pd(ai, b1, c51);
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

// Transposes the 8 x 8 block r[0..8) in place: r[q] becomes column q.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    u[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x20);
    r[q + 4] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x31);
  }
}

inline void transpose4(__m256d r[4]) {
  __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// The transposing pack of B (Z W^T reads W by rows) as register transposes of 8 x 8 (4 x 4)
// blocks instead of element-by-element strided stores.
void pack_bt_f32(const float* src, std::size_t ldb, std::size_t kc, float* dst) {
  std::size_t p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int h = 0; h < 16; h += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (h + i) * ldb + p);
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * 16 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 16; ++j) dst[p * 16 + j] = src[j * ldb + p];
}

void pack_bt_f64(const double* src, std::size_t ldb, std::size_t kc, double* dst) {
  std::size_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int h = 0; h < 8; h += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(src + (h + i) * ldb + p);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_store_pd(dst + (p + q) * 8 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 8; ++j) dst[p * 8 + j] = src[j * ldb + p];
}

// 6 x 16 floats as two 8 x 8 transposes with two rows of padding: each dst row gets 8 values,
// the last two of them padding.
void transpose_tile_f32(const float* c, std::size_t ldc, float* dst, std::size_t ldd) {
  for (int h = 0; h < 16; h += 8) {
    __m256 r[8];
    for (int i = 0; i < 6; ++i) r[i] = _mm256_loadu_ps(c + i * ldc + h);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (h + q) * ldd, r[q]);
  }
}

void transpose_tile_f64(const double* c, std::size_t ldc, double* dst, std::size_t ldd) {
  for (int h = 0; h < 8; h += 4)
    for (int v = 0; v < 8; v += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i)
        r[i] = v + i < 6 ? _mm256_loadu_pd(c + (v + i) * ldc + h) : _mm256_setzero_pd();
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_storeu_pd(dst + (h + q) * ldd + v, r[q]);
    }
}

}  // namespace

// Blocking for a Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB L3), which also suits larger Intel
// caches: kc = 256 keeps a B micro-panel (16 KiB) and an A micro-panel (6 or 12 KiB) in L1;
// mc x kc of A is 144 KiB of L2; the shared kc x nc block of B is 3-4 MiB of L3.
template <>
const KernelSpec<float>& avx2_spec<float>() {
  static const KernelSpec<float> spec{6, 16, 256, 144, 3072, kernel_f32_6x16, pack_bt_f32, transpose_tile_f32};
  return spec;
}
template <>
const KernelSpec<double>& avx2_spec<double>() {
  static const KernelSpec<double> spec{6, 8, 256, 72, 2048, kernel_f64_6x8, pack_bt_f64, transpose_tile_f64};
  return spec;
}

}  // namespace speclin::gemm_detail
