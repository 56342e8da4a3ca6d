#include "lanczos_restart.h"

#include <algorithm>

namespace speclin::lanczos {

std::vector<std::size_t> RestartPolicy::candidates(const std::vector<double>& est, std::size_t wanted,
                                                   double tol_abs) const {
  std::vector<std::size_t> c;
  for (std::size_t i = 0; i < std::min(wanted, est.size()); ++i)
    if (est[i] <= tol_abs) c.push_back(i);
  return c;
}

std::size_t RestartPolicy::selectable(std::size_t active, std::size_t ncandidates, std::size_t locked) const {
  return std::min(active, ncandidates + (basis - locked - 2 * block));
}

std::size_t RestartPolicy::kept(std::size_t available, std::size_t wanted, std::size_t locked) const {
  return std::min({available, std::max(wanted, (basis - locked) / 2), basis - locked - 2 * block});
}

}  // namespace speclin::lanczos
