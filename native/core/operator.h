// A symmetric linear operator, as the eigensolver sees it: it only asks for products. The
// normalized adjacency of a graph is one; a dense matrix (tests) or a user's JS callback is
// another. Spectra's split: operators and solvers are separate types.
#pragma once
#include <cstddef>

namespace speclin {

class SymmetricOperator {
 public:
  virtual ~SymmetricOperator() = default;
  virtual std::size_t size() const = 0;
  // Y = Op X, X and Y row-major size() x columns, float64. Called from one thread at a time; an
  // implementation may use the core's thread pool inside.
  virtual void multiply(const double* X, double* Y, std::size_t columns) const = 0;
  // An upper bound on ||Op||_2 if one is known (1 for a normalized adjacency), else 0.
  virtual double norm_bound() const { return 0; }
};

}  // namespace speclin

namespace speclin {

// A rectangular operator P (rows x cols), for the singular value problem of a bipartite graph's
// P̄ = D_x^{-1/2} P D_t^{-1/2}: products with P and P^T, float64, row-major blocks.
class RectangularOperator {
 public:
  virtual ~RectangularOperator() = default;
  virtual std::size_t rows() const = 0;
  virtual std::size_t cols() const = 0;
  // Y (rows x columns) = P X (cols x columns)
  virtual void multiply(const double* X, double* Y, std::size_t columns) const = 0;
  // Y (cols x columns) = P^T X (rows x columns)
  virtual void multiply_transpose(const double* X, double* Y, std::size_t columns) const = 0;
  virtual double norm_bound() const { return 0; }
};

}  // namespace speclin
