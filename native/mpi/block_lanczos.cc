#include "block_lanczos.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dense_eigen.h"
#include "tall_skinny.h"

namespace speclin::mpi {

namespace {

std::size_t block_size(const BlockLanczosOptions& o) { return o.block ? o.block : std::min<std::size_t>(o.k, 4); }

// A value in [-1, 1) from (seed, global row, column): the same on any number of processes.
double start_entry(std::uint64_t seed, std::int64_t row, std::size_t column) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(row) * 0xBF58476D1CE4E5B9ull) ^
                    (column + 1) * 0x94D049BB133111EBull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

class Solver {
 public:
  Solver(std::size_t n, std::size_t rows, std::int64_t first, const DistributedMultiply& multiply,
         const SumAcross& sum, const BlockLanczosOptions& o)
      : n_(n), rows_(rows), first_(first), multiply_(multiply), sum_(sum), o_(o) {
    k_ = o.k;
    b_ = block_size(o);
    cap_ = lanczos_basis_size(n, o);
    if (k_ == 0 || k_ > n_) throw std::invalid_argument("eigsh: k must be in 1..n");
    if (cap_ < k_ + 2 * b_)
      throw std::invalid_argument("eigsh: the basis (" + std::to_string(cap_) + " columns) must hold k + 2 blocks (" +
                                  std::to_string(k_ + 2 * b_) + "); the graph is too small for this k and block size");
    V_.assign(rows_ * cap_, 0.0);
    H_.assign(cap_ * cap_, 0.0);
  }

  BlockLanczosResult run() {
    BlockLanczosResult r;
    std::vector<double> W(rows_ * b_);
    for (std::size_t i = 0; i < rows_; ++i)
      for (std::size_t c = 0; c < b_; ++c) W[i * b_ + c] = start_entry(o_.seed, first_ + static_cast<std::int64_t>(i), c);
    std::vector<double> R(b_ * b_);
    append(W, R);  // the start block (R unused)
    std::vector<double> theta, Y;
    for (;;) {
      while (ncols_ + b_ <= cap_) {
        multiply_block(W);
        r.matvecs += b_;
        std::vector<double> C = orthogonalize(W);
        for (std::size_t a = 0; a < ncols_; ++a)
          for (std::size_t c = 0; c < b_; ++c) H_[a * cap_ + mcount_ + c] = C[a * b_ + c];
        std::size_t at = ncols_;
        append(W, R);
        for (std::size_t a = 0; a < b_; ++a)
          for (std::size_t c = 0; c < b_; ++c) H_[(at + a) * cap_ + mcount_ + c] = R[a * b_ + c];
        mcount_ += b_;
      }
      rayleigh_ritz(theta, Y);
      std::vector<double> est = residual_estimates(Y);
      std::size_t conv = 0;
      while (conv < k_ && est[conv] <= o_.tol) conv++;
      r.converged = conv;
      if (conv >= k_ || r.restarts >= o_.max_restarts) break;
      restart(theta, Y);
      r.restarts++;
    }
    // The Ritz vectors, and their true residuals from one last product.
    r.values.assign(theta.begin(), theta.begin() + k_);
    r.vectors.assign(rows_ * k_, 0.0);
    combine(Y, k_, r.vectors.data());
    std::vector<double> AX(rows_ * k_);
    multiply_(r.vectors.data(), AX.data(), k_);
    r.matvecs += k_;
    std::vector<double> res(k_, 0.0);
    for (std::size_t i = 0; i < rows_; ++i)
      for (std::size_t c = 0; c < k_; ++c) {
        double d = AX[i * k_ + c] - r.values[c] * r.vectors[i * k_ + c];
        res[c] += d * d;
      }
    reduce(res.data(), k_);
    r.residuals.resize(k_);
    r.converged = 0;
    for (std::size_t c = 0; c < k_; ++c) {
      r.residuals[c] = std::sqrt(res[c]);
      if (r.residuals[c] <= o_.tol) r.converged++;
    }
    r.reductions = reductions_;
    return r;
  }

