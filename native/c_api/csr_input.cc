// CSR arrays from a C caller, checked (csr_input.h).
#include "csr_input.h"

#include <cmath>
#include <limits>
#include <string>

#include "guard.h"

namespace speclin::c_api {

template <typename T>
CsrInput checked_csr(const char* fn, std::size_t rows, std::size_t cols, const std::int64_t* indptr,
                     const std::int32_t* indices, const T* values) {
  const std::size_t limit = std::size_t(std::numeric_limits<std::int32_t>::max());
  require(rows <= limit && cols <= limit, fn, "the graph's dimensions must be below 2^31");
  require(indptr != nullptr, fn, "indptr is NULL");
  require(indptr[0] == 0, fn, "indptr[0] must be 0, got " + std::to_string(indptr[0]));
  for (std::size_t r = 0; r < rows; ++r)
    require(indptr[r + 1] >= indptr[r], fn, "indptr must be nondecreasing: indptr[" + std::to_string(r + 1) + "] = " +
                                                 std::to_string(indptr[r + 1]) + " < indptr[" + std::to_string(r) +
                                                 "] = " + std::to_string(indptr[r]));
  const std::size_t nnz = std::size_t(indptr[rows]);
  require_data(indices, nnz, fn, "indices");
  const std::string bound = rows == cols ? "n = " + std::to_string(cols) : "n_right = " + std::to_string(cols);
  for (std::size_t p = 0; p < nnz; ++p)
    require(indices[p] >= 0 && std::size_t(indices[p]) < cols, fn,
            "indices[" + std::to_string(p) + "] = " + std::to_string(indices[p]) + " is not in [0, " + bound + ")");
  if (values)
    for (std::size_t p = 0; p < nnz; ++p)
      require(std::isfinite(double(values[p])) && values[p] >= 0, fn,
              "values[" + std::to_string(p) + "] = " + std::to_string(double(values[p])) + " must be finite and >= 0");
  CsrInput in;
  in.rows.resize(nnz);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::int64_t p = indptr[r]; p < indptr[r + 1]; ++p) in.rows[std::size_t(p)] = std::int32_t(r);
  in.coo.count = nnz;
  in.coo.row = in.rows.data();
  in.coo.col = indices;
  if constexpr (sizeof(T) == 4) in.coo.w32 = values; else in.coo.w64 = values;
  return in;
}

template CsrInput checked_csr<float>(const char*, std::size_t, std::size_t, const std::int64_t*, const std::int32_t*, const float*);
template CsrInput checked_csr<double>(const char*, std::size_t, std::size_t, const std::int64_t*, const std::int32_t*, const double*);

}  // namespace speclin::c_api
