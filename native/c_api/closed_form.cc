// The C ABI of the closed-form optimum (DESIGN.md): from Ā's top-k eigenpairs,
//   min L = -sum_{i<=k} max(λ_i, 0)^2  at  E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2},
// D = diag(marginals); negative eigenvalues are never kept. src/closed-form.ts is the same for
// the TypeScript API.
#include <algorithm>
#include <cmath>

#include "eigsh_c.h"
#include "guard.h"

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
    if (embedding) {
      const std::vector<double>& d = g.degrees();
      const double total = g.total_weight();
      std::vector<double> root(k);
      for (std::size_t q = 0; q < k; ++q) root[q] = std::sqrt(std::max(r.values[q], 0.0));
      for (std::size_t i = 0; i < g.size(); ++i) {
        const double inv = 1 / std::sqrt(d[i] / total);
        for (std::size_t q = 0; q < k; ++q) embedding[i * k + q] = r.vectors[i * k + q] * root[q] * inv;
      }
    }
    std::copy(r.values.begin(), r.values.end(), eigenvalues);
    *loss = sum;
    return SPECLIN_OK;
  });
}

}  // extern "C"
