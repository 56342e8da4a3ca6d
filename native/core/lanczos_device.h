// The factorization of a basis kept on a device (a GPU): the projected matrix, the restart
// arithmetic and the start block stay here, in float64; every operation on n-row data is
// described in an EigshDeviceRequest for the driver, which answers it on the device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eigsh.h"
#include "lanczos_factorization.h"

namespace speclin::lanczos {

class DeviceLanczosFactorization final : public LanczosFactorization {
 public:
  // buffer_cols: the widest request (k candidates, the deflation block, the collected columns).
  DeviceLanczosFactorization(std::size_t n, std::size_t basis, std::size_t block, std::size_t buffer_cols,
                             std::uint64_t seed);

  double* input() override { return X_.data(); }
  double* output() override { return Y_.data(); }
  void lock_known(const double* U, std::size_t c) override;
  void start(const double* v0, std::size_t v0_cols) override;
  void extend() override;
  void advance() override;
  void settle() override {}
  void ritz_vectors(const std::vector<std::size_t>& sel, double* out) override;
  void restart(const double* X, std::size_t xcols, const std::vector<std::size_t>& lock_cols,
               const std::vector<std::size_t>& keep) override;
  const double* column(std::size_t q) const override { return Y_.data() + q; }
  std::size_t column_stride() const override { return collected_; }

  const EigshDeviceRequest& request() const { return req_; }
  // The next Extend runs as many block steps as the basis has room for, at most max_steps.
  void plan_steps(std::size_t max_steps);
  // The Extend reply: per step the coefficients, then R.
  double* coefficients() { return coef_.data(); }
  std::size_t coefficient_count() const;
  // A Collect of `cols` columns was answered into output().
  void collected(std::size_t cols) { collected_ = cols; }

 private:
  std::size_t n_, b_;
  BlockOrthogonalizer orth_;  // forms the start block
  std::vector<double> X_, Y_, coef_, known_;
  std::size_t known_cols_ = 0, collected_ = 0;
  EigshDeviceRequest req_;
};

}  // namespace speclin::lanczos