 private:
  std::size_t n_, rows_;
  std::int64_t first_;
  const DistributedMultiply& multiply_;
  const SumAcross& sum_;
  BlockLanczosOptions o_;
  std::size_t k_, b_, cap_;
  std::vector<double> V_, H_;  // V: rows x cap (row-major), H: cap x cap
  std::size_t ncols_ = 0, mcount_ = 0, reductions_ = 0;

  void reduce(double* x, std::size_t count) {
    sum_(x, count);
    reductions_++;
  }

  void multiply_block(std::vector<double>& W) {
    std::vector<double> X(rows_ * b_);
    for (std::size_t i = 0; i < rows_; ++i) std::copy_n(&V_[i * cap_ + mcount_], b_, &X[i * b_]);
    multiply_(X.data(), W.data(), b_);
  }

  // out = [V[:, 0:ncols]^T W; (gram) W^T W], (ncols (+ b)) x b: the core's tall-skinny products.
  void local_products(const std::vector<double>& W, std::size_t ncols, bool gram, std::vector<double>& out) {
    out.assign((ncols + (gram ? b_ : 0)) * b_, 0.0);
    if (ncols > 0) tall_skinny_inner<double, double, double>(rows_, ncols, b_, 1.0, V_.data(), cap_, W.data(), b_, 0.0, out.data(), b_);
    if (gram) tall_skinny_inner<double, double, double>(rows_, b_, b_, 1.0, W.data(), b_, W.data(), b_, 0.0, out.data() + ncols * b_, b_);
  }

  // W -= V[:, 0:ncols] C
  void subtract(std::vector<double>& W, const double* C, std::size_t ncols) {
    if (ncols > 0) tall_skinny_update<double, double, double>(rows_, ncols, b_, -1.0, V_.data(), cap_, C, b_, 1.0, W.data(), b_);
  }

  // One or two passes of classical Gram-Schmidt against the basis, one reduction each; returns
  // the summed coefficients (ncols x b) and leaves W's Gram matrix after the last pass in gram_.
  // Each pass's reduction carries W's Gram matrix before the pass (G) with the coefficients C, so
  // the Gram matrix after it is G - C^T C (the basis is orthonormal) without another reduction.
  // The second pass runs only where the first removed more than half of a column's squared norm
  // (the DGKS criterion with η = 1/√2, SLEPc's default refinement): then W was close to the basis
  // and the first pass's rounding may have left a component along it. Otherwise one pass already
  // leaves W orthogonal to working precision, and the basis is read twice per block, not four times.
  std::vector<double> gram_;
  std::vector<double> orthogonalize(std::vector<double>& W) {
    std::vector<double> C1 = gram_schmidt_pass(W);
    std::vector<double> before = gram_before_;
    bool enough = true;
    for (std::size_t a = 0; a < b_; ++a) enough = enough && gram_[a * b_ + a] >= 0.5 * before[a * b_ + a];
    if (enough) return C1;
    std::vector<double> C2 = gram_schmidt_pass(W);
    for (std::size_t j = 0; j < ncols_ * b_; ++j) C1[j] += C2[j];
    return C1;
  }

  // One pass: C = V^T W and G = W^T W in one reduction, W -= V C, gram_ = G - C^T C; G stays in
  // gram_before_. Returns C (ncols x b).
  std::vector<double> gram_before_;
  std::vector<double> gram_schmidt_pass(std::vector<double>& W) {
    std::vector<double> C;
    local_products(W, ncols_, true, C);
    reduce(C.data(), C.size());
    subtract(W, C.data(), ncols_);
    gram_before_.assign(C.begin() + ncols_ * b_, C.end());
    gram_ = gram_before_;
    for (std::size_t a = 0; a < b_; ++a)
      for (std::size_t c = 0; c < b_; ++c) {
        double s = 0;
        for (std::size_t j = 0; j < ncols_; ++j) s += C[j * b_ + a] * C[j * b_ + c];
        gram_[a * b_ + c] -= s;
      }
    C.resize(ncols_ * b_);
    return C;
  }

