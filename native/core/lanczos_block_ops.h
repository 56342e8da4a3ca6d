// The tall-skinny block operations of the Lanczos parts (native/core/lanczos_*): the only place
// where they touch n-row data. Row-major throughout, leading dimensions in elements. Every
// reduction over rows sums per-chunk partials in chunk order, so results are deterministic for a
// given thread count.
//
// The orthogonalizer reaches the basis only through basis_pass (and tall_inner / tall_apply for
// strided blocks): swapping in the Gram family's tall-skinny kernels is a change of this file.
#pragma once
#include <cstddef>
#include <type_traits>

namespace speclin::lanczos {

// Rows per parallel chunk of every operation below.
constexpr std::size_t kRowGrain = 4096;

// Squared norms of the columns of an n x cols block (leading dimension ld).
void column_sq_norms(std::size_t n, std::size_t cols, const double* W, std::size_t ld, double* out);
// x_q . y_q for each column q of two contiguous n x cols blocks.
void column_dots(std::size_t n, std::size_t cols, const double* X, const double* Y, double* out);
// ||Y_q - theta_q X_q|| for each column q (X, Y n x cols, contiguous).
void residual_norms(std::size_t n, std::size_t cols, const double* X, const double* Y, const double* theta,
                    double* res);
void copy_block(std::size_t n, std::size_t cols, const double* src, std::size_t lds, double* dst, std::size_t ldd);
// Column col (leading dimension ld) times f.
void scale_column(std::size_t n, double* w, std::size_t ld, double f);

// C (ka x kb) = A^T B over `rows` rows.
void tall_inner(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* B,
                std::size_t ldb, std::size_t kb, double* C);
// B (rows x kb) = alpha A C + beta B, A rows x ka, C ka x kb.
void tall_apply(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* C,
                std::size_t kb, double alpha, double beta, double* B, std::size_t ldb);

// G = w^T w for a contiguous n x b block (b a few columns), exactly symmetric.
void block_gram(std::size_t n, const double* w, std::size_t b, double* G);

// One row-streaming pass of classical Gram-Schmidt of a contiguous n x b block W against the
// basis columns V[:, 0:j] (V's leading dimension ldv), fused so that the basis is read once:
// for every row, optionally W -= V C (C given transposed: CsubT is b x j), then optionally
// Cout (j x b) = V^T W and gram (b x b) = W^T W, both after the subtraction.
// fill (n x fill_cols, optional): rows stored into V[:, j - fill_cols : j] just before the pass
// reads them, so that moving a new block into the basis costs no sweep of its own.
void basis_pass(std::size_t n, double* V, std::size_t ldv, std::size_t j, double* W, std::size_t b,
                const double* CsubT, double* Cout, double* gram, const double* fill = nullptr,
                std::size_t fill_cols = 0);

// The one read of the basis per block step of the lagged projection (docs/eigs.md, "one read of
// the basis per step"). The block X (n x b, contiguous) awaiting storage as V[:, jx : jx + b]
// was formed before its projection against V[:, 0:jx] was subtracted: row by row, X -= V[:, 0:jx]
// lag (lagT b x jx, transposed; null: nothing lagged), X is stored into V, Y (n x b, the block's
// product) -= V[:, r0:r1] known (knownT b x (r1 - r0): its known couplings), and
// Cout ((jx + b) x b) = V[:, 0 : jx + b]^T Y and gram = Y^T Y, both after the subtraction, and
// Xout (jx x b) = V[:, 0:jx]^T X and gram_x = X^T X for X after its own: what X still has along
// the basis, which the next lag must account for (docs/eigs.md). The
// three steps run per group of four rows (AVX2) or per slice of rows small enough that the three
// uses of a row hit the cache (portable).
void lagged_pass(std::size_t n, double* V, std::size_t ldv, std::size_t jx, double* X, std::size_t b,
                 const double* lagT, std::size_t r0, std::size_t r1, const double* knownT, double* Y, double* Cout,
                 double* gram, double* Xout, double* gram_x);

// W (n x b) -= X C for two contiguous n x b blocks (C b x b; null: no update), and gram = W^T W
// after it, exactly symmetric.
void block_update(std::size_t n, const double* X, double* W, std::size_t b, const double* C, double* gram);

// Calls f with the block width as a compile-time constant for the common widths (1-4), so that
// the per-row loops over a few columns unroll; otherwise with the runtime value. The row loops of
// the block operations were loop-overhead bound: 8 ms for CholQR2 of a 200 000 x 3 block.
template <class F>
void with_width(std::size_t b, F&& f) {
  switch (b) {
    case 1: f(std::integral_constant<std::size_t, 1>{}); return;
    case 2: f(std::integral_constant<std::size_t, 2>{}); return;
    case 3: f(std::integral_constant<std::size_t, 3>{}); return;
    case 4: f(std::integral_constant<std::size_t, 4>{}); return;
    default: f(b);
  }
}

// Whether with_width passed a compile-time width (then small row loops keep their coefficients
// and sums in registers: through pointers that may alias the rows, the compiler reloads and
// stores them every row; docs/eigs.md has the measurement).
template <typename W>
constexpr bool kFixedWidth = !std::is_same_v<std::decay_t<W>, std::size_t>;

}  // namespace speclin::lanczos
