#include "eigsh.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "cpu_features.h"
#include "dense_eigen.h"
#include "eigsh_kernels.h"
#include "gram.h"
#include "thread_pool.h"

namespace speclin {
namespace {

constexpr std::size_t kRowGrain = 4096;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Counter-based: entry `counter` of the stream of `seed` does not depend on how many threads
// drew the others, so random blocks are the same for every thread count.
double uniform_pm1(std::uint64_t seed, std::uint64_t counter) {
  std::uint64_t r = splitmix64(splitmix64(seed) ^ splitmix64(counter + 0x632BE59BD9B4E019ull));
  return static_cast<double>(r >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

// Squared norms of the columns of an n x cols block with leading dimension ld. Per-chunk partial
// sums added in chunk order: deterministic for a given thread count.
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

// ||Y_q - theta_q X_q|| and x_q . y_q for each column q (X, Y n x cols, contiguous).
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

// The portable row kernel of gs_pass (eigsh_kernels.h states the contract; eigsh_avx2.cc has
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

// One row-streaming pass of classical Gram-Schmidt against the basis, fused so that the basis
// (the large operand: n x j) is read once per pass. For every row i: optionally
// w_i -= v_i Csub (Csub given transposed, b x j), then optionally accumulate Cout += v_i^T w_i
// and sq += w_i .* w_i (after the subtraction). Cout is j x b row-major. Before this, each pass was
// two gemm calls (V^T W, then W -= V C) with shapes (j x 3 over 4096 rows) the packed gemm
// handles at a few GFLOP/s; the solver's time was dominated by them, not by the operator.
// Per-chunk partial sums added in chunk order: deterministic for a given thread count.
// fill (n x fill_cols, optional): rows stored into V[:, j - fill_cols : j] just before the pass
// reads them, 256 rows at a time, so that moving a new block into the basis costs no sweep of
// its own (the basis rows' cache lines are being read anyway).
void gs_pass(std::size_t n, double* V, std::size_t ldv, std::size_t j, double* W, std::size_t b,
             const double* CsubT, double* Cout, double* gram, const double* fill = nullptr,
             std::size_t fill_cols = 0) {
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

// Calls f with the block width as a compile-time constant for the common widths (1-4), so that
// the per-row loops over a few columns unroll; otherwise with the runtime value. The row loops of
// the block operations were loop-overhead bound: 8 ms for CholQR2 of a 200 000 x 3 block.
template <class F>
void with_width(std::size_t b, F&& f) {
  switch (b) {
    case 1: f(std::integral_constant<std::size_t, 1>{}); return;
    case 2: f(std::integral_constant<std::size_t, 2>{}); return;
    case 3: f(std::integral_constant<std::size_t, 3>{}); return;
    case 4: f(std::integral_constant<std::size_t, 4>{}); return;
    default: f(b);
  }
}

[[noreturn]] void bad_option(const std::string& msg) { throw std::invalid_argument("eigsh: " + msg); }

}  // namespace

// SPECLIN_EIGSH_TRACE=1 prints where a solve spent its time (stderr), for profiling.
struct Timer {
  double* acc;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  explicit Timer(double* a) : acc(a) {}
  ~Timer() { *acc += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

struct EigshSolver::State {
  std::size_t n_pass = 0, n_second = 0, n_cholqr = 0, n_cholqr_once = 0;
  double t_project = 0, t_block = 0, t_analyze = 0, t_ritz = 0, t_copy = 0;
  ~State() {
    if (std::getenv("SPECLIN_EIGSH_TRACE"))
      std::fprintf(stderr, "eigsh: project %.3f s (%zu blocks, %zu second passes), in-block %.3f s (%zu of %zu CholQR once), analyze %.3f s, ritz %.3f s, copies %.3f s; extend step %.3f s, verify+rebuild %.3f s\n",
                   t_project, n_pass, n_second, t_block, n_cholqr_once, n_cholqr, t_analyze, t_ritz, t_copy, t_extend, t_verify);
  }
  enum class Stage { Init, Dense, Deflate, Extend, Verify, Done };

  std::size_t n, k, b = 0, m = 0, max_iterations;
  double tol, norm_bound, anorm = 0;
  std::uint64_t seed, rng_counter = 0;
  bool dense;
  std::vector<double> v0, defl;
  std::size_t v0c, c;

  Stage stage = Stage::Init;
  std::vector<double> X, Y;  // the request: Y = A X, n x cols
  std::size_t cols = 0;

  std::vector<double> V, T;  // basis n x m (locked columns first), projected matrix m x m
  std::size_t l = 0, j = 0;  // locked columns, basis size
  bool pending_fill = false;  // V[:, j - b : j] still to be copied from X (request_extend)
  std::vector<double> lock_val, lock_res;

  std::vector<double> W, R, C, tmp, wtmp, c1, c2, c1t;           // new block n x b, its R (b x b), coefficients
  std::vector<double> theta, Yr, est;         // Ritz analysis of T[l:j, l:j]
  std::size_t ma = 0;
  std::size_t nsel = 0;                       // Ritz vectors a restart may keep
  std::vector<std::size_t> missing;           // columns of W with no direction left (exhausted space)
  std::vector<std::size_t> cands;

  std::size_t iterations = 0, matvecs = 0;
  double maxres = std::numeric_limits<double>::infinity();

  // dense path results
  std::vector<double> d_val, d_vec, d_res;
  std::size_t d_count = 0;

  double tol_abs() const { return tol * (norm_bound > 0 ? norm_bound : anorm); }
  double norm_used() const { return norm_bound > 0 ? norm_bound : anorm; }
  double random() { return uniform_pm1(seed, rng_counter++); }

  // ---- orthogonalization ------------------------------------------------------------------
  // W (n x cols, ld) -= V[:, 0:j] (V^T W), twice. coef (j x cols) receives the sum of both
  // passes (the projected matrix's new column), or is null.
  void project_basis(double* w, std::size_t ld, std::size_t ncols, double* coef) {
    if (j == 0) return;
    store_pending_block();
    if (ld == ncols) {
      project_contiguous(w, ncols, coef);
      return;
    }
    Timer timer(&t_project);
    tmp.resize(j * ncols);
    for (int pass = 0; pass < 2; ++pass) {
      tall_inner(n, V.data(), m, j, w, ld, ncols, tmp.data());
      tall_apply(n, V.data(), m, j, tmp.data(), ncols, -1.0, 1.0, w, ld);
      if (coef) {
        if (pass == 0) std::copy(tmp.begin(), tmp.begin() + j * ncols, coef);
        else for (std::size_t i = 0; i < j * ncols; ++i) coef[i] += tmp[i];
      }
    }
  }

  // project_basis for a contiguous block, with the fused passes: pass 1 computes C1 = V^T W and
  // the norms before; pass 2 subtracts V C1 and computes C2 = V^T W and the norms after; pass 3
  // subtracts V C2 only when some column lost more than 1 - 1/sqrt(2) of its norm in the first
  // pass (Kahan-Parlett "twice is enough": otherwise the first pass already left it orthogonal
  // to working precision). Three reads of the basis at most, instead of four.
  // norms (ncols, optional) receives the column norms before the projection, gram (ncols x ncols,
  // optional) the Gram matrix of the result, both computed inside the passes (no extra read).
  void project_contiguous(double* w, std::size_t ncols, double* coef, double* norms = nullptr,
                          double* gram = nullptr) {
    std::size_t g2 = ncols * ncols;
    std::vector<double> before(g2), after(g2);
    if (j == 0) {
      block_gram(w, ncols, after.data());
      for (std::size_t q = 0; q < ncols; ++q)
        if (norms) norms[q] = std::sqrt(after[q * ncols + q]);
      if (gram) std::copy(after.begin(), after.end(), gram);
      return;
    }
    Timer timer(&t_project);
    c1.resize(j * ncols);
    c2.resize(j * ncols);
    c1t.resize(j * ncols);
    gs_pass(n, V.data(), m, j, w, ncols, nullptr, c1.data(), before.data(), pending_fill ? X.data() : nullptr, b);
    pending_fill = false;
    for (std::size_t p = 0; p < j; ++p)
      for (std::size_t q = 0; q < ncols; ++q) c1t[q * j + p] = c1[p * ncols + q];
    gs_pass(n, V.data(), m, j, w, ncols, c1t.data(), c2.data(), after.data());
    // Pass 2 also measured C2 = V^T w (after the first subtraction): the new vector's remaining
    // components along the basis. A column needs the second subtraction only if both tests fail:
    // Kahan-Parlett (it kept at least 1/sqrt 2 of its norm), or the direct one, max |C2_q| <=
    // 32 sqrt(j) u ||w_q|| (the second pass would change w only at the level of rounding; measured
    // on the SBM benchmark graphs, one pass leaves max |C2_q| / ||w_q|| <= 7.5e-15, median 1.4e-15,
    // so the basis stays orthogonal to working precision either way).
    bool second = false;
    ++n_pass;
    const double tau = 32.0 * std::sqrt(static_cast<double>(j)) * std::numeric_limits<double>::epsilon() / 2;
    for (std::size_t q = 0; q < ncols; ++q) {
      double after_q = after[q * ncols + q];
      if (after_q >= 0.5 * before[q * ncols + q]) continue;  // squared norms: (1/sqrt 2)^2
      double mx = 0;
      for (std::size_t p = 0; p < j; ++p) mx = std::max(mx, std::fabs(c2[p * ncols + q]));
      if (!(mx <= tau * std::sqrt(after_q))) second = true;
    }
    if (second) {
      ++n_second;
      for (std::size_t p = 0; p < j; ++p)
        for (std::size_t q = 0; q < ncols; ++q) c1t[q * j + p] = c2[p * ncols + q];
      gs_pass(n, V.data(), m, j, w, ncols, c1t.data(), nullptr, after.data());
    }
    if (norms)
      for (std::size_t q = 0; q < ncols; ++q) norms[q] = std::sqrt(before[q * ncols + q]);
    if (gram) std::copy(after.begin(), after.end(), gram);
    if (coef)
      for (std::size_t i = 0; i < j * ncols; ++i) coef[i] = c1[i] + (second ? c2[i] : 0.0);
  }

  // Column col of w against its first col columns, twice; adds the coefficients to r (col long).
  void project_previous(double* w, std::size_t ld, std::size_t col, double* r) {
    if (col == 0) return;
    std::vector<double> t(col);
    for (int pass = 0; pass < 2; ++pass) {
      gemm<double>(Trans::Yes, Trans::No, col, 1, n, 1.0, w, ld, w + col, ld, 0.0, t.data(), 1);
      gemm<double>(Trans::No, Trans::No, n, 1, col, -1.0, w, ld, t.data(), 1, 1.0, w + col, ld);
      if (r) for (std::size_t p = 0; p < col; ++p) r[p] += t[p];
    }
  }

  double column_norm(const double* w, std::size_t ld) {
    double s;
    column_sq_norms(n, 1, w, ld, &s);
    return std::sqrt(s);
  }

  void scale_column(double* w, std::size_t ld, double f) {
    parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) w[i * ld] *= f;
    });
  }

  // One CholQR pass on w (n x ncols, contiguous): w = w_new R with R upper triangular from the
  // Cholesky factor of w^T w (syrk), w_new = w R^{-1} (gemm). false, with w untouched, when a
  // pivot shows a column (nearly) dependent on the previous ones of the block or on the basis
  // (its norm fell below 1e-4 of `scale`, its norm before projection): CholQR's accuracy goes as
  // the square of the block's condition number, so such blocks take the column-wise path.
  // G_in: w^T w when the caller has it (computed inside the projection), else null. G_out: when
  // given, receives the Gram matrix of the new w, computed in the same pass as the update.
  bool cholqr_pass(double* w, std::size_t ncols, const double* scale, double* R, const double* G_in = nullptr,
                   double* G_out = nullptr) {
    std::vector<double> G(ncols * ncols), Rinv(ncols * ncols, 0.0);
    if (G_in) std::copy(G_in, G_in + ncols * ncols, G.begin());
    else block_gram(w, ncols, G.data());
    std::fill(R, R + ncols * ncols, 0.0);
    for (std::size_t c = 0; c < ncols; ++c) {
      double gcc = G[c * ncols + c];
      double d = gcc;
      for (std::size_t p = 0; p < c; ++p) d -= R[p * ncols + c] * R[p * ncols + c];
      if (!(gcc > 1e-8 * scale[c] * scale[c]) || !(d > 1e-12 * gcc)) return false;
      double rcc = std::sqrt(d);
      R[c * ncols + c] = rcc;
      for (std::size_t q = c + 1; q < ncols; ++q) {
        double v = G[c * ncols + q];
        for (std::size_t p = 0; p < c; ++p) v -= R[p * ncols + c] * R[p * ncols + q];
        R[c * ncols + q] = v / rcc;
      }
    }
    // R^{-1}, upper triangular, by back substitution column by column.
    for (std::size_t q = 0; q < ncols; ++q) {
      Rinv[q * ncols + q] = 1.0 / R[q * ncols + q];
      for (std::size_t c = q; c-- > 0;) {
        double v = 0;
        for (std::size_t p = c + 1; p <= q; ++p) v += R[c * ncols + p] * Rinv[p * ncols + q];
        Rinv[c * ncols + q] = -v / R[c * ncols + c];
      }
    }
    // w = w R^{-1} in place, row by row: entry q of a row needs entries 0..q, so descending q.
    std::size_t g2 = ncols * ncols;
    std::size_t chunks = parallel_chunks(0, n, kRowGrain);
    std::vector<double> part(G_out ? chunks * g2 : 0, 0.0);
    with_width(ncols, [&](auto width) {
      const std::size_t nc = width;
      const double* Ri = Rinv.data();
      parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
        double* g = G_out ? part.data() + c * g2 : nullptr;
        for (std::size_t i = lo; i < hi; ++i) {
          double* row = w + i * nc;
          for (std::size_t q = nc; q-- > 0;) {
            double v = 0;
            for (std::size_t p = 0; p <= q; ++p) v += row[p] * Ri[p * nc + q];
            row[q] = v;
          }
          if (g)
            for (std::size_t a = 0; a < nc; ++a)
              for (std::size_t z = a; z < nc; ++z) g[a * nc + z] += row[a] * row[z];
        }
      });
    });
    if (G_out) {
      std::fill(G_out, G_out + g2, 0.0);
      for (std::size_t c = 0; c < chunks; ++c)
        for (std::size_t t = 0; t < g2; ++t) G_out[t] += part[c * g2 + t];
      for (std::size_t a = 0; a < ncols; ++a)
        for (std::size_t z = 0; z < a; ++z) G_out[a * ncols + z] = G_out[z * ncols + a];
    }
    return true;
  }

