#include "csr.h"

#include <algorithm>
#include <numeric>

#include "thread_pool.h"

namespace speclin {

template <typename T>
Csr<T> csr_from_coo(std::size_t rows, std::size_t cols, const CooView& coo) {
  // Counting sort by row (stable), then each row sorted by column and its duplicates summed.
  std::vector<std::int64_t> start(rows + 1, 0);
  for (std::size_t k = 0; k < coo.count; ++k) ++start[static_cast<std::size_t>(coo.row[k]) + 1];
  for (std::size_t r = 0; r < rows; ++r) start[r + 1] += start[r];
  std::vector<std::int32_t> col(coo.count);
  std::vector<double> val(coo.count);
  {
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    for (std::size_t k = 0; k < coo.count; ++k) {
      std::int64_t at = next[static_cast<std::size_t>(coo.row[k])]++;
      col[at] = coo.col[k];
      val[at] = coo.weight(k);
    }
  }
  // Per-row sort and merge, in place; count[r] = unique nonzero entries of row r.
  std::vector<std::int64_t> count(rows, 0);
  parallel_for(0, rows, 1024, [&](std::size_t lo, std::size_t hi) {
    std::vector<std::pair<std::int32_t, double>> tmp;
    for (std::size_t r = lo; r < hi; ++r) {
      std::int64_t b = start[r], e = start[r + 1];
      if (e - b > 1) {
        bool sorted = true;
        for (std::int64_t p = b + 1; p < e; ++p)
          if (col[p] <= col[p - 1]) { sorted = false; break; }
        if (!sorted) {
          tmp.resize(static_cast<std::size_t>(e - b));
          for (std::int64_t p = b; p < e; ++p) tmp[p - b] = {col[p], val[p]};
          // stable: duplicates are summed in input order, so the result does not depend on the
          // sort's internals
          std::stable_sort(tmp.begin(), tmp.end(),
                           [](const auto& x, const auto& y) { return x.first < y.first; });
          for (std::int64_t p = b; p < e; ++p) { col[p] = tmp[p - b].first; val[p] = tmp[p - b].second; }
        }
      }
      std::int64_t out = b;
      for (std::int64_t p = b; p < e;) {
        std::int32_t c = col[p];
        double s = 0;
        for (; p < e && col[p] == c; ++p) s += val[p];
        if (s != 0) { col[out] = c; val[out] = s; ++out; }
      }
      count[r] = out - b;
    }
  });
  Csr<T> a;
  a.rows = rows;
  a.cols = cols;
  a.indptr.assign(rows + 1, 0);
  for (std::size_t r = 0; r < rows; ++r) a.indptr[r + 1] = a.indptr[r] + count[r];
  std::size_t nnz = static_cast<std::size_t>(a.indptr[rows]);
  a.indices.resize(nnz);
  a.values.resize(nnz);
  parallel_for(0, rows, 4096, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t r = lo; r < hi; ++r) {
      std::int64_t src = start[r], dst = a.indptr[r];
      for (std::int64_t q = 0; q < count[r]; ++q) {
        a.indices[dst + q] = col[src + q];
        a.values[dst + q] = static_cast<T>(val[src + q]);
      }
    }
  });
  return a;
}

template <typename T>
Csr<T> csr_transpose(const Csr<T>& a) {
  Csr<T> t;
  t.rows = a.cols;
  t.cols = a.rows;
  t.indptr.assign(a.cols + 1, 0);
  std::size_t nnz = a.nnz();
  for (std::size_t p = 0; p < nnz; ++p) ++t.indptr[static_cast<std::size_t>(a.indices[p]) + 1];
  for (std::size_t c = 0; c < a.cols; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(nnz);
  t.values.resize(nnz);
  std::vector<std::int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  // Rows of `a` visited in order, so each row of the transpose comes out sorted.
  for (std::size_t r = 0; r < a.rows; ++r)
    for (std::int64_t p = a.indptr[r]; p < a.indptr[r + 1]; ++p) {
      std::int64_t at = next[static_cast<std::size_t>(a.indices[p])]++;
      t.indices[at] = static_cast<std::int32_t>(r);
      t.values[at] = a.values[p];
    }
  return t;
}

template <typename T>
std::vector<std::size_t> balanced_row_partition(const Csr<T>& a, std::size_t parts) {
  parts = std::max<std::size_t>(parts, 1);
  std::vector<std::size_t> bounds(parts + 1, a.rows);
  bounds[0] = 0;
  // cost(r) = indptr[r] + r: entries plus one per row before r; monotone, so binary search.
  double total = static_cast<double>(a.indptr[a.rows]) + static_cast<double>(a.rows);
  for (std::size_t p = 1; p < parts; ++p) {
    double target = total * static_cast<double>(p) / static_cast<double>(parts);
    std::size_t lo = bounds[p - 1], hi = a.rows;
    while (lo < hi) {
      std::size_t mid = lo + (hi - lo) / 2;
      if (static_cast<double>(a.indptr[mid]) + static_cast<double>(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    bounds[p] = lo;
  }
  return bounds;
}

template <typename T>
void compact_values(Csr<T>& a) {
  if (sizeof(T) == sizeof(float) || a.values.empty()) return;
  for (T v : a.values)
    if (static_cast<T>(static_cast<float>(v)) != v) return;
  a.values32.assign(a.values.begin(), a.values.end());
  std::vector<T>().swap(a.values);
}

template void compact_values<float>(Csr<float>&);
template void compact_values<double>(Csr<double>&);
template Csr<float> csr_from_coo<float>(std::size_t, std::size_t, const CooView&);
template Csr<double> csr_from_coo<double>(std::size_t, std::size_t, const CooView&);
template Csr<float> csr_transpose<float>(const Csr<float>&);
template Csr<double> csr_transpose<double>(const Csr<double>&);
template std::vector<std::size_t> balanced_row_partition<float>(const Csr<float>&, std::size_t);
template std::vector<std::size_t> balanced_row_partition<double>(const Csr<double>&, std::size_t);

}  // namespace speclin
