// The eigensolver's C option handling and result copying, shared by eigsh.cc, bipartite.cc and
// closed_form.cc.
#pragma once
#include "../core/eigsh.h"
#include "../core/svds.h"
#include "graph_handle.h"

namespace speclin::c_api {

// C options (NULL: the defaults with tol = default_tol) as the core's, checked by the core's
// plan_eigsh for an operator of size n, its messages naming `fn` and the C fields.
EigshOptions eigsh_options(const speclin_eigsh_options* options, std::size_t n, std::size_t k, double default_tol,
                           const char* fn);
bool deflates_components(const speclin_eigsh_options* options);

// Ā's top pairs, its components deflated when asked.
EigshResult graph_eigsh(const speclin_graph& g, const EigshOptions& options, bool deflate);

// Copies the converged pairs out; SPECLIN_OK when all k converged, else SPECLIN_ERR_NOT_CONVERGED
// with the last error set.
speclin_status write_result(const EigshResult& r, std::size_t k, double* values, double* vectors, double* residuals,
                            speclin_eigsh_info* info, const char* fn);

// P̄'s top k triplets (k checked against min(n_left, n_right)); nothing deflated.
SvdsResult bipartite_svds(const speclin_bipartite& g, std::size_t k, const speclin_eigsh_options* options,
                          double default_tol, const char* fn);

// Copies the converged triplets out (left n_left x k, right n_right x k); SPECLIN_OK when all k
// converged, else SPECLIN_ERR_NOT_CONVERGED with the last error set.
speclin_status write_svds(const SvdsResult& r, std::size_t k, double* values, double* left, double* right,
                          double* residuals, speclin_eigsh_info* info, const char* fn);

}  // namespace speclin::c_api
