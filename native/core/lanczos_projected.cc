#include "lanczos_projected.h"

#include <algorithm>
#include <cmath>

#include "dense_eigen.h"

namespace speclin::lanczos {

ProjectedMatrix::ProjectedMatrix(std::size_t basis, std::size_t block)
    : m_(basis), b_(block), t_(basis * basis, 0.0), r_(block * block, 0.0) {}

void ProjectedMatrix::set_column_block(const double* coef, bool add_off, bool add_diag) {
  const std::size_t jx = j_ - b_;
  for (std::size_t r = l_; r < jx; ++r)
    for (std::size_t q = 0; q < b_; ++q) {
      const double t = (add_off ? at(r, jx + q) : 0.0) + coef[r * b_ + q];
      at(r, jx + q) = at(jx + q, r) = t;
    }
  for (std::size_t p = 0; p < b_; ++p)
    for (std::size_t q = 0; q < b_; ++q)
      at(jx + p, jx + q) = (add_diag ? at(jx + p, jx + q) : 0.0) +
                           0.5 * (coef[(jx + p) * b_ + q] + coef[(jx + q) * b_ + p]);
}

void ProjectedMatrix::set_residual_coupling(const double* R) { std::copy(R, R + b_ * b_, r_.begin()); }

void ProjectedMatrix::analyze() {
  ma_ = j_ - l_;
  theta_.resize(ma_);
  y_.resize(ma_ * ma_);
  symmetric_eigen(ma_, t_.data() + l_ * m_ + l_, m_, theta_.data(), y_.data());
  est_.assign(ma_, 0.0);
  for (std::size_t i = 0; i < ma_; ++i) {
    double s2 = 0;
    for (std::size_t p = 0; p < b_; ++p) {
      double s = 0;
      for (std::size_t q = p; q < b_; ++q) s += r_[p * b_ + q] * y_[(ma_ - b_ + q) * ma_ + i];
      s2 += s * s;
    }
    est_[i] = std::sqrt(s2);
  }
}

std::vector<double> ProjectedMatrix::ritz_columns(const std::vector<std::size_t>& sel) const {
  const std::size_t ns = sel.size();
  std::vector<double> out(ma_ * ns);
  for (std::size_t r = 0; r < ma_; ++r)
    for (std::size_t q = 0; q < ns; ++q) out[r * ns + q] = y_[r * ma_ + sel[q]];
  return out;
}

void ProjectedMatrix::advance() {
  const std::size_t j0 = j_ - b_;
  for (std::size_t p = 0; p < b_; ++p)
    for (std::size_t q = 0; q < b_; ++q) at(j_ + p, j0 + q) = at(j0 + q, j_ + p) = r_[p * b_ + q];
  j_ += b_;
}

void ProjectedMatrix::restart(std::size_t nl, const std::vector<std::size_t>& keep) {
  l_ += nl;
  const std::size_t kk = keep.size();
  for (std::size_t r = l_; r < m_; ++r) std::fill(t_.begin() + r * m_ + l_, t_.begin() + r * m_ + m_, 0.0);
  for (std::size_t i = 0; i < kk; ++i) at(l_ + i, l_ + i) = theta_[keep[i]];
  const std::size_t q0 = l_ + kk;
  for (std::size_t p = 0; p < b_; ++p)
    for (std::size_t i = 0; i < kk; ++i) {
      double s = 0;
      for (std::size_t q = p; q < b_; ++q) s += r_[p * b_ + q] * y_[(ma_ - b_ + q) * ma_ + keep[i]];
      at(q0 + p, l_ + i) = at(l_ + i, q0 + p) = s;
    }
  j_ = q0 + b_;
}

}  // namespace speclin::lanczos
