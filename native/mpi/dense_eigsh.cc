#include "dense_eigsh.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "eigsh_dense.h"
#include "mpi_check.h"

namespace speclin::mpi {

BlockLanczosResult dense_eigsh(const DistributedGraph& graph, std::size_t k, double tol) {
  const std::size_t n = static_cast<std::size_t>(graph.n());
  if (n > kDistributedDenseLimit)
    throw std::invalid_argument("eigsh: the dense method gathers Ā (n x n) on every rank; n = " + std::to_string(n) +
                                " is above " + std::to_string(kDistributedDenseLimit) + ": use method 'lanczos'");
  if (k == 0 || k > n) throw std::invalid_argument("eigsh: k must be in 1..n");
  const std::size_t rows = graph.local_rows();
  const std::size_t first = static_cast<std::size_t>(graph.first_row());
  // This rank's rows of Ā I.
  std::vector<double> identity(rows * n, 0.0), mine(rows * n);
  for (std::size_t i = 0; i < rows; ++i) identity[i * n + first + i] = 1.0;
  graph.multiply(identity.data(), mine.data(), n);
  identity = {};
  // Every rank's rows, in rank order (the ranks' row ranges are consecutive).
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int count = static_cast<int>(rows * n);
  std::vector<int> counts(size), displacements(size + 1, 0);
  check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  for (int r = 0; r < size; ++r) displacements[r + 1] = displacements[r] + counts[r];
  std::vector<double> full(n * n);
  check(MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, full.data(), counts.data(), displacements.data(), MPI_DOUBLE,
                       MPI_COMM_WORLD),
        "MPI_Allgatherv");
  // ||Ā|| = 1: the norm bound (the tolerance is not used without deflated columns).
  DenseEigshOutcome d = solve_dense(n, k, full.data(), nullptr, 0, 0.0, 1.0);
  BlockLanczosResult r;
  r.values = d.values;
  r.residuals = d.residuals;
  r.vectors.assign(d.vectors.begin() + first * k, d.vectors.begin() + (first + rows) * k);
  r.matvecs = n;
  for (double x : r.residuals) r.converged += x <= tol;
  r.reductions = 2;  // the two gathers
  return r;
}

}  // namespace speclin::mpi
