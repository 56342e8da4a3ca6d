// The restart and locking policy of the thick-restart block Lanczos: which Ritz pairs are
// candidates for locking (their residual estimates pass; a true residual then decides), and how
// many of the others a restart keeps.
#pragma once
#include <cstddef>
#include <vector>

namespace speclin::lanczos {

struct RestartPolicy {
  std::size_t basis = 0, block = 0;  // the factorization's m and b

  // The leading Ritz pairs among the `wanted` whose estimates are at most tol_abs.
  std::vector<std::size_t> candidates(const std::vector<double>& estimates, std::size_t wanted, double tol_abs) const;
  // Ritz pairs a restart may keep: the active part less the room for the next two blocks.
  std::size_t selectable(std::size_t active, std::size_t ncandidates, std::size_t locked) const;
  // Of `available` unlocked Ritz pairs, how many to keep: all the wanted ones and half the
  // remaining basis, less room for two blocks (room to grow by about 1.5 k per cycle keeps a
  // clustered top converging in few products).
  std::size_t kept(std::size_t available, std::size_t wanted, std::size_t locked) const;
};

}  // namespace speclin::lanczos
