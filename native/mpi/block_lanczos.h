// Thick-restart block Lanczos for the largest eigenvalues of a symmetric operator whose vectors are
// row-distributed: each process holds `local_rows` rows of every vector, the product is collective,
// and every inner product goes through `sum_across` (an allreduce). The basis is orthogonalized in
// full, by block classical Gram-Schmidt with one reduction per pass (each carries the block's Gram
// matrix too), a second pass only where the first removed more than half of a column's squared
// norm (DGKS, as SLEPc refines), and the block is normalized by SVQB (the
// eigen-decomposition of its Gram matrix). The projected problem is assembled from those reduced
// numbers, so it is identical on every process, and is solved redundantly on each.
//
// It knows nothing of MPI: `multiply` and `sum_across` are the caller's. It stands apart from
// native/core/eigsh.cc (one process, whose orthogonalizer and restart policy are its own) so that
// the distributed path could be added without touching that solver; the two could share the
// restart policy once the core exposes a reduction hook.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace speclin::mpi {

struct BlockLanczosOptions {
  std::size_t k = 1;
  std::size_t block = 0;        // 0: min(k, 4)
  std::size_t basis = 0;        // columns before a restart; 0: a default from k and block
  double tol = 1e-8;            // on ||A x - θ x|| (||A|| <= 1 for a normalized adjacency)
  std::size_t max_restarts = 300;
  std::uint64_t seed = 1;
};

struct BlockLanczosResult {
  std::vector<double> values;     // k, descending
  std::vector<double> vectors;    // local_rows x k, row-major
  std::vector<double> residuals;  // ||A x_i - θ_i x_i||, computed from one last product
  std::size_t matvecs = 0, restarts = 0, converged = 0, reductions = 0;
};

// The basis size the solver uses (options.basis, else a default from k and the block, at most n),
// and whether it holds k + 2 blocks, which the thick restart needs.
std::size_t lanczos_basis_size(std::size_t n, const BlockLanczosOptions& options);
bool lanczos_fits(std::size_t n, const BlockLanczosOptions& options);

using DistributedMultiply = std::function<void(const double* X, double* Y, std::size_t columns)>;
using SumAcross = std::function<void(double* values, std::size_t count)>;

// n is the global size; first_row this process's first global row (the start block is a function
// of the global row, so a seed gives the same start on any number of processes).
BlockLanczosResult block_lanczos(std::size_t n, std::size_t local_rows, std::int64_t first_row,
                                 const DistributedMultiply& multiply, const SumAcross& sum_across,
                                 const BlockLanczosOptions& options);

}  // namespace speclin::mpi
