#include "lanczos_factorization.h"

#include <algorithm>
#include <cmath>

#include "gram.h"
#include "lanczos_block_ops.h"
#include "thread_pool.h"

namespace speclin::lanczos {

BlockLanczosFactorization::BlockLanczosFactorization(std::size_t n, std::size_t basis, std::size_t block,
                                                     std::size_t buffer_cols, std::uint64_t seed, bool lagged,
                                                     EigshProfile* profile)
    : LanczosFactorization(basis, block),
      n_(n),
      m_(basis),
      b_(block),
      profile_(profile),
      orth_(n, seed, profile),
      lag_enabled_(lagged) {
  V_.assign(n * m_, 0.0);
  const std::size_t w = std::max(buffer_cols, b_);
  X_.assign(n * w, 0.0);
  Y_.assign(n * w, 0.0);
  W_.assign(n * w, 0.0);
  C_.assign(m_ * b_, 0.0);
}

Basis BlockLanczosFactorization::basis_view() {
  Basis v;
  v.V = V_.data();
  v.n = n_;
  v.ld = m_;
  v.cols = proj_.columns();
  if (pending_) {
    v.pending = X_.data();
    v.pending_cols = b_;
  }
  return v;
}

// Runs f(basis) and records whether it stored the pending block.
template <typename F>
void BlockLanczosFactorization::with_basis(F&& f) {
  Basis v = basis_view();
  f(v);
  pending_ = v.pending != nullptr;
}

void BlockLanczosFactorization::settle() {
  if (pending_ && lagged_) apply_lag(X_.data(), proj_.columns() - b_), lagged_ = false;
  with_basis([](Basis& v) { store_pending(v); });
}

void BlockLanczosFactorization::lock_known(const double* U, std::size_t c) {
  copy_block(n_, c, U, c, V_.data(), m_);
  proj_.lock_known(c);
}

void BlockLanczosFactorization::start(const double* v0, std::size_t v0_cols) {
  with_basis([&](Basis& v) { orth_.start_block(v, v0, v0_cols, W_.data(), b_); });
  proj_.open_block();
  request_block();
}

// The residual block W becomes the next product's input by a swap of buffers (X, Y and W hold
// the same size), and columns j - b .. j of the basis inside the next projection's first sweep
// (the pending block): X is not overwritten before that.
void BlockLanczosFactorization::request_block() {
  std::swap(X_, W_);
  pending_ = true;
}

void BlockLanczosFactorization::extend() {
  // Y = A X becomes the new block without a copy.
  std::swap(W_, Y_);
  if (lag_enabled_ && pending_) {
    extend_lagged();
  } else {
    std::vector<double> sc(b_);
    extend_two_pass(sc, false);
  }
  PhaseTimer timer(profile_ ? &profile_->analyze : nullptr);
  proj_.analyze();
}

// Projects the new block against the whole basis in two passes (the third only where needed)
// and orthonormalizes it. `scale`: the columns' norms before projection, filled here unless
// `after_lag` (the lag was just subtracted from a block whose product had those norms: the
// projection adds to T's column block instead of setting it).
void BlockLanczosFactorization::extend_two_pass(std::vector<double>& scale, bool after_lag) {
  std::vector<double> G(b_ * b_);
  with_basis([&](Basis& v) {
    orth_.project(v, 0, W_.data(), b_, C_.data(), after_lag ? nullptr : scale.data(), G.data());
  });
  // The new column block of T = V^T A V: both passes' coefficients.
  proj_.set_column_block(C_.data(), after_lag, after_lag);
  std::vector<double> R(b_ * b_, 0.0);
  with_basis([&](Basis& v) { orth_.orthonormalize_block(v, W_.data(), b_, b_, scale.data(), R.data(), G.data()); });
  proj_.set_residual_coupling(R.data());
}

// One read of the basis per block step (docs/eigs.md): the sweep that stores the block x (less
// its lagged projection) also forms V^T y for its product y; y less x's part is the next block
// w, and w's projection onto the rest of the basis, V^T w = (V^T y) there, is subtracted in the
// next step's sweep. y is the product of x before its lag was subtracted: A x differs from it by
// A V lag, a vector in the basis' span of size ||A|| |lag| (|lag| is at rounding level: one
// classical Gram-Schmidt pass of the previous block), which the projection removes with the rest.
void BlockLanczosFactorization::extend_lagged() {
  const std::size_t j = proj_.columns(), l = proj_.locked(), jx = j - b_, g2 = b_ * b_;
  // What y loses before it is measured: x's couplings already in T (the previous block's R, or
  // after a restart the kept Ritz vectors'), and when x had a lag, A V lag = V T lag (the locked
  // columns with their Ritz values): without it y would keep the lag's image, and the next lag
  // would grow by ||A|| / ||R|| a step.
  std::size_t r0 = jx, r1 = l;
  for (std::size_t r = l; r < jx; ++r)
    for (std::size_t q = 0; q < b_; ++q)
      if (proj_.at(r, jx + q) != 0) r0 = std::min(r0, r), r1 = std::max(r1, r + 1);
  if (r1 <= r0) r0 = r1 = 0;
  if (lagged_) r0 = 0, r1 = j;
  std::vector<double> known((r1 - r0) * b_, 0.0), Gy(g2), Gw(g2), sc(b_);
  for (std::size_t r = std::max(r0, l); r < std::min(r1, jx); ++r)
    for (std::size_t q = 0; q < b_; ++q) known[(r - r0) * b_ + q] = proj_.at(r, jx + q);
  if (lagged_)
    for (std::size_t r = 0; r < j; ++r)
      for (std::size_t q = 0; q < b_; ++q) {
        double u = 0;
        if (r < l) {
          u = locked_values_[r] * lag_[r * b_ + q];
        } else {
          for (std::size_t c = l; c < jx; ++c) u += proj_.at(r, c) * lag_[c * b_ + q];
        }
        known[r * b_ + q] += u;
      }
  std::vector<double> D(jx * b_), Gx(g2);
  with_basis([&](Basis& v) {
    orth_.lagged_sweep(v, X_.data(), lagged_ ? lag_.data() : nullptr, r0, r1, known.data(), W_.data(), C_.data(),
                       Gy.data(), D.data(), Gx.data());
  });
  lagged_ = false;
  // x's column block of T = V^T A x: the known couplings plus the measured rest.
  proj_.set_column_block(C_.data(), true, false);
  // w = y - x C_x (x is contiguous: a read of two n x b blocks, not of the basis).
  block_update(n_, X_.data(), W_.data(), b_, C_.data() + jx * b_, Gw.data());
  // The lag covers the whole basis: V^T w = V^T y - (V^T x) C_x, with V[:, 0:jx]^T x = D, what
  // x kept along the basis after its own lag was subtracted (rounding), and x^T x = G_x. Taking
  // D as zero lets it grow by ||C_x|| / ||R|| a step (measured: 2x a step on the Gram matrix of a
  // 300 x 420 Gaussian matrix, ||A|| = 450, until the solve failed).
  const double* Cx = C_.data() + jx * b_;
  lag_.assign(j * b_, 0.0);
  for (std::size_t r = 0; r < j; ++r)
    for (std::size_t q = 0; q < b_; ++q) {
      double v = C_[r * b_ + q];
      for (std::size_t p = 0; p < b_; ++p) v -= (r < jx ? D[r * b_ + p] : Gx[(r - jx) * b_ + p]) * Cx[p * b_ + q];
      lag_[r * b_ + q] = v;
    }
  for (std::size_t q = 0; q < b_; ++q) sc[q] = std::sqrt(Gy[q * b_ + q]);
  bool ok = false;
  std::vector<double> R(g2, 0.0);
  with_basis([&](Basis& v) {
    ok = orth_.orthonormalize_lagged(v, j, W_.data(), b_, lag_.data(), sc.data(), Gw.data(), R.data());
  });
  if (ok) {
    proj_.set_residual_coupling(R.data());
    lagged_ = true;
    return;
  }
  apply_lag(W_.data(), j);
  extend_two_pass(sc, true);
}

void BlockLanczosFactorization::apply_lag(double* w, std::size_t rows) {
  PhaseTimer timer(profile_ ? &profile_->project : nullptr);
  std::vector<double> lagT(rows * b_), unused(b_ * b_);
  for (std::size_t p = 0; p < rows; ++p)
    for (std::size_t q = 0; q < b_; ++q) lagT[q * rows + p] = lag_[p * b_ + q];
  basis_pass(n_, V_.data(), m_, rows, w, b_, lagT.data(), nullptr, unused.data());
  if (profile_) {
    ++profile_->basis_passes;
    profile_->basis_vectors_read += rows;
  }
}

void BlockLanczosFactorization::advance() {
  // Only where the block ran out with room left: in practice never.
  with_basis([&](Basis& v) { orth_.refill_missing(v, proj_.columns(), W_.data(), b_); });
  proj_.advance();
  request_block();
}

void BlockLanczosFactorization::ritz_vectors(const std::vector<std::size_t>& sel, double* out) {
  PhaseTimer timer(profile_ ? &profile_->restart : nullptr);
  settle();
  const std::size_t ns = sel.size(), ma = proj_.active();
  const std::vector<double> Ysel = proj_.ritz_columns(sel);
  tall_apply(n_, V_.data() + proj_.locked(), m_, ma, Ysel.data(), ns, 1.0, 0.0, out, ns);
  if (profile_) {
    ++profile_->basis_passes;
    profile_->basis_vectors_read += ma;
  }
}

// The basis rotation, in place and row by row (rows are independent): V[:, l0 : l0 + locked +
// kept] = [the verified vectors (columns `lock_cols` of X, exactly the vectors whose residuals
// were checked), V[:, l0:j] Yr[:, keep]]. One read and one write of the active basis, where
// forming all the Ritz vectors in a separate n x nsel block and copying them back cost about
// twice that (9 of 89 s at n = 200 000, k = 32).
void BlockLanczosFactorization::restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
                                        const std::vector<std::size_t>& keep) {
  PhaseTimer timer(profile_ ? &profile_->restart : nullptr);
  settle();
  // The residual block's lag refers to the basis about to be rotated: subtract it first.
  if (lagged_) apply_lag(W_.data(), proj_.columns()), lagged_ = false;
  const std::size_t l0 = proj_.locked(), nl = lock_cols.size(), kk = keep.size(), ma = proj_.active();
  if (nl > 0 || kk > 0) {
    const std::vector<double> Ykeep = proj_.ritz_columns(keep);
    parallel_for(0, n_, kRowGrain, [&](std::size_t lo, std::size_t hi) {
      std::vector<double> tmp((hi - lo) * kk);
      if (kk > 0)
        gemm<double>(Trans::No, Trans::No, hi - lo, kk, ma, 1.0, V_.data() + lo * m_ + l0, m_, Ykeep.data(), kk, 0.0,
                     tmp.data(), kk);
      for (std::size_t i = lo; i < hi; ++i) {
        double* v = V_.data() + i * m_ + l0;
        for (std::size_t q = 0; q < nl; ++q) v[q] = X[i * xcols + lock_cols[q]];
        std::copy(tmp.begin() + (i - lo) * kk, tmp.begin() + (i - lo + 1) * kk, v + nl);
      }
    });
    if (profile_ && kk > 0) {
      ++profile_->basis_passes;
      profile_->basis_vectors_read += ma;
    }
  }
  // The arrowhead: diag(theta) for the kept Ritz vectors, coupled to the residual block.
  proj_.restart(nl, keep);
  with_basis([&](Basis& v) {
    v.cols = proj_.columns() - b_;
    orth_.refill_missing(v, proj_.columns() - b_, W_.data(), b_);
  });
  request_block();
}

}  // namespace speclin::lanczos