  // G = w^T w for a contiguous n x ncols block (ncols = the block size, a few columns): one pass,
  // per-chunk partial sums added in chunk order.
  void block_gram(const double* w, std::size_t ncols, double* G) {
    std::size_t chunks = parallel_chunks(0, n, kRowGrain);
    std::size_t g2 = ncols * ncols;
    std::vector<double> part(chunks * g2, 0.0);
    with_width(ncols, [&](auto width) {
      const std::size_t nc = width;
      parallel_for_chunks(0, n, kRowGrain, [&](std::size_t c, std::size_t lo, std::size_t hi) {
        double* p = part.data() + c * g2;
        for (std::size_t i = lo; i < hi; ++i) {
          const double* row = w + i * nc;
          for (std::size_t a = 0; a < nc; ++a)
            for (std::size_t z = a; z < nc; ++z) p[a * nc + z] += row[a] * row[z];
        }
      });
    });
    std::fill(G, G + g2, 0.0);
    for (std::size_t c = 0; c < chunks; ++c)
      for (std::size_t t = 0; t < g2; ++t) G[t] += part[c * g2 + t];
    for (std::size_t a = 0; a < ncols; ++a)
      for (std::size_t z = 0; z < a; ++z) G[a * ncols + z] = G[z * ncols + a];
  }

