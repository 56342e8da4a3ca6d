#include "graph.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace speclin {
namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// Merges row r of B and of B^T into C = f(B, B^T), entrywise, absent entries being 0. In check
// mode (None) a pair that differs beyond rounding is reported through `bad`.
template <typename T>
void merge_symmetric(const Csr<T>& b, const Csr<T>& bt, Symmetrize mode, Csr<T>& c) {
  const double tol = 8 * std::numeric_limits<T>::epsilon();
  std::size_t n = b.rows;
  c.rows = c.cols = n;
  c.indptr.assign(n + 1, 0);
  c.indices.clear();
  c.values.clear();
  c.indices.reserve(b.nnz() + b.nnz() / 8);
  c.values.reserve(b.nnz() + b.nnz() / 8);
  for (std::size_t r = 0; r < n; ++r) {
    std::int64_t p = b.indptr[r], pe = b.indptr[r + 1];
    std::int64_t q = bt.indptr[r], qe = bt.indptr[r + 1];
    while (p < pe || q < qe) {
      std::int32_t col;
      double x = 0, y = 0;  // A(r, col), A(col, r)
      if (q >= qe || (p < pe && b.indices[p] < bt.indices[q])) {
        col = b.indices[p]; x = double(b.values[p]); ++p;
      } else if (p >= pe || bt.indices[q] < b.indices[p]) {
        col = bt.indices[q]; y = double(bt.values[q]); ++q;
      } else {
        col = b.indices[p]; x = double(b.values[p]); y = double(bt.values[q]); ++p; ++q;
      }
      double v;
      if (mode == Symmetrize::Max) {
        v = std::max(x, y);
      } else {
        if (mode == Symmetrize::None && std::fabs(x - y) > tol * std::max(x, y))
          throw GraphError("ERR_ASYMMETRIC",
                           "the graph is not symmetric: A(" + std::to_string(r) + ", " +
                               std::to_string(col) + ") = " + fmt(x) + " but A(" +
                               std::to_string(col) + ", " + std::to_string(r) + ") = " + fmt(y) +
                               " (the first such pair in row order); pass symmetrize: 'average' "
                               "for (A + A^T)/2 or 'max' for max(A, A^T)");
        // x + y == y + x exactly, so C(r, col) and C(col, r) get the same value.
        v = (x + y) / 2;
      }
      c.indices.push_back(col);
      c.values.push_back(static_cast<T>(v));
    }
    c.indptr[r + 1] = static_cast<std::int64_t>(c.indices.size());
  }
}

std::vector<double> row_sums_of(const std::vector<std::int64_t>& indptr, const void* values,
                                bool is_float, std::size_t rows) {
  std::vector<double> d(rows, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    double s = 0;
    for (std::int64_t p = indptr[r]; p < indptr[r + 1]; ++p)
      s += is_float ? double(static_cast<const float*>(values)[p]) : static_cast<const double*>(values)[p];
    d[r] = s;
  }
  return d;
}

template <typename T>
std::vector<double> row_sums(const Csr<T>& a) {
  return row_sums_of(a.indptr, a.values.data(), sizeof(T) == 4, a.rows);
}