  // Normalizes W (already orthogonal to the basis; its Gram matrix in gram_) by SVQB and appends
  // it: W = Q R, R = Λ^{1/2} U^T D. Directions W does not span (the Krylov space is exhausted, or
  // the start block) are filled with fresh vectors orthogonal to everything, with zero rows in R.
  void append(std::vector<double>& W, std::vector<double>& R) {
    if (ncols_ == 0) {
      std::vector<double> G;
      local_products(W, 0, true, G);
      reduce(G.data(), G.size());
      gram_ = G;
    }
    std::vector<double> d(b_), Gs(b_ * b_), lam(b_), U(b_ * b_);
    double top = 0;
    for (std::size_t a = 0; a < b_; ++a) top = std::max(top, gram_[a * b_ + a]);
    for (std::size_t a = 0; a < b_; ++a) {
      double g = gram_[a * b_ + a];
      d[a] = g > 1e-28 * std::max(top, 1e-300) && g > 1e-300 ? std::sqrt(g) : 0.0;
    }
    for (std::size_t a = 0; a < b_; ++a)
      for (std::size_t c = 0; c < b_; ++c)
        Gs[a * b_ + c] = d[a] > 0 && d[c] > 0 ? gram_[a * b_ + c] / (d[a] * d[c]) : 0.0;
    speclin::symmetric_eigen(b_, Gs.data(), b_, lam.data(), U.data());
    // Q = W S, S = D^{-1} U Λ^{-1/2} (b x b; zero columns for the directions W does not span),
    // written straight into the basis.
    std::vector<double> S(b_ * b_, 0.0);
    std::vector<std::size_t> weak;
    std::fill(R.begin(), R.end(), 0.0);
    for (std::size_t j = 0; j < b_; ++j) {
      if (!(lam[j] > 1e-20)) {
        weak.push_back(ncols_ + j);
        continue;
      }
      const double s = 1.0 / std::sqrt(lam[j]);
      for (std::size_t a = 0; a < b_; ++a) S[a * b_ + j] = d[a] > 0 ? U[a * b_ + j] / d[a] * s : 0.0;
      for (std::size_t c = 0; c < b_; ++c) R[j * b_ + c] = std::sqrt(lam[j]) * U[c * b_ + j] * d[c];
    }
    tall_skinny_update<double, double, double>(rows_, b_, b_, 1.0, W.data(), b_, S.data(), b_, 0.0, &V_[ncols_], cap_);
    ncols_ += b_;
    for (std::size_t col : weak) fill_fresh(col);
  }

  // A fresh unit vector in column `col`, orthogonal to every other column of the basis.
  void fill_fresh(std::size_t col) {
    for (std::uint64_t attempt = 0; attempt < 4; ++attempt) {
      std::vector<double> x(rows_);
      for (std::size_t i = 0; i < rows_; ++i)
        x[i] = start_entry(o_.seed + 7919 * (col + 1) + attempt, first_ + static_cast<std::int64_t>(i), col);
      for (int pass = 0; pass < 2; ++pass) {
        std::vector<double> c(ncols_ + 1, 0.0);
        for (std::size_t i = 0; i < rows_; ++i) {
          for (std::size_t a = 0; a < ncols_; ++a)
            if (a != col) c[a] += V_[i * cap_ + a] * x[i];
          c[ncols_] += x[i] * x[i];
        }
        reduce(c.data(), c.size());
        for (std::size_t i = 0; i < rows_; ++i)
          for (std::size_t a = 0; a < ncols_; ++a)
            if (a != col) x[i] -= V_[i * cap_ + a] * c[a];
      }
      double nn = 0;
      for (std::size_t i = 0; i < rows_; ++i) nn += x[i] * x[i];
      reduce(&nn, 1);
      if (nn > 1e-20) {
        const double s = 1.0 / std::sqrt(nn);
        for (std::size_t i = 0; i < rows_; ++i) V_[i * cap_ + col] = x[i] * s;
        return;
      }
    }
    throw std::runtime_error("eigsh: the basis spans the whole space; the graph is too small for this k and block size");
  }

