// A block Lanczos factorization A V[:, l:j] = V[:, l:j] T[l:j, l:j] + Q R E^T with thick restart,
// as the eigsh driver sees it: the basis V (n x m; locked columns first), the projected matrix T
// (lanczos_projected, shared by every kind of basis), and the operations on them: start, extend by
// a block, Ritz analysis, restart. It never applies the operator: the driver multiplies input()
// into output() between calls. BlockLanczosFactorization keeps V in host memory;
// DeviceLanczosFactorization (lanczos_device.h) leaves V to a device and asks for its part.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eigsh_profile.h"
#include "lanczos_orthogonalizer.h"
#include "lanczos_projected.h"

namespace speclin::lanczos {

class LanczosFactorization {
 public:
  LanczosFactorization(std::size_t basis, std::size_t block) : proj_(basis, block) {}
  virtual ~LanczosFactorization() = default;
  LanczosFactorization(const LanczosFactorization&) = delete;
  LanczosFactorization& operator=(const LanczosFactorization&) = delete;

  // The request buffers, n x (columns of the request), row-major: output() = A input().
  virtual double* input() = 0;
  virtual double* output() = 0;

  // Places c orthonormal vectors as locked columns (deflation); they stay in the basis.
  virtual void lock_known(const double* U, std::size_t c) = 0;
  // Starts the Krylov space from v0 (n x v0_cols, completed by random columns) orthogonal to the
  // locked columns.
  virtual void start(const double* v0, std::size_t v0_cols) = 0;
  // With the last block's product in hand: projects, adds T's new column block, orthonormalizes
  // the residual block; then the Ritz analysis of the active part.
  virtual void extend() = 0;
  // After extend, when room is left: the residual block becomes the last block.
  bool has_room() const { return proj_.has_room(); }
  virtual void advance() = 0;
  // Stores the block awaiting its product into V (before a restart reads V).
  virtual void settle() = 0;

  // The Ritz analysis of T[l:j, l:j] after extend.
  const std::vector<double>& ritz_values() const { return proj_.ritz_values(); }
  const std::vector<double>& residual_estimates() const { return proj_.residual_estimates(); }
  std::size_t active() const { return proj_.active(); }
  // out (n x sel.size()) = V[:, l:j] Y[:, sel]: Ritz vectors (on a device: requested of it).
  virtual void ritz_vectors(const std::vector<std::size_t>& sel, double* out) = 0;
  // Thick restart: the columns `lock_cols` of `X` (n x xcols, verified Ritz vectors) become locked
  // columns, the Ritz vectors `keep` stay active with the arrowhead coupling to the residual
  // block, which becomes the last block. Nothing is kept when `keep` is empty.
  virtual void restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
                       const std::vector<std::size_t>& keep) = 0;

  std::size_t locked() const { return proj_.locked(); }
  // The locked columns' eigenvalues, in column order (the lagged projection needs A V for them).
  virtual void set_locked_values(const std::vector<double>& values) { (void)values; }
  std::size_t block() const { return proj_.block(); }
  std::size_t basis_size() const { return proj_.basis_size(); }
  // Column q of the locked part of V, `column_stride()` apart (on a device: once collected).
  virtual const double* column(std::size_t q) const = 0;
  virtual std::size_t column_stride() const = 0;

 protected:
  ProjectedMatrix proj_;
};

// The host factorization: V in memory, projected by the lagged sweep or in two passes.
class BlockLanczosFactorization final : public LanczosFactorization {
 public:
  // buffer_cols: the widest request the driver will make (the block, k candidates, deflation).
  // lagged: project by the lagged sweep (one read of the basis a step), else in two passes.
  BlockLanczosFactorization(std::size_t n, std::size_t basis, std::size_t block, std::size_t buffer_cols,
                            std::uint64_t seed, bool lagged, EigshProfile* profile);

  double* input() override { return X_.data(); }
  double* output() override { return Y_.data(); }
  void lock_known(const double* U, std::size_t c) override;
  void start(const double* v0, std::size_t v0_cols) override;
  void extend() override;
  void advance() override;
  void settle() override;
  void ritz_vectors(const std::vector<std::size_t>& sel, double* out) override;
  void restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
               const std::vector<std::size_t>& keep) override;
  void set_locked_values(const std::vector<double>& values) override { locked_values_ = values; }
  const double* column(std::size_t q) const override { return V_.data() + q; }
  std::size_t column_stride() const override { return m_; }

 private:
  Basis basis_view();
  template <typename F>
  void with_basis(F&& f);
  void request_block();

  void extend_lagged();
  void extend_two_pass(std::vector<double>& scale, bool after_lag);
  // Subtracts the lag (V[:, 0 : j - b] lag) from the block w now.
  void apply_lag(double* w, std::size_t jx);

  std::size_t n_, m_, b_;
  EigshProfile* profile_;
  BlockOrthogonalizer orth_;
  bool lag_enabled_;
  std::vector<double> V_;
  bool pending_ = false;  // V[:, j - b : j] still in X (the block awaiting its product)
  std::vector<double> X_, Y_, W_, C_;
  // The lagged projection: the residual block (W after extend, X once requested) is its stored
  // columns less V[:, 0 : rows] lag_, subtracted inside the next sweep.
  bool lagged_ = false;
  std::vector<double> lag_, locked_values_;
};

}  // namespace speclin::lanczos
