// The struct behind the C ABI's opaque speclin_graph: the core's graph in its own dtype, shared
// with its normalized adjacency operator, so that the C entry points of every family reach both.
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

namespace speclin::c_api {

// The graph, or std::invalid_argument("fn: graph is NULL").
const speclin_graph& graph_of(const speclin_graph* g, const char* fn);

// D^{1/2} 1_C / ||D^{1/2} 1_C|| for each connected component, at most `limit` of them, as an
// n x cols row-major block: Ā's eigenvectors of eigenvalue 1 (the same vectors as
// src/deflation.ts gives the TypeScript eigsh).
std::vector<double> component_vectors(const speclin_graph& g, std::size_t limit, std::size_t* cols);

}  // namespace speclin::c_api
