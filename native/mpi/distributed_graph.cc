#include "distributed_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

#include "mpi_check.h"
#include "spmv.h"

namespace speclin::mpi {

namespace {

struct Entry {
  std::int64_t row, col;
  double weight;
};

int owner_of(const std::vector<std::int64_t>& offsets, std::int64_t row) {
  return static_cast<int>(std::upper_bound(offsets.begin(), offsets.end(), row) - offsets.begin()) - 1;
}

// Alltoallv of POD items: `outgoing[r]` to rank r; returns what every rank sent here.
template <typename T>
std::vector<T> all_to_all(const std::vector<std::vector<T>>& outgoing, int size) {
  std::vector<int> send_counts(size), recv_counts(size), sdispl(size + 1, 0), rdispl(size + 1, 0);
  for (int r = 0; r < size; ++r) {
    if (outgoing[r].size() * sizeof(T) > static_cast<std::size_t>(INT32_MAX))
      throw std::invalid_argument("DistributedGraph: more than 2 GiB of entries for one rank in one exchange; use more ranks");
    send_counts[r] = static_cast<int>(outgoing[r].size() * sizeof(T));
  }
  check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Alltoall");
  std::vector<char> send;
  for (int r = 0; r < size; ++r) {
    sdispl[r + 1] = sdispl[r] + send_counts[r];
    rdispl[r + 1] = rdispl[r] + recv_counts[r];
  }
  send.resize(sdispl[size]);
  for (int r = 0; r < size; ++r)
    if (!outgoing[r].empty()) std::memcpy(send.data() + sdispl[r], outgoing[r].data(), send_counts[r]);
  std::vector<T> received(rdispl[size] / sizeof(T));
  check(MPI_Alltoallv(send.data(), send_counts.data(), sdispl.data(), MPI_BYTE, received.data(), recv_counts.data(),
                      rdispl.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Alltoallv");
  return received;
}

// Row boundaries that give the ranks about equal numbers of stored entries (a power-law graph's
// hub rows would leave equal row counts very uneven): a histogram of the entries' rows over at most
// 65 536 bins of consecutive rows, summed by one allreduce, cut where its running sum crosses
// r / P of the total. Balanced to a bin (n / 65 536 rows); equal row counts where there are no
// entries. Every rank computes the same boundaries from the same summed histogram.
std::vector<std::int64_t> balanced_offsets(std::int64_t n, int P, const std::int32_t* src, const std::int32_t* dst,
                                           std::size_t count, bool symmetrize) {
  const std::int64_t bins = std::min<std::int64_t>(n, 65536);
  auto bin_of = [&](std::int64_t row) { return row * bins / n; };
  auto bin_start = [&](std::int64_t b) { return (b * n + bins - 1) / bins; };  // first row with bin_of == b
  std::vector<double> histogram(bins, 0.0);
  for (std::size_t e = 0; e < count; ++e) {
    histogram[bin_of(src[e])] += 1;
    if (symmetrize && src[e] != dst[e]) histogram[bin_of(dst[e])] += 1;
  }
  check(MPI_Allreduce(MPI_IN_PLACE, histogram.data(), static_cast<int>(bins), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
  double total = 0;
  for (double h : histogram) total += h;
  std::vector<std::int64_t> offsets(P + 1);
  offsets[0] = 0;
  offsets[P] = n;
  if (total == 0) {
    for (int r = 1; r < P; ++r) offsets[r] = n * r / P;
    return offsets;
  }
  double running = 0;
  std::int64_t b = 0;
  for (int r = 1; r < P; ++r) {
    const double target = total * r / P;
    while (b < bins && running + histogram[b] <= target) running += histogram[b++];
    // Cut before bin b unless that bin is more than half past the target.
    std::int64_t cut = b < bins && running + histogram[b] - target < target - running ? b + 1 : b;
    if (cut == b + 1) running += histogram[b++];
    offsets[r] = std::max(offsets[r - 1], std::min<std::int64_t>(n, bin_start(cut)));
  }
  return offsets;
}

}  // namespace

DistributedGraph DistributedGraph::from_edges(std::int64_t n, const std::int32_t* src, const std::int32_t* dst,
                                              const double* weight, std::size_t count, bool symmetrize) {
  DistributedGraph g;
  MPI_Comm_rank(MPI_COMM_WORLD, &g.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &g.size_);
  const int P = g.size_;
  g.n_ = n;
  g.offsets_ = balanced_offsets(n, P, src, dst, count, symmetrize);

  // 1. Every entry to the owner of its row.
  std::vector<std::vector<Entry>> outgoing(P);
  auto route = [&](std::int64_t u, std::int64_t v, double w) { outgoing[owner_of(g.offsets_, u)].push_back({u, v, w}); };
  for (std::size_t e = 0; e < count; ++e) {
    double w = weight ? weight[e] : 1.0;
    route(src[e], dst[e], w);
    if (symmetrize && src[e] != dst[e]) route(dst[e], src[e], w);
  }
  std::vector<Entry> mine = all_to_all(outgoing, P);
  outgoing.clear();
  outgoing.shrink_to_fit();
  std::sort(mine.begin(), mine.end(), [](const Entry& a, const Entry& b) { return a.row != b.row ? a.row < b.row : a.col < b.col; });

  // 2. Local CSR, repeated entries summed; halo columns collected.
  const std::int64_t first = g.offsets_[g.rank_];
  const std::size_t rows = g.local_rows();
  std::vector<std::int64_t> indptr(rows + 1, 0);
  std::vector<std::int64_t> global_cols;
  std::vector<double> values;
  for (std::size_t i = 0; i < mine.size();) {
    std::size_t j = i;
    double w = 0;
    while (j < mine.size() && mine[j].row == mine[i].row && mine[j].col == mine[i].col) w += mine[j++].weight;
    global_cols.push_back(mine[i].col);
    values.push_back(w);
    indptr[mine[i].row - first + 1]++;
    i = j;
  }
  mine.clear();
  mine.shrink_to_fit();
  std::partial_sum(indptr.begin(), indptr.end(), indptr.begin());
  g.local_nnz_ = values.size();
  std::int64_t local_nnz = static_cast<std::int64_t>(values.size());
  check(MPI_Allreduce(&local_nnz, &g.global_nnz_, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");

  // Degrees (row sums) of the owned rows, and the total weight.
  g.degree_.assign(rows, 0.0);
  g.inv_sqrt_degree_.assign(rows, 0.0);
  double local_total = 0;
  std::int64_t isolated = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::int64_t e = indptr[r]; e < indptr[r + 1]; ++e) g.degree_[r] += values[e];
    local_total += g.degree_[r];
    if (g.degree_[r] > 0) g.inv_sqrt_degree_[r] = 1.0 / std::sqrt(g.degree_[r]);
    else isolated++;
  }
  double totals[2] = {local_total, static_cast<double>(isolated)};
  check(MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  g.total_weight_ = totals[0];
  if (totals[1] > 0)
    throw std::invalid_argument("DistributedGraph: " + std::to_string(static_cast<long long>(totals[1])) +
                                " nodes have no edges (degree 0); Ā is undefined there: give every node an edge");

  // 3. The halo: the columns owned elsewhere, grouped by owner (sorted, so by owner then id).
  std::vector<std::int64_t> halo;
  for (std::int64_t c : global_cols)
    if (c < first || c >= g.offsets_[g.rank_ + 1]) halo.push_back(c);
  std::sort(halo.begin(), halo.end());
  halo.erase(std::unique(halo.begin(), halo.end()), halo.end());
  g.halo_global_ = halo;
  std::vector<std::int32_t> cols(global_cols.size());
  for (std::size_t e = 0; e < global_cols.size(); ++e) {
    std::int64_t c = global_cols[e];
    cols[e] = c >= first && c < g.offsets_[g.rank_ + 1]
                     ? static_cast<std::int32_t>(c - first)
                     : static_cast<std::int32_t>(rows + (std::lower_bound(halo.begin(), halo.end(), c) - halo.begin()));
  }
  // Ask each owner for the entries we need; what others ask of us is our send list.
  std::vector<std::vector<std::int64_t>> requests(P);
  for (std::int64_t c : halo) requests[owner_of(g.offsets_, c)].push_back(c);
  int offset = 0;
  for (int r = 0; r < P; ++r)
    if (!requests[r].empty()) {
      g.recv_ranks_.push_back(r);
      g.recv_counts_.push_back(static_cast<int>(requests[r].size()));
      g.recv_offsets_.push_back(offset);
      offset += static_cast<int>(requests[r].size());
    }
  // Who asks what: an alltoall of counts, then of the ids.
  std::vector<int> asked(P), my_counts(P);
  for (int r = 0; r < P; ++r) my_counts[r] = static_cast<int>(requests[r].size());
  check(MPI_Alltoall(my_counts.data(), 1, MPI_INT, asked.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Alltoall");
  std::vector<std::int64_t> wanted = all_to_all(requests, P);
  std::size_t pos = 0;
  for (int r = 0; r < P; ++r) {
    if (asked[r] == 0) continue;
    g.send_ranks_.push_back(r);
    g.send_counts_.push_back(asked[r]);
    g.send_offsets_.push_back(static_cast<int>(g.send_index_.size()));
    for (int i = 0; i < asked[r]; ++i) g.send_index_.push_back(static_cast<std::int32_t>(wanted[pos++] - first));
  }
  // 4. The rows that touch no halo column, and the others, as two CSR blocks (columns sorted
  // within each row, as the core's kernel expects).
  const std::size_t width = rows + halo.size();
  for (Csr<double>* block : {&g.interior_, &g.boundary_}) {
    block->cols = width;
    block->indptr.assign(1, 0);
  }
  std::vector<std::pair<std::int32_t, double>> row;
  for (std::size_t r = 0; r < rows; ++r) {
    row.clear();
    bool boundary = false;
    for (std::int64_t e = indptr[r]; e < indptr[r + 1]; ++e) {
      row.emplace_back(cols[e], values[e]);
      boundary = boundary || cols[e] >= static_cast<std::int32_t>(rows);
    }
    std::sort(row.begin(), row.end());
    Csr<double>& block = boundary ? g.boundary_ : g.interior_;
    for (auto& [c, v] : row) {
      block.indices.push_back(c);
      block.values.push_back(v);
    }
    block.indptr.push_back(static_cast<std::int64_t>(block.indices.size()));
    block.rows++;
    (boundary ? g.boundary_rows_ : g.interior_rows_).push_back(static_cast<std::int32_t>(r));
    (boundary ? g.boundary_scale_ : g.interior_scale_).push_back(g.inv_sqrt_degree_[r]);
  }
  compact_values(g.interior_);
  compact_values(g.boundary_);
  return g;
}

void DistributedGraph::multiply(const double* X, double* Y, std::size_t columns) const {
  const std::size_t rows = local_rows();
  // u = D^{-1/2} x for the owned rows, then the halo's part of u after them.
  std::vector<double> u((rows + halo_global_.size()) * columns);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c) u[r * columns + c] = inv_sqrt_degree_[r] * X[r * columns + c];
  std::vector<double> sendbuf(send_index_.size() * columns);
  for (std::size_t i = 0; i < send_index_.size(); ++i)
    std::copy_n(&u[static_cast<std::size_t>(send_index_[i]) * columns], columns, &sendbuf[i * columns]);
  std::vector<MPI_Request> requests;
  requests.reserve(recv_ranks_.size() + send_ranks_.size());
  const int tag = 17;
  for (std::size_t i = 0; i < recv_ranks_.size(); ++i) {
    requests.emplace_back();
    check(MPI_Irecv(&u[(rows + recv_offsets_[i]) * columns], static_cast<int>(recv_counts_[i] * columns), MPI_DOUBLE,
                    recv_ranks_[i], tag, MPI_COMM_WORLD, &requests.back()),
          "MPI_Irecv");
  }
  for (std::size_t i = 0; i < send_ranks_.size(); ++i) {
    requests.emplace_back();
    check(MPI_Isend(&sendbuf[send_offsets_[i] * columns], static_cast<int>(send_counts_[i] * columns), MPI_DOUBLE,
                    send_ranks_[i], tag, MPI_COMM_WORLD, &requests.back()),
          "MPI_Isend");
  }
  // The interior rows while the messages travel, then the rows that need them; each block's
  // product is the core's kernel (scaled by D^{-1/2} of its rows), then placed into Y.
  auto block_product = [&](const Csr<double>& block, const std::vector<std::int32_t>& rows_of,
                           const std::vector<double>& scale) {
    if (block.rows == 0) return;
    std::vector<double> out(block.rows * columns);
    csr_multiply<double, double, double>(block, u.data(), out.data(), columns, scale.data());
    for (std::size_t j = 0; j < block.rows; ++j)
      std::copy_n(&out[j * columns], columns, Y + static_cast<std::size_t>(rows_of[j]) * columns);
  };
  block_product(interior_, interior_rows_, interior_scale_);
  if (!requests.empty())
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  block_product(boundary_, boundary_rows_, boundary_scale_);
}

}  // namespace speclin::mpi
