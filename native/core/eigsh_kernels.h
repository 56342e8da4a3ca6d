// Row kernels of eigsh's fused Gram-Schmidt pass, one per instruction set (eigsh.cc holds the
// portable one and the dispatch; eigsh_avx2.cc the AVX2+FMA one).
#pragma once
#include <cstddef>

namespace speclin {

// For rows [lo, hi): w_i -= v_i Csub when CsubT (b x j, the coefficients transposed) is given;
// then acc (b x j, transposed) += w_i^T v_i when acc is given, and gram (b x b, upper
// triangle) += w_i^T w_i (after the subtraction).
void gs_rows_avx2(std::size_t lo, std::size_t hi, const double* V, std::size_t ldv, std::size_t j, double* W,
                  std::size_t b, const double* CsubT, double* acc, double* gram);

// The lagged pass's rows (lanczos_block_ops.h, lagged_pass): for rows [lo, hi), X -= V[:, 0:jx]
// lagT^T (when lagT is given), X stored into V[:, jx : jx + b], Y -= V[:, r0:r1] knownT^T, then
// acc (b x (jx + b), transposed) += Y^T V and gram (upper triangle) += Y^T Y; acc_x (b x jx)
// += X^T V[:, 0:jx] and gram_x += X^T X, with X after its subtraction.
void lagged_rows_avx2(std::size_t lo, std::size_t hi, double* V, std::size_t ldv, std::size_t jx, double* X,
                      std::size_t b, const double* lagT, std::size_t r0, std::size_t r1, const double* knownT,
                      double* Y, double* acc, double* gram, double* acc_x, double* gram_x);

}  // namespace speclin
