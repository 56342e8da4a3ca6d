// Weighted undirected graphs (symmetric nonnegative adjacency A) and bipartite graphs (a
// rectangular nonnegative P), built once from coordinate lists into CSR. Construction sorts,
// sums duplicate entries, checks or enforces symmetry, computes degrees in float64 and refuses
// (or drops) nodes of degree zero, which would make D^{-1/2} undefined.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "csr.h"

namespace speclin {

// A construction failure that is the caller's data, not a bug: `code` says which
// (ERR_ASYMMETRIC, ERR_ISOLATED_NODES, ERR_EMPTY_GRAPH).
struct GraphError : std::invalid_argument {
  std::string code;
  GraphError(std::string c, const std::string& msg) : std::invalid_argument(msg), code(std::move(c)) {}
};

// How an asymmetric input becomes symmetric. None: it is an error (entries equal to a relative
// 8 units in the last place of the storage type count as equal, and are averaged).
enum class Symmetrize { None, Average, Max };

template <typename T>
struct Graph {
  Csr<T> adjacency;                    // symmetric, n x n
  std::vector<double> degrees;         // row sums, float64
  double total_weight = 0;             // sum of degrees
  std::vector<std::int32_t> node_map;  // when isolated nodes were dropped: new id -> original id

  std::size_t size() const { return adjacency.rows; }
};

template <typename T>
struct BipartiteGraph {
  Csr<T> forward;   // P, nLeft x nRight
  Csr<T> backward;  // P^T, nRight x nLeft (so that both products are row-parallel)
  std::vector<double> degrees_left, degrees_right;
  double total_weight = 0;
  std::vector<std::int32_t> node_map_left, node_map_right;
};

// Entries of `coo` must have indices in [0, n) and finite nonnegative weights (the bindings check
// this so they can name the offending argument element).
template <typename T>
Graph<T> build_graph(std::size_t n, const CooView& coo, Symmetrize symmetrize, bool drop_isolated);

template <typename T>
BipartiteGraph<T> build_bipartite(std::size_t n_left, std::size_t n_right, const CooView& coo,
                                  bool drop_isolated);

// Connected components of the graph on n nodes whose edges are the entries of a CSR pattern
// (row i holds indices[indptr[i] .. indptr[i + 1])) of nonzero weight; `values` may be null (every
// entry is an edge). An entry joins its row and its column, so the pattern need not be symmetric
// (a bipartite P stored once over nLeft + nRight nodes works). Labels 0, 1, ... in order of each
// component's smallest node; *count receives their number. Indices must lie in [0, n).
template <typename Ptr, typename Weight>
std::vector<std::int32_t> connected_components(std::size_t n, const Ptr* indptr, const std::int32_t* indices,
                                               const Weight* values, std::size_t* count);

// The same for a Graph (it stores no zero weights).
template <typename T>
std::vector<std::int32_t> connected_components(const Graph<T>& g, std::size_t* count);

}  // namespace speclin
