// The C ABI of the population loss (population_loss.h). The core works in float64: a float32
// embedding is widened on the way in and its gradient rounded on the way out, as the addon does.
#include "../core/population_loss.h"

#include <cmath>
#include <vector>

#include "graph_handle.h"
#include "guard.h"

namespace {

using namespace speclin::c_api;

template <typename T>
speclin_status population_loss_c(const char* fn, const speclin_graph* graph, const T* E, std::size_t k, double* loss,
                                 T* grad) {
  return guarded(fn, [&] {
    const speclin_graph& g = graph_of(graph, fn);
    require(k > 0, fn, "k must be at least 1");
    require(E != nullptr, fn, "E is NULL");
    require(loss != nullptr, fn, "loss is NULL");
    const std::size_t count = g.size() * k;
    for (std::size_t i = 0; i < count; ++i)
      require(std::isfinite(double(E[i])), fn, "E row " + std::to_string(i / k) + " contains NaN or Infinity");
    std::vector<double> e64, g64;
    const double* e = nullptr;
    if constexpr (sizeof(T) == 8) {
      e = E;
    } else {
      e64.assign(E, E + count);
      e = e64.data();
    }
    double* gout = nullptr;
    if (grad) {
      if constexpr (sizeof(T) == 8) {
        gout = grad;
      } else {
        g64.resize(count);
        gout = g64.data();
      }
    }
    *loss = g.visit([&](const auto& x) { return speclin::population_loss(x, e, k, gout); });
    if constexpr (sizeof(T) == 4)
      if (grad)
        for (std::size_t i = 0; i < count; ++i) grad[i] = static_cast<float>(g64[i]);
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

}  // extern "C"
