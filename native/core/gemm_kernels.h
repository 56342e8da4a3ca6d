// The contract between the GEMM driver (gram.cc: packing, cache blocking, threads) and the
// register-blocked micro-kernels (gemm_portable.cc, gemm_avx2.cc). Internal to the core.
#pragma once
#include <cstddef>

namespace speclin::gemm_detail {

// c[0..mr) x [0..nr) (row stride ldc) = alpha * sum_p a[p*mr + i] * b[p*nr + j] + beta * c,
// over p < kc, for the packed micro-panels a (mr x kc, column by column) and b (kc x nr, row by
// row). With beta == 0, c is only written, never read, so NaN or garbage in it cannot leak in.
// Always a full mr x nr tile: the driver handles edges through a scratch tile.
template <typename T>
using MicroKernel = void (*)(std::size_t kc, const T* a, const T* b, T* c, std::size_t ldc, T alpha,
                             T beta);

// One micro-kernel with the cache blocking that suits it. kc * nr elements of B (one
// micro-panel) plus mr * kc of A stay in L1; the packed mc x kc block of A stays in L2; the
// packed kc x nc block of B is shared by all threads from L3.
template <typename T>
struct KernelSpec {
  std::size_t mr, nr;
  std::size_t kc, mc, nc;
  MicroKernel<T> kernel;
};

// The largest mr * nr of any kernel: sizes the driver's scratch tile for edges.
constexpr std::size_t kMaxTile = 128;

template <typename T>
const KernelSpec<T>& portable_spec();
// Defined in gemm_avx2.cc (compiled with -mavx2 -mfma); only called where the CPU has both.
template <typename T>
const KernelSpec<T>& avx2_spec();

}  // namespace speclin::gemm_detail
