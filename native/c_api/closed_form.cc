// The C ABI of the closed-form optimum (DESIGN.md): from Ā's top-k eigenpairs,
//   min L = -sum_{i<=k} max(λ_i, 0)^2  at  E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2},
// D = diag(marginals); negative eigenvalues are never kept. For two towers, from P̄'s top-k
// singular triplets, min L = -sum_{i<=k} σ_i^2 at E_x* = D_x^{-1/2} U_k Σ_k^{1/2},
// E_t* = D_t^{-1/2} V_k Σ_k^{1/2}. src/closed-form.ts is the same for the TypeScript API.
#include <algorithm>
#include <cmath>

#include "eigsh_c.h"
#include "guard.h"

namespace {

// E = D^{-1/2} U S^{1/2} (rows x k): column q of U scaled by sqrt(max(s_q, 0)), row i by
// 1/sqrt(p_i) with p = degrees / total.
void scale_embedding(const std::vector<double>& U, const std::vector<double>& s, const std::vector<double>& degrees,
                     double total, std::size_t k, double* out) {
  std::vector<double> root(k);
  for (std::size_t q = 0; q < k; ++q) root[q] = std::sqrt(std::max(s[q], 0.0));
  for (std::size_t i = 0; i < degrees.size(); ++i) {
    const double inv = 1 / std::sqrt(degrees[i] / total);
    for (std::size_t q = 0; q < k; ++q) out[i * k + q] = U[i * k + q] * root[q] * inv;
  }
}

}  // namespace

extern "C" {

speclin_status speclin_closed_form_optimum(const speclin_graph* graph, size_t k, const speclin_eigsh_options* options,
                                           double* loss, double* eigenvalues, double* embedding) {
  using namespace speclin::c_api;
  const char* fn = "speclin_closed_form_optimum";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    // The loss is a sum of squared eigenvalues, whose error is of the order of the residual squared.
    speclin::EigshOptions o = eigsh_options(options, g.size(), k, 1e-10, fn);
    require(loss != nullptr, fn, "loss is NULL");
    require(eigenvalues != nullptr, fn, "eigenvalues is NULL");
    speclin::EigshResult r = graph_eigsh(g, o, deflates_components(options));
    if (r.status != speclin::EigshStatus::Converged || r.count != k) {
      std::vector<double> values(k), vectors(g.size() * k);
      return write_result(r, k, values.data(), vectors.data(), nullptr, nullptr, fn);
    }
    double sum = 0;
    for (std::size_t q = 0; q < k; ++q) sum -= std::max(r.values[q], 0.0) * std::max(r.values[q], 0.0);
    if (embedding) scale_embedding(r.vectors, r.values, g.degrees(), g.total_weight(), k, embedding);
    std::copy(r.values.begin(), r.values.end(), eigenvalues);
    *loss = sum;
    return SPECLIN_OK;
  });
}

speclin_status speclin_bipartite_closed_form_optimum(const speclin_bipartite* graph, size_t k,
                                                     const speclin_eigsh_options* options, double* loss,
                                                     double* singular_values, double* left, double* right) {
  using namespace speclin::c_api;
  const char* fn = "speclin_bipartite_closed_form_optimum";
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    require(loss != nullptr, fn, "loss is NULL");
    require(singular_values != nullptr, fn, "singular_values is NULL");
    // tol 1e-10 on σ^2: the loss is a sum of squares, as for the graph's optimum.
    speclin::SvdsResult r = bipartite_svds(g, k, options, 1e-10, fn);
    if (r.status != speclin::EigshStatus::Converged || r.count != k) {
      std::vector<double> values(k), u(g.n_left() * k), v(g.n_right() * k);
      return write_svds(r, k, values.data(), u.data(), v.data(), nullptr, nullptr, fn);
    }
    double sum = 0;
    for (std::size_t q = 0; q < k; ++q) sum -= r.values[q] * r.values[q];
    if (left) scale_embedding(r.left, r.values, g.degrees_left(), g.total_weight(), k, left);
    if (right) scale_embedding(r.right, r.values, g.degrees_right(), g.total_weight(), k, right);
    std::copy(r.values.begin(), r.values.end(), singular_values);
    *loss = sum;
    return SPECLIN_OK;
  });
}

}  // extern "C"
