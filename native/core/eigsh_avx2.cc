// The row kernel of eigsh's fused Gram-Schmidt pass (see gs_pass in eigsh.cc), with AVX2+FMA.
// Compiled with -mavx2 -mfma; called only when cpu_features says the CPU has them.
#include <immintrin.h>

#include <cstddef>

#include "eigsh_kernels.h"

namespace speclin {

namespace {

// The four lanes' sums of a0..a3, as one vector {sum a0, sum a1, sum a2, sum a3}: one reduction
// for four rows instead of a dependent horizontal sum per row.
inline __m256d reduce4(__m256d a0, __m256d a1, __m256d a2, __m256d a3) {
  __m256d t01 = _mm256_hadd_pd(a0, a1), t23 = _mm256_hadd_pd(a2, a3);
  return _mm256_add_pd(_mm256_permute2f128_pd(t01, t23, 0x20), _mm256_permute2f128_pd(t01, t23, 0x31));
}

inline __m256i tail_mask(std::size_t t) {
  return _mm256_setr_epi64x(t > 0 ? -1 : 0, t > 1 ? -1 : 0, t > 2 ? -1 : 0, 0);
}

// w_r[q] -= v_r . c_q for four rows r and coefficient rows q0, q0+1: the rows' loads are shared
// by both coefficient rows and the eight accumulators are independent chains.
inline void subtract_two(const double* const v[4], double* const w[4], std::size_t rows, const double* c0,
                         const double* c1, std::size_t j, std::size_t q, __m256i mask) {
  __m256d a00 = _mm256_setzero_pd(), a10 = a00, a20 = a00, a30 = a00;
  __m256d a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  std::size_t p = 0;
  for (; p + 4 <= j; p += 4) {
    __m256d x0 = _mm256_loadu_pd(v[0] + p), x1 = _mm256_loadu_pd(v[1] + p), x2 = _mm256_loadu_pd(v[2] + p),
            x3 = _mm256_loadu_pd(v[3] + p);
    __m256d y0 = _mm256_loadu_pd(c0 + p), y1 = _mm256_loadu_pd(c1 + p);
    a00 = _mm256_fmadd_pd(x0, y0, a00), a10 = _mm256_fmadd_pd(x1, y0, a10);
    a20 = _mm256_fmadd_pd(x2, y0, a20), a30 = _mm256_fmadd_pd(x3, y0, a30);
    a01 = _mm256_fmadd_pd(x0, y1, a01), a11 = _mm256_fmadd_pd(x1, y1, a11);
    a21 = _mm256_fmadd_pd(x2, y1, a21), a31 = _mm256_fmadd_pd(x3, y1, a31);
  }
  if (p < j) {
    __m256d x0 = _mm256_maskload_pd(v[0] + p, mask), x1 = _mm256_maskload_pd(v[1] + p, mask),
            x2 = _mm256_maskload_pd(v[2] + p, mask), x3 = _mm256_maskload_pd(v[3] + p, mask);
    __m256d y0 = _mm256_maskload_pd(c0 + p, mask), y1 = _mm256_maskload_pd(c1 + p, mask);
    a00 = _mm256_fmadd_pd(x0, y0, a00), a10 = _mm256_fmadd_pd(x1, y0, a10);
    a20 = _mm256_fmadd_pd(x2, y0, a20), a30 = _mm256_fmadd_pd(x3, y0, a30);
    a01 = _mm256_fmadd_pd(x0, y1, a01), a11 = _mm256_fmadd_pd(x1, y1, a11);
    a21 = _mm256_fmadd_pd(x2, y1, a21), a31 = _mm256_fmadd_pd(x3, y1, a31);
  }
  alignas(32) double d0[4], d1[4];
  _mm256_store_pd(d0, reduce4(a00, a10, a20, a30));
  _mm256_store_pd(d1, reduce4(a01, a11, a21, a31));
  for (std::size_t r = 0; r < rows; ++r) w[r][q] -= d0[r], w[r][q + 1] -= d1[r];
}

inline void subtract_one(const double* const v[4], double* const w[4], std::size_t rows, const double* c0,
                         std::size_t j, std::size_t q, __m256i mask) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  std::size_t p = 0;
  for (; p + 4 <= j; p += 4) {
    __m256d y0 = _mm256_loadu_pd(c0 + p);
    a0 = _mm256_fmadd_pd(_mm256_loadu_pd(v[0] + p), y0, a0);
    a1 = _mm256_fmadd_pd(_mm256_loadu_pd(v[1] + p), y0, a1);
    a2 = _mm256_fmadd_pd(_mm256_loadu_pd(v[2] + p), y0, a2);
    a3 = _mm256_fmadd_pd(_mm256_loadu_pd(v[3] + p), y0, a3);
  }
  if (p < j) {
    __m256d y0 = _mm256_maskload_pd(c0 + p, mask);
    a0 = _mm256_fmadd_pd(_mm256_maskload_pd(v[0] + p, mask), y0, a0);
    a1 = _mm256_fmadd_pd(_mm256_maskload_pd(v[1] + p, mask), y0, a1);
    a2 = _mm256_fmadd_pd(_mm256_maskload_pd(v[2] + p, mask), y0, a2);
    a3 = _mm256_fmadd_pd(_mm256_maskload_pd(v[3] + p, mask), y0, a3);
  }
  alignas(32) double d0[4];
  _mm256_store_pd(d0, reduce4(a0, a1, a2, a3));
  for (std::size_t r = 0; r < rows; ++r) w[r][q] -= d0[r];
}

// w_r -= v_r CsubT^T for the rows of a group (CsubT b x j, transposed coefficients).
inline void subtract_block(const double* const v[4], double* const w[4], std::size_t rows, const double* CsubT,
                           std::size_t j, std::size_t b, __m256i mask) {
  std::size_t q = 0;
  for (; q + 2 <= b; q += 2) subtract_two(v, w, rows, CsubT + q * j, CsubT + (q + 1) * j, j, q, mask);
  if (q < b) subtract_one(v, w, rows, CsubT + q * j, j, q, mask);
}

// gram (upper triangle) += w_r^T w_r, and acc (b x j, transposed) += w_r^T v_r, for the rows of a
// group: each accumulator vector of acc is loaded and stored once for four rows.
inline void accumulate(const double* const v[4], double* const w[4], std::size_t rows, std::size_t b, std::size_t j,
                       double* acc, double* gram) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t a = 0; a < b; ++a)
      for (std::size_t z = a; z < b; ++z) gram[a * b + z] += w[r][a] * w[r][z];
  if (!acc) return;
  for (std::size_t q = 0; q < b; ++q) {
    double wq[4];
    for (std::size_t r = 0; r < 4; ++r) wq[r] = r < rows ? w[r][q] : 0.0;
    double* a = acc + q * j;
    __m256d w0 = _mm256_set1_pd(wq[0]), w1 = _mm256_set1_pd(wq[1]), w2 = _mm256_set1_pd(wq[2]),
            w3 = _mm256_set1_pd(wq[3]);
    std::size_t p = 0;
    for (; p + 4 <= j; p += 4) {
      __m256d x = _mm256_loadu_pd(a + p);
      x = _mm256_fmadd_pd(w0, _mm256_loadu_pd(v[0] + p), x);
      x = _mm256_fmadd_pd(w1, _mm256_loadu_pd(v[1] + p), x);
      x = _mm256_fmadd_pd(w2, _mm256_loadu_pd(v[2] + p), x);
      x = _mm256_fmadd_pd(w3, _mm256_loadu_pd(v[3] + p), x);
      _mm256_storeu_pd(a + p, x);
    }
    for (; p < j; ++p) a[p] += wq[0] * v[0][p] + wq[1] * v[1][p] + wq[2] * v[2][p] + wq[3] * v[3][p];
  }
}

