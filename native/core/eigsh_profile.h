// Where a solve spent its time and how much basis it read: filled by the Lanczos parts through a
// pointer the driver hands them (null: nothing is recorded), returned with the result, printed by
// the driver under SPECLIN_EIGSH_TRACE=1 and by `npm run bench -- eigs`.
#pragma once
#include <chrono>
#include <cstddef>

namespace speclin {

struct EigshProfile {
  // Sweeps over basis columns (a Gram-Schmidt pass, a restart's rotation), and the n-vectors they
  // read in all: the traffic the basis costs, in units of one column.
  std::size_t basis_passes = 0;
  std::size_t basis_vectors_read = 0;
  std::size_t blocks = 0;               // blocks orthogonalized against the basis
  std::size_t full_projections = 0;     // of those, projected against the whole basis
  std::size_t second_passes = 0;        // Gram-Schmidt passes repeated (twice is enough)
  std::size_t cholqr = 0, cholqr_once = 0;
  // Seconds per phase: operator products, projection against the basis, orthonormalization
  // within the block, the projected problem, restarts (Ritz vectors, rotation), verification.
  double products = 0, project = 0, block = 0, analyze = 0, restart = 0, verify = 0;
};

// Adds the seconds of its lifetime to *acc (nothing when acc is null).
class PhaseTimer {
 public:
  explicit PhaseTimer(double* acc) : acc_(acc) {}
  ~PhaseTimer() {
    if (acc_) *acc_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  double* acc_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace speclin
