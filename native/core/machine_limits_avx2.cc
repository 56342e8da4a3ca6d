// AVX2+FMA chains for the peak probe. Twelve independent accumulators: two FMA pipes with a latency
// of 4 to 5 cycles need at least ten in flight to issue one FMA per pipe per cycle.
#include <immintrin.h>

#include "machine_limits_chains.h"
#include "machine_limits_kernels.h"
#include "x86_vector_ops.h"

namespace speclin::machine_limits_detail {
namespace {

constexpr int kChains = 12;

SPECLIN_X86_VECTOR_OPS(F32x8, float, __m256, 8, _mm256, ps)
SPECLIN_X86_VECTOR_OPS(F64x4, double, __m256d, 4, _mm256, pd)

}  // namespace

FmaKernel avx2_fma_kernel(bool float64) { return fma_kernel<F32x8, F64x4, kChains>(float64); }

}  // namespace speclin::machine_limits_detail
