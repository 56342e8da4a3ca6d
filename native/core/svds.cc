#include "svds.h"

#include <cmath>

#include "thread_pool.h"

namespace speclin {

void GramOperator::multiply(const double* X, double* Y, std::size_t columns) const {
  std::size_t other = left_ ? p_.cols() : p_.rows();
  tmp_.resize(other * columns);
  if (left_) {
    p_.multiply_transpose(X, tmp_.data(), columns);
    p_.multiply(tmp_.data(), Y, columns);
  } else {
    p_.multiply(X, tmp_.data(), columns);
    p_.multiply_transpose(tmp_.data(), Y, columns);
  }
  products_ += 2 * columns;
}

SvdsResult svds(const RectangularOperator& P, const EigshOptions& options, const EigshProgress& progress,
                const std::atomic<bool>* abort) {
  bool left = svds_uses_left(P.rows(), P.cols());
  GramOperator gram_op(P, left);
  EigshResult e = eigsh(gram_op, options, progress, abort);
  SvdsResult r;
  r.status = e.status;
  r.rows = P.rows();
  r.cols = P.cols();
  r.count = e.count;
  r.iterations = e.iterations;
  r.max_residual = e.max_residual;
  r.left_side = left;
  std::size_t k = e.count;
  std::size_t ns = left ? r.rows : r.cols;  // the solved side
  std::size_t no = left ? r.cols : r.rows;  // the other side
  r.values.resize(k);
  for (std::size_t q = 0; q < k; ++q) r.values[q] = std::sqrt(std::max(e.values[q], 0.0));
  std::vector<double> other(no * k, 0.0), back(ns * k, 0.0);
  if (k > 0) {
    if (left) P.multiply_transpose(e.vectors.data(), other.data(), k);
    else P.multiply(e.vectors.data(), other.data(), k);
    // Unit columns: dividing by the computed norm rather than sigma keeps ||v|| = 1 even where
    // sigma carries the eigenvalue's error.
    std::vector<double> norms(k, 0.0);
    for (std::size_t i = 0; i < no; ++i)
      for (std::size_t q = 0; q < k; ++q) norms[q] += other[i * k + q] * other[i * k + q];
    for (std::size_t q = 0; q < k; ++q) norms[q] = std::sqrt(norms[q]);
    parallel_for(0, no, 4096, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i)
        for (std::size_t q = 0; q < k; ++q) other[i * k + q] = norms[q] > 0 ? other[i * k + q] / norms[q] : 0.0;
    });
    // The residual of the triplet, by one more product back to the solved side.
    if (left) P.multiply(other.data(), back.data(), k);
    else P.multiply_transpose(other.data(), back.data(), k);
    r.residuals.assign(k, 0.0);
    for (std::size_t i = 0; i < ns; ++i)
      for (std::size_t q = 0; q < k; ++q) {
        double d = back[i * k + q] - r.values[q] * e.vectors[i * k + q];
        r.residuals[q] += d * d;
      }
    for (auto& x : r.residuals) x = std::sqrt(x);
  }
  r.products = gram_op.products() + 2 * k;
  if (left) {
    r.left = std::move(e.vectors);
    r.right = std::move(other);
  } else {
    r.right = std::move(e.vectors);
    r.left = std::move(other);
  }
  return r;
}

}  // namespace speclin
