// AVX-512 micro-kernels, for CPUs that have it (Intel since Skylake-SP, AMD since Zen 4), where
// they double the arithmetic per instruction over AVX2. The build compiles this file with the
// same flags as the portable core: the instruction set is enabled for this file's functions by
// the target pragma below, and gram.cc calls them only after run-time detection. So that no
// inline function shared with other files is compiled with AVX-512 (the linker could keep that
// copy for everyone), this file includes nothing but the intrinsics, the kernel contract and the shared kernel
// templates, which gemm_microkernel.h keeps in an anonymous namespace for this reason.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")
#endif
#include <immintrin.h>

#include "gemm_kernels.h"
#include "gemm_microkernel.h"
#include "x86_vector_ops.h"

namespace speclin::gemm_detail {
namespace {

SPECLIN_X86_VECTOR_OPS(F32x16, float, __m512, 16, _mm512, ps)
SPECLIN_X86_VECTOR_OPS(F64x8, double, __m512d, 8, _mm512, pd)

// The kernel (kernel_rows, in gemm_microkernel.h) at 8 rows x 2 vectors: 8 x 32 floats, 8 x 16
// doubles. Sixteen accumulators, two B vectors and a broadcast use 19 of the 32 zmm registers;
// per k step 2 loads and 8 broadcasts feed 16 FMAs.

// Full 8-row tiles for syrk's mirror: 8 x 32 floats, 8 x 16 doubles, no padding.
void transpose_tile_f32(const float* c, std::size_t ldc, float* dst, std::size_t ldd) {
  for (int h = 0; h < 32; h += 8) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(c + i * ldc + h);
    transpose8(r);
    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (h + q) * ldd, r[q]);
  }
}

void transpose_tile_f64(const double* c, std::size_t ldc, double* dst, std::size_t ldd) {
  for (int h = 0; h < 16; h += 4)
    for (int v = 0; v < 8; v += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(c + (v + i) * ldc + h);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_storeu_pd(dst + (h + q) * ldd + v, r[q]);
    }
}

}  // namespace

// float: kc = 512, so that k <= 512 (the usual embedding widths) is one pass over C: every
// further kc block re-reads and re-writes all of C, which for a large Z W^T costs more than the
// arithmetic (docs/gram.md has the measurement). The B
// micro-panel (64 KiB) then streams from L2, whose bandwidth covers the 16 B/cycle it needs;
// the A sliver (16 KiB) stays in L1; mc x kc of A is 288 KiB of L2.
// double: kc = 192, a 24 KiB B micro-panel in L1 (not re-tuned: the float32 paths matter most).
template <>
const KernelSpec<float>& avx512_spec<float>() {
  static const KernelSpec<float> spec{
      8, 32, 512, 144, 3072,
      {nullptr, kernel_rows<F32x16, 1, false>, kernel_rows<F32x16, 2, false>, kernel_rows<F32x16, 3, false>,
       kernel_rows<F32x16, 4, false>, kernel_rows<F32x16, 5, false>, kernel_rows<F32x16, 6, false>,
       kernel_rows<F32x16, 7, false>, kernel_rows<F32x16, 8, false>},
      {nullptr, kernel_rows<F32x16, 1, true>, kernel_rows<F32x16, 2, true>, kernel_rows<F32x16, 3, true>,
       kernel_rows<F32x16, 4, true>, kernel_rows<F32x16, 5, true>, kernel_rows<F32x16, 6, true>,
       kernel_rows<F32x16, 7, true>, kernel_rows<F32x16, 8, true>},
      64, pack_bt_f32<32>, transpose_tile_f32};
  return spec;
}
template <>
const KernelSpec<double>& avx512_spec<double>() {
  static const KernelSpec<double> spec{
      8, 16, 192, 72, 2048,
      {nullptr, kernel_rows<F64x8, 1, false>, kernel_rows<F64x8, 2, false>, kernel_rows<F64x8, 3, false>,
       kernel_rows<F64x8, 4, false>, kernel_rows<F64x8, 5, false>, kernel_rows<F64x8, 6, false>,
       kernel_rows<F64x8, 7, false>, kernel_rows<F64x8, 8, false>},
      {nullptr, kernel_rows<F64x8, 1, true>, kernel_rows<F64x8, 2, true>, kernel_rows<F64x8, 3, true>,
       kernel_rows<F64x8, 4, true>, kernel_rows<F64x8, 5, true>, kernel_rows<F64x8, 6, true>,
       kernel_rows<F64x8, 7, true>, kernel_rows<F64x8, 8, true>},
      64, pack_bt_f64<16>, transpose_tile_f64};
  return spec;
}

bool avx512_compiled() { return true; }

}  // namespace speclin::gemm_detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86-64 with a GNU-compatible compiler: no AVX-512 kernels

#include "gemm_kernels.h"
namespace speclin::gemm_detail {
template <>
const KernelSpec<float>& avx512_spec<float>() { return portable_spec<float>(); }
template <>
const KernelSpec<double>& avx512_spec<double>() { return portable_spec<double>(); }
bool avx512_compiled() { return false; }
}  // namespace speclin::gemm_detail
#endif
