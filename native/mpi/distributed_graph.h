// A graph's normalized adjacency Ā = D^{-1/2} A D^{-1/2}, row-partitioned over the ranks of
// MPI_COMM_WORLD: rank r owns the rows [offsets[r], offsets[r+1]) (consecutive rows holding about
// 1/P of the stored entries each), stores them
// as CSR with columns renumbered (owned columns first, then the halo: the other ranks' columns its
// rows touch), and knows which of its entries each neighbour needs. A product exchanges only those
// entries (Isend/Irecv), and computes the rows that touch no halo column while they travel.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "csr.h"

namespace speclin::mpi {

class DistributedGraph {
 public:
  // Collective. Each rank passes any subset of the entries (src, dst, weight), global ids in [0, n);
  // they are sent to the owners of their rows, where repeated entries are summed. With symmetrize,
  // each entry (u, v), u != v, also adds (v, u). Every node needs a positive degree.
  static DistributedGraph from_edges(std::int64_t n, const std::int32_t* src, const std::int32_t* dst,
                                     const double* weight, std::size_t count, bool symmetrize);

  std::int64_t n() const { return n_; }
  std::int64_t first_row() const { return offsets_[rank_]; }
  std::size_t local_rows() const { return static_cast<std::size_t>(offsets_[rank_ + 1] - offsets_[rank_]); }
  std::int64_t global_nnz() const { return global_nnz_; }
  std::size_t local_nnz() const { return local_nnz_; }
  std::size_t halo_size() const { return halo_global_.size(); }
  // Entries this rank sends per product of one column (the sum over neighbours), and the number
  // of neighbours it exchanges with.
  std::size_t send_count() const { return send_index_.size(); }
  std::size_t neighbours() const { return send_ranks_.size() + recv_ranks_.size(); }
  const std::vector<double>& degrees() const { return degree_; }
  double total_weight() const { return total_weight_; }

  // Y = Ā X for this rank's rows: X and Y local_rows() x columns, row-major. Collective.
  void multiply(const double* X, double* Y, std::size_t columns) const;

 private:
  int rank_ = 0, size_ = 1;
  std::int64_t n_ = 0, global_nnz_ = 0;
  std::vector<std::int64_t> offsets_;
  std::size_t local_nnz_ = 0;
  std::vector<double> degree_, inv_sqrt_degree_;
  double total_weight_ = 0;
  std::vector<std::int64_t> halo_global_;  // halo slot -> global column, grouped by owner
  std::vector<int> recv_ranks_, recv_counts_, recv_offsets_;  // per neighbour we receive from
  std::vector<int> send_ranks_, send_counts_, send_offsets_;  // per neighbour we send to
  std::vector<std::int32_t> send_index_;                      // owned rows to send, by neighbour
  // The owned rows in two CSR blocks for the core's SpMV kernel: those that touch no halo column
  // (computed while the halo travels) and the others. Columns < local_rows() are owned, the rest
  // local_rows() + halo slot. Row j of a block is owned row interior_rows_[j] / boundary_rows_[j].
  Csr<double> interior_, boundary_;
  std::vector<std::int32_t> interior_rows_, boundary_rows_;
  std::vector<double> interior_scale_, boundary_scale_;  // D^{-1/2} of those rows
};

}  // namespace speclin::mpi
