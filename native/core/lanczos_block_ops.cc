#include "lanczos_block_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_features.h"
#include "eigsh_kernels.h"
#include "gram.h"
#include "thread_pool.h"

namespace speclin::lanczos {
namespace {

// The portable row kernel of basis_pass (eigsh_kernels.h states the contract; eigsh_avx2.cc has
// the AVX2 one).
void gs_rows_portable(std::size_t lo, std::size_t hi, const double* V, std::size_t ldv, std::size_t j, double* W,
                      std::size_t b, const double* CsubT, double* acc, double* g) {
  for (std::size_t i = lo; i < hi; ++i) {
    const double* v = V + i * ldv;
    double* w = W + i * b;
    if (CsubT)
      for (std::size_t q = 0; q < b; ++q) {
        const double* cq = CsubT + q * j;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        std::size_t p = 0;
        for (; p + 4 <= j; p += 4) {
          s0 += v[p] * cq[p];
          s1 += v[p + 1] * cq[p + 1];
          s2 += v[p + 2] * cq[p + 2];
          s3 += v[p + 3] * cq[p + 3];
        }
        for (; p < j; ++p) s0 += v[p] * cq[p];
        w[q] -= (s0 + s1) + (s2 + s3);
      }
    for (std::size_t a = 0; a < b; ++a)
      for (std::size_t z = a; z < b; ++z) g[a * b + z] += w[a] * w[z];
    if (acc)
      for (std::size_t q = 0; q < b; ++q) {
        double wq = w[q];
        double* a = acc + q * j;
        for (std::size_t p = 0; p < j; ++p) a[p] += wq * v[p];
      }
  }
}

}  // namespace

void column_sq_norms(std::size_t n, std::size_t cols, const double* W, std::size_t ld, double* out) {
  std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * cols, 0.0);
  parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    double* p = part.data() + c * cols;
    for (std::size_t i = lo; i < hi; ++i) {
      const double* row = W + i * ld;
      for (std::size_t q = 0; q < cols; ++q) p[q] += row[q] * row[q];
    }
  });
  std::fill(out, out + cols, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t q = 0; q < cols; ++q) out[q] += part[c * cols + q];
}

void residual_norms(std::size_t n, std::size_t cols, const double* X, const double* Y,
                    const double* theta, double* res) {
  std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * cols, 0.0);
  parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    double* p = part.data() + c * cols;
    for (std::size_t i = lo; i < hi; ++i)
      for (std::size_t q = 0; q < cols; ++q) {
        double d = Y[i * cols + q] - theta[q] * X[i * cols + q];
        p[q] += d * d;
      }
  });
  for (std::size_t q = 0; q < cols; ++q) {
    double s = 0;
    for (std::size_t c = 0; c < chunks; ++c) s += part[c * cols + q];
    res[q] = std::sqrt(s);
  }
}

void column_dots(std::size_t n, std::size_t cols, const double* X, const double* Y, double* out) {
  std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * cols, 0.0);
  parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    double* p = part.data() + c * cols;
    for (std::size_t i = lo; i < hi; ++i)
      for (std::size_t q = 0; q < cols; ++q) p[q] += X[i * cols + q] * Y[i * cols + q];
  });
  std::fill(out, out + cols, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t q = 0; q < cols; ++q) out[q] += part[c * cols + q];
}

void copy_block(std::size_t n, std::size_t cols, const double* src, std::size_t lds, double* dst,
                std::size_t ldd) {
  parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      std::copy(src + i * lds, src + i * lds + cols, dst + i * ldd);
  });
}

// The tall-skinny products of the solver, through gram.h's gemm, split by row chunks: each
// chunk's gemm runs on one pool thread (nested calls are serial), so a product over 10^5 rows
// costs one pool dispatch rather than one per cache block of the depth.
// C (ka x kb) = A^T B over `rows` rows; per-chunk partial products added in chunk order, so the
// result is deterministic for a given thread count.
void tall_inner(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* B,
                std::size_t ldb, std::size_t kb, double* C) {
  std::size_t chunks = parallel_chunks(0, rows, kRowGrain);
  std::vector<double> part(chunks * ka * kb);
  parallel_for_chunks(0, rows, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
    gemm<double>(Trans::Yes, Trans::No, ka, kb, hi - lo, 1.0, A + lo * lda, lda, B + lo * ldb, ldb, 0.0,
                 part.data() + c * ka * kb, kb);
  });
  std::copy(part.begin(), part.begin() + ka * kb, C);
  for (std::size_t c = 1; c < chunks; ++c)
    for (std::size_t i = 0; i < ka * kb; ++i) C[i] += part[c * ka * kb + i];
}

