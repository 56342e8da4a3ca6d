// eigsh's dense path (n <= kDenseLimit by default): every eigenpair of the n x n matrix from its
// product with the identity, with known eigenvectors deflated.
#pragma once
#include <cstddef>
#include <vector>

namespace speclin {

struct DenseEigshOutcome {
  std::vector<double> values;     // k, descending
  std::vector<double> vectors;    // n x k, row-major
  std::vector<double> residuals;  // ||A v - lambda v||, from AI
  double norm = 0;                // the largest |eigenvalue| (the norm when no bound is given)
};

// AI: A times the identity (n x n, row-major; symmetrized here). defl: c orthonormal columns
// (n x c, row-major) that must be eigenvectors to tol * norm (std::invalid_argument otherwise);
// they are answers before the other eigenvectors. norm_bound 0: relative to max |eigenvalue|.
DenseEigshOutcome solve_dense(std::size_t n, std::size_t k, const double* AI, const double* defl, std::size_t c,
                              double tol, double norm_bound);

}  // namespace speclin
