// The structs behind the C ABI's opaque speclin_graph and speclin_bipartite: the core's graph in
// its own dtype, shared with its normalized operator (Ā or P̄), so that the C entry points of every
// family reach both.
#pragma once
#include <memory>

#include "../core/graph.h"
#include "../core/normalized_adjacency.h"
#include "speclin.h"

struct speclin_graph {
  std::shared_ptr<const speclin::Graph<float>> f32;  // exactly one of f32, f64 is set
  std::shared_ptr<const speclin::Graph<double>> f64;
  std::unique_ptr<speclin::SymmetricOperator> normalized;  // Ā = D^{-1/2} A D^{-1/2}

  std::size_t size() const { return f32 ? f32->size() : f64->size(); }
  const std::vector<double>& degrees() const { return f32 ? f32->degrees : f64->degrees; }
  double total_weight() const { return f32 ? f32->total_weight : f64->total_weight; }

  // f(graph) with the graph in its dtype.
  template <typename F>
  decltype(auto) visit(F&& f) const {
    if (f32) return f(*f32);
    return f(*f64);
  }
};

struct speclin_bipartite {
  std::shared_ptr<const speclin::BipartiteGraph<float>> f32;  // exactly one of f32, f64 is set
  std::shared_ptr<const speclin::BipartiteGraph<double>> f64;
  std::unique_ptr<speclin::RectangularOperator> normalized;  // P̄ = D_x^{-1/2} P D_t^{-1/2}

  std::size_t n_left() const { return f32 ? f32->forward.rows : f64->forward.rows; }
  std::size_t n_right() const { return f32 ? f32->forward.cols : f64->forward.cols; }
  const std::vector<double>& degrees_left() const { return f32 ? f32->degrees_left : f64->degrees_left; }
  const std::vector<double>& degrees_right() const { return f32 ? f32->degrees_right : f64->degrees_right; }
  double total_weight() const { return f32 ? f32->total_weight : f64->total_weight; }

  template <typename F>
  decltype(auto) visit(F&& f) const {
    if (f32) return f(*f32);
    return f(*f64);
  }
};

namespace speclin::c_api {

// The graph, or std::invalid_argument("fn: graph is NULL").
const speclin_graph& graph_of(const speclin_graph* g, const char* fn);
const speclin_bipartite& bipartite_of(const speclin_bipartite* g, const char* fn);

// sum over the stored entries of a_ij^2 / (r_i c_j): ||Ā||_F^2 (or ||P̄||_F^2) in O(nnz), never dense.
template <typename T>
double normalized_frobenius2(const Csr<T>& a, const std::vector<double>& row_degrees, const std::vector<double>& col_degrees) {
  double sum = 0;
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const double v = a.value(std::size_t(p));
      sum += v * v / (row_degrees[i] * col_degrees[std::size_t(a.indices[p])]);
    }
  return sum;
}

// D^{1/2} 1_C / ||D^{1/2} 1_C|| for each connected component, at most `limit` of them, as an
// n x cols row-major block: Ā's eigenvectors of eigenvalue 1 (the same vectors as
// src/deflation.ts gives the TypeScript eigsh).
std::vector<double> component_vectors(const speclin_graph& g, std::size_t limit, std::size_t* cols);

}  // namespace speclin::c_api
