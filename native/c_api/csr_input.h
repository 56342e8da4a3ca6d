// CSR arrays handed in by a C caller, checked entry by entry (so that a message can name the bad
// one) and viewed as the coordinate list the core's graph builders take. Graphs (rows = cols = n)
// and bipartite graphs (rows = nLeft, cols = nRight) share it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/csr.h"

namespace speclin::c_api {

struct CsrInput {
  CooView coo;                    // points into the caller's arrays and `rows`
  std::vector<std::int32_t> rows;  // the row index of each entry, expanded from indptr
};

// Checks indptr (rows + 1 nondecreasing entries from 0), indices (in [0, cols)) and values
// (finite, >= 0; NULL: all ones); std::invalid_argument("fn: ...") otherwise.
template <typename T>
CsrInput checked_csr(const char* fn, std::size_t rows, std::size_t cols, const std::int64_t* indptr,
                     const std::int32_t* indices, const T* values);

}  // namespace speclin::c_api
