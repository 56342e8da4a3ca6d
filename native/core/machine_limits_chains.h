// The FMA chains of the peak probe, written once for every vector width: kChains independent
// accumulators c = c * a + b kept in registers. Included only by machine_limits_avx2.cc and
// machine_limits_avx512.cc, each with its own instruction set enabled; the anonymous namespace
// keeps each file's instantiations to itself (as gemm_microkernel.h does), so that no copy compiled
// with AVX-512 can be linked in for the AVX2 path.
#pragma once
#include <cstdint>

#include "machine_limits_kernels.h"

namespace speclin::machine_limits_detail {
namespace {

// Ops: the SPECLIN_X86_VECTOR_OPS of one register type (x86_vector_ops.h); fma(c, a, b) is c * a + b.
// The chains converge to b / (1 - a) = 1, so no value overflows or becomes subnormal.
template <typename Ops, int kChains>
double run_chains(std::int64_t iterations) {
  using T = typename Ops::T;
  using V = typename Ops::V;
  const V a = Ops::set1(T(0.999)), b = Ops::set1(T(0.001));
  V c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = Ops::set1(T(0.5) + T(0.01) * T(j));
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int j = 0; j < kChains; ++j) c[j] = Ops::fma(c[j], a, b);
  }
  V s = c[0];
  for (int j = 1; j < kChains; ++j) s = Ops::add(s, c[j]);
  T out[Ops::kWidth];
  Ops::storeu(out, s);
  double total = 0;
  for (T v : out) total += v;
  return total;
}

// The kernel of one instruction set: its float32 and float64 register types, kChains chains each.
// One FMA is two flops per lane.
template <typename F32, typename F64, int kChains>
FmaKernel fma_kernel(bool float64) {
  return float64 ? FmaKernel{run_chains<F64, kChains>, 2.0 * F64::kWidth * kChains}
                 : FmaKernel{run_chains<F32, kChains>, 2.0 * F32::kWidth * kChains};
}

}  // namespace
}  // namespace speclin::machine_limits_detail