  // Orthonormalizes the columns of w (n x ncols, contiguous), already projected against the
  // basis, among themselves: w_before = Q R. CholQR twice (two syrk + two gemm) when the block is
  // well conditioned; otherwise column by column, where a column that has (numerically) nothing
  // left outside the span (its norm fell below 1e-12 of `scale`) is replaced by a random
  // direction orthogonal to everything, with a zero on R's diagonal: the Krylov space became
  // invariant there, and a fresh direction keeps the block full.
  void orthonormalize_block(double* w, std::size_t ld, std::size_t ncols, const double* scale,
                            double* Rout, const double* gram = nullptr) {
    Timer timer(&t_block);
    if (ld == ncols) {
      std::vector<double> R1(ncols * ncols), R2(ncols * ncols), G2(ncols * ncols);
      if (cholqr_pass(w, ncols, scale, R1.data(), gram, G2.data())) {
        std::vector<double> ones(ncols, 0.0);  // the second pass's columns are near unit norm
        std::vector<double> r(ncols * ncols, 0.0);
        // The second CholQR only when the first left the block measurably non-orthonormal: G2 is
        // the exact Gram matrix of the updated block (computed in the update's pass), so
        // max |G2 - I| <= 32 b u means it is orthonormal to working precision already.
        double dev = 0;
        for (std::size_t p = 0; p < ncols; ++p)
          for (std::size_t q = 0; q < ncols; ++q) dev = std::max(dev, std::fabs(G2[p * ncols + q] - (p == q ? 1.0 : 0.0)));
        ++n_cholqr;
        if (dev <= 32.0 * static_cast<double>(ncols) * std::numeric_limits<double>::epsilon() / 2) {
          ++n_cholqr_once;
          if (Rout) std::copy(R1.begin(), R1.end(), Rout);
          return;
        }
        if (cholqr_pass(w, ncols, ones.data(), R2.data(), G2.data())) {
          if (Rout) {
            for (std::size_t p = 0; p < ncols; ++p)
              for (std::size_t q = p; q < ncols; ++q) {
                double v = 0;
                for (std::size_t t = p; t <= q; ++t) v += R2[p * ncols + t] * R1[t * ncols + q];
                r[p * ncols + q] = v;
              }
            std::copy(r.begin(), r.end(), Rout);
          }
          return;
        }
        // w = w1 R1 with w1 of full rank but not yet orthonormal: finish column-wise.
        orthonormalize_columns(w, ld, ncols, ones.data(), R2.data());
        if (Rout)
          for (std::size_t p = 0; p < ncols; ++p)
            for (std::size_t q = p; q < ncols; ++q) {
              double v = 0;
              for (std::size_t t = p; t <= q; ++t) v += R2[p * ncols + t] * R1[t * ncols + q];
              Rout[p * ncols + q] = v;
            }
        return;
      }
    }
    orthonormalize_columns(w, ld, ncols, scale, Rout);
  }

