// The projected matrix of a thick-restart block Lanczos factorization, T = V^T A V (m x m, locked
// columns first), with its residual coupling R and its Ritz analysis. It knows nothing of the
// basis itself: the host factorization (lanczos_factorization) and the device one (the basis in
// a GPU's memory, lanczos_device) both keep their T here, so the projected problem, the
// arrowhead of a restart and the residual estimates are one piece of code.
#pragma once
#include <cstddef>
#include <vector>

namespace speclin::lanczos {

class ProjectedMatrix {
 public:
  ProjectedMatrix(std::size_t basis, std::size_t block);

  std::size_t basis_size() const { return m_; }
  std::size_t block() const { return b_; }
  std::size_t locked() const { return l_; }
  // Basis columns in use, the block awaiting its product included.
  std::size_t columns() const { return j_; }
  bool has_room() const { return j_ + b_ <= m_; }

  double& at(std::size_t r, std::size_t c) { return t_[r * m_ + c]; }
  double at(std::size_t r, std::size_t c) const { return t_[r * m_ + c]; }

  // c known eigenvectors occupy the first columns, locked.
  void lock_known(std::size_t c) { l_ = j_ = c; }
  // The first Krylov block enters the basis.
  void open_block() { j_ += b_; }
  // The column block of the last block, x = columns [j - b, j), from coef (rows [0, j) x b,
  // row-major) = V^T A x. Rows of locked columns are dropped (projecting them out is the
  // deflation); the block is mirrored and its diagonal part symmetrized, so T stays exactly
  // symmetric. add_off / add_diag: onto what T already holds (known couplings, a first pass).
  void set_column_block(const double* coef, bool add_off, bool add_diag);
  // R (b x b, upper triangular): the residual block is A x - V coef = (next block) R.
  void set_residual_coupling(const double* R);
  const double* residual_coupling() const { return r_.data(); }

  // The Ritz analysis of the active part T[l:j, l:j]: values (descending), eigenvectors (ma x ma,
  // column q for value q), residual estimates ||R y_last||.
  void analyze();
  std::size_t active() const { return ma_; }
  const std::vector<double>& ritz_values() const { return theta_; }
  const std::vector<double>& residual_estimates() const { return est_; }
  const std::vector<double>& ritz_coefficients() const { return y_; }
  // Y[:, sel] (ma x sel.size(), row-major).
  std::vector<double> ritz_columns(const std::vector<std::size_t>& sel) const;

  // The residual block becomes the next block: coupled to the last one by R.
  void advance();
  // Thick restart: nl more columns locked, the Ritz pairs `keep` active as diag(theta) coupled to
  // the residual block (R times the last block's rows of their eigenvectors: the arrowhead),
  // which becomes the last block.
  void restart(std::size_t nl, const std::vector<std::size_t>& keep);

 private:
  std::size_t m_, b_;
  std::size_t l_ = 0, j_ = 0;
  std::vector<double> t_, r_;
  std::vector<double> theta_, y_, est_;
  std::size_t ma_ = 0;
};

}  // namespace speclin::lanczos
