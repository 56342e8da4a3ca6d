// Compressed sparse rows: the storage of every graph in the core. Column indices are int32 (a
// graph has fewer than 2^31 nodes; half the bytes of int64 on the bandwidth-bound SpMV path),
// row pointers int64 (a graph may have more than 2^31 stored entries).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace speclin {

template <typename T>
struct Csr {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::int64_t> indptr;   // rows + 1
  std::vector<std::int32_t> indices;  // nnz, sorted and unique within each row
  std::vector<T> values;              // nnz

  std::size_t nnz() const { return indices.size(); }
  std::size_t bytes() const {
    return indptr.size() * sizeof(std::int64_t) + indices.size() * sizeof(std::int32_t) +
           values.size() * sizeof(T);
  }
};

// One stored entry of a coordinate list, before sorting.
struct CooView {
  std::size_t count = 0;
  const std::int32_t* row = nullptr;
  const std::int32_t* col = nullptr;
  // weights: exactly one of these is set, or neither (all ones)
  const float* w32 = nullptr;
  const double* w64 = nullptr;
  double weight(std::size_t k) const { return w64 ? w64[k] : w32 ? double(w32[k]) : 1.0; }
};

// Rows sorted by column, duplicates summed (in float64, then rounded once to T), zero entries
// dropped. Indices must already be in range (the caller validates them to name the bad entry).
template <typename T>
Csr<T> csr_from_coo(std::size_t rows, std::size_t cols, const CooView& coo);

// The transpose, rows sorted.
template <typename T>
Csr<T> csr_transpose(const Csr<T>& a);

// Splits rows [0, rows) into `parts` contiguous ranges holding about the same number of stored
// entries (plus one unit per row, so that empty rows still cost something). Returns parts + 1
// boundaries.
template <typename T>
std::vector<std::size_t> balanced_row_partition(const Csr<T>& a, std::size_t parts);

}  // namespace speclin
