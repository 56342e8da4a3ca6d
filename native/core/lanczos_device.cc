#include "lanczos_device.h"

#include <algorithm>

namespace speclin::lanczos {

DeviceLanczosFactorization::DeviceLanczosFactorization(std::size_t n, std::size_t basis, std::size_t block,
                                                       std::size_t buffer_cols, std::uint64_t seed)
    : LanczosFactorization(basis, block), n_(n), b_(block), orth_(n, seed, nullptr) {
  const std::size_t w = std::max(buffer_cols, block);
  X_.assign(n * w, 0.0);
  Y_.assign(n * w, 0.0);
  // Every step of a full cycle: at most basis / block + 1 steps, each at most (basis + 2 block) x block.
  coef_.assign((basis / block + 1) * (basis + 2 * block) * block, 0.0);
}

void DeviceLanczosFactorization::lock_known(const double* U, std::size_t c) {
  known_.assign(U, U + n_ * c);
  known_cols_ = c;
  proj_.lock_known(c);
}

// The start block in float64 on the host, as the host factorization forms it, orthogonal to the
// known eigenvectors; the next Extend stores it on the device.
void DeviceLanczosFactorization::start(const double* v0, std::size_t v0_cols) {
  Basis v;
  v.V = known_.data();
  v.n = n_;
  v.ld = known_cols_;
  v.cols = known_cols_;
  req_.start.assign(n_ * b_, 0.0);
  orth_.start_block(v, v0, v0_cols, req_.start.data(), b_);
  proj_.open_block();
  req_.column = proj_.columns() - b_;
}

void DeviceLanczosFactorization::plan_steps(std::size_t max_steps) {
  const std::size_t room = (proj_.basis_size() - proj_.columns()) / b_ + 1;
  req_.steps = std::max<std::size_t>(1, std::min(room, max_steps));
}

std::size_t DeviceLanczosFactorization::coefficient_count() const {
  std::size_t count = 0;
  for (std::size_t t = 0; t < req_.steps; ++t) count += (req_.column + (t + 1) * b_) * b_ + b_ * b_;
  return count;
}

void DeviceLanczosFactorization::extend() {
  // The request's start block and restart are on the device now.
  req_.start.clear();
  req_.restart = false;
  req_.restart_lock.clear();
  req_.restart_keep.clear();
  const double* c = coef_.data();
  for (std::size_t t = 0; t < req_.steps; ++t) {
    if (t > 0) proj_.advance();  // the last step's residual block was this step's block
    const std::size_t j = proj_.columns();
    proj_.set_column_block(c, false, false);
    proj_.set_residual_coupling(c + j * b_);
    c += j * b_ + b_ * b_;
  }
  proj_.analyze();
}

void DeviceLanczosFactorization::advance() {
  proj_.advance();
  req_.column = proj_.columns() - b_;
}

void DeviceLanczosFactorization::ritz_vectors(const std::vector<std::size_t>& sel, double* out) {
  (void)out;  // the Verify reply fills it
  req_.ritz_first = proj_.locked();
  req_.ritz_active = proj_.active();
  req_.ritz = proj_.ritz_columns(sel);
}

void DeviceLanczosFactorization::restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
                                         const std::vector<std::size_t>& keep) {
  (void)X;
  (void)xcols;  // the Ritz block of the last Verify is still on the device
  req_.restart = true;
  req_.restart_first = proj_.locked();
  req_.restart_active = proj_.active();
  req_.restart_residual = proj_.columns();
  req_.restart_lock = lock_cols;
  req_.restart_keep = proj_.ritz_columns(keep);
  req_.restart_kept = keep.size();
  proj_.restart(lock_cols.size(), keep);
  req_.column = proj_.columns() - b_;
}

}  // namespace speclin::lanczos