// B (rows x kb) = alpha A C + beta B, A rows x ka, C ka x kb; rows are independent.
void tall_apply(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* C,
                std::size_t kb, double alpha, double beta, double* B, std::size_t ldb) {
  parallel_for(0, rows, kRowGrain, [&](std::size_t lo, std::size_t hi) {
    gemm<double>(Trans::No, Trans::No, hi - lo, kb, ka, alpha, A + lo * lda, lda, C, kb, beta, B + lo * ldb, ldb);
  });
}

void scale_column(std::size_t n, double* w, std::size_t ld, double f) {
  parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) w[i * ld] *= f;
  });
}

// block_update without the update: W is only read.
void block_gram(std::size_t n, const double* w, std::size_t ncols, double* G) {
  block_update(n, nullptr, const_cast<double*>(w), ncols, nullptr, G);
}

// Before this fused pass, each Gram-Schmidt pass was
// two gemm calls (V^T W, then W -= V C) with shapes (j x 3 over 4096 rows) the packed gemm
// handles at a few GFLOP/s; the solver's time was dominated by them, not by the operator.
// The fill is stored 256 rows at a time, just ahead of the reads (the rows' cache lines are
// being read anyway).
void basis_pass(std::size_t n, double* V, std::size_t ldv, std::size_t j, double* W, std::size_t b,
                const double* CsubT, double* Cout, double* gram, const double* fill, std::size_t fill_cols) {
  const std::size_t cw = Cout ? j * b : 0, width = cw + b * b;
  std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * width, 0.0);
  const bool avx2 = active_kernel_path() == KernelPath::Avx2;
  constexpr std::size_t kFillRows = 256;
  parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo_all, std::size_t hi_all) {
    double* acc = part.data() + c * width;
    double* g = acc + cw;
    const std::size_t slice = fill ? kFillRows : hi_all - lo_all;  // no block to store: one slice
    for (std::size_t lo = lo_all; lo < hi_all; lo += slice) {
      const std::size_t hi = std::min(hi_all, lo + slice);
      if (fill)  // an element loop: std::copy of a few doubles is a memmove call per row
        for (std::size_t i = lo; i < hi; ++i)
          for (std::size_t q = 0; q < fill_cols; ++q) V[i * ldv + (j - fill_cols) + q] = fill[i * fill_cols + q];
      (avx2 ? gs_rows_avx2 : gs_rows_portable)(lo, hi, V, ldv, j, W, b, CsubT, Cout ? acc : nullptr, g);
    }
  });
  std::vector<double> total(width, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t t = 0; t < width; ++t) total[t] += part[c * width + t];
  if (Cout)
    for (std::size_t p = 0; p < j; ++p)
      for (std::size_t q = 0; q < b; ++q) Cout[p * b + q] = total[q * j + p];
  if (gram)
    for (std::size_t a = 0; a < b; ++a)
      for (std::size_t z = 0; z < b; ++z) gram[a * b + z] = total[cw + (a <= z ? a * b + z : z * b + a)];
}

