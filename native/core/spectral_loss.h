// The minibatch spectral contrastive loss of HaoChen et al. (2021) and its gradient.
//
// For B positive pairs (z_i, w_i), rows of Z and W (B x k, row-major), with rows first clipped
// (when mu is given) as the reference code's D(z1, z2, mu) does:
//   ẑ_i = z_i                         if ||z_i|| <  sqrt(mu)
//   ẑ_i = sqrt(mu) z_i / ||z_i||      otherwise (the reference's mask uses a strict <)
//   positive = -(2/B) sum_i ẑ_i.ŵ_i / mu
//   negative = c sum_{(i,j) in N} (ẑ_i.ŵ_j)^2 / mu,
//     N = {i != j}, c = 1/(B(B-1))  (offdiagonal)   or   N = all (i, j), c = 1/B^2  (all)
//   loss = positive + negative; without mu there is no clipping and mu = 1.
// Gradients are with respect to the unclipped Z and W (through the rescaling).
// Scalars accumulate in float64; dense products go through gram.h only.
#pragma once
#include <cstddef>

namespace speclin {

enum class Negatives { OffDiagonal, All };
enum class LossAlgorithm { Auto, Gram, Pairwise };

struct SpectralLossOptions {
  bool clip = false;  // true: mu below is the reference's mu (clipping and division)
  double mu = 1.0;
  Negatives negatives = Negatives::OffDiagonal;
  LossAlgorithm algorithm = LossAlgorithm::Auto;
};

struct SpectralLossResult {
  double loss = 0, positive = 0, negative = 0;
  LossAlgorithm algorithm = LossAlgorithm::Gram;  // the one that ran
  std::size_t clipped_z = 0, clipped_w = 0;       // rows rescaled to norm sqrt(mu)
};

// What Auto picks for a B x k problem (see spectral_loss.cc for the measured crossover).
LossAlgorithm choose_loss_algorithm(std::size_t B, std::size_t k);

// Checks the arguments and computes the loss; gradZ and gradW (B x k each) may both be null to
// skip the gradient. Bad arguments (B < 2 with off-diagonal negatives, mu not finite or <= 0,
// NaN or Infinity in Z or W) throw std::invalid_argument with a message naming the argument.
template <typename T>
SpectralLossResult spectral_loss(const T* Z, const T* W, std::size_t B, std::size_t k,
                                 const SpectralLossOptions& options, T* gradZ, T* gradW);

// The same loss over a batch split across processes (data-parallel training with global
// negatives): each holds B_r rows of Z and W, and the result is that of the concatenated batch.
// Only the 'gram' algorithm's statistics are needed, O(k^2) whatever the batch:
//   stats = [B, sum_i d_i, sum_i d_i^2, clipped Z rows, clipped W rows, Ẑ^T Ẑ (k x k), Ŵ^T Ŵ (k x k)]
// Each process computes its shard's statistics, the caller sums them over processes (an MPI
// allreduce, in float64), and each process then gets the loss and its own rows of the gradients.
std::size_t spectral_loss_statistics_size(std::size_t k);
template <typename T>
void spectral_loss_statistics(const T* Z, const T* W, std::size_t B, std::size_t k,
                              const SpectralLossOptions& options, double* stats);
// `stats` are the sums over every shard; gradZ and gradW (this shard's B x k) may both be null.
template <typename T>
SpectralLossResult spectral_loss_from_statistics(const T* Z, const T* W, std::size_t B, std::size_t k,
                                                 const SpectralLossOptions& options, const double* stats,
                                                 T* gradZ, T* gradW);

}  // namespace speclin
