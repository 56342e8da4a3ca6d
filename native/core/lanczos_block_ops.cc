#include "lanczos_block_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tall_skinny.h"
#include "thread_pool.h"

namespace speclin::lanczos {

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

// The products go through the Gram family's tall-skinny kernels (tall_skinny.h): their
// reductions use a row partition fixed by the shape, so these are bit-identical for any thread
// count.
void tall_inner(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* B,
                std::size_t ldb, std::size_t kb, double* C) {
  tall_skinny_inner<double, double, double>(rows, ka, kb, 1.0, A, lda, B, ldb, 0.0, C, kb);
}

void tall_apply(std::size_t rows, const double* A, std::size_t lda, std::size_t ka, const double* C,
                std::size_t kb, double alpha, double beta, double* B, std::size_t ldb) {
  tall_skinny_update<double, double, double>(rows, ka, kb, alpha, A, lda, C, kb, beta, B, ldb);
}

void scale_column(std::size_t n, double* w, std::size_t ld, double f) {
  parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) w[i * ld] *= f;
  });
}

void right_multiply_in_place(std::size_t n, double* V, std::size_t ld, std::size_t j, const double* H) {
  tall_skinny_update<double, double, double>(n, j, j, 1.0, V, ld, H, j, 0.0, V, ld);
}

void block_gram(std::size_t n, const double* w, std::size_t ncols, double* G) {
  tall_skinny_inner<double, double, double>(n, ncols, ncols, 1.0, w, ncols, w, ncols, 0.0, G, ncols);
}

void basis_pass(std::size_t n, double* V, std::size_t ldv, std::size_t j, double* W, std::size_t b,
                const double* Csub, double* Cout, double* gram, const double* fill, std::size_t fill_cols) {
  if (fill) copy_block(n, fill_cols, fill, fill_cols, V + (j - fill_cols), ldv);
  if (Csub) tall_apply(n, V, ldv, j, Csub, b, -1.0, 1.0, W, b);
  if (Cout) tall_inner(n, V, ldv, j, W, b, b, Cout);
  if (gram) block_gram(n, W, b, gram);
}

}  // namespace speclin::lanczos