  // Fills column `col` of w (leading dimension ld) with a random unit vector orthogonal to the
  // basis V[:, 0:j] and to what `project_rest` removes (two passes of both); false when nothing
  // is left outside them.
  template <typename F>
  bool random_direction(double* w, std::size_t ld, std::size_t col, F project_rest) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      for (std::size_t i = 0; i < n; ++i) w[i * ld + col] = random();
      double before = column_norm(w + col, ld);
      for (int pass = 0; pass < 2; ++pass) {
        project_basis(w + col, ld, 1, nullptr);
        project_rest();
      }
      double after = column_norm(w + col, ld);
      if (after > 1e-8 * before) {
        scale_column(w + col, ld, 1.0 / after);
        return true;
      }
    }
    return false;
  }

  void orthonormalize_columns(double* w, std::size_t ld, std::size_t ncols, const double* scale,
                              double* Rout) {
    std::vector<double> r(ncols * ncols, 0.0), rc(ncols);
    for (std::size_t col = 0; col < ncols; ++col) {
      std::fill(rc.begin(), rc.end(), 0.0);
      project_previous(w, ld, col, rc.data());
      double nrm = column_norm(w + col, ld);
      if (nrm < 1e-4 * scale[col]) {
        // Heavy cancellation: one more pass against everything restores orthogonality.
        project_basis(w + col, ld, 1, nullptr);
        project_previous(w, ld, col, nullptr);
        nrm = column_norm(w + col, ld);
      }
      for (std::size_t p = 0; p < col; ++p) r[p * ncols + col] = rc[p];
      if (nrm > 1e-12 * scale[col] && nrm > 0) {
        r[col * ncols + col] = nrm;
        scale_column(w + col, ld, 1.0 / nrm);
        continue;
      }
      r[col * ncols + col] = 0;
      if (!random_direction(w, ld, col, [&] { project_previous(w, ld, col, nullptr); })) {
        // The basis and the columns before this one span the whole space: the Krylov space is
        // exhausted, the basis is an exact invariant subspace and its Ritz pairs are exact (R's
        // zero row says so to the residual estimates). The column stays zero until a restart
        // needs the block again (refill_missing), by which time the basis is smaller.
        for (std::size_t i = 0; i < n; ++i) w[i * ld + col] = 0;
        missing.push_back(col);
      }
    }
    if (Rout) std::copy(r.begin(), r.end(), Rout);
  }

  // Gives the residual block's missing columns (see orthonormalize_columns) random directions
  // orthogonal to the first `basis_cols` basis vectors and to the block's other columns. Their
  // coupling to the kept Ritz vectors is zero, as R's zero rows already say.
  void refill_missing(std::size_t basis_cols) {
    if (missing.empty()) return;
    const std::size_t saved = j;
    j = basis_cols;
    double* w = W.data();
    auto project_block = [&](std::size_t col) {
      for (std::size_t q = 0; q < b; ++q) {
        if (q == col || std::find(missing.begin(), missing.end(), q) != missing.end()) continue;
        double d = 0;
        for (std::size_t i = 0; i < n; ++i) d += w[i * b + q] * w[i * b + col];
        for (std::size_t i = 0; i < n; ++i) w[i * b + col] -= d * w[i * b + q];
      }
    };
    while (!missing.empty()) {
      const std::size_t col = missing.back();
      missing.pop_back();
      if (!random_direction(w, b, col, [&] { project_block(col); })) {
        j = saved;
        throw std::runtime_error("eigsh: could not extend the Krylov basis after a restart (the kept basis spans the whole space)");
      }
    }
    j = saved;
  }

  // ---- stages -------------------------------------------------------------------------------
  bool request(Stage s, std::size_t ncols) {
    stage = s;
    cols = ncols;
    return true;
  }

  bool init() {
    if (dense) {
      X.assign(n * n, 0.0);
      Y.assign(n * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) X[i * n + i] = 1;
      return request(Stage::Dense, n);
    }
    V.assign(n * m, 0.0);
    T.assign(m * m, 0.0);
    std::size_t maxcols = std::max({b, k, c});
    X.assign(n * maxcols, 0.0);
    Y.assign(n * maxcols, 0.0);
    W.assign(n * maxcols, 0.0);
    R.assign(b * b, 0.0);
    C.assign(m * b, 0.0);
    if (c > 0) {
      orthonormalize_deflation();
      copy_block(n, c, defl.data(), c, V.data(), m);
      l = j = c;
      copy_block(n, c, defl.data(), c, X.data(), c);
      return request(Stage::Deflate, c);
    }
    return start_block();
  }

  // Checks the deflation columns (a zero column is an error) and orthonormalizes them in place;
  // both the Lanczos and the dense path start from this.
  void orthonormalize_deflation() {
    std::vector<double> sc(c);
    column_sq_norms(n, c, defl.data(), c, sc.data());
    for (auto& s : sc) s = std::sqrt(s);
    for (std::size_t q = 0; q < c; ++q)
      if (!(sc[q] > 0)) bad_option("deflate column " + std::to_string(q) + " is zero");
    orthonormalize_deflation(sc.data());
  }

  void orthonormalize_deflation(const double* scale) {
    // Deflation vectors must be independent: a column that vanishes is an error, not replaced.
    std::vector<double> r(c);
    for (std::size_t col = 0; col < c; ++col) {
      project_previous(defl.data(), c, col, nullptr);
      double nrm = column_norm(defl.data() + col, c);
      if (!(nrm > 1e-8 * scale[col]))
        bad_option("deflate column " + std::to_string(col) + " depends linearly on the previous ones");
      scale_column(defl.data() + col, c, 1.0 / nrm);
    }
  }

  bool finish_deflate() {
    matvecs += c;
    std::vector<double> val(c), res(c);
    column_dots(n, c, X.data(), Y.data(), val.data());
    residual_norms(n, c, X.data(), Y.data(), val.data(), res.data());
    for (double v : val) anorm = std::max(anorm, std::fabs(v));
    for (std::size_t q = 0; q < c; ++q) {
      if (!(res[q] <= tol_abs()))
        bad_option("deflate column " + std::to_string(q) + " is not an eigenvector of the operator: ||A v - lambda v|| = " +
                   std::to_string(res[q]) + " > tol * norm = " + std::to_string(tol_abs()));
      lock_val.push_back(val[q]);
      lock_res.push_back(res[q]);
    }
    if (l >= k) return finish();
    return start_block();
  }

  bool start_block() {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t q = 0; q < b; ++q)
        W[i * b + q] = q < v0c ? v0[i * v0c + q] : uniform_pm1(seed, (i * b + q) | (1ull << 62));
    std::vector<double> sc(b), G(b * b);
    project_contiguous(W.data(), b, nullptr, sc.data(), G.data());
    orthonormalize_block(W.data(), b, b, sc.data(), nullptr, G.data());
    refill_missing(j);
    j += b;
    return request_extend();
  }

  // The new block W (n x b) becomes columns j - b .. j of the basis (one pass) and, by a swap of
  // buffers (X, Y and W all hold n * max(b, k, c) doubles), the next request's input. W is not
  // read again before finish_extend refills it with A X.
  // The new block W (n x b) becomes the next request's input by a swap of buffers (X, Y and W all
  // hold n * max(b, k, c) doubles), and columns j - b .. j of the basis inside the next
  // projection's first sweep (pending_fill; see gs_pass): X is not overwritten before that.
  bool request_extend() {
    std::swap(X, W);
    pending_fill = true;
    if (iterations >= max_iterations) {
      store_pending_block();
      return finish();
    }
    return request(Stage::Extend, b);
  }

  // Moves the pending block into the basis now, for the readers of V outside the fused sweep.
  void store_pending_block() {
    if (!pending_fill) return;
    pending_fill = false;
    Timer timer(&t_copy);
    double* v = V.data() + (j - b);
    const double* x = X.data();
    with_width(b, [&](auto width) {
      const std::size_t nb = width;
      parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i)
          for (std::size_t q = 0; q < nb; ++q) v[i * m + q] = x[i * nb + q];
      });
    });
  }

  void analyze() {
    Timer timer(&t_analyze);
    ma = j - l;
    theta.resize(ma);
    Yr.resize(ma * ma);
    symmetric_eigen(ma, T.data() + l * m + l, m, theta.data(), Yr.data());
    if (norm_bound <= 0)
      for (double t : theta) anorm = std::max(anorm, std::fabs(t));
    est.assign(ma, 0.0);
    for (std::size_t i = 0; i < ma; ++i) {
      double s2 = 0;
      for (std::size_t p = 0; p < b; ++p) {
        double s = 0;
        for (std::size_t q = p; q < b; ++q) s += R[p * b + q] * Yr[(ma - b + q) * ma + i];
        s2 += s * s;
      }
      est[i] = std::sqrt(s2);
    }
  }

  double t_extend = 0, t_verify = 0, t_solve_total = 0;
  bool finish_extend() {
    Timer timer(&t_extend);
    matvecs += b;
    ++iterations;
    // Y = A X becomes the new block without a copy (both hold n * max(b, k, c) doubles).
    std::swap(W, Y);
    std::vector<double> sc(b), G(b * b);
    project_contiguous(W.data(), b, C.data(), sc.data(), G.data());
    // The new column block of T = V^T A V (both passes' coefficients), mirrored: T stays exactly
    // symmetric. Rows of locked vectors are dropped: projecting them out is the deflation.
    std::size_t j0 = j - b;
    for (std::size_t r = l; r < j0; ++r)
      for (std::size_t q = 0; q < b; ++q) T[r * m + j0 + q] = T[(j0 + q) * m + r] = C[r * b + q];
    for (std::size_t p = 0; p < b; ++p)
      for (std::size_t q = 0; q < b; ++q)
        T[(j0 + p) * m + j0 + q] = 0.5 * (C[(j0 + p) * b + q] + C[(j0 + q) * b + p]);
    orthonormalize_block(W.data(), b, b, sc.data(), R.data(), G.data());
    analyze();
    std::size_t wanted = k - l;
    bool all = ma >= wanted;
    double mr = 0;
    for (std::size_t i = 0; i < std::min(wanted, ma); ++i) {
      mr = std::max(mr, est[i]);
      if (!(est[i] <= tol_abs())) all = false;
    }
    for (double r : lock_res) mr = std::max(mr, r);
    maxres = mr;
    if (all || j + b > m) return plan_restart();
    for (std::size_t p = 0; p < b; ++p)
      for (std::size_t q = 0; q < b; ++q) T[(j + p) * m + j0 + q] = T[(j0 + q) * m + j + p] = R[p * b + q];
    refill_missing(j);  // only where the block ran out with room left: in practice never
    j += b;
    return request_extend();
  }

  bool plan_restart() {
    store_pending_block();  // a no-op: the step's projection stored it (X is overwritten below)
    std::size_t wanted = k - l;
    cands.clear();
    for (std::size_t i = 0; i < std::min(wanted, ma); ++i)
      if (est[i] <= tol_abs()) cands.push_back(i);
    nsel = std::min(ma, cands.size() + (m - l - 2 * b));
    if (cands.empty()) return rebuild({}, {});
    // Only the candidates' Ritz vectors are formed here (into the request block); the basis is
    // rotated in place once the verification has decided which of them lock.
    Timer timer(&t_ritz);
    std::vector<double> Ysel(ma * cands.size());
    for (std::size_t r = 0; r < ma; ++r)
      for (std::size_t q = 0; q < cands.size(); ++q) Ysel[r * cands.size() + q] = Yr[r * ma + cands[q]];
    tall_apply(n, V.data() + l, m, ma, Ysel.data(), cands.size(), 1.0, 0.0, X.data(), cands.size());
    return request(Stage::Verify, cands.size());
  }

  bool finish_verify() {
    Timer timer(&t_verify);
    std::size_t nc = cands.size();
    matvecs += nc;
    std::vector<double> th(nc), res(nc);
    for (std::size_t q = 0; q < nc; ++q) th[q] = theta[cands[q]];
    residual_norms(n, nc, X.data(), Y.data(), th.data(), res.data());
    std::vector<std::size_t> pass, pass_cols;
    std::vector<double> pres;
    for (std::size_t q = 0; q < nc; ++q)
      if (res[q] <= tol_abs()) {
        pass.push_back(cands[q]);
        pass_cols.push_back(q);
        pres.push_back(res[q]);
      }
    return rebuild(pass, pres, pass_cols);
  }

  // The thick restart's basis rotation, in place and row by row (rows are independent):
  // V[:, l0 : l0 + locked + kept] = [the verified vectors (columns `lock_cols` of X, exactly the
  // vectors whose residuals were checked), V[:, l0:j] Yr[:, keep]]. One read and one write of
  // the active basis, where forming all the Ritz vectors in a separate n x nsel block and copying
  // them back cost about twice that (9 of 89 s at n = 200 000, k = 32).
  void rotate_basis(std::size_t l0, const std::vector<std::size_t>& lock_cols, const std::vector<std::size_t>& keep) {
    Timer timer(&t_ritz);
    const std::size_t nl = lock_cols.size(), kk = keep.size(), xc = cands.size();
    std::vector<double> Ykeep(ma * kk);
    for (std::size_t r = 0; r < ma; ++r)
      for (std::size_t q = 0; q < kk; ++q) Ykeep[r * kk + q] = Yr[r * ma + keep[q]];
    parallel_for(0, n, kRowGrain, [&](std::size_t lo, std::size_t hi) {
      std::vector<double> tmp((hi - lo) * kk);
      if (kk > 0)
        gemm<double>(Trans::No, Trans::No, hi - lo, kk, ma, 1.0, V.data() + lo * m + l0, m, Ykeep.data(), kk, 0.0,
                     tmp.data(), kk);
      for (std::size_t i = lo; i < hi; ++i) {
        double* v = V.data() + i * m + l0;
        for (std::size_t q = 0; q < nl; ++q) v[q] = X[i * xc + lock_cols[q]];
        std::copy(tmp.begin() + (i - lo) * kk, tmp.begin() + (i - lo + 1) * kk, v + nl);
      }
    });
  }

  // Thick restart: locks the verified pairs, keeps the leading Ritz vectors and the residual
  // block, and restores the arrowhead projected matrix diag(theta) + coupling to the residual.
  bool rebuild(const std::vector<std::size_t>& lock, const std::vector<double>& lres,
               const std::vector<std::size_t>& lock_cols = {}) {
    const std::size_t l0 = l;
    for (std::size_t q = 0; q < lock.size(); ++q) {
      lock_val.push_back(theta[lock[q]]);
      lock_res.push_back(lres[q]);
    }
    l += lock.size();
    std::vector<std::size_t> keep;
    std::size_t kk = 0;
    if (l < k) {
      for (std::size_t i = 0; i < nsel; ++i)
        if (std::find(lock.begin(), lock.end(), i) == lock.end()) keep.push_back(i);
      std::size_t wanted = k - l;
      kk = std::min({keep.size(), std::max(wanted, (m - l) / 2), m - l - 2 * b});
      keep.resize(kk);
    }
    // The locked vectors, then the kept Ritz vectors, into the basis in one pass.
    if (!lock.empty() || !keep.empty()) rotate_basis(l0, lock_cols, keep);
    if (l >= k) return finish();
    for (std::size_t r = l; r < m; ++r) std::fill(T.begin() + r * m + l, T.begin() + r * m + m, 0.0);
    for (std::size_t i = 0; i < kk; ++i) T[(l + i) * m + l + i] = theta[keep[i]];
    std::size_t q0 = l + kk;
    for (std::size_t p = 0; p < b; ++p)
      for (std::size_t i = 0; i < kk; ++i) {
        double s = 0;
        for (std::size_t q = p; q < b; ++q) s += R[p * b + q] * Yr[(ma - b + q) * ma + keep[i]];
        T[(q0 + p) * m + l + i] = T[(l + i) * m + q0 + p] = s;
      }
    refill_missing(q0);
    j = q0 + b;
    return request_extend();
  }

  bool finish_dense() {
    matvecs += n;
    iterations = 1;
    std::vector<double> M(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t q = 0; q < n; ++q) M[i * n + q] = 0.5 * (Y[i * n + q] + Y[q * n + i]);
    std::vector<double> val(n), vec(n * n);
    std::vector<double> cand_val, cand_vec;  // column-major n-vectors
    if (c > 0) {
      orthonormalize_deflation();
      // P M P with P = I - U U^T, and the deflated directions pushed below the spectrum.
      std::vector<double> MU(n * c), UtMU(c * c), PMP(M);
      gemm<double>(Trans::No, Trans::No, n, c, n, 1.0, M.data(), n, defl.data(), c, 0.0, MU.data(), c);
      gemm<double>(Trans::Yes, Trans::No, c, c, n, 1.0, defl.data(), c, MU.data(), c, 0.0, UtMU.data(), c);
      gemm<double>(Trans::No, Trans::Yes, n, n, c, -1.0, defl.data(), c, MU.data(), c, 1.0, PMP.data(), n);
      gemm<double>(Trans::No, Trans::Yes, n, n, c, -1.0, MU.data(), c, defl.data(), c, 1.0, PMP.data(), n);
      std::vector<double> UC(n * c);
      gemm<double>(Trans::No, Trans::No, n, c, c, 1.0, defl.data(), c, UtMU.data(), c, 0.0, UC.data(), c);
      double shift = 1;
      for (std::size_t i = 0; i < n; ++i) {
        double s = 0;
        for (std::size_t q = 0; q < n; ++q) s += std::fabs(M[i * n + q]);
        shift = std::max(shift, 2 * s + 1);
      }
      gemm<double>(Trans::No, Trans::Yes, n, n, c, 1.0, UC.data(), c, defl.data(), c, 1.0, PMP.data(), n);
      gemm<double>(Trans::No, Trans::Yes, n, n, c, -shift, defl.data(), c, defl.data(), c, 1.0, PMP.data(), n);
      for (std::size_t q = 0; q < c; ++q) {
        double theta = UtMU[q * c + q], r2 = 0;
        for (std::size_t i = 0; i < n; ++i) {
          double d = MU[i * c + q] - theta * defl[i * c + q];
          r2 += d * d;
        }
        double tol_q = tol * (norm_bound > 0 ? norm_bound : std::max(anorm, std::fabs(theta)));
        if (!(std::sqrt(r2) <= tol_q))
          bad_option("deflate column " + std::to_string(q) + " is not an eigenvector of the operator: ||A v - lambda v|| = " +
                     std::to_string(std::sqrt(r2)) + " > tol * norm = " + std::to_string(tol_q));
      }
      for (std::size_t q = 0; q < c; ++q) {
        cand_val.push_back(UtMU[q * c + q]);
        for (std::size_t i = 0; i < n; ++i) cand_vec.push_back(defl[i * c + q]);
      }
      M.swap(PMP);
    }
    symmetric_eigen(n, M.data(), n, val.data(), vec.data());
    std::size_t rest = k > c ? k - c : 0;
    for (std::size_t q = 0; q < rest; ++q) {
      cand_val.push_back(val[q]);
      for (std::size_t i = 0; i < n; ++i) cand_vec.push_back(vec[i * n + q]);
    }
    std::vector<std::size_t> order(cand_val.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t z) { return cand_val[a] > cand_val[z]; });
    order.resize(k);
    if (norm_bound <= 0)
      for (double v : val) anorm = std::max(anorm, std::fabs(v));
    for (double v : cand_val) anorm = std::max(anorm, std::fabs(v));
    d_count = k;
    d_val.resize(k);
    d_vec.assign(n * k, 0.0);
    d_res.resize(k);
    for (std::size_t q = 0; q < k; ++q) {
      const double* v = cand_vec.data() + order[q] * n;
      d_val[q] = cand_val[order[q]];
      for (std::size_t i = 0; i < n; ++i) d_vec[i * k + q] = v[i];
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double a = 0;
        for (std::size_t p = 0; p < n; ++p) a += Y[i * n + p] * v[p];
        a -= d_val[q] * v[i];
        s += a * a;
      }
      d_res[q] = std::sqrt(s);
    }
    maxres = 0;
    for (double r : d_res) maxres = std::max(maxres, r);
    stage = Stage::Done;
    return false;
  }

  bool finish() {
    stage = Stage::Done;
    return false;
  }

  std::size_t converged_count() const {
    if (dense) {
      if (stage != Stage::Done) return 0;
      std::size_t cnt = 0;
      for (double r : d_res) cnt += r <= tol_abs();
      return cnt;
    }
    return l;
  }
};

