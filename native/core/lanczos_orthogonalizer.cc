#include "lanczos_orthogonalizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "eigsh_options.h"
#include "lanczos_block_ops.h"
#include "thread_pool.h"

namespace speclin::lanczos {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// R = R2 R1 for upper triangular b x b factors.
void multiply_triangular(std::size_t b, const double* R2, const double* R1, double* R) {
  for (std::size_t p = 0; p < b; ++p)
    for (std::size_t q = 0; q < b; ++q) {
      double v = 0;
      if (q >= p)
        for (std::size_t t = p; t <= q; ++t) v += R2[p * b + t] * R1[t * b + q];
      R[p * b + q] = v;
    }
}

}  // namespace

double BlockOrthogonalizer::uniform_pm1(std::uint64_t seed, std::uint64_t counter) {
  std::uint64_t r = splitmix64(splitmix64(seed) ^ splitmix64(counter + 0x632BE59BD9B4E019ull));
  return static_cast<double>(r >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

void store_pending(Basis& basis) {
  if (!basis.pending) return;
  const std::size_t b = basis.pending_cols, ld = basis.ld;
  double* v = basis.V + (basis.cols - b);
  const double* x = basis.pending;
  with_width(b, [&](auto width) {
    const std::size_t nb = width;
    parallel_for(0, basis.n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i)
        for (std::size_t q = 0; q < nb; ++q) v[i * ld + q] = x[i * nb + q];
    });
  });
  basis.pending = nullptr;
  basis.pending_cols = 0;
}

// Pass 1 computes C1 = V^T W and the norms before; pass 2 subtracts V C1 and computes C2 = V^T W
// and the norms after; pass 3 subtracts V C2 only when some column lost more than 1 - 1/sqrt(2)
// of its norm in the first pass (Kahan-Parlett "twice is enough": otherwise the first pass
// already left it orthogonal to working precision). Three reads of the basis at most.
void BlockOrthogonalizer::project(Basis& basis, std::size_t from, double* w, std::size_t ncols, double* coef,
                                  double* norms, double* gram) {
  const std::size_t g2 = ncols * ncols, j = basis.cols - from;
  std::vector<double> before(g2), after(g2);
  if (j == 0) {
    block_gram(n_, w, ncols, after.data());
    if (norms)
      for (std::size_t q = 0; q < ncols; ++q) norms[q] = std::sqrt(after[q * ncols + q]);
    if (gram) std::copy(after.begin(), after.end(), gram);
    return;
  }
  PhaseTimer timer(profile_ ? &profile_->project : nullptr);
  double* V = basis.V + from;
  const double* fill = basis.pending;
  const std::size_t fill_cols = basis.pending_cols;
  if (fill && fill_cols > j) store_pending(basis), fill = nullptr;  // the fill lies outside the range read
  c1_.resize(j * ncols);
  c2_.resize(j * ncols);
  c1t_.resize(j * ncols);
  basis_pass(n_, V, basis.ld, j, w, ncols, nullptr, c1_.data(), before.data(), fill, fill ? fill_cols : 0);
  if (fill) basis.pending = nullptr, basis.pending_cols = 0;
  for (std::size_t p = 0; p < j; ++p)
    for (std::size_t q = 0; q < ncols; ++q) c1t_[q * j + p] = c1_[p * ncols + q];
  basis_pass(n_, V, basis.ld, j, w, ncols, c1t_.data(), c2_.data(), after.data());
  // Pass 2 also measured C2 = V^T w (after the first subtraction): the new vector's remaining
  // components along the basis. A column needs the second subtraction only if both tests fail:
  // Kahan-Parlett (it kept at least 1/sqrt 2 of its norm), or the direct one, max |C2_q| <=
  // 32 sqrt(j) u ||w_q|| (the second pass would change w only at the level of rounding; measured
  // on the SBM benchmark graphs, one pass leaves max |C2_q| / ||w_q|| <= 7.5e-15, median 1.4e-15,
  // so the basis stays orthogonal to working precision either way).
  bool second = false;
  const double tau = 32.0 * std::sqrt(static_cast<double>(j)) * std::numeric_limits<double>::epsilon() / 2;
  for (std::size_t q = 0; q < ncols; ++q) {
    double after_q = after[q * ncols + q];
    if (after_q >= 0.5 * before[q * ncols + q]) continue;  // squared norms: (1/sqrt 2)^2
    double mx = 0;
    for (std::size_t p = 0; p < j; ++p) mx = std::max(mx, std::fabs(c2_[p * ncols + q]));
    if (!(mx <= tau * std::sqrt(after_q))) second = true;
  }
  if (second) {
    for (std::size_t p = 0; p < j; ++p)
      for (std::size_t q = 0; q < ncols; ++q) c1t_[q * j + p] = c2_[p * ncols + q];
    basis_pass(n_, V, basis.ld, j, w, ncols, c1t_.data(), nullptr, after.data());
  }
  if (profile_) {
    ++profile_->blocks;
    profile_->full_projections += from == 0;
    profile_->second_passes += second;
    profile_->basis_passes += second ? 3 : 2;
    profile_->basis_vectors_read += (second ? 3 : 2) * j;
  }
  if (norms)
    for (std::size_t q = 0; q < ncols; ++q) norms[q] = std::sqrt(before[q * ncols + q]);
  if (gram) std::copy(after.begin(), after.end(), gram);
  if (coef)
    for (std::size_t i = 0; i < j * ncols; ++i) coef[i] = c1_[i] + (second ? c2_[i] : 0.0);
}

