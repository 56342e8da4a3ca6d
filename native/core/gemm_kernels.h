// The contract between the GEMM driver (gram.cc: packing, cache blocking, threads) and the
// register-blocked micro-kernels (gemm_portable.cc, gemm_avx2.cc). Internal to the core.
#pragma once
#include <cstddef>

namespace speclin::gemm_detail {

// c[0..mr) x [0..nr) (row stride ldc) = alpha * sum_p a[i*rsa + p*csa] * b[p*nr + j] + beta * c,
// over p < kc. b is a packed micro-panel (kc x nr, row by row). a is either a packed micro-panel
// (rsa = 1, csa = mr) or mr rows of a row-major op(A) read in place (rsa = lda, csa = 1): A's
// elements are only ever broadcast, so reading them unpacked costs nothing in the loop and saves
// the packing pass that otherwise dominates small products.
// With beta == 0, c is only written, never read, so NaN or garbage in it cannot leak in.
// A kernel computes a fixed number of rows (the spec has one per row count 1..mr, so that the
// last rows of an A read in place need no packing) and always nr columns: the driver handles
// narrower edges and tiles that cross syrk's diagonal through a scratch tile.
template <typename T>
using MicroKernel = void (*)(std::size_t kc, const T* a, std::size_t rsa, std::size_t csa, const T* b,
                             T* c, std::size_t ldc, T alpha, T beta);

// Optional fast packing of one full micro-panel of a transposed B: dst[p*nr + j] =
// src[j*ldb + p] for j < nr, p < kc (the rows of W in Z W^T). Null: the driver's generic loop.
template <typename T>
using PackTransposed = void (*)(const T* src, std::size_t ldb, std::size_t kc, T* dst);

// Optional fast transpose of one full mr x nr tile of C for syrk's mirror: dst[q*ldd + r] =
// c[r*ldc + q]. It may write up to 8 elements past row r = mr - 1 of each dst row (the next
// tile overwrites them; the caller leaves that slack at the end). Null: a generic loop.
template <typename T>
using TransposeTile = void (*)(const T* c, std::size_t ldc, T* dst, std::size_t ldd);

// One micro-kernel with the cache blocking that suits it. kc * nr elements of B (one
// micro-panel) plus mr * kc of A stay in L1; the packed mc x kc block of A stays in L2; the
// packed kc x nc block of B is shared by all threads from L3.
constexpr std::size_t kMaxMr = 8;

template <typename T>
struct KernelSpec {
  std::size_t mr, nr;
  std::size_t kc, mc, nc;
  MicroKernel<T> kernel[kMaxMr + 1];  // kernel[r]: r rows, 1 <= r <= mr
  // Optional (null: not available): the same with non-temporal stores, for beta == 0 and rows of
  // C aligned to 32 bytes. For outputs far larger than the caches written in one pass, they save
  // the read-for-ownership of every line of C: a third of the memory traffic of Z W^T at small k.
  MicroKernel<T> kernel_stream[kMaxMr + 1];
  std::size_t stream_align;  // bytes: rows of C must be aligned so for kernel_stream
  PackTransposed<T> pack_bt;
  TransposeTile<T> transpose_tile;
};

// The largest mr * nr of any kernel: sizes the driver's scratch tile for edges.
constexpr std::size_t kMaxTile = 256;

template <typename T>
const KernelSpec<T>& portable_spec();
// Defined in gemm_avx2.cc (compiled with -mavx2 -mfma); only called where the CPU has both.
template <typename T>
const KernelSpec<T>& avx2_spec();
// Defined in gemm_avx512.cc (AVX-512F by target pragma); only called where the CPU has it.
template <typename T>
const KernelSpec<T>& avx512_spec();
bool avx512_compiled();
// The spec the drivers use now (gram.cc): AVX-512, AVX2 or portable, as gemm_kernel_name() says.
template <typename T>
const KernelSpec<T>& active_spec();

}  // namespace speclin::gemm_detail
