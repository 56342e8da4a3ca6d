// Tall-skinny products of the Gram family: one long dimension n (samples, graph nodes, the rows
// of a Krylov basis) and short ones (a few to a few hundred columns). The packed GEMM of gram.h
// splits its work over the output, which such products barely have (Z^T W from 200 000 rows is
// 32 x 2), so these split the long dimension instead. They run on the GEMM's register-blocked
// micro-kernels (AVX-512, AVX2+FMA or portable, chosen at run time as gemm_kernel_name() says).
//
// Row partition of the reduction (the rule callers may rely on):
//   parts = tall_skinny_parts(n, kz, kw)
//         = max(1, min(n / 512, 64, 2^21 / (kz * kw)))          (integer division)
//   part p covers rows [n * p / parts, n * (p + 1) / parts).
// Each part's product is formed by one thread, in the same order whatever thread it runs on, and
// C = alpha * (((P_0 + P_1) + P_2) + ...) + beta * C adds the parts in part order. The partition
// depends on n, kz and kw only, never on the thread count or on timing: results are
// bit-identical across calls and for any setThreads(n). Threads take whole parts (and, when
// there are fewer parts than threads, column panels of a part, which changes no sum).
//
// tall_skinny_update splits rows: each row of Y is computed by one thread in a fixed order, so it
// too is bit-identical for any thread count.
#pragma once
#include <cstddef>
#include <functional>

namespace speclin {

// The number of row parts the reduction of Z^T W (n rows, kz x kw result) is cut into (above).
std::size_t tall_skinny_parts(std::size_t n, std::size_t kz, std::size_t kw);

// C (kz x kw, row stride ldc) = alpha * Z^T W + beta * C, with Z n x kz (row stride ldz) and W
// n x kw (row stride ldw), all row-major. Products accumulate in C's type: float inputs with a
// double C are widened and summed in double. With beta == 0, C is not read. When Z and W are the
// same matrix (same pointer, kz == kw, ldz == ldw) only the upper triangle is formed and C is
// mirrored from it, exactly symmetric. Instantiated for (TZ, TW, TC) = (float, float, float),
// (double, double, double), and with TC = double for every mix of float and double inputs.
template <typename TZ, typename TW, typename TC>
void tall_skinny_inner(std::size_t n, std::size_t kz, std::size_t kw, TC alpha, const TZ* Z, std::size_t ldz,
                       const TW* W, std::size_t ldw, TC beta, TC* C, std::size_t ldc);

// Y (n x k, row stride ldy) = beta * Y + alpha * V H, with V n x m (ldv) and H m x k (ldh):
// Z <- Z - V H is alpha = -1, beta = 1. Products accumulate in Y's type. With beta == 0, Y is not
// read. Y may be V itself (same pointer, ldy == ldv, m == k: W <- W R^-1 in CholQR): each block
// of rows is copied before it is overwritten. Instantiated for (TY, TV, TH) = (float, float,
// float), (double, double, double) and (double, float, double) (a float32 basis V).
template <typename TY, typename TV, typename TH>
void tall_skinny_update(std::size_t n, std::size_t m, std::size_t k, TY alpha, const TV* V, std::size_t ldv,
                        const TH* H, std::size_t ldh, TY beta, TY* Y, std::size_t ldy);

// The same, then epilogue(i0, rows) on the thread that computed rows [i0, i0 + rows) of Y, once
// they are final and while they are still in cache: an element-wise pass over Y fused into the
// product (the spectral loss's per-row terms and clipping chain rule). The blocks depend on the
// shape only, and a row's epilogue must depend on that row alone.
template <typename TY, typename TV, typename TH>
void tall_skinny_update(std::size_t n, std::size_t m, std::size_t k, TY alpha, const TV* V, std::size_t ldv,
                        const TH* H, std::size_t ldh, TY beta, TY* Y, std::size_t ldy,
                        const std::function<void(std::size_t i0, std::size_t rows)>& epilogue);

}  // namespace speclin
