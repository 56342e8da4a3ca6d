// The operators the eigensolvers see: Ā = D^{-1/2} A D^{-1/2} of a graph (symmetric, spectrum in
// [-1, 1]) and P̄ = D_x^{-1/2} P D_t^{-1/2} of a bipartite graph (singular values in [0, 1]).
// They share the graph (no copy of the matrix): Ā X = s ⊙ (A (s ⊙ X)) with s = d^{-1/2}, so the
// stored A is read once per product in its own dtype, and every product is float64.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "graph.h"
#include "operator.h"

namespace speclin {

// Scratch for the scaled copy of X, reused between products. A concurrent caller (two async
// solves on one operator) finds it taken and uses a buffer of its own rather than waiting.
struct ScaledInput {
  std::mutex mutex;
  std::vector<double> buffer;
};

template <typename T>
class NormalizedAdjacency final : public SymmetricOperator {
 public:
  explicit NormalizedAdjacency(std::shared_ptr<const Graph<T>> graph);
  std::size_t size() const override { return graph_->size(); }
  void multiply(const double* X, double* Y, std::size_t columns) const override;
  double norm_bound() const override { return 1.0; }
  const std::vector<double>& inverse_sqrt_degrees() const { return scale_; }

 private:
  std::shared_ptr<const Graph<T>> graph_;
  std::vector<double> scale_;  // d^{-1/2}
  mutable ScaledInput scratch_;
};

template <typename T>
class NormalizedBiadjacency final : public RectangularOperator {
 public:
  explicit NormalizedBiadjacency(std::shared_ptr<const BipartiteGraph<T>> graph);
  std::size_t rows() const override { return graph_->forward.rows; }
  std::size_t cols() const override { return graph_->forward.cols; }
  void multiply(const double* X, double* Y, std::size_t columns) const override;
  void multiply_transpose(const double* X, double* Y, std::size_t columns) const override;
  double norm_bound() const override { return 1.0; }

 private:
  std::shared_ptr<const BipartiteGraph<T>> graph_;
  std::vector<double> scale_left_, scale_right_;
  mutable ScaledInput scratch_;
};

}  // namespace speclin