void BlockOrthogonalizer::lagged_sweep(Basis& basis, double* x, const double* lag, std::size_t r0, std::size_t r1,
                                       const double* known, double* y, double* coef, double* gram_y, double* xcoef,
                                       double* gram_x) {
  PhaseTimer timer(profile_ ? &profile_->project : nullptr);
  const std::size_t b = basis.pending_cols, j = basis.cols, jx = j - b;
  std::vector<double> lagT(lag ? jx * b : 0), knownT((r1 - r0) * b);
  for (std::size_t p = 0; p < (lag ? jx : 0); ++p)
    for (std::size_t q = 0; q < b; ++q) lagT[q * jx + p] = lag[p * b + q];
  for (std::size_t p = 0; p < r1 - r0; ++p)
    for (std::size_t q = 0; q < b; ++q) knownT[q * (r1 - r0) + p] = known[p * b + q];
  lagged_pass(n_, basis.V, basis.ld, jx, x, b, lag ? lagT.data() : nullptr, r0, r1, knownT.data(), y, coef, gram_y,
              xcoef, gram_x);
  basis.pending = nullptr;
  basis.pending_cols = 0;
  if (profile_) {
    ++profile_->blocks;
    ++profile_->full_projections;
    ++profile_->basis_passes;
    profile_->basis_vectors_read += j;
  }
}