EigshSolver::EigshSolver(std::size_t n, EigshOptions o) : s_(new State) {
  std::unique_ptr<State> guard(s_);
  State& s = *s_;
  if (n == 0) bad_option("the operator has size 0");
  if (o.k < 1) bad_option("k must be at least 1, got " + std::to_string(o.k));
  if (o.k > n) bad_option("k must be at most n = " + std::to_string(n) + ", got " + std::to_string(o.k));
  if (!(o.tol > 0) || !std::isfinite(o.tol)) bad_option("tol must be a positive finite number");
  if (o.max_iterations < 1) bad_option("maxIterations must be at least 1");
  if (o.v0_cols > 0 && o.v0.size() != n * o.v0_cols) bad_option("v0 must have n rows");
  if (o.deflate_cols > 0 && o.deflate.size() != n * o.deflate_cols) bad_option("deflate must have n rows");
  if (o.deflate_cols > n) bad_option("deflate has more columns than n");
  s.n = n;
  s.k = o.k;
  s.tol = o.tol;
  s.max_iterations = o.max_iterations;
  s.norm_bound = o.norm_bound > 0 && std::isfinite(o.norm_bound) ? o.norm_bound : 0;
  s.seed = o.seed;
  s.v0 = std::move(o.v0);
  s.v0c = o.v0_cols;
  s.defl = std::move(o.deflate);
  s.c = o.deflate_cols;
  std::size_t k = o.k;
  std::size_t b = o.block_size;
  if (b == 0) {
    // Small blocks: on the benchmark graphs (SBM, k = 10 and 32) blocks of 2 vectors needed the
    // fewest products and the least time (k = 10: 100-112 products against 118-121 for blocks of
    // 3, 10-20% less time at n = 2e4 and 2e5; k = 32, n = 2e4: 1028 against 1124); wide blocks
    // (8-16) cost 2-5x the products, because a restart cycle of a fixed basis then reaches a lower
    // polynomial degree. At least 2, so that a repeated eigenvalue is seen twice from the start.
    b = 2;
    if (s.v0c > b) b = s.v0c;
  } else if (s.v0c > b) {
    bad_option("v0 has " + std::to_string(s.v0c) + " columns, more than blockSize = " + std::to_string(b));
  }
  std::size_t m = o.basis_size;
  // Deflated vectors sit in the basis too: the active part keeps its default size.
  std::size_t deflated = std::min(s.c, k);
  // About 2.5 k: a clustered top (the edge of a random graph's bulk) converges in far fewer
  // products with room to keep k Ritz vectors and still grow by ~1.5 k per restart cycle.
  if (m == 0) m = std::max(5 * k / 2 + 2 * b, k + 4 * b) + deflated;
  bool lanczos_fits = std::max(k, s.c) + 2 * b <= m && m <= n;
  if (o.method == EigshOptions::Method::Dense) s.dense = true;
  else if (o.method == EigshOptions::Method::Lanczos) {
    if (!lanczos_fits) {
      if (o.basis_size == 0 && k + 2 * b <= n) {
        m = n;
      } else {
        bad_option("the Lanczos basis (basisSize = " + std::to_string(m) + ") must hold k + 2 * blockSize = " +
                   std::to_string(k + 2 * b) + " vectors and at most n = " + std::to_string(n) +
                   "; use a smaller blockSize or the dense method");
      }
    }
    s.dense = false;
  } else {
    s.dense = n <= kDenseLimit || !lanczos_fits;
    if (s.dense && n > 4096)
      bad_option("k = " + std::to_string(k) + " with blockSize " + std::to_string(b) +
                 " needs a Lanczos basis larger than n; use a smaller k or blockSize");
  }
  if (!s.dense && s.c + 2 * b > m)
    bad_option("deflate has " + std::to_string(s.c) + " columns: the basis (basisSize = " + std::to_string(m) +
               ") must hold them and 2 * blockSize more");
  if (s.v0c > 0 && s.dense) {
    // The dense path computes every pair; a warm start has nothing to shorten.
  }
  s.b = b;
  s.m = m;
  guard.release();
}

