#include "spmv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "cpu_features.h"
#include "gram.h"
#include "spmv_kernels.h"
#include "thread_pool.h"

namespace speclin {

namespace {

// The matrix as the kernels see it: raw arrays, the value type being the storage type.
template <typename TV>
struct Rows {
  const std::int64_t* ip;
  const std::int32_t* ix;
  const TV* v;
  std::int64_t nnz;
  std::size_t cols;  // rows of X
};

template <typename TV, typename TX, typename TY>
void rows_single(const Rows<TV>& a, const TX* x, TY* y, const double* scale, std::size_t lo,
                 std::size_t hi) {
  const std::int64_t* ip = a.ip;
  const std::int32_t* ix = a.ix;
  const TV* v = a.v;
  if (active_kernel_path() == KernelPath::Avx2) {
    // The x86 gather kernels (spmv_avx2.cc, spmv_avx512.cc); AVX-512 where the Gram kernels use it.
    spmv_detail::RowDots<TV, TX> dots = nullptr;
    if (std::strcmp(gemm_kernel_name(), "avx512") == 0) dots = spmv_detail::avx512_row_dots<TV, TX>();
    if (dots == nullptr) dots = spmv_detail::avx2_row_dots<TV, TX>();
    // Rows in blocks so that the dot products land in a small buffer before scaling/rounding.
    constexpr std::size_t kBlock = 256;
    double buf[kBlock];
    for (std::size_t r0 = lo; r0 < hi; r0 += kBlock) {
      std::size_t r1 = std::min(hi, r0 + kBlock);
      dots(ip, ix, v, x, r0, r1, buf);
      for (std::size_t r = r0; r < r1; ++r) {
        double s = buf[r - r0];
        y[r] = static_cast<TY>(scale ? s * scale[r] : s);
      }
    }
    return;
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
// Prefetching x pays only when X does not fit in L2: for an X that does, the prefetches are
// instructions without benefit (docs/graph.md has the measurement).
constexpr std::size_t kPrefetchAboveBytes = std::size_t{1} << 20;

template <std::size_t W, typename TV, typename TX>
inline void accumulate_panel(const std::int64_t* ip, const std::int32_t* ix, const TV* v, const TX* X,
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

template <typename TV, typename TX, typename TY>
void rows_block(const Rows<TV>& a, const TX* X, TY* Y, std::size_t columns, const double* scale,
                std::size_t lo, std::size_t hi) {
  const std::int64_t* ip = a.ip;
  const std::int32_t* ix = a.ix;
  const TV* v = a.v;
  // end_all = 0 switches the prefetch off (see kPrefetchAboveBytes).
  const std::int64_t nnz = a.cols * columns * sizeof(TX) > kPrefetchAboveBytes ? a.nnz : 0;
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

template <typename TV, typename TX, typename TY>
void multiply_rows(const Rows<TV>& m, const std::vector<std::size_t>& bounds, std::size_t threads,
                   const TX* X, TY* Y, std::size_t columns, const double* row_scale) {
  // More parts than threads, handed out first come first served: on a busy machine a thread
  // that the OS parks does not hold back the others for a whole 1/threads of the matrix. Which
  // thread computes a row never changes its value (one row, one thread, fixed order).
  std::size_t parts = bounds.size() - 1;
  std::atomic<std::size_t> next{0};
  parallel_for(0, threads, 1, [&](std::size_t, std::size_t) {
    for (std::size_t part; (part = next.fetch_add(1)) < parts;) {
      std::size_t lo = bounds[part], hi = bounds[part + 1];
      if (lo >= hi) continue;
      if (columns == 1) rows_single(m, X, Y, row_scale, lo, hi);
      else rows_block(m, X, Y, columns, row_scale, lo, hi);
    }
  });
}

}  // namespace

template <typename TA, typename TX, typename TY>
void csr_multiply(const Csr<TA>& a, const TX* X, TY* Y, std::size_t columns, const double* row_scale) {
  if (a.rows == 0 || columns == 0) return;
  // Below ~32k multiply-adds a second thread costs more than it saves.
  std::size_t work = (a.nnz() + a.rows) * columns;
  std::size_t threads = work < (std::size_t{1} << 15) ? 1 : static_cast<std::size_t>(get_threads());
  std::vector<std::size_t> bounds = balanced_row_partition(a, threads == 1 ? 1 : threads * 8);
  std::int64_t nnz = static_cast<std::int64_t>(a.nnz());
  if (a.compact())
    multiply_rows(Rows<float>{a.indptr.data(), a.indices.data(), a.values32.data(), nnz, a.cols}, bounds, threads, X, Y, columns, row_scale);
  else
    multiply_rows(Rows<TA>{a.indptr.data(), a.indices.data(), a.values.data(), nnz, a.cols}, bounds, threads, X, Y, columns, row_scale);
}

#define SPECLIN_SPMV(TA, TX, TY) \
  template void csr_multiply<TA, TX, TY>(const Csr<TA>&, const TX*, TY*, std::size_t, const double*);
SPECLIN_SPMV(float, float, float)
SPECLIN_SPMV(double, double, double)
SPECLIN_SPMV(float, double, double)
#undef SPECLIN_SPMV

}  // namespace speclin
