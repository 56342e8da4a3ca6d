// AVX2+FMA micro-kernels. This file alone is compiled with -mavx2 -mfma; gram.cc calls into it
// only when cpu_features reports both, so the rest of the core stays runnable on any x86-64.
//
// Shape: 6 rows x 2 vectors (6 x 16 floats, 6 x 8 doubles). Twelve accumulators hide the FMA
// latency (4-5 cycles, two FMA ports: at least 8-10 independent chains are needed), and with two
// B vectors and one broadcast A value they fill 15 of the 16 ymm registers without spilling.
// Per k step: 2 loads of B, 6 broadcasts of A, 12 FMAs, so loads never limit the FMA ports.
#include <immintrin.h>

#include "gemm_kernels.h"
#include "gemm_microkernel.h"
#include "x86_vector_ops.h"

namespace speclin::gemm_detail {
namespace {

// The vector operations of one dtype, so that one kernel template serves float and double.
SPECLIN_X86_VECTOR_OPS(Ymm32, float, __m256, 8, _mm256, ps)
SPECLIN_X86_VECTOR_OPS(Ymm64, double, __m256d, 4, _mm256, pd)
// broadcast as AVX's broadcast from memory: with set1(*p) GCC 12 unrolls the k loop otherwise
// and the kernels' code grows by half, which these kernels were not measured with.
struct F32x8 : Ymm32 {
  static V broadcast(const T* p) { return _mm256_broadcast_ss(p); }
};
struct F64x4 : Ymm64 {
  static V broadcast(const T* p) { return _mm256_broadcast_sd(p); }
};

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
  static const KernelSpec<float> spec{
      6, 16, 256, 144, 3072,
      {nullptr, kernel_rows<F32x8, 1, false>, kernel_rows<F32x8, 2, false>, kernel_rows<F32x8, 3, false>,
       kernel_rows<F32x8, 4, false>, kernel_rows<F32x8, 5, false>, kernel_rows<F32x8, 6, false>},
      {nullptr, kernel_rows<F32x8, 1, true>, kernel_rows<F32x8, 2, true>, kernel_rows<F32x8, 3, true>,
       kernel_rows<F32x8, 4, true>, kernel_rows<F32x8, 5, true>, kernel_rows<F32x8, 6, true>},
      32, pack_bt_f32<16>, transpose_tile_f32};
  return spec;
}
template <>
const KernelSpec<double>& avx2_spec<double>() {
  static const KernelSpec<double> spec{
      6, 8, 256, 72, 2048,
      {nullptr, kernel_rows<F64x4, 1, false>, kernel_rows<F64x4, 2, false>, kernel_rows<F64x4, 3, false>,
       kernel_rows<F64x4, 4, false>, kernel_rows<F64x4, 5, false>, kernel_rows<F64x4, 6, false>},
      {nullptr, kernel_rows<F64x4, 1, true>, kernel_rows<F64x4, 2, true>, kernel_rows<F64x4, 3, true>,
       kernel_rows<F64x4, 4, true>, kernel_rows<F64x4, 5, true>, kernel_rows<F64x4, 6, true>},
      32, pack_bt_f64<8>, transpose_tile_f64};
  return spec;
}

}  // namespace speclin::gemm_detail
