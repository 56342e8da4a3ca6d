// The FMA chain kernels behind measure_fma_peak, one per instruction set. Each runs `iterations`
// steps of independent chains c = c * a + b kept in registers and returns the chains' sum (so that
// nothing is optimized away); flops_per_iteration says how many flops one step counts.
#pragma once
#include <cstdint>

namespace speclin::machine_limits_detail {

struct FmaKernel {
  double (*run)(std::int64_t iterations);
  double flops_per_iteration;
};

FmaKernel portable_fma_kernel(bool float64);
FmaKernel avx2_fma_kernel(bool float64);
// Defined in machine_limits_avx512.cc (AVX-512F by target pragma); only called where the CPU has it.
FmaKernel avx512_fma_kernel(bool float64);

}  // namespace speclin::machine_limits_detail
