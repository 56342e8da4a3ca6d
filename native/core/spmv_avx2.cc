// AVX2/FMA kernels of spmv.cc for one right-hand side: the column indices of four entries load
// as one vector and their x values are gathered, so a row of ~20 entries is a handful of
// gather + FMA steps instead of a dependent chain of scalar multiply-adds.
#include <immintrin.h>

#include <cstdint>

#include <cstddef>

namespace speclin {

namespace {

inline __m256d load4(const double* v) { return _mm256_loadu_pd(v); }
inline __m256d load4(const float* v) { return _mm256_cvtps_pd(_mm_loadu_ps(v)); }
// The masked forms with an explicit zero source: the unmasked intrinsics leave their source
// undefined, which GCC reports as a use of an uninitialized value.
inline __m256d gather4(const double* x, __m128i idx) {
  return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), x, idx, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), 8);
}
inline __m256d gather4(const float* x, __m128i idx) {
  return _mm256_cvtps_pd(_mm_mask_i32gather_ps(_mm_setzero_ps(), x, idx, _mm_castsi128_ps(_mm_set1_epi32(-1)), 4));
}

inline double hsum(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v);
  __m128d hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

}  // namespace

template <typename TV, typename TX>
void csr_row_dots_avx2(const std::int64_t* ip, const std::int32_t* ix, const TV* v, const TX* x,
                       std::size_t lo, std::size_t hi, double* out) {
  for (std::size_t r = lo; r < hi; ++r) {
    std::int64_t p = ip[r], e = ip[r + 1];
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    for (; p + 8 <= e; p += 8) {
      __m128i i0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ix + p));
      __m128i i1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ix + p + 4));
      acc0 = _mm256_fmadd_pd(load4(v + p), gather4(x, i0), acc0);
      acc1 = _mm256_fmadd_pd(load4(v + p + 4), gather4(x, i1), acc1);
    }
    if (p + 4 <= e) {
      __m128i i0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ix + p));
      acc0 = _mm256_fmadd_pd(load4(v + p), gather4(x, i0), acc0);
      p += 4;
    }
    double s = hsum(_mm256_add_pd(acc0, acc1));
    for (; p < e; ++p) s += double(v[p]) * double(x[ix[p]]);
    out[r - lo] = s;
  }
}

#define SPECLIN_ROW_DOTS(TV, TX)                                                               \
  template void csr_row_dots_avx2<TV, TX>(const std::int64_t*, const std::int32_t*, const TV*,  \
                                          const TX*, std::size_t, std::size_t, double*);
SPECLIN_ROW_DOTS(float, float)
SPECLIN_ROW_DOTS(double, double)
SPECLIN_ROW_DOTS(float, double)
#undef SPECLIN_ROW_DOTS

}  // namespace speclin
