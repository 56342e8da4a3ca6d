// Dense products of the Gram family. Row-major throughout; leading dimensions are in elements.
// These and the tall-skinny products of tall_skinny.h (Z^T W and Z - V H over a long dimension,
// on the same micro-kernels) are the core's GEMM routines: the loss, the encoders, the kNN graph,
// the population loss and the C ABI call them, so a faster kernel here speeds up all of them.
// The eigensolver's row loops are still products of their own, float64 over a few columns, because
// each fuses several products into one read of the Krylov basis (docs/eigs.md measures why): the
// Gram-Schmidt pass (basis_pass over gs_rows_portable / gs_rows_avx2), the lagged projection
// (lagged_pass over lagged_rows_*), block_update and block_gram, in lanczos_block_ops.cc and
// eigsh_avx2.cc.
#pragma once
#include <cstddef>

#include "tall_skinny.h"

namespace speclin {

enum class Trans { No, Yes };

// C[m x n] = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
// op(A) is m x k, op(B) is k x n. With beta == 0, C is not read (NaN in C does not propagate).
template <typename T>
void gemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// C[n x n] = alpha * op(A) * op(A)^T + beta * C, where op(A) is n x k: A A^T (Trans::No, A is
// n x k) or A^T A (Trans::Yes, A is k x n). Computes the upper triangle and mirrors it, so C is
// exactly symmetric.
template <typename T>
void syrk(Trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda, T beta,
          T* C, std::size_t ldc);

// The public family (DESIGN.md names). Each product in a batch is independent and contiguous.
// gram:       out[b] = Z[b] Z[b]^T,  Z[b] is rows x cols, out[b] is rows x rows.
// cross_gram: out[b] = Z[b] W[b]^T,  Z[b] is m x k, W[b] is n x k, out[b] is m x n.
// inner_gram: out[b] = Z[b]^T W[b],  Z[b] is r x kz, W[b] is r x kw, out[b] is kz x kw.
//             When Z == W (same pointer, kz == kw) only one triangle is computed. Results up
//             to 256 x 256 go through tall_skinny_inner (its row partition: tall_skinny.h).
template <typename T>
void gram(const T* Z, T* out, std::size_t batch, std::size_t rows, std::size_t cols);
template <typename T>
void cross_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t m, std::size_t n,
                std::size_t k);
template <typename T>
void inner_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t r, std::size_t kz,
                std::size_t kw);

// The micro-kernels gemm and syrk use now: "avx512" or "avx2" on the AVX2 path of
// cpu_features (AVX-512 where the CPU has it), or "portable".
const char* gemm_kernel_name();
// Allows (the default) or forbids the AVX-512 kernels, so that tests can check the AVX2 ones on
// CPUs that have both.
void set_gemm_avx512_allowed(bool allowed);

}  // namespace speclin
