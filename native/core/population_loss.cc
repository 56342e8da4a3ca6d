#include "population_loss.h"

#include <cmath>
#include <vector>

#include "gram.h"
#include "spmv.h"
#include "thread_pool.h"

namespace speclin {
namespace {

// sum_i X[i] * Y[i] over n*k entries, in float64, with per-chunk partial sums added in chunk
// order: deterministic for a given thread count.
double dot(const double* X, const double* Y, std::size_t count) {
  std::size_t chunks = parallel_chunks(0, count, 1 << 14);
  std::vector<double> part(chunks, 0.0);
  parallel_for_chunks(0, count, 1 << 14, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    double s = 0;
    for (std::size_t i = lo; i < hi; ++i) s += X[i] * Y[i];
    part[c] = s;
  });
  double s = 0;
  for (double v : part) s += v;
  return s;
}

// out = diag(f(w)) X, where f is applied to each row weight.
template <typename F>
void scale_rows(const double* X, const std::vector<double>& w, std::size_t k, double* out, F f) {
  parallel_for(0, w.size(), 4096, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      double s = f(w[i]);
      for (std::size_t c = 0; c < k; ++c) out[i * k + c] = X[i * k + c] * s;
    }
  });
}

// M = E^T diag(p) E (k x k) as the Gram matrix of sqrt(p) E (one triangle, rows split over
// threads for the usual k); also leaves diag(p) E in `pE`.
void weighted_gram(const double* E, const std::vector<double>& p, std::size_t k, double* M,
                   std::vector<double>& pE) {
  std::size_t n = p.size();
  pE.resize(n * k);
  scale_rows(E, p, k, pE.data(), [](double x) { return std::sqrt(x); });
  inner_gram<double>(pE.data(), pE.data(), M, 1, n, k, k);
  scale_rows(pE.data(), p, k, pE.data(), [](double x) { return std::sqrt(x); });
}

std::vector<double> marginals(const std::vector<double>& degrees, double total) {
  std::vector<double> p(degrees.size());
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = degrees[i] / total;
  return p;
}

void scale(double* X, std::size_t count, double f) {
  parallel_for(0, count, 1 << 14, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) X[i] *= f;
  });
}

// A X / total (A scaled to sum 1) into `out`, the caller's gradient buffer (the gradient starts
// from this product), or into `scratch` when there is none.
template <typename T>
double* scaled_product(const Csr<T>& a, const double* X, std::size_t k, double total, double* out,
                       std::vector<double>& scratch) {
  if (!out) {
    scratch.resize(a.rows * k);
    out = scratch.data();
  }
  csr_multiply<T, double, double>(a, X, out, k, nullptr);
  scale(out, a.rows * k, 1.0 / total);
  return out;
}

}  // namespace

template <typename T>
double population_loss(const Graph<T>& g, const double* E, std::size_t k, double* grad) {
  std::size_t n = g.size();
  std::vector<double> own;
  double* AE = scaled_product(g.adjacency, E, k, g.total_weight, grad, own);
  double trace = dot(E, AE, n * k);
  std::vector<double> M(k * k), pE;
  weighted_gram(E, marginals(g.degrees, g.total_weight), k, M.data(), pE);
  double frob = dot(M.data(), M.data(), k * k);
  if (grad) {
    scale(grad, n * k, -4.0);
    tall_skinny_update<double, double, double>(n, k, k, 4.0, pE.data(), k, M.data(), k, 1.0, grad, k);
  }
  return -2.0 * trace + frob;
}

template <typename T>
double population_loss_bipartite(const BipartiteGraph<T>& g, const double* Ex, const double* Et,
                                 std::size_t k, double* grad_left, double* grad_right) {
  std::size_t nl = g.forward.rows, nr = g.forward.cols;
  std::vector<double> own_left;
  double* PEt = scaled_product(g.forward, Et, k, g.total_weight, grad_left, own_left);
  double trace = dot(Ex, PEt, nl * k);
  std::vector<double> Mx(k * k), Mt(k * k), pEx, pEt;
  weighted_gram(Ex, marginals(g.degrees_left, g.total_weight), k, Mx.data(), pEx);
  weighted_gram(Et, marginals(g.degrees_right, g.total_weight), k, Mt.data(), pEt);
  double cross = dot(Mx.data(), Mt.data(), k * k);
  if (grad_left) {
    scale(grad_left, nl * k, -2.0);
    tall_skinny_update<double, double, double>(nl, k, k, 2.0, pEx.data(), k, Mt.data(), k, 1.0, grad_left, k);
  }
  if (grad_right) {
    csr_multiply<T, double, double>(g.backward, Ex, grad_right, k, nullptr);
    scale(grad_right, nr * k, -2.0 / g.total_weight);
    tall_skinny_update<double, double, double>(nr, k, k, 2.0, pEt.data(), k, Mx.data(), k, 1.0, grad_right, k);
  }
  return -2.0 * trace + cross;
}

template double population_loss<float>(const Graph<float>&, const double*, std::size_t, double*);
template double population_loss<double>(const Graph<double>&, const double*, std::size_t, double*);
template double population_loss_bipartite<float>(const BipartiteGraph<float>&, const double*, const double*,
                                                 std::size_t, double*, double*);
template double population_loss_bipartite<double>(const BipartiteGraph<double>&, const double*, const double*,
                                                  std::size_t, double*, double*);

}  // namespace speclin
