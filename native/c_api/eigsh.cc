// The C ABI of the eigensolver: on a graph's Ā (driven in C++, components deflated as the
// TypeScript eigsh does) and on a caller's operator (the reverse-communication solver driven here,
// on the calling thread, one callback per block product).
#include "../core/eigsh.h"
#include "../core/eigsh_options.h"

#include <algorithm>
#include <cmath>

#include "eigsh_c.h"
#include "graph_handle.h"
#include "guard.h"

namespace speclin::c_api {

EigshOptions eigsh_options(const speclin_eigsh_options* options, std::size_t n, std::size_t k, double default_tol,
                           const char* fn) {
  speclin_eigsh_options c;
  speclin_eigsh_options_init(&c);
  c.tol = default_tol;
  if (options) c = *options;
  EigshOptions o;
  o.k = k;
  o.tol = c.tol;
  o.max_iterations = c.max_iterations;
  o.block_size = c.block_size;
  o.basis_size = c.basis_size;
  o.seed = c.seed;
  // The core's checks, in this ABI's names; the solver plans again with the same options.
  EigshOptionNames names;
  names.function = fn;
  names.tol = "options->tol";
  names.max_iterations = "options->max_iterations";
  names.block_size = "options->block_size";
  names.basis_size = "options->basis_size";
  plan_eigsh(n, o, names);
  return o;
}

bool deflates_components(const speclin_eigsh_options* options) { return options == nullptr || options->deflate_components != 0; }

speclin_status write_result(const EigshResult& r, std::size_t k, double* values, double* vectors, double* residuals,
                            speclin_eigsh_info* info, const char* fn) {
  const std::size_t c = r.count;
  std::copy(r.values.begin(), r.values.begin() + c, values);
  if (residuals) std::copy(r.residuals.begin(), r.residuals.begin() + c, residuals);
  for (std::size_t i = 0; i < r.n; ++i)
    for (std::size_t q = 0; q < c; ++q) vectors[i * k + q] = r.vectors[i * c + q];
  if (info) {
    info->converged = c;
    info->matvecs = r.matvecs;
    info->iterations = r.iterations;
  }
  if (r.status == EigshStatus::Converged && c == k) return SPECLIN_OK;
  return fail(SPECLIN_ERR_NOT_CONVERGED,
              std::string(fn) + ": " + std::to_string(c) + " of " + std::to_string(k) + " eigenpairs converged in " +
                  std::to_string(r.iterations) + " iterations (largest residual " + std::to_string(r.max_residual) +
                  "); raise max_iterations or tol, or give a larger block_size or basis_size");
}

EigshResult graph_eigsh(const speclin_graph& g, const EigshOptions& base, bool deflate) {
  EigshOptions o = base;
  o.norm_bound = 1.0;
  if (deflate) o.deflate = component_vectors(g, o.k, &o.deflate_cols);
  return eigsh(*g.normalized, o);
}

}  // namespace speclin::c_api

namespace {

using namespace speclin::c_api;

void require_outputs(std::size_t n, std::size_t k, const double* values, const double* vectors, const char* fn) {
  require_data(values, k, fn, "values");
  require_data(vectors, n * k, fn, "vectors");
}

}  // namespace

extern "C" {

void speclin_eigsh_options_init(speclin_eigsh_options* options) {
  if (!options) return;
  options->tol = 1e-8;
  options->max_iterations = 10000;
  options->block_size = 0;
  options->basis_size = 0;
  options->seed = 0;
  options->deflate_components = 1;
}

speclin_status speclin_eigsh(size_t n, speclin_operator_fn op, void* user, double norm_bound, size_t k,
                             const speclin_eigsh_options* options, double* values, double* vectors, double* residuals,
                             speclin_eigsh_info* info) {
  const char* fn = "speclin_eigsh";
  return guarded(fn, [&] {
    require(op != nullptr, fn, "op is NULL");
    require(std::isfinite(norm_bound) && norm_bound >= 0, fn, "norm_bound must be 0 (unknown) or a finite upper bound of ||A||");
    speclin::EigshOptions o = eigsh_options(options, n, k, 1e-8, fn);
    require_outputs(n, k, values, vectors, fn);
    o.norm_bound = norm_bound;
    speclin::EigshSolver solver(n, o);
    while (solver.step()) {
      const int rc = op(user, solver.input(), solver.output(), solver.columns());
      if (rc != 0)
        return fail(SPECLIN_ERR_CALLBACK, std::string(fn) + ": the operator returned " + std::to_string(rc) +
                                              " after " + std::to_string(solver.iterations()) + " iterations");
    }
    return write_result(solver.result(), k, values, vectors, residuals, info, fn);
  });
}

speclin_status speclin_graph_eigsh(const speclin_graph* graph, size_t k, const speclin_eigsh_options* options,
                                   double* values, double* vectors, double* residuals, speclin_eigsh_info* info) {
  const char* fn = "speclin_graph_eigsh";
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    speclin::EigshOptions o = eigsh_options(options, g.size(), k, 1e-8, fn);
    require_outputs(g.size(), k, values, vectors, fn);
    return write_result(graph_eigsh(g, o, deflates_components(options)), k, values, vectors, residuals, info, fn);
  });
}

}  // extern "C"
