// The orthogonalizer of the Lanczos parts: projects a block against (part of) the basis, and
// orthonormalizes it within itself (CholQR, or column by column where the block is ill
// conditioned), replacing directions that vanished with random ones. It reaches n-row data only
// through lanczos_block_ops.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eigsh_profile.h"

namespace speclin::lanczos {

// The basis as the orthogonalizer sees it: n rows, leading dimension ld, columns [0, cols)
// orthonormal. `pending` (n x pending_cols, optional) holds columns [cols - pending_cols, cols)
// not yet stored in V: the next projection stores them inside its first sweep.
struct Basis {
  double* V = nullptr;
  std::size_t n = 0, ld = 0, cols = 0;
  const double* pending = nullptr;
  std::size_t pending_cols = 0;
};

// Stores the pending columns now (for readers of V outside a projection).
void store_pending(Basis& basis);

class BlockOrthogonalizer {
 public:
  BlockOrthogonalizer(std::size_t n, std::uint64_t seed, EigshProfile* profile) : n_(n), seed_(seed), profile_(profile) {}

  // w (n x ncols, contiguous) -= V[:, from:cols] V[:, from:cols]^T w, a second pass only where
  // the first lost too much (Kahan-Parlett) and left measurable components. coef ((cols - from) x
  // ncols, optional) receives both passes' coefficients, norms (optional) the column norms before,
  // gram (ncols x ncols, optional) the Gram matrix after; all inside the passes.
  void project(Basis& basis, std::size_t from, double* w, std::size_t ncols, double* coef, double* norms = nullptr,
               double* gram = nullptr);

  // The lagged projection, one read of the basis per block step (docs/eigs.md). basis.pending is
  // x (n x b, the block just multiplied, columns [jx, cols) of the basis, jx = cols - b), formed
  // as x - V[:, 0:jx] lag (lag jx x b; null: nothing lagged) with the subtraction left to this
  // sweep; y = A x. Subtracts the lag from x and stores x; y -= V[:, r0:r1] known (known
  // (r1 - r0) x b: x's couplings in T, already known); coef (cols x b) = V^T y and gram_y = y^T y
  // after that; xcoef (jx x b) = V[:, 0:jx]^T x and gram_x = x^T x for x after its subtraction.
  void lagged_sweep(Basis& basis, double* x, const double* lag, std::size_t r0, std::size_t r1, const double* known,
                    double* y, double* coef, double* gram_y, double* xcoef, double* gram_x);

  // w (n x b, contiguous; w^T w in gram_w) less V[:, 0:jx] lag (jx x b, the projection not yet
  // subtracted) orthonormalized by CholQR on w alone: w <- w R^{-1}, lag <- lag R^{-1}, R upper
  // triangular with (w - V lag)_before = (w - V lag)_after R. The Gram matrix of w - V lag is
  // w^T w - lag^T lag when V is orthonormal. `scale`: the norms of the block's product. false,
  // with w and lag untouched, when the projection cancelled more than kLagCancellation of some
  // column's norm or CholQR would break down: the caller then subtracts and takes the two-pass
  // path.
  bool orthonormalize_lagged(Basis& basis, std::size_t jx, double* w, std::size_t b, double* lag, const double* scale,
                             const double* gram_w, double* R);

  // Orthonormalizes the columns of w (n x ncols, leading dimension ld), already projected against
  // the basis, among themselves: w_before = w R (R upper triangular, optional). `scale`: the
  // columns' norms before the projection (cancellation is judged relative to them); `gram`: w^T w
  // when the caller has it. A column with nothing left outside the basis and the columns before
  // it gets a random direction and a zero on R's diagonal (the Krylov space became invariant);
  // where none is left either, it stays zero and is listed in missing().
  void orthonormalize_block(Basis& basis, double* w, std::size_t ld, std::size_t ncols, const double* scale, double* R,
                            const double* gram = nullptr);

  // The start block w (n x b, contiguous): v0's columns (n x v0_cols) completed by random ones,
  // projected against the basis and orthonormalized (a vanished column gets a random direction).
  void start_block(Basis& basis, const double* v0, std::size_t v0_cols, double* w, std::size_t b);

  // Gives the missing columns of the block w (n x b, contiguous) random directions orthogonal to
  // the first `basis_cols` basis columns and to the block's other columns.
  void refill_missing(Basis& basis, std::size_t basis_cols, double* w, std::size_t b);
  bool has_missing() const { return !missing_.empty(); }

  // Orthonormalizes known eigenvectors (n x c, in place); std::invalid_argument for a zero or a
  // dependent column.
  void orthonormalize_deflation(double* defl, std::size_t c);

  // The largest ||y_q|| / ||w_q|| (product over projected column) the lagged form accepts.
  static constexpr double kLagCancellation = 32;

  double random() { return uniform_pm1(seed_, rng_counter_++); }
  // Counter-based: entry `counter` of the stream of `seed` does not depend on how many threads
  // drew the others, so random blocks are the same for every thread count.
  static double uniform_pm1(std::uint64_t seed, std::uint64_t counter);

 private:
  void project_strided(Basis& basis, double* w, std::size_t ld, std::size_t ncols);
  void project_previous(double* w, std::size_t ld, std::size_t col, double* r);
  double column_norm(const double* w, std::size_t ld) const;
  bool cholqr_pass(double* w, std::size_t ncols, const double* scale, double* R, const double* G_in, double* G_out);
  void orthonormalize_columns(Basis& basis, double* w, std::size_t ld, std::size_t ncols, const double* scale,
                              double* Rout);
  template <typename F>
  bool random_direction(Basis& basis, double* w, std::size_t ld, std::size_t col, F project_rest);

  std::size_t n_;
  std::uint64_t seed_, rng_counter_ = 0;
  EigshProfile* profile_;
  std::vector<std::size_t> missing_;
  std::vector<double> c1_, c2_, c1t_, tmp_;
};

}  // namespace speclin::lanczos
