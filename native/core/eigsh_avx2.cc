// The row kernel of eigsh's fused Gram-Schmidt pass (see gs_pass in eigsh.cc), with AVX2+FMA.
// Compiled with -mavx2 -mfma; called only when cpu_features says the CPU has them.
#include <immintrin.h>

#include <cstddef>

#include "eigsh_kernels.h"

namespace speclin {

namespace {

double hsum(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

}  // namespace

void gs_rows_avx2(std::size_t lo, std::size_t hi, const double* V, std::size_t ldv, std::size_t j, double* W,
                  std::size_t b, const double* CsubT, double* acc, double* gram) {
  std::size_t i = lo;
  // Four rows at a time: each accumulator vector of acc is loaded and stored once for four rows.
  for (; i < hi; i += 4) {
    std::size_t rows = hi - i < 4 ? hi - i : 4;
    const double* v[4];
    double* w[4];
    for (std::size_t r = 0; r < 4; ++r) {
      std::size_t ir = i + (r < rows ? r : 0);
      v[r] = V + ir * ldv;
      w[r] = W + ir * b;
    }
    if (CsubT)
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t q = 0; q < b; ++q) {
          const double* cq = CsubT + q * j;
          __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
          std::size_t p = 0;
          for (; p + 8 <= j; p += 8) {
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(v[r] + p), _mm256_loadu_pd(cq + p), s0);
            s1 = _mm256_fmadd_pd(_mm256_loadu_pd(v[r] + p + 4), _mm256_loadu_pd(cq + p + 4), s1);
          }
          for (; p + 4 <= j; p += 4) s0 = _mm256_fmadd_pd(_mm256_loadu_pd(v[r] + p), _mm256_loadu_pd(cq + p), s0);
          double s = hsum(_mm256_add_pd(s0, s1));
          for (; p < j; ++p) s += v[r][p] * cq[p];
          w[r][q] -= s;
        }
    if (b == 3)  // the default block size: unrolled
      for (std::size_t r = 0; r < rows; ++r) {
        const double* x = w[r];
        gram[0] += x[0] * x[0], gram[1] += x[0] * x[1], gram[2] += x[0] * x[2];
        gram[4] += x[1] * x[1], gram[5] += x[1] * x[2], gram[8] += x[2] * x[2];
      }
    else
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t a = 0; a < b; ++a)
          for (std::size_t z = a; z < b; ++z) gram[a * b + z] += w[r][a] * w[r][z];
    for (std::size_t q = 0; q < b; ++q) {
      double wq[4];
      for (std::size_t r = 0; r < 4; ++r) wq[r] = r < rows ? w[r][q] : 0.0;
      if (!acc) continue;
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
}

}  // namespace speclin
