// The C ABI of bipartite (two-tower) graphs: construction from CSR arrays, the handle's accessors,
// P̄ X and P̄^T X, ||P̄||_F^2, and svds (P̄'s top singular triplets, core/svds.h).
#include "../core/svds.h"

#include <algorithm>

#include "csr_input.h"
#include "eigsh_c.h"
#include "graph_handle.h"
#include "guard.h"

namespace speclin::c_api {

const speclin_bipartite& bipartite_of(const speclin_bipartite* g, const char* fn) {
  require(g != nullptr, fn, "graph is NULL");
  return *g;
}

SvdsResult bipartite_svds(const speclin_bipartite& g, std::size_t k, const speclin_eigsh_options* options,
                          double default_tol, const char* fn) {
  const std::size_t smaller = std::min(g.n_left(), g.n_right());
  require(k <= smaller, fn, "k = " + std::to_string(k) + " exceeds min(n_left, n_right) = " + std::to_string(smaller));
  EigshOptions o = eigsh_options(options, smaller, k, default_tol, fn);
  // The Gram operator's own bound (||P̄||^2 = 1) is what svds gives eigsh; nothing is deflated.
  return svds(*g.normalized, o);
}

speclin_status write_svds(const SvdsResult& r, std::size_t k, double* values, double* left, double* right,
                          double* residuals, speclin_eigsh_info* info, const char* fn) {
  const std::size_t c = r.count;
  std::copy(r.values.begin(), r.values.begin() + c, values);
  if (residuals) std::copy(r.residuals.begin(), r.residuals.begin() + c, residuals);
  for (std::size_t i = 0; i < r.rows; ++i)
    for (std::size_t q = 0; q < c; ++q) left[i * k + q] = r.left[i * c + q];
  for (std::size_t i = 0; i < r.cols; ++i)
    for (std::size_t q = 0; q < c; ++q) right[i * k + q] = r.right[i * c + q];
  if (info) {
    info->converged = c;
    info->matvecs = r.products;
    info->iterations = r.iterations;
  }
  if (r.status == EigshStatus::Converged && c == k) return SPECLIN_OK;
  return fail(SPECLIN_ERR_NOT_CONVERGED,
              std::string(fn) + ": " + std::to_string(c) + " of " + std::to_string(k) + " singular triplets converged in " +
                  std::to_string(r.iterations) + " iterations (largest residual " + std::to_string(r.max_residual) +
                  "); raise max_iterations or tol, or give a larger block_size or basis_size");
}

}  // namespace speclin::c_api

namespace {

using namespace speclin::c_api;

template <typename T>
speclin_status from_csr(const char* fn, std::size_t n_left, std::size_t n_right, const std::int64_t* indptr,
                        const std::int32_t* indices, const T* values, speclin_bipartite** out) {
  return guarded(fn, [&] {
    require(out != nullptr, fn, "out is NULL");
    *out = nullptr;
    const CsrInput in = checked_csr(fn, n_left, n_right, indptr, indices, values);
    auto graph = std::make_shared<const speclin::BipartiteGraph<T>>(speclin::build_bipartite<T>(n_left, n_right, in.coo, false));
    auto handle = std::make_unique<speclin_bipartite>();
    handle->normalized = std::make_unique<speclin::NormalizedBiadjacency<T>>(graph);
    if constexpr (sizeof(T) == 4) handle->f32 = graph; else handle->f64 = graph;
    *out = handle.release();
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_sbipartite_from_csr(size_t n_left, size_t n_right, const int64_t* indptr, const int32_t* indices,
                                           const float* values, speclin_bipartite** out) {
  return from_csr<float>("speclin_sbipartite_from_csr", n_left, n_right, indptr, indices, values, out);
}
speclin_status speclin_dbipartite_from_csr(size_t n_left, size_t n_right, const int64_t* indptr, const int32_t* indices,
                                           const double* values, speclin_bipartite** out) {
  return from_csr<double>("speclin_dbipartite_from_csr", n_left, n_right, indptr, indices, values, out);
}

void speclin_bipartite_free(speclin_bipartite* graph) { delete graph; }

speclin_status speclin_bipartite_info(const speclin_bipartite* graph, size_t* n_left, size_t* n_right, size_t* nnz,
                                      size_t* value_bytes) {
  const char* fn = "speclin_bipartite_info";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    if (n_left) *n_left = g.n_left();
    if (n_right) *n_right = g.n_right();
    if (nnz) *nnz = g.visit([](const auto& x) { return x.forward.nnz(); });
    if (value_bytes) *value_bytes = g.f32 ? 4 : 8;
    return SPECLIN_OK;
  });
}

speclin_status speclin_bipartite_marginals(const speclin_bipartite* graph, double* left, double* right) {
  const char* fn = "speclin_bipartite_marginals";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    const double total = g.total_weight();
    if (left) std::transform(g.degrees_left().begin(), g.degrees_left().end(), left, [&](double d) { return d / total; });
    if (right) std::transform(g.degrees_right().begin(), g.degrees_right().end(), right, [&](double d) { return d / total; });
    return SPECLIN_OK;
  });
}

speclin_status speclin_bipartite_normalized_multiply(const speclin_bipartite* graph, int transpose, const double* X,
                                                     double* Y, size_t columns) {
  const char* fn = "speclin_bipartite_normalized_multiply";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    require(columns > 0, fn, "columns must be at least 1");
    require(X != nullptr, fn, "X is NULL");
    require(Y != nullptr, fn, "Y is NULL");
    if (transpose) g.normalized->multiply_transpose(X, Y, columns);
    else g.normalized->multiply(X, Y, columns);
    return SPECLIN_OK;
  });
}

speclin_status speclin_bipartite_normalized_frobenius2(const speclin_bipartite* graph, double* out) {
  const char* fn = "speclin_bipartite_normalized_frobenius2";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    require(out != nullptr, fn, "out is NULL");
    *out = g.visit([&](const auto& x) { return normalized_frobenius2(x.forward, x.degrees_left, x.degrees_right); });
    return SPECLIN_OK;
  });
}

speclin_status speclin_bipartite_svds(const speclin_bipartite* graph, size_t k, const speclin_eigsh_options* options,
                                      double* values, double* left, double* right, double* residuals,
                                      speclin_eigsh_info* info) {
  const char* fn = "speclin_bipartite_svds";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    require(k > 0, fn, "k must be at least 1");
    require_data(values, k, fn, "values");
    require_data(left, g.n_left() * k, fn, "left");
    require_data(right, g.n_right() * k, fn, "right");
    return write_svds(bipartite_svds(g, k, options, 1e-8, fn), k, values, left, right, residuals, info, fn);
  });
}

}  // extern "C"