std::string list_nodes(const std::vector<std::size_t>& nodes) {
  std::string s;
  std::size_t shown = std::min<std::size_t>(nodes.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + std::to_string(nodes[i]);
  if (nodes.size() > shown) s += ", ... (" + std::to_string(nodes.size() - shown) + " more)";
  return s;
}

std::vector<std::size_t> zeros_of(const std::vector<double>& d) {
  std::vector<std::size_t> z;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (!(d[i] > 0)) z.push_back(i);
  return z;
}

// Keeps the rows in `keep_rows` and the columns in `keep_cols` (new id -> old id), renumbered.
// Dropped rows and columns hold no entries, so nothing else changes and rows stay sorted.
template <typename T>
Csr<T> renumber(const Csr<T>& a, const std::vector<std::int32_t>& keep_rows,
                const std::vector<std::int32_t>& keep_cols) {
  std::vector<std::int32_t> new_col(a.cols, -1);
  for (std::size_t i = 0; i < keep_cols.size(); ++i) new_col[keep_cols[i]] = static_cast<std::int32_t>(i);
  Csr<T> out;
  out.rows = keep_rows.size();
  out.cols = keep_cols.size();
  out.indptr.assign(out.rows + 1, 0);
  out.indices.resize(a.nnz());
  out.values.resize(a.nnz());
  std::int64_t at = 0;
  for (std::size_t i = 0; i < keep_rows.size(); ++i) {
    std::size_t r = static_cast<std::size_t>(keep_rows[i]);
    for (std::int64_t p = a.indptr[r]; p < a.indptr[r + 1]; ++p) {
      out.indices[at] = new_col[a.indices[p]];
      out.values[at] = a.values[p];
      ++at;
    }
    out.indptr[i + 1] = at;
  }
  return out;
}

std::vector<std::int32_t> kept(const std::vector<double>& d) {
  std::vector<std::int32_t> k;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i] > 0) k.push_back(static_cast<std::int32_t>(i));
  return k;
}

double sum(const std::vector<double>& d) {
  double s = 0;
  for (double v : d) s += v;
  return s;
}

// Finite weights can still sum past the largest double (or, summed as duplicates, past the
// largest float32): D^{-1/2} and the marginals would then be 0 or NaN, and fail later under an
// unrelated name. Refused here, where the cause is known.
void check_sums(const std::vector<double>& degrees, double total, const char* side) {
  for (std::size_t i = 0; i < degrees.size(); ++i)
    if (!std::isfinite(degrees[i]))
      throw GraphError("ERR_WEIGHT_OVERFLOW", std::string("the weights at ") + side + "node " + std::to_string(i) +
                                                  " sum to " + fmt(degrees[i]) +
                                                  " (its degree overflows); scale the weights down");
  if (!std::isfinite(total))
    throw GraphError("ERR_WEIGHT_OVERFLOW", "the weights sum to " + fmt(total) +
                                                " (the total weight overflows, though each degree is finite); scale the weights down");
}

}  // namespace

template <typename T>
Graph<T> build_graph(std::size_t n, const CooView& coo, Symmetrize symmetrize, bool drop_isolated) {
  if (n == 0) throw GraphError("ERR_EMPTY_GRAPH", "a graph needs at least one node (n = 0)");
  Csr<T> b = csr_from_coo<T>(n, n, coo);
  Csr<T> bt = csr_transpose(b);
  Graph<T> g;
  merge_symmetric(b, bt, symmetrize, g.adjacency);
  b = Csr<T>();
  bt = Csr<T>();
  g.degrees = row_sums(g.adjacency);
  std::vector<std::size_t> zero = zeros_of(g.degrees);
  if (!zero.empty()) {
    if (!drop_isolated)
      throw GraphError("ERR_ISOLATED_NODES",
                       std::to_string(zero.size()) + (zero.size() == 1 ? " node has" : " nodes have") +
                           " degree zero (no edges): " + list_nodes(zero) +
                           "; D^{-1/2} is undefined there. Remove them, or pass isolated: 'drop' "
                           "(the graph's nodeMap then gives each node's original id)");
    if (zero.size() == n)
      throw GraphError("ERR_EMPTY_GRAPH", "every node has degree zero: the graph has no edges");
    g.node_map = kept(g.degrees);
    g.adjacency = renumber(g.adjacency, g.node_map, g.node_map);
    g.degrees = row_sums(g.adjacency);
  }
  g.total_weight = sum(g.degrees);
  check_sums(g.degrees, g.total_weight, "");
  compact_values(g.adjacency);
  return g;
}