bool BlockOrthogonalizer::orthonormalize_lagged(Basis& basis, std::size_t jx, double* w, std::size_t b, double* lag,
                                                const double* scale, const double* gram_w, double* R) {
  PhaseTimer timer(profile_ ? &profile_->block : nullptr);
  const std::size_t g2 = b * b;
  std::vector<double> G(gram_w, gram_w + g2);
  // The Gram matrix of w - V lag (Pythagoras; V orthonormal to working precision).
  auto less_lag = [&](std::vector<double>& M, const double* L) {
    for (std::size_t a = 0; a < b; ++a)
      for (std::size_t z = 0; z < b; ++z) {
        double d = 0;
        for (std::size_t p = 0; p < jx; ++p) d += L[p * b + a] * L[p * b + z];
        M[a * b + z] -= d;
      }
  };
  less_lag(G, lag);
  // One classical Gram-Schmidt pass leaves about u ||y|| / ||w|| of a column along the basis: the
  // lagged form keeps the block orthogonal to working precision only while the projection
  // cancels little. Otherwise the two-pass path measures and repeats the projection.
  for (std::size_t q = 0; q < b; ++q)
    if (!(G[q * b + q] * kLagCancellation * kLagCancellation > scale[q] * scale[q])) return false;
  std::vector<double> R1(g2), G2(g2);
  if (!cholqr_pass(w, b, scale, R1.data(), G.data(), G2.data())) return false;
  // lag <- lag R1^{-1}, row by row (forward substitution: entry q needs entries 0..q-1).
  auto solve_right = [&](const std::vector<double>& Rt) {
    for (std::size_t p = 0; p < jx; ++p) {
      double* row = lag + p * b;
      for (std::size_t q = 0; q < b; ++q) {
        double v = row[q];
        for (std::size_t t = 0; t < q; ++t) v -= row[t] * Rt[t * b + q];
        row[q] = v / Rt[q * b + q];
      }
    }
  };
  solve_right(R1);
  less_lag(G2, lag);
  double dev = 0;
  for (std::size_t p = 0; p < b; ++p)
    for (std::size_t q = 0; q < b; ++q) dev = std::max(dev, std::fabs(G2[p * b + q] - (p == q ? 1.0 : 0.0)));
  if (profile_) ++profile_->cholqr;
  if (dev <= 32.0 * static_cast<double>(b) * std::numeric_limits<double>::epsilon() / 2) {
    if (profile_) ++profile_->cholqr_once;
    std::copy(R1.begin(), R1.end(), R);
    return true;
  }
  std::vector<double> R2(g2);
  const std::vector<double> no_scale(b, 0.0);
  if (cholqr_pass(w, b, no_scale.data(), R2.data(), G2.data(), nullptr)) {
    solve_right(R2);
  } else {
    // w - V lag is of full rank but not yet orthonormal: subtract the lag now, finish column-wise.
    std::vector<double> lagT(jx * b), unused(g2);
    for (std::size_t p = 0; p < jx; ++p)
      for (std::size_t q = 0; q < b; ++q) lagT[q * jx + p] = lag[p * b + q];
    basis_pass(n_, basis.V, basis.ld, jx, w, b, lagT.data(), nullptr, unused.data());
    std::fill(lag, lag + jx * b, 0.0);
    orthonormalize_columns(basis, w, b, b, no_scale.data(), R2.data());
  }
  multiply_triangular(b, R2.data(), R1.data(), R);
  return true;
}

// W (n x ncols, ld) -= V (V^T W), twice, for a strided block (single columns of a larger one).
void BlockOrthogonalizer::project_strided(Basis& basis, double* w, std::size_t ld, std::size_t ncols) {
  const std::size_t j = basis.cols;
  if (j == 0) return;
  store_pending(basis);
  PhaseTimer timer(profile_ ? &profile_->project : nullptr);
  tmp_.resize(j * ncols);
  for (int pass = 0; pass < 2; ++pass) {
    tall_inner(n_, basis.V, basis.ld, j, w, ld, ncols, tmp_.data());
    tall_apply(n_, basis.V, basis.ld, j, tmp_.data(), ncols, -1.0, 1.0, w, ld);
  }
  if (profile_) {
    profile_->basis_passes += 4;
    profile_->basis_vectors_read += 4 * j;
  }
}

// Column col of w against its first col columns, twice; adds the coefficients to r (col long).
void BlockOrthogonalizer::project_previous(double* w, std::size_t ld, std::size_t col, double* r) {
  if (col == 0) return;
  std::vector<double> t(col);
  for (int pass = 0; pass < 2; ++pass) {
    tall_inner(n_, w, ld, col, w + col, ld, 1, t.data());
    tall_apply(n_, w, ld, col, t.data(), 1, -1.0, 1.0, w + col, ld);
    if (r)
      for (std::size_t p = 0; p < col; ++p) r[p] += t[p];
  }
}

double BlockOrthogonalizer::column_norm(const double* w, std::size_t ld) const {
  double s;
  column_sq_norms(n_, 1, w, ld, &s);
  return std::sqrt(s);
}

