// The contract between spmv.cc and its x86 kernels for one right-hand side (spmv_avx2.cc,
// spmv_avx512.cc): a kernel writes out[r - lo] = sum over row r's entries p of v[p] * x[ix[p]],
// accumulated in float64, for the rows [lo, hi) of a CSR matrix with row pointers ip.
#pragma once
#include <cstddef>
#include <cstdint>

namespace speclin::spmv_detail {

template <typename TV, typename TX>
using RowDots = void (*)(const std::int64_t* ip, const std::int32_t* ix, const TV* v, const TX* x,
                         std::size_t lo, std::size_t hi, double* out);

// Defined for the (value, x) types spmv.cc multiplies: (float, float), (double, double) and
// (float, double), the compact storage of float64 weights.
template <typename TV, typename TX>
RowDots<TV, TX> avx2_row_dots();
// Null where the compiler cannot build the AVX-512 kernel (not x86-64 GCC or Clang); spmv.cc calls
// it only where gemm_kernel_name() says the AVX-512 kernels are active (the same detection and
// the same switch, setGemmAvx512).
template <typename TV, typename TX>
RowDots<TV, TX> avx512_row_dots();

}  // namespace speclin::spmv_detail