template <typename T>
BipartiteGraph<T> build_bipartite(std::size_t n_left, std::size_t n_right, const CooView& coo,
                                  bool drop_isolated) {
  if (n_left == 0 || n_right == 0)
    throw GraphError("ERR_EMPTY_GRAPH", "a bipartite graph needs at least one node on each side (nLeft = " +
                                            std::to_string(n_left) + ", nRight = " + std::to_string(n_right) + ")");
  BipartiteGraph<T> g;
  g.forward = csr_from_coo<T>(n_left, n_right, coo);
  g.degrees_left = row_sums(g.forward);
  g.backward = csr_transpose(g.forward);
  g.degrees_right = row_sums(g.backward);
  std::vector<std::size_t> zl = zeros_of(g.degrees_left), zr = zeros_of(g.degrees_right);
  if (!zl.empty() || !zr.empty()) {
    if (!drop_isolated) {
      std::string msg;
      if (!zl.empty()) msg += std::to_string(zl.size()) + " left node(s) have degree zero: " + list_nodes(zl);
      if (!zr.empty()) msg += std::string(msg.empty() ? "" : "; ") + std::to_string(zr.size()) +
                              " right node(s) have degree zero: " + list_nodes(zr);
      throw GraphError("ERR_ISOLATED_NODES",
                       msg + ". D^{-1/2} is undefined there; remove them or pass isolated: 'drop' "
                             "(nodeMapLeft / nodeMapRight then give the original ids)");
    }
    if (zl.size() == n_left)
      throw GraphError("ERR_EMPTY_GRAPH", "the bipartite graph has no edges");
    g.node_map_left = kept(g.degrees_left);
    g.node_map_right = kept(g.degrees_right);
    g.forward = renumber(g.forward, g.node_map_left, g.node_map_right);
    g.backward = renumber(g.backward, g.node_map_right, g.node_map_left);
    g.degrees_left = row_sums(g.forward);
    g.degrees_right = row_sums(g.backward);
  }
  g.total_weight = sum(g.degrees_left);
  check_sums(g.degrees_left, g.total_weight, "left ");
  check_sums(g.degrees_right, g.total_weight, "right ");
  compact_values(g.forward);
  compact_values(g.backward);
  return g;
}

// Union-find with the smaller root as parent: each root is its set's smallest node, so the
// relabelling pass meets every component first at its smallest node. Unlike a search along
// stored entries it needs no symmetric pattern.
template <typename Ptr, typename Weight>
std::vector<std::int32_t> connected_components(std::size_t n, const Ptr* indptr, const std::int32_t* indices,
                                               const Weight* values, std::size_t* count) {
  std::vector<std::int32_t> parent(n);
  for (std::size_t i = 0; i < n; ++i) parent[i] = static_cast<std::int32_t>(i);
  auto find = [&](std::int32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (Ptr p = indptr[i]; p < indptr[i + 1]; ++p) {
      if (values && values[p] == 0) continue;
      std::int32_t a = find(static_cast<std::int32_t>(i)), b = find(indices[p]);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  }
  std::vector<std::int32_t> label(n, -1);
  std::int32_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::int32_t r = find(static_cast<std::int32_t>(i));
    if (label[r] < 0) label[r] = next++;
    label[i] = label[r];
  }
  *count = static_cast<std::size_t>(next);
  return label;
}

template <typename T>
std::vector<std::int32_t> connected_components(const Graph<T>& g, std::size_t* count) {
  const Csr<T>& a = g.adjacency;
  return connected_components<std::int64_t, double>(a.rows, a.indptr.data(), a.indices.data(), nullptr, count);
}

template Graph<float> build_graph<float>(std::size_t, const CooView&, Symmetrize, bool);
template Graph<double> build_graph<double>(std::size_t, const CooView&, Symmetrize, bool);
template BipartiteGraph<float> build_bipartite<float>(std::size_t, std::size_t, const CooView&, bool);
template BipartiteGraph<double> build_bipartite<double>(std::size_t, std::size_t, const CooView&, bool);
template std::vector<std::int32_t> connected_components<float>(const Graph<float>&, std::size_t*);
template std::vector<std::int32_t> connected_components<std::int32_t, float>(std::size_t, const std::int32_t*, const std::int32_t*,
                                                                            const float*, std::size_t*);
template std::vector<std::int32_t> connected_components<std::int32_t, double>(std::size_t, const std::int32_t*, const std::int32_t*,
                                                                             const double*, std::size_t*);
template std::vector<std::int32_t> connected_components<double>(const Graph<double>&, std::size_t*);

}  // namespace speclin