  // theta (mcount, descending) and Y (mcount x mcount, column j for theta[j]) of the projected
  // problem over the multiplied columns: H[min(i,j)][max(i,j)] is the reduced inner product.
  void rayleigh_ritz(std::vector<double>& theta, std::vector<double>& Y) {
    const std::size_t m = mcount_;
    std::vector<double> T(m * m);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j) T[i * m + j] = i <= j ? H_[i * cap_ + j] : H_[j * cap_ + i];
    theta.resize(m);
    Y.resize(m * m);
    speclin::symmetric_eigen(m, T.data(), m, theta.data(), Y.data());
  }

  // ||B y_j|| for the Ritz vectors, B = H[mcount:ncols, 0:mcount]: A V y - θ V y = V_rest B y.
  std::vector<double> residual_estimates(const std::vector<double>& Y) {
    const std::size_t m = mcount_;
    std::vector<double> est(m, 0.0);
    for (std::size_t j = 0; j < m; ++j) {
      double s = 0;
      for (std::size_t a = mcount_; a < ncols_; ++a) {
        double acc = 0;
        for (std::size_t c = 0; c < m; ++c) acc += H_[a * cap_ + c] * Y[c * m + j];
        s += acc * acc;
      }
      est[j] = std::sqrt(s);
    }
    return est;
  }

  // out (rows x count) = V[:, 0:mcount] Y[:, 0:count]
  void combine(const std::vector<double>& Y, std::size_t count, double* out) {
    tall_skinny_update<double, double, double>(rows_, mcount_, count, 1.0, V_.data(), cap_, Y.data(), mcount_, 0.0, out, count);
  }

  // Keeps the leading Ritz vectors and the last (unmultiplied) block: the thick restart.
  void restart(const std::vector<double>& theta, const std::vector<double>& Y) {
    const std::size_t m = mcount_;
    const std::size_t keep = std::min(m - b_, std::max(k_ + b_, (cap_ - b_) / 2));
    std::vector<double> kept(rows_ * keep);
    combine(Y, keep, kept.data());
    std::vector<double> B((ncols_ - mcount_) * keep, 0.0);
    for (std::size_t a = mcount_; a < ncols_; ++a)
      for (std::size_t j = 0; j < keep; ++j) {
        double acc = 0;
        for (std::size_t c = 0; c < m; ++c) acc += H_[a * cap_ + c] * Y[c * m + j];
        B[(a - mcount_) * keep + j] = acc;
      }
    for (std::size_t i = 0; i < rows_; ++i) {
      double* v = &V_[i * cap_];
      std::copy_n(v + mcount_, b_, v + keep);  // the last block moves down (keep <= mcount)
      std::copy_n(&kept[i * keep], keep, v);
    }
    std::fill(H_.begin(), H_.end(), 0.0);
    for (std::size_t j = 0; j < keep; ++j) H_[j * cap_ + j] = theta[j];
    for (std::size_t a = 0; a < b_; ++a)
      for (std::size_t j = 0; j < keep; ++j) H_[(keep + a) * cap_ + j] = B[a * keep + j];
    mcount_ = keep;
    ncols_ = keep + b_;
  }
};

}  // namespace

std::size_t lanczos_basis_size(std::size_t n, const BlockLanczosOptions& o) {
  const std::size_t b = block_size(o);
  return std::min(o.basis ? o.basis : std::max(3 * o.k + 2 * b, o.k + 4 * b), n);
}

bool lanczos_fits(std::size_t n, const BlockLanczosOptions& o) { return lanczos_basis_size(n, o) >= o.k + 2 * block_size(o); }

BlockLanczosResult block_lanczos(std::size_t n, std::size_t local_rows, std::int64_t first_row,
                                 const DistributedMultiply& multiply, const SumAcross& sum_across,
                                 const BlockLanczosOptions& options) {
  Solver s(n, local_rows, first_row, multiply, sum_across, options);
  return s.run();
}

}  // namespace speclin::mpi