// One CholQR pass on w (n x ncols, contiguous): w = w_new R with R upper triangular from the
// Cholesky factor of w^T w, w_new = w R^{-1}. false, with w untouched, when a pivot shows a column
// (nearly) dependent on the previous ones of the block or on the basis (its norm fell below 1e-4
// of `scale`, its norm before projection): CholQR's accuracy goes as the square of the block's
// condition number, so such blocks take the column-wise path.
// G_in: w^T w when the caller has it, else null. G_out: when given, receives the Gram matrix of
// the new w, computed in the same pass as the update.
bool BlockOrthogonalizer::cholqr_pass(double* w, std::size_t ncols, const double* scale, double* R,
                                      const double* G_in, double* G_out) {
  std::vector<double> G(ncols * ncols), Rinv(ncols * ncols, 0.0);
  if (G_in) std::copy(G_in, G_in + ncols * ncols, G.begin());
  else block_gram(n_, w, ncols, G.data());
  std::fill(R, R + ncols * ncols, 0.0);
  for (std::size_t c = 0; c < ncols; ++c) {
    double gcc = G[c * ncols + c];
    double d = gcc;
    for (std::size_t p = 0; p < c; ++p) d -= R[p * ncols + c] * R[p * ncols + c];
    if (!(gcc > 1e-8 * scale[c] * scale[c]) || !(d > 1e-12 * gcc)) return false;
    double rcc = std::sqrt(d);
    R[c * ncols + c] = rcc;
    for (std::size_t q = c + 1; q < ncols; ++q) {
      double v = G[c * ncols + q];
      for (std::size_t p = 0; p < c; ++p) v -= R[p * ncols + c] * R[p * ncols + q];
      R[c * ncols + q] = v / rcc;
    }
  }
  // R^{-1}, upper triangular, by back substitution column by column.
  for (std::size_t q = 0; q < ncols; ++q) {
    Rinv[q * ncols + q] = 1.0 / R[q * ncols + q];
    for (std::size_t c = q; c-- > 0;) {
      double v = 0;
      for (std::size_t p = c + 1; p <= q; ++p) v += R[c * ncols + p] * Rinv[p * ncols + q];
      Rinv[c * ncols + q] = -v / R[c * ncols + c];
    }
  }
  // w = w R^{-1} in place, row by row: entry q of a row needs entries 0..q, so descending q.
  const std::size_t g2 = ncols * ncols;
  const std::size_t chunks = parallel_chunks(0, n_, kRowGrain);
  std::vector<double> part(G_out ? chunks * g2 : 0, 0.0);
  with_width(ncols, [&](auto width) {
    const std::size_t nc = width;
    const double* Ri = Rinv.data();
    parallel_for_chunks(0, n_, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
      double* g = G_out ? part.data() + c * g2 : nullptr;
      if constexpr (kFixedWidth<decltype(width)>) {
        // The same sums in the same order as below, in registers.
        constexpr std::size_t NC = decltype(width)::value;
        double rinv[NC * NC], acc[NC * NC] = {};
        std::copy(Ri, Ri + NC * NC, rinv);
        for (std::size_t i = lo; i < hi; ++i) {
          double* row = w + i * NC;
          double r[NC];
          for (std::size_t q = 0; q < NC; ++q) r[q] = row[q];
          for (std::size_t q = NC; q-- > 0;) {
            double v = 0;
            for (std::size_t p = 0; p <= q; ++p) v += r[p] * rinv[p * NC + q];
            r[q] = v;
          }
          for (std::size_t q = 0; q < NC; ++q) row[q] = r[q];
          if (g)
            for (std::size_t a = 0; a < NC; ++a)
              for (std::size_t z = a; z < NC; ++z) acc[a * NC + z] += r[a] * r[z];
        }
        if (g) std::copy(acc, acc + NC * NC, g);
      } else {
        for (std::size_t i = lo; i < hi; ++i) {
          double* row = w + i * nc;
          for (std::size_t q = nc; q-- > 0;) {
            double v = 0;
            for (std::size_t p = 0; p <= q; ++p) v += row[p] * Ri[p * nc + q];
            row[q] = v;
          }
          if (g)
            for (std::size_t a = 0; a < nc; ++a)
              for (std::size_t z = a; z < nc; ++z) g[a * nc + z] += row[a] * row[z];
        }
      }
    });
  });
  if (G_out) {
    std::fill(G_out, G_out + g2, 0.0);
    for (std::size_t c = 0; c < chunks; ++c)
      for (std::size_t t = 0; t < g2; ++t) G_out[t] += part[c * g2 + t];
    for (std::size_t a = 0; a < ncols; ++a)
      for (std::size_t z = 0; z < a; ++z) G_out[a * ncols + z] = G_out[z * ncols + a];
  }
  return true;
}