// The group's row pointers: rows past the end repeat the first row (their results are not used).
inline std::size_t group(std::size_t i, std::size_t hi, const double* V, std::size_t ldv, std::size_t off, double* W,
                         std::size_t b, const double* v[4], double* w[4]) {
  const std::size_t rows = hi - i < 4 ? hi - i : 4;
  for (std::size_t r = 0; r < 4; ++r) {
    const std::size_t ir = i + (r < rows ? r : 0);
    v[r] = V + ir * ldv + off;
    w[r] = W + ir * b;
  }
  return rows;
}

}  // namespace

void gs_rows_avx2(std::size_t lo, std::size_t hi, const double* V, std::size_t ldv, std::size_t j, double* W,
                  std::size_t b, const double* CsubT, double* acc, double* gram) {
  const __m256i mask = tail_mask(j % 4);
  // Four rows at a time: the subtraction's dot products of the four rows reduce together.
  for (std::size_t i = lo; i < hi; i += 4) {
    const double* v[4];
    double* w[4];
    const std::size_t rows = group(i, hi, V, ldv, 0, W, b, v, w);
    if (CsubT) subtract_block(v, w, rows, CsubT, j, b, mask);
    accumulate(v, w, rows, b, j, acc, gram);
  }
}

void lagged_rows_avx2(std::size_t lo, std::size_t hi, double* V, std::size_t ldv, std::size_t jx, double* X,
                      std::size_t b, const double* lagT, std::size_t r0, std::size_t r1, const double* knownT,
                      double* Y, double* acc, double* gram, double* acc_x, double* gram_x) {
  const std::size_t j = jx + b, jk = r1 - r0;
  const __m256i mask_x = tail_mask(jx % 4), mask_k = tail_mask(jk % 4);
  for (std::size_t i = lo; i < hi; i += 4) {
    const double *v[4], *vk[4];
    double *x[4], *y[4];
    const std::size_t rows = group(i, hi, V, ldv, 0, X, b, v, x);
    group(i, hi, V, ldv, r0, Y, b, vk, y);
    if (lagT && jx > 0) subtract_block(v, x, rows, lagT, jx, b, mask_x);
    accumulate(v, x, rows, b, jx, jx > 0 ? acc_x : nullptr, gram_x);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t q = 0; q < b; ++q) V[(i + r) * ldv + jx + q] = x[r][q];
    if (jk > 0) subtract_block(vk, y, rows, knownT, jk, b, mask_k);
    accumulate(v, y, rows, b, j, acc, gram);
  }
}

}  // namespace speclin
