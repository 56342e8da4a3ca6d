// Portable micro-kernels: plain loops over a small accumulator tile that the compiler vectorizes
// with the baseline instruction set (SSE2 on x86-64, NEON on arm64). Used where the CPU has no
// AVX2+FMA, and by the tests to check both paths against each other.
#include "gemm_kernels.h"

namespace speclin::gemm_detail {
namespace {

template <typename T, std::size_t NR, std::size_t MR>
void portable_kernel(std::size_t kc, const T* a, std::size_t rsa, std::size_t csa, const T* b, T* c,
                     std::size_t ldc, T alpha, T beta) {
  T acc[MR][NR] = {};
  for (std::size_t p = 0; p < kc; ++p) {
    const T* bp = b + p * NR;
    const T* ap = a + p * csa;
    for (std::size_t i = 0; i < MR; ++i) {
      const T ai = ap[i * rsa];
      for (std::size_t j = 0; j < NR; ++j) acc[i][j] += ai * bp[j];
    }
  }
  for (std::size_t i = 0; i < MR; ++i) {
    T* ci = c + i * ldc;
    if (beta == T(0))
      for (std::size_t j = 0; j < NR; ++j) ci[j] = alpha * acc[i][j];
    else
      for (std::size_t j = 0; j < NR; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
  }
}

}  // namespace

// 4 x 8 floats and 4 x 4 doubles: eight 128-bit accumulators, which leaves SSE2's sixteen
// registers room for the operands.
template <>
const KernelSpec<float>& portable_spec<float>() {
  static const KernelSpec<float> spec{
      4, 8, 256, 128, 4096,
      {nullptr, portable_kernel<float, 8, 1>, portable_kernel<float, 8, 2>, portable_kernel<float, 8, 3>,
       portable_kernel<float, 8, 4>},
      {},
      0, nullptr, nullptr};
  return spec;
}
template <>
const KernelSpec<double>& portable_spec<double>() {
  static const KernelSpec<double> spec{
      4, 4, 256, 64, 2048,
      {nullptr, portable_kernel<double, 4, 1>, portable_kernel<double, 4, 2>, portable_kernel<double, 4, 3>,
       portable_kernel<double, 4, 4>},
      {},
      0, nullptr, nullptr};
  return spec;
}

}  // namespace speclin::gemm_detail
