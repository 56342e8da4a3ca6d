// AVX2/FMA kernel of spmv.cc for one right-hand side: spmv_row_dots.h's row loop over four
// lanes of doubles, two 4-wide gathers a step.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "spmv_row_dots.h"
#include "x86_vector_ops.h"

namespace speclin::spmv_detail {
namespace {

SPECLIN_X86_VECTOR_OPS(F64x4, double, __m256d, 4, _mm256, pd)

inline __m128i indices4(const std::int32_t* ix) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(ix)); }

struct Avx2 : F64x4 {
  static V values(const double* v) { return _mm256_loadu_pd(v); }
  static V values(const float* v) { return _mm256_cvtps_pd(_mm_loadu_ps(v)); }
  // The masked forms with an explicit zero source: the unmasked intrinsics leave their source
  // undefined, which GCC reports as a use of an uninitialized value.
  static V gather(const double* x, const std::int32_t* ix) {
    return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), x, indices4(ix), _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), 8);
  }
  static V gather(const float* x, const std::int32_t* ix) {
    return _mm256_cvtps_pd(_mm_mask_i32gather_ps(_mm_setzero_ps(), x, indices4(ix), _mm_castsi128_ps(_mm_set1_epi32(-1)), 4));
  }
  static double sum(V v) {
    __m128d lo = _mm256_castpd256_pd128(v);
    __m128d hi = _mm256_extractf128_pd(v, 1);
    lo = _mm_add_pd(lo, hi);
    return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
  }
  // 0-7 entries left: one more 4-wide step if it fits, then scalar multiply-adds.
  template <typename TV, typename TX>
  static double finish(const std::int32_t* ix, const TV* v, const TX* x, std::int64_t p, std::int64_t e, V acc0, V acc1) {
    if (p + 4 <= e) {
      acc0 = fma(values(v + p), gather(x, ix + p), acc0);
      p += 4;
    }
    double s = sum(add(acc0, acc1));
    for (; p < e; ++p) s += double(v[p]) * double(x[ix[p]]);
    return s;
  }
};

}  // namespace

SPECLIN_ROW_DOTS_KERNELS(avx2_row_dots, Avx2)

}  // namespace speclin::spmv_detail
