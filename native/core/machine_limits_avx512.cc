// AVX-512 chains for the peak probe. Like gemm_avx512.cc, this file is compiled with the portable
// flags and enables the instruction set for its functions by target pragma; it is called only after
// run-time detection. Sixteen accumulators: two 512-bit FMA pipes of latency 4 need eight in
// flight, and Zen 4 splits each into two 256-bit halves.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif
#include <immintrin.h>

#include "machine_limits_chains.h"
#include "machine_limits_kernels.h"
#include "x86_vector_ops.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 16;

SPECLIN_X86_VECTOR_OPS(F32x16, float, __m512, 16, _mm512, ps)
SPECLIN_X86_VECTOR_OPS(F64x8, double, __m512d, 8, _mm512, pd)

}  // namespace

FmaKernel avx512_fma_kernel(bool float64) { return fma_kernel<F32x16, F64x8, kChains>(float64); }

}  // namespace speclin::machine_limits_detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else  // not x86-64 with a GNU-compatible compiler: the portable chains stand in

#include "machine_limits_kernels.h"
namespace speclin::machine_limits_detail {
FmaKernel avx512_fma_kernel(bool float64) { return portable_fma_kernel(float64); }
}  // namespace speclin::machine_limits_detail
#endif