// CholQR twice when the block is well conditioned (once when the first pass already left it
// orthonormal to working precision); otherwise column by column.
void BlockOrthogonalizer::orthonormalize_block(Basis& basis, double* w, std::size_t ld, std::size_t ncols,
                                               const double* scale, double* Rout, const double* gram) {
  PhaseTimer timer(profile_ ? &profile_->block : nullptr);
  if (ld == ncols) {
    std::vector<double> R1(ncols * ncols), R2(ncols * ncols), G2(ncols * ncols);
    if (cholqr_pass(w, ncols, scale, R1.data(), gram, G2.data())) {
      const std::vector<double> no_scale(ncols, 0.0);  // the second pass's columns are near unit norm
      // The second CholQR only when the first left the block measurably non-orthonormal: G2 is
      // the exact Gram matrix of the updated block (computed in the update's pass), so
      // max |G2 - I| <= 32 b u means it is orthonormal to working precision already.
      double dev = 0;
      for (std::size_t p = 0; p < ncols; ++p)
        for (std::size_t q = 0; q < ncols; ++q) dev = std::max(dev, std::fabs(G2[p * ncols + q] - (p == q ? 1.0 : 0.0)));
      if (profile_) ++profile_->cholqr;
      if (dev <= 32.0 * static_cast<double>(ncols) * std::numeric_limits<double>::epsilon() / 2) {
        if (profile_) ++profile_->cholqr_once;
        if (Rout) std::copy(R1.begin(), R1.end(), Rout);
        return;
      }
      if (!cholqr_pass(w, ncols, no_scale.data(), R2.data(), G2.data(), nullptr))
        // w = w1 R1 with w1 of full rank but not yet orthonormal: finish column-wise.
        orthonormalize_columns(basis, w, ld, ncols, no_scale.data(), R2.data());
      if (Rout) multiply_triangular(ncols, R2.data(), R1.data(), Rout);
      return;
    }
  }
  orthonormalize_columns(basis, w, ld, ncols, scale, Rout);
}

// Fills column `col` of w (leading dimension ld) with a random unit vector orthogonal to the
// basis and to what `project_rest` removes (two passes of both); false when nothing is left
// outside them.
template <typename F>
bool BlockOrthogonalizer::random_direction(Basis& basis, double* w, std::size_t ld, std::size_t col, F project_rest) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    for (std::size_t i = 0; i < n_; ++i) w[i * ld + col] = random();
    double before = column_norm(w + col, ld);
    for (int pass = 0; pass < 2; ++pass) {
      project_strided(basis, w + col, ld, 1);
      project_rest();
    }
    double after = column_norm(w + col, ld);
    if (after > 1e-8 * before) {
      scale_column(n_, w + col, ld, 1.0 / after);
      return true;
    }
  }
  return false;
}

