// The C ABI of the population loss (population_loss.h), on a graph and on a bipartite graph (two
// towers). The core works in float64: float32 embeddings are widened on the way in and their
// gradients rounded on the way out, as the addon does.
#include "../core/population_loss.h"

#include <cmath>
#include <vector>

#include "graph_handle.h"
#include "guard.h"

namespace {

using namespace speclin::c_api;

// An input matrix in float64: float64 data as is, float32 widened into `storage`. NaN or Inf is
// an error naming the matrix and the row.
template <typename T>
const double* widened(const T* M, std::size_t rows, std::size_t k, std::vector<double>& storage, const char* fn,
                      const char* name) {
  require(M != nullptr, fn, std::string(name) + " is NULL");
  for (std::size_t i = 0; i < rows * k; ++i)
    require(std::isfinite(double(M[i])), fn, std::string(name) + " row " + std::to_string(i / k) + " contains NaN or Infinity");
  if constexpr (sizeof(T) == 8) {
    return M;
  } else {
    storage.assign(M, M + rows * k);
    return storage.data();
  }
}

// Where the core writes a gradient: the caller's float64 array, or float64 scratch rounded into
// the caller's float32 array by `round_out`; null when the caller wants none.
template <typename T>
struct GradientOut {
  T* out;
  std::size_t count;
  std::vector<double> scratch;
  double* target() {
    if (!out) return nullptr;
    if constexpr (sizeof(T) == 8) {
      return out;
    } else {
      scratch.resize(count);
      return scratch.data();
    }
  }
  void round_out() {
    if constexpr (sizeof(T) == 4)
      if (out)
        for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<float>(scratch[i]);
  }
};

template <typename T>
speclin_status population_loss_c(const char* fn, const speclin_graph* graph, const T* E, std::size_t k, double* loss,
                                 T* grad) {
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(k > 0, fn, "k must be at least 1");
    require(loss != nullptr, fn, "loss is NULL");
    std::vector<double> e64;
    const double* e = widened(E, g.size(), k, e64, fn, "E");
    GradientOut<T> gout{grad, g.size() * k, {}};
    *loss = g.visit([&](const auto& x) { return speclin::population_loss(x, e, k, gout.target()); });
    gout.round_out();
    return SPECLIN_OK;
  });
}

template <typename T>
speclin_status bipartite_loss_c(const char* fn, const speclin_bipartite* graph, const T* Ex, const T* Et, std::size_t k,
                                double* loss, T* grad_left, T* grad_right) {
  return guarded(fn, [&] {
    const speclin_bipartite& g = bipartite_of(graph, fn);
    require(k > 0, fn, "k must be at least 1");
    require(loss != nullptr, fn, "loss is NULL");
    std::vector<double> x64, t64;
    const double* x = widened(Ex, g.n_left(), k, x64, fn, "Ex");
    const double* t = widened(Et, g.n_right(), k, t64, fn, "Et");
    GradientOut<T> left{grad_left, g.n_left() * k, {}}, right{grad_right, g.n_right() * k, {}};
    *loss = g.visit([&](const auto& b) { return speclin::population_loss_bipartite(b, x, t, k, left.target(), right.target()); });
    left.round_out();
    right.round_out();
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_spopulation_loss(const speclin_graph* graph, const float* E, size_t k, double* loss,
                                        float* grad) {
  return population_loss_c<float>("speclin_spopulation_loss", graph, E, k, loss, grad);
}
speclin_status speclin_dpopulation_loss(const speclin_graph* graph, const double* E, size_t k, double* loss,
                                        double* grad) {
  return population_loss_c<double>("speclin_dpopulation_loss", graph, E, k, loss, grad);
}

speclin_status speclin_sbipartite_population_loss(const speclin_bipartite* graph, const float* Ex, const float* Et,
                                                  size_t k, double* loss, float* grad_left, float* grad_right) {
  return bipartite_loss_c<float>("speclin_sbipartite_population_loss", graph, Ex, Et, k, loss, grad_left, grad_right);
}
speclin_status speclin_dbipartite_population_loss(const speclin_bipartite* graph, const double* Ex, const double* Et,
                                                  size_t k, double* loss, double* grad_left, double* grad_right) {
  return bipartite_loss_c<double>("speclin_dbipartite_population_loss", graph, Ex, Et, k, loss, grad_left, grad_right);
}

}  // extern "C"
