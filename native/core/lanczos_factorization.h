// A block Lanczos factorization A V[:, l:j] = V[:, l:j] T[l:j, l:j] + Q R E^T with thick restart:
// the basis V (n x m, row-major; locked columns first), the projected matrix T (m x m), the
// residual block, and the operations on them: start, extend by a block, Ritz analysis, restart.
// It never applies the operator: the driver multiplies input() into output() between calls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eigsh_profile.h"
#include "lanczos_orthogonalizer.h"

namespace speclin::lanczos {

class BlockLanczosFactorization {
 public:
  // buffer_cols: the widest request the driver will make (the block, k candidates, deflation).
  // lagged: project by the lagged sweep (one read of the basis a step), else in two passes.
  BlockLanczosFactorization(std::size_t n, std::size_t basis, std::size_t block, std::size_t buffer_cols,
                            std::uint64_t seed, bool lagged, EigshProfile* profile);

  // The request buffers: output() = A input(), n x (columns of the request), row-major.
  double* input() { return X_.data(); }
  const double* input() const { return X_.data(); }
  double* output() { return Y_.data(); }

  // Places c orthonormal vectors as locked columns (deflation); they stay in the basis.
  void lock_known(const double* U, std::size_t c);
  // Starts the Krylov space from v0 (n x v0_cols, completed by random columns) orthogonal to the
  // locked columns; input() then holds the block to multiply.
  void start(const double* v0, std::size_t v0_cols);
  // With output() = A input() (the last block): projects, adds T's new column block, and
  // orthonormalizes the residual block; then the Ritz analysis of the active part.
  void extend();
  // After extend, when room is left: the residual block becomes the last block (input()).
  bool has_room() const { return j_ + b_ <= m_; }
  void advance();
  // Stores the block awaiting its product into V (before a restart reads V).
  void settle();

  // The Ritz analysis of T[l:j, l:j] after extend: values (descending), residual estimates
  // ||R y_last||, eigenvectors (ma x ma, column q for value q).
  const std::vector<double>& ritz_values() const { return theta_; }
  const std::vector<double>& residual_estimates() const { return est_; }
  std::size_t active() const { return ma_; }
  // out (n x sel.size()) = V[:, l:j] Y[:, sel]: Ritz vectors.
  void ritz_vectors(const std::vector<std::size_t>& sel, double* out);

  // Thick restart: the columns `lock_cols` of `X` (n x xcols, verified Ritz vectors) become locked
  // columns, the Ritz vectors `keep` stay active with the arrowhead coupling to the residual
  // block, which becomes the last block (input()). Nothing is kept when `keep` is empty.
  void restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
               const std::vector<std::size_t>& keep);

  std::size_t locked() const { return l_; }
  // The locked columns' eigenvalues (the lagged projection needs A V for them), in column order.
  void set_locked_values(const std::vector<double>& values) { locked_values_ = values; }
  std::size_t block() const { return b_; }
  std::size_t basis_size() const { return m_; }
  // Column q of V (leading dimension basis_size()).
  const double* column(std::size_t q) const { return V_.data() + q; }

 private:
  Basis basis_view();
  template <typename F>
  void with_basis(F&& f);
  void request_block();
  void analyze();

  void extend_lagged();
  void extend_two_pass(std::vector<double>& scale, bool after_lag);
  // Subtracts the lag (V[:, 0 : j - b] lag) from the block w now.
  void apply_lag(double* w, std::size_t jx);

  std::size_t n_, m_, b_;
  EigshProfile* profile_;
  BlockOrthogonalizer orth_;
  std::uint64_t seed_;
  bool lag_enabled_;
  std::vector<double> V_, T_;
  std::size_t l_ = 0, j_ = 0;  // locked columns, basis columns
  bool pending_ = false;       // V[:, j - b : j] still in X (the block awaiting its product)
  std::vector<double> X_, Y_, W_, R_, C_;
  // The lagged projection: the residual block (W after extend, X once requested) is its stored
  // columns less V[:, 0 : rows] lag_, subtracted inside the next sweep.
  bool lagged_ = false;
  std::vector<double> lag_, locked_values_;
  std::vector<double> theta_, Yr_, est_;
  std::size_t ma_ = 0;
};

}  // namespace speclin::lanczos