EigshSolver::~EigshSolver() { delete s_; }

bool EigshSolver::step() {
  State& s = *s_;
  switch (s.stage) {
    case State::Stage::Init: return s.init();
    case State::Stage::Dense: return s.finish_dense();
    case State::Stage::Deflate: return s.finish_deflate();
    case State::Stage::Extend: return s.finish_extend();
    case State::Stage::Verify: return s.finish_verify();
    case State::Stage::Done: return false;
  }
  return false;
}

const double* EigshSolver::input() const { return s_->X.data(); }
double* EigshSolver::output() { return s_->Y.data(); }
std::size_t EigshSolver::columns() const { return s_->cols; }
std::size_t EigshSolver::n() const { return s_->n; }
std::size_t EigshSolver::iterations() const { return s_->iterations; }
std::size_t EigshSolver::converged() const { return s_->converged_count(); }
double EigshSolver::max_residual() const { return s_->maxres; }
bool EigshSolver::finished() const { return s_->stage == State::Stage::Done; }

EigshResult EigshSolver::result(bool aborted) const {
  const State& s = *s_;
  EigshResult r;
  r.n = s.n;
  r.matvecs = s.matvecs;
  r.iterations = s.iterations;
  r.norm = s.norm_used();
  r.max_residual = s.maxres;
  r.block_size = s.dense ? 0 : s.b;
  r.basis_size = s.dense ? 0 : s.m;
  r.dense = s.dense;
  std::vector<double> val, res;
  std::vector<const double*> src;
  std::size_t stride = 0;
  if (s.dense) {
    if (s.stage == State::Stage::Done)
      for (std::size_t q = 0; q < s.d_count; ++q)
        if (s.d_res[q] <= s.tol_abs()) {
          val.push_back(s.d_val[q]);
          res.push_back(s.d_res[q]);
          src.push_back(s.d_vec.data() + q);
        }
    stride = s.k;
  } else {
    for (std::size_t q = 0; q < s.l && q < s.lock_val.size(); ++q) {
      val.push_back(s.lock_val[q]);
      res.push_back(s.lock_res[q]);
      src.push_back(s.V.data() + q);
    }
    stride = s.m;
  }
  std::vector<std::size_t> order(val.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t z) { return val[a] > val[z]; });
  if (order.size() > s.k) order.resize(s.k);
  r.count = order.size();
  r.values.resize(r.count);
  r.residuals.resize(r.count);
  r.vectors.assign(s.n * r.count, 0.0);
  for (std::size_t q = 0; q < r.count; ++q) {
    r.values[q] = val[order[q]];
    r.residuals[q] = res[order[q]];
    const double* v = src[order[q]];
    for (std::size_t i = 0; i < s.n; ++i) r.vectors[i * r.count + q] = v[i * stride];
  }
  r.status = aborted ? EigshStatus::Aborted
             : r.count == s.k ? EigshStatus::Converged
                              : EigshStatus::NotConverged;
  return r;
}

