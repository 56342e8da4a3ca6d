// AVX-512 kernel of spmv.cc for one right-hand side, on CPUs that have it: the column indices of
// eight entries load as one vector and their x values come in one 8-wide gather, where the AVX2
// kernel needs two 4-wide gathers (docs/graph.md has the timings). Like gemm_avx512.cc, the file
// is compiled with the portable flags; the instruction set is enabled for its functions by the
// pragma below, spmv.cc calls them only after run-time detection, and the file includes nothing
// but the intrinsics and standard headers, so that no shared inline function is compiled with
// AVX-512.
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SPECLIN_SPMV_AVX512 1
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx2,fma")
#endif
#include <immintrin.h>
#endif

namespace speclin {

#if SPECLIN_SPMV_AVX512
namespace {

inline __m512d load8(const double* v, __mmask8 m) { return _mm512_maskz_loadu_pd(m, v); }
// The zero-masked forms throughout: the unmasked intrinsics start from an undefined register,
// which GCC reports as a use of an uninitialized value.
inline __m512d widen(__m256 v) { return _mm512_maskz_cvtps_pd(0xFF, v); }
inline __m512d load8(const float* v, __mmask8 m) { return widen(_mm256_maskz_loadu_ps(m, v)); }
inline __m512d gather8(const double* x, __m256i idx, __mmask8 m) {
  return _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, idx, x, 8);
}
inline __m512d gather8(const float* x, __m256i idx, __mmask8 m) {
  return widen(_mm256_mmask_i32gather_ps(_mm256_setzero_ps(), m, idx, x, 4));
}

// Through memory: GCC's 512-to-256-bit extracts start from an undefined register (see above).
inline double sum8(__m512d a) {
  alignas(64) double t[8];
  _mm512_store_pd(t, a);
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

}  // namespace

bool spmv_avx512_compiled() { return true; }

template <typename TV, typename TX>
void csr_row_dots_avx512(const std::int64_t* ip, const std::int32_t* ix, const TV* v, const TX* x,
                         std::size_t lo, std::size_t hi, double* out) {
  for (std::size_t r = lo; r < hi; ++r) {
    std::int64_t p = ip[r], e = ip[r + 1];
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    for (; p + 16 <= e; p += 16) {
      __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix + p));
      __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix + p + 8));
      acc0 = _mm512_fmadd_pd(load8(v + p, 0xFF), gather8(x, i0, 0xFF), acc0);
      acc1 = _mm512_fmadd_pd(load8(v + p + 8, 0xFF), gather8(x, i1, 0xFF), acc1);
    }
    // The row's last 0-15 entries under masks: no scalar tail loop.
    for (; p < e; p += 8) {
      std::int64_t left = e - p;
      __mmask8 m = left >= 8 ? __mmask8(0xFF) : __mmask8((1u << left) - 1);
      __m256i i0 = _mm256_maskz_loadu_epi32(m, ix + p);
      acc0 = _mm512_fmadd_pd(load8(v + p, m), gather8(x, i0, m), acc0);
    }
    out[r - lo] = sum8(_mm512_add_pd(acc0, acc1));
  }
}

#else
bool spmv_avx512_compiled() { return false; }

template <typename TV, typename TX>
void csr_row_dots_avx512(const std::int64_t*, const std::int32_t*, const TV*, const TX*, std::size_t, std::size_t,
                         double*) {}
#endif

#define SPECLIN_ROW_DOTS(TV, TX)                                                                 \
  template void csr_row_dots_avx512<TV, TX>(const std::int64_t*, const std::int32_t*, const TV*,  \
                                            const TX*, std::size_t, std::size_t, double*);
SPECLIN_ROW_DOTS(float, float)
SPECLIN_ROW_DOTS(double, double)
SPECLIN_ROW_DOTS(float, double)
#undef SPECLIN_ROW_DOTS

}  // namespace speclin

#if SPECLIN_SPMV_AVX512
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
