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
  std::vector<T> values;              // nnz, unless compact
  // A float64 matrix whose every value is exactly a float32 (unweighted graphs, integer counts,
  // most real weights files) keeps them here instead, and `values` is empty: a third fewer bytes
  // per entry on the bandwidth-bound products, with bit-identical results since each value
  // widens back exactly. Set last, by compact_values, after construction has read `values`.
  std::vector<float> values32;

  std::size_t nnz() const { return indices.size(); }
  bool compact() const { return values.empty() && !values32.empty(); }
  double value(std::size_t p) const { return compact() ? double(values32[p]) : double(values[p]); }
  std::size_t bytes() const {
    return indptr.size() * sizeof(std::int64_t) + indices.size() * sizeof(std::int32_t) +
           values.size() * sizeof(T) + values32.size() * sizeof(float);
  }
};

// Moves a float64 matrix's values into values32 when that loses nothing; no-op otherwise (and
// for float32 matrices).
template <typename T>
void compact_values(Csr<T>& a);

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