void lagged_pass(std::size_t n, double* V, std::size_t ldv, std::size_t jx, double* X, std::size_t b,
                 const double* lagT, std::size_t r0, std::size_t r1, const double* knownT, double* Y, double* Cout,
                 double* gram, double* Xout, double* gram_x) {
  const std::size_t j = jx + b, g2 = b * b, cw = j * b, xw = jx * b, width = cw + g2 + xw + g2;
  const std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * width, 0.0);
  const bool avx2 = active_kernel_path() == KernelPath::Avx2;
  constexpr std::size_t kSliceRows = 128;
  parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo_all, std::size_t hi_all) {
    double* acc = part.data() + c * width;
    double* g = acc + cw;
    double* ax = g + g2;
    double* gx = ax + xw;
    if (avx2) {  // the steps fused per group of four rows
      lagged_rows_avx2(lo_all, hi_all, V, ldv, jx, X, b, lagT, r0, r1, knownT, Y, acc, g, ax, gx);
      return;
    }
    std::vector<double> unused(g2);  // the Gram matrix of the intermediate subtraction
    for (std::size_t lo = lo_all; lo < hi_all; lo += kSliceRows) {
      const std::size_t hi = std::min(hi_all, lo + kSliceRows);
      gs_rows_portable(lo, hi, V, ldv, jx, X, b, lagT && jx > 0 ? lagT : nullptr, jx > 0 ? ax : nullptr, gx);
      for (std::size_t i = lo; i < hi; ++i)
        for (std::size_t q = 0; q < b; ++q) V[i * ldv + jx + q] = X[i * b + q];
      if (r1 > r0) gs_rows_portable(lo, hi, V + r0, ldv, r1 - r0, Y, b, knownT, nullptr, unused.data());
      gs_rows_portable(lo, hi, V, ldv, j, Y, b, nullptr, acc, g);
    }
  });
  std::vector<double> total(width, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t t = 0; t < width; ++t) total[t] += part[c * width + t];
  for (std::size_t p = 0; p < j; ++p)
    for (std::size_t q = 0; q < b; ++q) Cout[p * b + q] = total[q * j + p];
  for (std::size_t p = 0; p < jx; ++p)
    for (std::size_t q = 0; q < b; ++q) Xout[p * b + q] = total[cw + g2 + q * jx + p];
  for (std::size_t a = 0; a < b; ++a)
    for (std::size_t z = 0; z < b; ++z) {
      const std::size_t t = a <= z ? a * b + z : z * b + a;
      gram[a * b + z] = total[cw + t];
      gram_x[a * b + z] = total[cw + g2 + xw + t];
    }
}

// A loop of its own: through basis_pass (a basis of b columns) the same update cost about ten
// times the instructions per row, in masked tails and horizontal reductions.
void block_update(std::size_t n, const double* X, double* W, std::size_t b, const double* C, double* gram) {
  const std::size_t g2 = b * b;
  const std::size_t chunks = parallel_chunks(0, n, kRowGrain);
  std::vector<double> part(chunks * g2, 0.0);
  with_width(b, [&](auto width) {
    const std::size_t nb = width;
    parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
      double* g = part.data() + c * g2;
      if constexpr (kFixedWidth<decltype(width)>) {
        // The same sums in the same order as below, in registers.
        constexpr std::size_t NB = decltype(width)::value;
        double cm[NB * NB], acc[NB * NB] = {};
        if (C) std::copy(C, C + NB * NB, cm);
        for (std::size_t i = lo; i < hi; ++i) {
          double* w = W + i * NB;
          double r[NB];
          for (std::size_t q = 0; q < NB; ++q) r[q] = w[q];
          if (C) {
            const double* x = X + i * NB;
            for (std::size_t q = 0; q < NB; ++q) {
              double s = 0;
              for (std::size_t p = 0; p < NB; ++p) s += x[p] * cm[p * NB + q];
              r[q] -= s;
            }
            for (std::size_t q = 0; q < NB; ++q) w[q] = r[q];
          }
          for (std::size_t a = 0; a < NB; ++a)
            for (std::size_t z = a; z < NB; ++z) acc[a * NB + z] += r[a] * r[z];
        }
        std::copy(acc, acc + NB * NB, g);
      } else {
        for (std::size_t i = lo; i < hi; ++i) {
          const double* x = C ? X + i * nb : nullptr;
          double* w = W + i * nb;
          if (C)
            for (std::size_t q = 0; q < nb; ++q) {
              double s = 0;
              for (std::size_t p = 0; p < nb; ++p) s += x[p] * C[p * nb + q];
              w[q] -= s;
            }
          for (std::size_t a = 0; a < nb; ++a)
            for (std::size_t z = a; z < nb; ++z) g[a * nb + z] += w[a] * w[z];
        }
      }
    });
  });
  std::fill(gram, gram + g2, 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t t = 0; t < g2; ++t) gram[t] += part[c * g2 + t];
  for (std::size_t a = 0; a < b; ++a)
    for (std::size_t z = 0; z < a; ++z) gram[a * b + z] = gram[z * b + a];
}

}  // namespace speclin::lanczos
