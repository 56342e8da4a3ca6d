// The row loop of the x86 one-column SpMV kernels, written once over the instruction set's
// operations: the column indices of kWidth entries load as one vector and their x values are
// gathered, so a row of ~20 entries is a handful of gather + FMA steps instead of a dependent
// chain of scalar multiply-adds. Included by spmv_avx2.cc and spmv_avx512.cc after each has
// enabled its instruction set; everything here sits in an anonymous namespace for the reason
// gemm_microkernel.h gives (no AVX-512 copy of an inline function may serve AVX2 code).
#pragma once
#include <cstddef>
#include <cstdint>

#include "spmv_kernels.h"

namespace speclin::spmv_detail {
namespace {

// Ops: a SPECLIN_X86_VECTOR_OPS struct of doubles (x86_vector_ops.h) plus, for TV and TX each
// float or double, values(v) (kWidth values from v, widened to double), gather(x, ix) (x[ix[0]],
// ..., x[ix[kWidth - 1]], widened) and finish(ix, v, x, p, e, acc0, acc1): the row's last
// e - p < 2 kWidth entries added in, and the row's sum.
template <typename Ops, typename TV, typename TX>
void row_dots(const std::int64_t* ip, const std::int32_t* ix, const TV* v, const TX* x,
              std::size_t lo, std::size_t hi, double* out) {
  constexpr std::int64_t W = Ops::kWidth;
  for (std::size_t r = lo; r < hi; ++r) {
    std::int64_t p = ip[r], e = ip[r + 1];
    // Two accumulators, so that consecutive FMAs of a long row do not wait on each other.
    typename Ops::V acc0 = Ops::zero(), acc1 = Ops::zero();
    for (; p + 2 * W <= e; p += 2 * W) {
      acc0 = Ops::fma(Ops::values(v + p), Ops::gather(x, ix + p), acc0);
      acc1 = Ops::fma(Ops::values(v + p + W), Ops::gather(x, ix + p + W), acc1);
    }
    out[r - lo] = Ops::finish(ix, v, x, p, e, acc0, acc1);
  }
}

}  // namespace
}  // namespace speclin::spmv_detail

// Defines getter<TV, TX>() (avx2_row_dots or avx512_row_dots) for the three type pairs of
// spmv_kernels.h as row_dots over Ops. Used inside namespace speclin::spmv_detail.
#define SPECLIN_ROW_DOTS_KERNELS(getter, Ops)                                                           \
  template <> RowDots<float, float> getter<float, float>() { return row_dots<Ops, float, float>; }       \
  template <> RowDots<double, double> getter<double, double>() { return row_dots<Ops, double, double>; } \
  template <> RowDots<float, double> getter<float, double>() { return row_dots<Ops, float, double>; }
