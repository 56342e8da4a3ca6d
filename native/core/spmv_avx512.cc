// AVX-512 kernel of spmv.cc for one right-hand side, on CPUs that have it: spmv_row_dots.h's row
// loop over eight lanes, one 8-wide gather where the AVX2 kernel needs two 4-wide ones
// (docs/graph.md has the timings), and the row's last entries under masks. Like gemm_avx512.cc,
// the file is compiled with the portable flags; the instruction set is enabled for its functions
// by the pragma below, spmv.cc calls them only after run-time detection, and the file includes
// nothing but the intrinsics, standard headers and the anonymous-namespace kernel templates, so
// that no shared inline function is compiled with AVX-512.
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

#include "spmv_row_dots.h"
#include "x86_vector_ops.h"
#else
#include "spmv_kernels.h"
#endif

namespace speclin::spmv_detail {

#if SPECLIN_SPMV_AVX512
namespace {

SPECLIN_X86_VECTOR_OPS(F64x8, double, __m512d, 8, _mm512, pd)

constexpr __mmask8 kAll = 0xFF;

// The zero-masked forms throughout: the unmasked intrinsics start from an undefined register,
// which GCC reports as a use of an uninitialized value.
struct Avx512 : F64x8 {
  static V widen(__m256 v) { return _mm512_maskz_cvtps_pd(kAll, v); }
  static V values(const double* v, __mmask8 m = kAll) { return _mm512_maskz_loadu_pd(m, v); }
  static V values(const float* v, __mmask8 m = kAll) { return widen(_mm256_maskz_loadu_ps(m, v)); }
  static V gather(const double* x, const std::int32_t* ix, __mmask8 m = kAll) {
    return _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, _mm256_maskz_loadu_epi32(m, ix), x, 8);
  }
  static V gather(const float* x, const std::int32_t* ix, __mmask8 m = kAll) {
    return widen(_mm256_mmask_i32gather_ps(_mm256_setzero_ps(), m, _mm256_maskz_loadu_epi32(m, ix), x, 4));
  }
  // Through memory: GCC's 512-to-256-bit extracts start from an undefined register (see above).
  static double sum(V a) {
    alignas(64) double t[8];
    _mm512_store_pd(t, a);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
  }
  // The row's last 0-15 entries under masks: no scalar tail loop.
  template <typename TV, typename TX>
  static double finish(const std::int32_t* ix, const TV* v, const TX* x, std::int64_t p, std::int64_t e, V acc0, V acc1) {
    for (; p < e; p += 8) {
      std::int64_t left = e - p;
      __mmask8 m = left >= 8 ? kAll : __mmask8((1u << left) - 1);
      acc0 = fma(values(v + p, m), gather(x, ix + p, m), acc0);
    }
    return sum(add(acc0, acc1));
  }
};

}  // namespace

SPECLIN_ROW_DOTS_KERNELS(avx512_row_dots, Avx512)

#else
template <> RowDots<float, float> avx512_row_dots<float, float>() { return nullptr; }
template <> RowDots<double, double> avx512_row_dots<double, double>() { return nullptr; }
template <> RowDots<float, double> avx512_row_dots<float, double>() { return nullptr; }
#endif

}  // namespace speclin::spmv_detail

#if SPECLIN_SPMV_AVX512
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
