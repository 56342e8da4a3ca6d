// The C ABI of graphs: construction from CSR arrays (checked here, so that a message can name the
// bad entry), the handle's accessors, and Ā X.
#include <cmath>
#include <limits>

#include "csr_input.h"
#include "graph_handle.h"
#include "guard.h"

namespace speclin::c_api {

const speclin_graph& graph_of(const speclin_graph* g, const char* fn) {
  require(g != nullptr, fn, "graph is NULL");
  return *g;
}

std::vector<double> component_vectors(const speclin_graph& g, std::size_t limit, std::size_t* cols) {
  std::size_t count = 0;
  std::vector<std::int32_t> label = g.visit([&](const auto& graph) { return connected_components(graph, &count); });
  const std::vector<double>& d = g.degrees();
  std::vector<double> weight(count, 0.0);
  for (std::size_t i = 0; i < label.size(); ++i) weight[label[i]] += d[i];
  // Labels are numbered in order of each component's smallest node, as src/deflation.ts's columns.
  std::size_t c = count < limit ? count : limit;
  std::vector<double> v(label.size() * c, 0.0);
  for (std::size_t i = 0; i < label.size(); ++i)
    if (std::size_t(label[i]) < c) v[i * c + label[i]] = std::sqrt(d[i]) / std::sqrt(weight[label[i]]);
  *cols = c;
  return v;
}

}  // namespace speclin::c_api

namespace {

using speclin::c_api::graph_of;
using speclin::c_api::normalized_frobenius2;
using speclin::c_api::guarded;
using speclin::c_api::require;
using speclin::c_api::require_data;

template <typename T>
speclin_status from_csr(const char* fn, std::size_t n, const std::int64_t* indptr, const std::int32_t* indices,
                        const T* values, speclin_symmetrize symmetrize, speclin_graph** out) {
  return guarded(fn, [&] {
    require(out != nullptr, fn, "out is NULL");
    *out = nullptr;
    const speclin::c_api::CsrInput in = speclin::c_api::checked_csr(fn, n, n, indptr, indices, values);
    speclin::Symmetrize sym = speclin::Symmetrize::None;
    switch (symmetrize) {
      case SPECLIN_SYMMETRIZE_NONE: break;
      case SPECLIN_SYMMETRIZE_AVERAGE: sym = speclin::Symmetrize::Average; break;
      case SPECLIN_SYMMETRIZE_MAX: sym = speclin::Symmetrize::Max; break;
      default: require(false, fn, "symmetrize must be SPECLIN_SYMMETRIZE_NONE, _AVERAGE or _MAX");
    }
    auto graph = std::make_shared<const speclin::Graph<T>>(speclin::build_graph<T>(n, in.coo, sym, false));
    auto handle = std::make_unique<speclin_graph>();
    handle->normalized = std::make_unique<speclin::NormalizedAdjacency<T>>(graph);
    if constexpr (sizeof(T) == 4) handle->f32 = graph; else handle->f64 = graph;
    *out = handle.release();
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_sgraph_from_csr(size_t n, const int64_t* indptr, const int32_t* indices, const float* values,
                                       speclin_symmetrize symmetrize, speclin_graph** out) {
  return from_csr<float>("speclin_sgraph_from_csr", n, indptr, indices, values, symmetrize, out);
}
speclin_status speclin_dgraph_from_csr(size_t n, const int64_t* indptr, const int32_t* indices, const double* values,
                                       speclin_symmetrize symmetrize, speclin_graph** out) {
  return from_csr<double>("speclin_dgraph_from_csr", n, indptr, indices, values, symmetrize, out);
}

void speclin_graph_free(speclin_graph* graph) { delete graph; }

speclin_status speclin_graph_info(const speclin_graph* graph, size_t* n, size_t* nnz, size_t* value_bytes) {
  const char* fn = "speclin_graph_info";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    if (n) *n = g.size();
    if (nnz) *nnz = g.visit([](const auto& x) { return x.adjacency.nnz(); });
    if (value_bytes) *value_bytes = g.f32 ? 4 : 8;
    return SPECLIN_OK;
  });
}

speclin_status speclin_graph_degrees(const speclin_graph* graph, double* degrees) {
  const char* fn = "speclin_graph_degrees";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(degrees != nullptr, fn, "degrees is NULL");
    const std::vector<double>& d = g.degrees();
    std::copy(d.begin(), d.end(), degrees);
    return SPECLIN_OK;
  });
}

speclin_status speclin_graph_marginals(const speclin_graph* graph, double* marginals) {
  const char* fn = "speclin_graph_marginals";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(marginals != nullptr, fn, "marginals is NULL");
    const std::vector<double>& d = g.degrees();
    const double total = g.total_weight();
    for (std::size_t i = 0; i < d.size(); ++i) marginals[i] = d[i] / total;
    return SPECLIN_OK;
  });
}

speclin_status speclin_graph_normalized_multiply(const speclin_graph* graph, const double* X, double* Y,
                                                 size_t columns) {
  const char* fn = "speclin_graph_normalized_multiply";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(columns > 0, fn, "columns must be at least 1");
    require(X != nullptr, fn, "X is NULL");
    require(Y != nullptr, fn, "Y is NULL");
    g.normalized->multiply(X, Y, columns);
    return SPECLIN_OK;
  });
}

speclin_status speclin_graph_normalized_frobenius2(const speclin_graph* graph, double* out) {
  const char* fn = "speclin_graph_normalized_frobenius2";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(out != nullptr, fn, "out is NULL");
    *out = g.visit([&](const auto& x) { return normalized_frobenius2(x.adjacency, x.degrees, x.degrees); });
    return SPECLIN_OK;
  });
}

}  // extern "C"
