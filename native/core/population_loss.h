// The spectral contrastive loss over a whole graph (the population loss), with its gradient:
//   L(E) = -2 tr(E^T A E) + ||E^T D E||_F^2,   grad = -4 A E + 4 D E (E^T D E),
// A scaled to sum 1 and D = diag(marginals). One SpMM over the graph (O(nnz k)) and two k x k
// dense products through gram.h (O(n k^2)); float64 throughout. The bipartite (CLIP) form:
//   L(Ex, Et) = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F,
//   gradLeft = -2 P Et + 2 Dx Ex (Et^T Dt Et),  gradRight = -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex).
#pragma once
#include <cstddef>

#include "graph.h"

namespace speclin {

// E is n x k row-major; grad (n x k) may be null when only the loss is wanted.
template <typename T>
double population_loss(const Graph<T>& g, const double* E, std::size_t k, double* grad);

template <typename T>
double population_loss_bipartite(const BipartiteGraph<T>& g, const double* Ex, const double* Et,
                                 std::size_t k, double* grad_left, double* grad_right);

}  // namespace speclin
