#include "spmv.h"

#include <algorithm>
#include <vector>

#include "cpu_features.h"
#include "thread_pool.h"

namespace speclin {

// AVX2 gather kernels for one column (spmv_avx2.cc); they return false where they have no
// specialization for these types, and the portable loop runs.
template <typename TA, typename TX>
bool csr_row_dots_avx2(const Csr<TA>& a, const TX* x, std::size_t lo, std::size_t hi, double* out);

namespace {

template <typename TA, typename TX, typename TY>
void rows_single(const Csr<TA>& a, const TX* x, TY* y, const double* scale, std::size_t lo,
                 std::size_t hi) {
  const std::int64_t* ip = a.indptr.data();
  const std::int32_t* ix = a.indices.data();
  const TA* v = a.values.data();
  if (active_kernel_path() == KernelPath::Avx2) {
    // Rows in blocks so that the dot products land in a small buffer before scaling/rounding.
    constexpr std::size_t kBlock = 256;
    double buf[kBlock];
    bool ok = true;
    for (std::size_t r0 = lo; r0 < hi && ok; r0 += kBlock) {
      std::size_t r1 = std::min(hi, r0 + kBlock);
      ok = csr_row_dots_avx2<TA, TX>(a, x, r0, r1, buf);
      if (!ok) break;
      for (std::size_t r = r0; r < r1; ++r) {
        double s = buf[r - r0];
        y[r] = static_cast<TY>(scale ? s * scale[r] : s);
      }
    }
    if (ok) return;
  }
  for (std::size_t r = lo; r < hi; ++r) {
    std::int64_t p = ip[r], e = ip[r + 1];
    // Four independent sums: the adds of a long row do not wait on each other.
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; p + 4 <= e; p += 4) {
      s0 += double(v[p]) * double(x[ix[p]]);
      s1 += double(v[p + 1]) * double(x[ix[p + 1]]);
      s2 += double(v[p + 2]) * double(x[ix[p + 2]]);
      s3 += double(v[p + 3]) * double(x[ix[p + 3]]);
    }
    for (; p < e; ++p) s0 += double(v[p]) * double(x[ix[p]]);
    double s = (s0 + s1) + (s2 + s3);
    y[r] = static_cast<TY>(scale ? s * scale[r] : s);
  }
}

// W columns at a time with the accumulators in registers: the x rows of one entry are a
// contiguous W-wide load, and the compiler unrolls the column loop completely.
constexpr std::int64_t kPrefetch = 16;

template <std::size_t W, typename TA, typename TX>
inline void accumulate_panel(const std::int64_t* ip, const std::int32_t* ix, const TA* v, const TX* X,
                             std::size_t columns, std::size_t r, double* out, std::int64_t end_all) {
  double s[W] = {};
  for (std::int64_t p = ip[r]; p < ip[r + 1]; ++p) {
    // The x rows are random reads (a graph's neighbours are anywhere): fetch a few entries ahead
    // so that several misses are in flight while this entry's W multiply-adds run. ix may be
    // read past the row here, never past the array's end (kPrefetch slack below).
    if (p + kPrefetch < end_all) __builtin_prefetch(X + static_cast<std::size_t>(ix[p + kPrefetch]) * columns);
    double w = double(v[p]);
    const TX* xr = X + static_cast<std::size_t>(ix[p]) * columns;
    for (std::size_t c = 0; c < W; ++c) s[c] += w * double(xr[c]);
  }
  for (std::size_t c = 0; c < W; ++c) out[c] = s[c];
}

template <typename TA, typename TX, typename TY>
void rows_block(const Csr<TA>& a, const TX* X, TY* Y, std::size_t columns, const double* scale,
                std::size_t lo, std::size_t hi) {
  const std::int64_t* ip = a.indptr.data();
  const std::int32_t* ix = a.indices.data();
  const TA* v = a.values.data();
  const std::int64_t nnz = static_cast<std::int64_t>(a.nnz());
  std::vector<double> acc(columns);
  double* s = acc.data();
  for (std::size_t r = lo; r < hi; ++r) {
    // The columns in panels of 16, 8, 4, 2, 1 with their accumulators in registers. The matrix
    // row is read from memory once; later panels find it (and most x rows) in L1.
    std::size_t c0 = 0;
    for (; c0 + 16 <= columns; c0 += 16) accumulate_panel<16>(ip, ix, v, X + c0, columns, r, s + c0, nnz);
    if (c0 + 8 <= columns) { accumulate_panel<8>(ip, ix, v, X + c0, columns, r, s + c0, nnz); c0 += 8; }
    if (c0 + 4 <= columns) { accumulate_panel<4>(ip, ix, v, X + c0, columns, r, s + c0, nnz); c0 += 4; }
    if (c0 + 2 <= columns) { accumulate_panel<2>(ip, ix, v, X + c0, columns, r, s + c0, nnz); c0 += 2; }
    if (c0 < columns) accumulate_panel<1>(ip, ix, v, X + c0, columns, r, s + c0, nnz);
    double f = scale ? scale[r] : 1.0;
    TY* yr = Y + r * columns;
    for (std::size_t c = 0; c < columns; ++c) yr[c] = static_cast<TY>(s[c] * f);
  }
}

}  // namespace

template <typename TA, typename TX, typename TY>
void csr_multiply(const Csr<TA>& a, const TX* X, TY* Y, std::size_t columns, const double* row_scale) {
  if (a.rows == 0 || columns == 0) return;
  // Below ~32k multiply-adds a second thread costs more than it saves.
  std::size_t work = (a.nnz() + a.rows) * columns;
  std::size_t parts = work < (std::size_t{1} << 15) ? 1 : static_cast<std::size_t>(get_threads());
  std::vector<std::size_t> bounds = balanced_row_partition(a, parts);
  parallel_for(0, parts, 1, [&](std::size_t plo, std::size_t phi) {
    for (std::size_t part = plo; part < phi; ++part) {
      std::size_t lo = bounds[part], hi = bounds[part + 1];
      if (lo >= hi) continue;
      if (columns == 1) rows_single(a, X, Y, row_scale, lo, hi);
      else rows_block(a, X, Y, columns, row_scale, lo, hi);
    }
  });
}

#define SPECLIN_SPMV(TA, TX, TY) \
  template void csr_multiply<TA, TX, TY>(const Csr<TA>&, const TX*, TY*, std::size_t, const double*);
SPECLIN_SPMV(float, float, float)
SPECLIN_SPMV(double, double, double)
SPECLIN_SPMV(float, double, double)
#undef SPECLIN_SPMV

}  // namespace speclin
