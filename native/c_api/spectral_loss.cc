// The C ABI of the minibatch spectral contrastive loss: options in C form, then spectral_loss.h.
#include "../core/spectral_loss.h"

#include <cmath>

#include "guard.h"

namespace {

using speclin::c_api::guarded;
using speclin::c_api::require;
using speclin::c_api::require_data;

speclin_loss_algorithm c_algorithm(speclin::LossAlgorithm a) {
  return a == speclin::LossAlgorithm::Pairwise ? SPECLIN_LOSS_PAIRWISE : SPECLIN_LOSS_GRAM;
}

template <typename T>
speclin_status spectral_loss_c(const char* fn, const T* Z, const T* W, std::size_t B, std::size_t k,
                               const speclin_loss_options* options, T* grad_z, T* grad_w,
                               speclin_loss_result* result) {
  return guarded(fn, [&] {
    require(result != nullptr, fn, "result is NULL");
    require(k > 0, fn, "k must be at least 1");
    require(B > 0, fn, "B must be at least 1");
    require_data(Z, B * k, fn, "Z");
    require_data(W, B * k, fn, "W");
    require((grad_z == nullptr) == (grad_w == nullptr), fn, "grad_z and grad_w must both be NULL or both be given");
    speclin::SpectralLossOptions o;
    if (options) {
      require(std::isfinite(options->mu) && options->mu >= 0, fn,
              "options->mu must be 0 (no clipping) or a positive finite number, got " + std::to_string(options->mu));
      o.clip = options->mu > 0;
      o.mu = o.clip ? options->mu : 1.0;
      require(options->negatives == SPECLIN_NEGATIVES_OFFDIAGONAL || options->negatives == SPECLIN_NEGATIVES_ALL, fn,
              "options->negatives must be SPECLIN_NEGATIVES_OFFDIAGONAL or SPECLIN_NEGATIVES_ALL");
      o.negatives = options->negatives == SPECLIN_NEGATIVES_ALL ? speclin::Negatives::All : speclin::Negatives::OffDiagonal;
      switch (options->algorithm) {
        case SPECLIN_LOSS_AUTO: o.algorithm = speclin::LossAlgorithm::Auto; break;
        case SPECLIN_LOSS_GRAM: o.algorithm = speclin::LossAlgorithm::Gram; break;
        case SPECLIN_LOSS_PAIRWISE: o.algorithm = speclin::LossAlgorithm::Pairwise; break;
        default: require(false, fn, "options->algorithm must be SPECLIN_LOSS_AUTO, SPECLIN_LOSS_GRAM or SPECLIN_LOSS_PAIRWISE");
      }
    }
    speclin::SpectralLossResult r = speclin::spectral_loss<T>(Z, W, B, k, o, grad_z, grad_w);
    result->loss = r.loss;
    result->positive = r.positive;
    result->negative = r.negative;
    result->algorithm = c_algorithm(r.algorithm);
    result->clipped_z = r.clipped_z;
    result->clipped_w = r.clipped_w;
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_sspectral_loss(const float* Z, const float* W, size_t B, size_t k,
                                      const speclin_loss_options* options, float* grad_z, float* grad_w,
                                      speclin_loss_result* result) {
  return spectral_loss_c<float>("speclin_sspectral_loss", Z, W, B, k, options, grad_z, grad_w, result);
}
speclin_status speclin_dspectral_loss(const double* Z, const double* W, size_t B, size_t k,
                                      const speclin_loss_options* options, double* grad_z, double* grad_w,
                                      speclin_loss_result* result) {
  return spectral_loss_c<double>("speclin_dspectral_loss", Z, W, B, k, options, grad_z, grad_w, result);
}

}  // extern "C"
