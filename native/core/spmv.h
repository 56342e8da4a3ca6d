// Sparse times dense: Y = diag(row_scale) A X for a CSR matrix A and a row-major block X of
// `columns` columns. Multithreaded over rows, partitioned by stored entries so that a few heavy
// rows do not leave threads idle. With columns > 1 the matrix is read once for all columns.
// Each row's sums accumulate in float64 whatever the storage type, and the result is rounded
// once to TY. Deterministic: every output element is computed by one thread in a fixed order.
#pragma once
#include <cstddef>

#include "csr.h"

namespace speclin {

// X is a.cols x columns, Y is a.rows x columns (not aliased). row_scale may be null (no scaling).
template <typename TA, typename TX, typename TY>
void csr_multiply(const Csr<TA>& a, const TX* X, TY* Y, std::size_t columns, const double* row_scale);

}  // namespace speclin