void BlockOrthogonalizer::orthonormalize_columns(Basis& basis, double* w, std::size_t ld, std::size_t ncols,
                                                 const double* scale, double* Rout) {
  std::vector<double> r(ncols * ncols, 0.0), rc(ncols);
  for (std::size_t col = 0; col < ncols; ++col) {
    std::fill(rc.begin(), rc.end(), 0.0);
    project_previous(w, ld, col, rc.data());
    double nrm = column_norm(w + col, ld);
    if (nrm < 1e-4 * scale[col]) {
      // Heavy cancellation: one more pass against everything restores orthogonality.
      project_strided(basis, w + col, ld, 1);
      project_previous(w, ld, col, nullptr);
      nrm = column_norm(w + col, ld);
    }
    for (std::size_t p = 0; p < col; ++p) r[p * ncols + col] = rc[p];
    if (nrm > 1e-12 * scale[col] && nrm > 0) {
      r[col * ncols + col] = nrm;
      scale_column(n_, w + col, ld, 1.0 / nrm);
      continue;
    }
    r[col * ncols + col] = 0;
    if (!random_direction(basis, w, ld, col, [&] { project_previous(w, ld, col, nullptr); })) {
      // The basis and the columns before this one span the whole space: the Krylov space is
      // exhausted, the basis is an exact invariant subspace and its Ritz pairs are exact (R's
      // zero row says so to the residual estimates). The column stays zero until a restart
      // needs the block again (refill_missing), by which time the basis is smaller.
      for (std::size_t i = 0; i < n_; ++i) w[i * ld + col] = 0;
      missing_.push_back(col);
    }
  }
  if (Rout) std::copy(r.begin(), r.end(), Rout);
}

// Their coupling to the kept Ritz vectors is zero, as R's zero rows already say.
void BlockOrthogonalizer::start_block(Basis& basis, const double* v0, std::size_t v0_cols, double* w, std::size_t b) {
  for (std::size_t i = 0; i < n_; ++i)
    for (std::size_t q = 0; q < b; ++q)
      w[i * b + q] = q < v0_cols ? v0[i * v0_cols + q] : uniform_pm1(seed_, (i * b + q) | (1ull << 62));
  std::vector<double> sc(b), G(b * b);
  project(basis, 0, w, b, nullptr, sc.data(), G.data());
  orthonormalize_block(basis, w, b, b, sc.data(), nullptr, G.data());
  refill_missing(basis, basis.cols, w, b);
}

void BlockOrthogonalizer::refill_missing(Basis& basis, std::size_t basis_cols, double* w, std::size_t b) {
  if (missing_.empty()) return;
  store_pending(basis);
  Basis head = basis;
  head.cols = basis_cols;
  auto project_block = [&](std::size_t col) {
    for (std::size_t q = 0; q < b; ++q) {
      if (q == col || std::find(missing_.begin(), missing_.end(), q) != missing_.end()) continue;
      double d = 0;
      for (std::size_t i = 0; i < n_; ++i) d += w[i * b + q] * w[i * b + col];
      for (std::size_t i = 0; i < n_; ++i) w[i * b + col] -= d * w[i * b + q];
    }
  };
  while (!missing_.empty()) {
    const std::size_t col = missing_.back();
    missing_.pop_back();
    if (!random_direction(head, w, b, col, [&] { project_block(col); }))
      throw std::runtime_error("eigsh: could not extend the Krylov basis after a restart (the kept basis spans the whole space)");
  }
}

// Deflation vectors must be independent: a column that vanishes is an error, not replaced.
void BlockOrthogonalizer::orthonormalize_deflation(double* defl, std::size_t c) {
  std::vector<double> sc(c);
  column_sq_norms(n_, c, defl, c, sc.data());
  for (auto& s : sc) s = std::sqrt(s);
  for (std::size_t q = 0; q < c; ++q)
    if (!(sc[q] > 0)) eigsh_bad_option("deflate column " + std::to_string(q) + " is zero");
  for (std::size_t col = 0; col < c; ++col) {
    project_previous(defl, c, col, nullptr);
    double nrm = column_norm(defl + col, c);
    if (!(nrm > 1e-8 * sc[col]))
      eigsh_bad_option("deflate column " + std::to_string(col) + " depends linearly on the previous ones");
    scale_column(n_, defl + col, c, 1.0 / nrm);
  }
}

}  // namespace speclin::lanczos
