// The k algebraically largest eigenpairs of a symmetric operator: block Lanczos with thick
// restart, locking of converged pairs, convergence by the true residual; small problems go to the
// dense solver. Built from parts (docs/eigs.md): eigsh_options (the plan), lanczos_factorization
// (basis and projected matrix), lanczos_orthogonalizer, lanczos_restart (what to lock and keep),
// eigsh_dense; this file is the driver.
//
// The solver is written for reverse communication (ARPACK's style): it never calls the operator
// itself but asks its driver for products, so one algorithm serves native operators (driven in
// C++ on a worker thread, `eigsh` below), JavaScript callbacks (driven from the main thread) and,
// with its basis on a device (EigshOptions::device_basis), the WebGPU backend.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "eigsh_profile.h"
#include "operator.h"

namespace speclin {

struct EigshOptions {
  std::size_t k = 1;
  // Convergence: ||A v - lambda v|| <= tol * norm, norm = norm_bound if > 0, else the largest
  // |Ritz value| seen (a lower bound of ||A||, as ARPACK uses).
  double tol = 1e-8;
  // Block Lanczos steps (one block product each) before giving up.
  std::size_t max_iterations = 10000;
  std::size_t block_size = 0;  // 0: automatic
  std::size_t basis_size = 0;  // 0: automatic; at least k + 2 * block_size
  std::uint64_t seed = 0;
  std::vector<double> v0;  // warm start, n x v0_cols row-major (empty: random)
  std::size_t v0_cols = 0;
  std::vector<double> deflate;  // known eigenvectors, n x deflate_cols row-major
  std::size_t deflate_cols = 0;
  double norm_bound = 0;
  enum class Method { Auto, Lanczos, Dense } method = Method::Auto;
  // How a new block is projected against the basis (docs/eigs.md): Lagged reads the basis once a
  // step, TwoPass twice (classical Gram-Schmidt with a conditional second pass).
  enum class Projection { Lagged, TwoPass } projection = Projection::Lagged;
  // The basis lives on a device (a GPU): the driver keeps it and answers the solver's requests for
  // the basis operations (EigshDeviceRequest below), the solver keeps T, the restarts and locking.
  bool device_basis = false;
};

// What the solver asks of its driver. With a host basis every request is a product: output() =
// A input(). With a device basis (EigshOptions::device_basis) the kinds differ:
//   Product  output() = A input() (the dense path's identity), n x columns().
//   Lock     the same, and input()'s columns (known eigenvectors, orthonormal) become the basis
//            columns [0, columns()) on the device.
//   Extend   first the request's restart and start block, if any; then `steps` block steps, the
//            first from c = column: y = A x for x = basis columns [c, c + b), coef = V[:, 0 : c +
//            b]^T y, the residual y - V coef orthonormalized (residual = next R, R upper
//            triangular b x b) and stored as columns [c + b, c + 2b), the next step's block. Reply
//            in device_coefficients(), step after step: coef ((c + b) x b, row-major), then R (b
//            x b). A device runs the steps without a round trip; the solver analyzes after the
//            last (steps run until the basis is full, or maxIterations).
//   Verify   input() = V[:, ritz_first : ritz_first + ritz_active] ritz (n x columns(), the Ritz
//            vectors; kept on the device until the next restart) and output() = A input().
//   Collect  first the request's restart, if any; then output() = the basis columns [0, columns()).
enum class EigshRequestKind { Product, Lock, Extend, Verify, Collect };

struct EigshDeviceRequest {
  // A thick restart of the device basis: columns restart_first, ... become the Ritz block's
  // columns restart_lock (of the last Verify), then V[:, restart_first : restart_first +
  // restart_active] restart_keep (restart_active x kk, row-major); the residual block, columns
  // [restart_residual, restart_residual + b), moves right after them.
  bool restart = false;
  std::size_t restart_first = 0, restart_active = 0, restart_residual = 0;
  std::vector<std::size_t> restart_lock;
  std::vector<double> restart_keep;
  std::size_t restart_kept = 0;
  // Extend: the first block to multiply, and how many steps; `start` (n x b, when not empty) is
  // stored there first.
  std::size_t column = 0, steps = 1;
  std::vector<double> start;
  // Verify: the Ritz coefficients (ritz_active x columns(), row-major).
  std::size_t ritz_first = 0, ritz_active = 0;
  std::vector<double> ritz;
};

enum class EigshStatus { Converged, NotConverged, Aborted };

struct EigshResult {
  EigshStatus status = EigshStatus::NotConverged;
  std::size_t n = 0;
  std::size_t count = 0;            // pairs returned: k when converged, fewer otherwise
  std::vector<double> values;       // descending
  std::vector<double> vectors;      // n x count, row-major
  std::vector<double> residuals;    // true residuals ||A v - lambda v||
  std::size_t matvecs = 0;          // operator columns applied
  std::size_t iterations = 0;       // block Lanczos steps (1 for the dense path)
  double norm = 0;                  // the norm the tolerance was relative to
  double max_residual = 0;          // the last progress report's
  std::size_t block_size = 0, basis_size = 0;
  bool dense = false;
  EigshProfile profile;  // filled by the driver that passed a profile to the solver (eigsh below)
};

// Largest problem the automatic choice sends to the dense solver.
constexpr std::size_t kDenseLimit = 256;

class EigshSolver {
 public:
  // Validates the options (std::invalid_argument naming the option). profile (may be null): where
  // the Lanczos parts add their phase times and basis traffic while the solver runs; the solver
  // keeps no trace of its own, and result() leaves EigshResult::profile to the caller.
  EigshSolver(std::size_t n, EigshOptions options, EigshProfile* profile = nullptr);
  ~EigshSolver();
  EigshSolver(const EigshSolver&) = delete;
  EigshSolver& operator=(const EigshSolver&) = delete;

  // Advances until the solver needs a product. true: set output() = A input() (both n x
  // columns(), row-major) and call step() again. false: finished, see result().
  bool step();
  const double* input() const;
  double* input();
  double* output();
  std::size_t columns() const;
  EigshRequestKind kind() const;
  // With a device basis: the request's details (null for a host basis), and where an Extend's
  // reply goes.
  const EigshDeviceRequest* device_request() const;
  double* device_coefficients();
  std::size_t device_coefficient_count() const;  // the Extend reply's length
  std::size_t block_size() const;
  std::size_t basis_size() const;  // the Lanczos basis' columns (0 on the dense path)

  std::size_t n() const;
  std::size_t iterations() const;
  std::size_t converged() const;
  double max_residual() const;  // over the wanted pairs, estimates for the unconverged ones
  bool finished() const;
  // The converged pairs (all k, or the partial set when stopped early). `aborted` marks it.
  EigshResult result(bool aborted = false) const;

 private:
  struct State;
  State* s_;
};

using EigshProgress = std::function<void(std::size_t iteration, std::size_t converged, double max_residual)>;

// Drives an EigshSolver with a native operator. `abort` (may be null) is polled between products;
// `progress` (may be empty) is called after each block step.
EigshResult eigsh(const SymmetricOperator& op, const EigshOptions& options,
                  const EigshProgress& progress = {}, const std::atomic<bool>* abort = nullptr);

// A dense symmetric matrix as an operator (row-major n x n, copied).
class DenseSymmetricOperator : public SymmetricOperator {
 public:
  DenseSymmetricOperator(std::size_t n, const double* A);
  std::size_t size() const override { return n_; }
  void multiply(const double* X, double* Y, std::size_t columns) const override;

 private:
  std::size_t n_;
  std::vector<double> a_;
};

}  // namespace speclin