EigshResult eigsh(const SymmetricOperator& op, const EigshOptions& options, const EigshProgress& progress,
                  const std::atomic<bool>* abort) {
  EigshOptions o = options;
  if (o.norm_bound <= 0) o.norm_bound = op.norm_bound();
  EigshSolver solver(op.size(), std::move(o));
  std::size_t reported = 0;
  double t_multiply = 0;
  struct Report {
    double* t;
    ~Report() {
      if (std::getenv("SPECLIN_EIGSH_TRACE")) std::fprintf(stderr, "eigsh: operator products %.3f s\n", *t);
    }
  } report{&t_multiply};
  bool more = solver.step();
  while (more) {
    if (abort && abort->load(std::memory_order_relaxed)) return solver.result(true);
    {
      Timer timer(&t_multiply);
      op.multiply(solver.input(), solver.output(), solver.columns());
    }
    more = solver.step();
    if (progress && solver.iterations() != reported) {
      reported = solver.iterations();
      progress(reported, solver.converged(), solver.max_residual());
    }
  }
  return solver.result(false);
}

DenseSymmetricOperator::DenseSymmetricOperator(std::size_t n, const double* A) : n_(n), a_(A, A + n * n) {}

void DenseSymmetricOperator::multiply(const double* X, double* Y, std::size_t columns) const {
  gemm<double>(Trans::No, Trans::No, n_, columns, n_, 1.0, a_.data(), n_, X, columns, 0.0, Y, columns);
}

}  // namespace speclin
