// The distributed eigsh's dense path, as the single-process eigsh has one (native/core/
// eigsh_dense.h) for small n: Ā's rows are formed by one product with the identity (each rank its
// rows, the halo as for any product), gathered on every rank by one MPI_Allgatherv, and every
// eigenpair of the n x n matrix is computed redundantly on each rank by the core's dense solver.
// Every rank then holds the same matrix, so the same eigenvalues and eigenvectors to the bit; it
// keeps its rows of the vectors. n x n doubles per rank: refused above kDistributedDenseLimit.
#pragma once
#include <cstddef>

#include "block_lanczos.h"
#include "distributed_graph.h"

namespace speclin::mpi {

// 128 MiB of doubles per rank; the single-process eigsh's 'auto' switches at n = 256.
constexpr std::size_t kDistributedDenseLimit = 4096;

// Collective. k in 1..n; n <= kDistributedDenseLimit (std::invalid_argument otherwise). `converged`
// counts the pairs whose residual is at most tol.
BlockLanczosResult dense_eigsh(const DistributedGraph& graph, std::size_t k, double tol);

}  // namespace speclin::mpi
