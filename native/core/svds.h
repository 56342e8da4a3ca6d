// The k largest singular triplets of a rectangular operator P (for the CLIP optimum, the
// normalized joint P̄ = D_x^{-1/2} P D_t^{-1/2}). Method: block Lanczos (eigsh) on the Gram
// operator of the smaller side, P P^T (rows <= cols) or P^T P, whose eigenvalues are sigma^2;
// the other side's vectors follow from one product, v = P^T u / sigma (or u = P v / sigma).
// Squaring doubles the relative gaps between the leading sigma's, so it converges in fewer
// iterations than eigsh on [0 P; P^T 0], whose spectrum is +-sigma with n zeros in between; it
// loses accuracy only for sigma near sqrt(machine epsilon), far below what the loss -sum sigma^2
// can see.
#pragma once
#include <cstddef>
#include <vector>

#include "eigsh.h"
#include "operator.h"

namespace speclin {

struct SvdsResult {
  EigshStatus status = EigshStatus::NotConverged;
  std::size_t rows = 0, cols = 0, count = 0;
  std::vector<double> values;     // singular values, descending
  std::vector<double> left;       // rows x count, row-major
  std::vector<double> right;      // cols x count, row-major
  std::vector<double> residuals;  // ||P v - sigma u|| (u, v unit vectors)
  std::size_t products = 0;       // products with P or P^T, columns counted
  std::size_t iterations = 0;
  double max_residual = 0;
  bool left_side = true;          // which Gram matrix was solved: P P^T (true) or P^T P
};

// True when svds works on P P^T (the left side), false for P^T P.
inline bool svds_uses_left(std::size_t rows, std::size_t cols) { return rows <= cols; }

// options.deflate, if any, holds known singular vectors of the side svds_uses_left picks.
SvdsResult svds(const RectangularOperator& P, const EigshOptions& options, const EigshProgress& progress = {},
                const std::atomic<bool>* abort = nullptr);

// P P^T or P^T P as a symmetric operator.
class GramOperator : public SymmetricOperator {
 public:
  GramOperator(const RectangularOperator& P, bool left) : p_(P), left_(left) {}
  std::size_t size() const override { return left_ ? p_.rows() : p_.cols(); }
  void multiply(const double* X, double* Y, std::size_t columns) const override;
  double norm_bound() const override {
    double b = p_.norm_bound();
    return b * b;
  }
  std::size_t products() const { return products_; }

 private:
  const RectangularOperator& p_;
  bool left_;
  mutable std::vector<double> tmp_;
  mutable std::size_t products_ = 0;
};

}  // namespace speclin
