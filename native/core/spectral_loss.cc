// Two exact algorithms for the spectral contrastive loss and its gradient (definitions in
// spectral_loss.h). With S = Ẑ Ŵ^T, d_i = S_ii and c, N as in the header:
//
//   dL/dẑ_i = (1/mu) [ -(2/B) ŵ_i + 2c sum_{j:(i,j) in N} S_ij ŵ_j ]
//   dL/dŵ_j = (1/mu) [ -(2/B) ẑ_j + 2c sum_{i:(i,j) in N} S_ij ẑ_i ]
//
// 'pairwise' (O(B^2 k)): strips of S, bi rows at a time, each squared and summed into the loss,
// its diagonal zeroed for off-diagonal negatives, then used for gradZ's rows of the strip
// (S_strip Ŵ) and accumulated into gradW (S_strip^T Ẑ_strip). Only one strip of S exists.
//
// 'gram' (O(B k^2)): sum_{i,j} S_ij^2 = <Ẑ^T Ẑ, Ŵ^T Ŵ>_F and sum_j S_ij ŵ_j = (Ẑ Ŵ^T Ŵ)_i, so
//   negative = c (<G_Z, G_W>_F - [off] sum_i d_i^2) / mu,   G_Z = Ẑ^T Ẑ, G_W = Ŵ^T Ŵ (k x k)
//   dL/dẑ_i  = (2c/mu) (Ẑ G_W)_i + a_i ŵ_i,   dL/dŵ_i = (2c/mu) (Ŵ G_Z)_i + a_i ẑ_i,
//   a_i = -2/(B mu) - [off] (2c/mu) d_i.
// The two algorithms share the row pass (norms, clipping, d_i in float64, the NaN/Inf check,
// and the per-row gradient terms a_i ŵ_i, a_i ẑ_i onto which the GEMMs accumulate) and the final
// pass over the clipped rows (the chain rule through the clipping):
//   ẑ = s z/||z|| (s = sqrt(mu))  =>  dL/dz = (s/||z||) (g - u (u.g)),  u = z/||z||, g = dL/dẑ.
#include "spectral_loss.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gram.h"
#include "thread_pool.h"

namespace speclin {

LossAlgorithm choose_loss_algorithm(std::size_t B, std::size_t k) {
  // Both algorithms cost about 6 multiply-adds per unit of B^2 k (pairwise: three GEMMs of
  // B x B x k) or B k^2 (gram: two half-cost SYRKs and two B x k x k GEMMs), so they cross near
  // B = k. Measured with the packed AVX2 Gram kernels now on main (float32, mu = 1, 2 threads,
  // best of 5), time(pairwise) / time(gram) at B/k = 0.5, 0.75, 1, 1.25, 1.5:
  //   k = 512:  0.50, 0.88, 1.26, 1.33, 1.37        k = 1024: 0.52, 0.62, 1.18, 1.13, 1.53
  // so the crossover is at B ~ 0.9 k (the pairwise path's O(B^2) elementwise pass and its
  // strip-sized GEMMs cost it a little). `npm run bench -- loss` prints the k = 256 crossover.
  return static_cast<double>(B) < 0.9 * static_cast<double>(k) ? LossAlgorithm::Pairwise
                                                                : LossAlgorithm::Gram;
}

namespace {

// Per-row facts from the one pass over the inputs.
struct Rows {
  std::vector<double> scale_z, scale_w;  // the clipping factor (1 when not clipped)
  std::vector<double> norm_z, norm_w;    // ||z_i||, ||w_i|| of the unclipped rows
  std::vector<double> diag;              // d_i = ẑ_i.ŵ_i
  // Clipped rows; kept apart from the scale because a row of norm exactly sqrt(mu) is clipped
  // (as in the reference) with a scale of 1, and its gradient still goes through the projection.
  std::vector<unsigned char> clipped_z, clipped_w;
};

inline double lanes_sum(const double* v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// The per-row loops of the two element-wise passes, which run in float64. On x86-64 Linux each
// is compiled twice, for AVX2 and for the baseline (SSE2's two float64 lanes), and the loader
// picks one for the CPU (target_clones): at (4096, 128) these loops were a quarter of the loss's
// single-threaded time on the baseline path. FMA is not enabled in either clone, so both round
// identically and the results do not depend on which one runs.
// Not under the sanitizers: the clones' resolver runs while the program is being relocated,
// before ThreadSanitizer's runtime is set up, and crashed it.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SPECLIN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SPECLIN_SANITIZED 1
#endif
#endif
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SPECLIN_SANITIZED)
#define SPECLIN_ROW_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SPECLIN_ROW_CLONES
#endif
#define SPECLIN_INLINE inline __attribute__((always_inline))

// out = {z.z, w.w, z.w} in float64, eight independent lanes per sum (a fixed order).
template <typename T>
SPECLIN_INLINE void row_dots_impl(const T* z, const T* w, std::size_t k, double* out) {
  double zz8[8] = {}, ww8[8] = {}, zw8[8] = {};
  std::size_t j = 0;
  for (; j + 8 <= k; j += 8)
    for (int l = 0; l < 8; ++l) {
      double a = z[j + l], b = w[j + l];
      zz8[l] += a * a;
      ww8[l] += b * b;
      zw8[l] += a * b;
    }
  for (; j < k; ++j) {
    double a = z[j], b = w[j];
    zz8[0] += a * a;
    ww8[0] += b * b;
    zw8[0] += a * b;
  }
  out[0] = lanes_sum(zz8);
  out[1] = lanes_sum(ww8);
  out[2] = lanes_sum(zw8);
}

// out = x scaled by f (rounded from float64; a copy when f == 1).
template <typename T>
SPECLIN_INLINE void row_scale_impl(const T* x, std::size_t k, double f, T* out) {
  if (f == 1.0)
    for (std::size_t j = 0; j < k; ++j) out[j] = x[j];
  else
    for (std::size_t j = 0; j < k; ++j) out[j] = static_cast<T>(x[j] * f);
}

// out = a x in T.
template <typename T>
SPECLIN_INLINE void row_times_impl(const T* x, std::size_t k, T a, T* out) {
  for (std::size_t j = 0; j < k; ++j) out[j] = a * x[j];
}

// g <- g + a x in T (a x rounded first, as the kernels' beta = 1 path added it before).
template <typename T>
SPECLIN_INLINE void row_add_times_impl(T* g, const T* x, std::size_t k, T a) {
  for (std::size_t j = 0; j < k; ++j) g[j] = g[j] + static_cast<T>(a * x[j]);
}

// g <- f g - (f inv^2 (x.g)) x in float64: with inv = 1/||x|| and f = s/||x||, the gradient through
// x -> s x/||x||.
template <typename T>
SPECLIN_INLINE void row_unclip_impl(T* g, const T* x, std::size_t k, double inv, double f) {
  double xg8[8] = {};
  std::size_t j = 0;
  for (; j + 8 <= k; j += 8)
    for (int l = 0; l < 8; ++l) xg8[l] += static_cast<double>(x[j + l]) * static_cast<double>(g[j + l]);
  for (; j < k; ++j) xg8[0] += static_cast<double>(x[j]) * static_cast<double>(g[j]);
  const double ug = lanes_sum(xg8) * inv;
  const double fu = f * inv * ug;
  for (j = 0; j < k; ++j) g[j] = static_cast<T>(f * static_cast<double>(g[j]) - fu * static_cast<double>(x[j]));
}

// The clones are plain functions (clang clones no templates), one per dtype.
#define SPECLIN_ROW_FUNCTIONS(T)                                                                          \
  SPECLIN_ROW_CLONES void row_dots(const T* z, const T* w, std::size_t k, double* out) {                \
    row_dots_impl(z, w, k, out);                                                                         \
  }                                                                                                      \
  SPECLIN_ROW_CLONES void row_scale(const T* x, std::size_t k, double f, T* out) {                      \
    row_scale_impl(x, k, f, out);                                                                        \
  }                                                                                                      \
  SPECLIN_ROW_CLONES void row_times(const T* x, std::size_t k, T a, T* out) { row_times_impl(x, k, a, out); } \
  SPECLIN_ROW_CLONES void row_add_times(T* g, const T* x, std::size_t k, T a) { row_add_times_impl(g, x, k, a); } \
  SPECLIN_ROW_CLONES void row_unclip(T* g, const T* x, std::size_t k, double inv, double f) {           \
    row_unclip_impl(g, x, k, inv, f);                                                                    \
  }
SPECLIN_ROW_FUNCTIONS(float)
SPECLIN_ROW_FUNCTIONS(double)
#undef SPECLIN_ROW_FUNCTIONS

template <typename T>
[[noreturn]] void report_non_finite(const T* X, const char* name, std::size_t i, std::size_t k) {
  for (std::size_t j = 0; j < k; ++j)
    if (!std::isfinite(static_cast<double>(X[i * k + j])))
      throw std::invalid_argument(std::string("spectralLoss: ") + name + " contains " +
                                  (std::isnan(static_cast<double>(X[i * k + j])) ? "NaN" : "Infinity") +
                                  " at row " + std::to_string(i) + ", column " + std::to_string(j) +
                                  "; a non-finite embedding would make the loss NaN");
  throw std::invalid_argument(std::string("spectralLoss: ") + name + " row " + std::to_string(i) +
                              " is too large: its squared norm overflows float64");
}

// Computes norms and d_i in float64, checks finiteness, and writes the clipped rows into Zc/Wc
// (when clipping is on). With gradients, it also starts them with their per-row terms,
// gZ_i = a_i ŵ_i and gW_i = a_i ẑ_i, a_i = a0 - a_diag d_i, while the rows are in cache: the GEMMs
// then accumulate onto them (beta = 1). Non-finite rows are located after the parallel pass so
// the reported row is the first one, whatever the thread count.
template <typename T>
Rows row_pass(const T* Z, const T* W, std::size_t B, std::size_t k, const SpectralLossOptions& o,
              T* Zc, T* Wc, T* gZ, T* gW, double a0, double a_diag, SpectralLossResult& r) {
  Rows rows;
  rows.scale_z.assign(B, 1.0);
  rows.scale_w.assign(B, 1.0);
  rows.norm_z.resize(B);
  rows.norm_w.resize(B);
  rows.diag.resize(B);
  rows.clipped_z.assign(B, 0);
  rows.clipped_w.assign(B, 0);
  const double s = std::sqrt(o.mu);
  parallel_for(0, B, std::max<std::size_t>(1, 16384 / k), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const T* z = Z + i * k;
      const T* w = W + i * k;
      double dots[3];
      row_dots(z, w, k, dots);
      const double zz = dots[0], ww = dots[1], zw = dots[2];
      double nz = std::sqrt(zz), nw = std::sqrt(ww);
      rows.norm_z[i] = nz;
      rows.norm_w[i] = nw;
      if (!std::isfinite(nz) || !std::isfinite(nw)) {
        rows.diag[i] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      // The reference keeps a row only when its norm is strictly below sqrt(mu).
      rows.clipped_z[i] = o.clip && !(nz < s);
      rows.clipped_w[i] = o.clip && !(nw < s);
      double sz = rows.clipped_z[i] ? s / nz : 1.0;
      double sw = rows.clipped_w[i] ? s / nw : 1.0;
      rows.scale_z[i] = sz;
      rows.scale_w[i] = sw;
      rows.diag[i] = zw * sz * sw;
      if (o.clip) {
        row_scale(z, k, sz, Zc + i * k);
        row_scale(w, k, sw, Wc + i * k);
      }
      if (gZ) {
        const T ai = static_cast<T>(a0 - a_diag * rows.diag[i]);
        row_times(o.clip ? Wc + i * k : w, k, ai, gZ + i * k);
        row_times(o.clip ? Zc + i * k : z, k, ai, gW + i * k);
      }
    }
  });
  for (std::size_t i = 0; i < B; ++i) {
    if (!std::isfinite(rows.norm_z[i])) report_non_finite(Z, "Z", i, k);
    if (!std::isfinite(rows.norm_w[i])) report_non_finite(W, "W", i, k);
    r.clipped_z += rows.clipped_z[i];
    r.clipped_w += rows.clipped_w[i];
  }
  return rows;
}

// Work arrays every element of which is written before it is read: no zero-filling pass. Freed
// blocks are kept per thread (a few, up to kKeptScratchBytes) for the next call: a training loop
// calls the loss with the same shapes every step, and fresh blocks of megabytes cost a page fault
// per 4 KiB (a tenth of the loss's time at (4096, 128) in a profile).
constexpr std::size_t kKeptScratchBytes = std::size_t{32} << 20;
constexpr std::size_t kKeptScratchBlocks = 8;
struct ScratchCache {
  std::vector<std::pair<void*, std::size_t>> blocks;
  std::size_t bytes = 0;
  ~ScratchCache() {
    for (auto& b : blocks) std::free(b.first);
  }
};
thread_local ScratchCache t_scratch;

struct ScratchFree {
  std::size_t bytes = 0;
  void operator()(void* p) const {
    if (!p) return;
    ScratchCache& c = t_scratch;
    if (c.blocks.size() >= kKeptScratchBlocks || c.bytes + bytes > kKeptScratchBytes) {
      std::free(p);
      return;
    }
    c.blocks.emplace_back(p, bytes);
    c.bytes += bytes;
  }
};
template <typename T>
using Scratch = std::unique_ptr<T[], ScratchFree>;

template <typename T>
Scratch<T> scratch(std::size_t n) {
  const std::size_t bytes = std::max<std::size_t>(1, n * sizeof(T));
  ScratchCache& c = t_scratch;
  // A kept block at least as large, and not more than twice as large (a small request must not
  // pin a large block).
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    auto [p, size] = c.blocks[i];
    if (size >= bytes && size / 2 <= bytes) {
      c.blocks.erase(c.blocks.begin() + static_cast<std::ptrdiff_t>(i));
      c.bytes -= size;
      return Scratch<T>(static_cast<T*>(p), ScratchFree{size});
    }
  }
  void* p = std::malloc(bytes);
  if (!p) throw std::bad_alloc();
  return Scratch<T>(static_cast<T*>(p), ScratchFree{bytes});
}

// Sums per-row partials in index order: the same result for any thread count.
double ordered_sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// sum_{i,j} G[i][j] * H[i][j] in float64.
template <typename T>
double frobenius_dot(const T* G, const T* H, std::size_t k) {
  std::vector<double> part(k);
  parallel_for(0, k, std::max<std::size_t>(1, 65536 / k), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t a = lo; a < hi; ++a) {
      double acc = 0;
      for (std::size_t b = 0; b < k; ++b)
        acc += static_cast<double>(G[a * k + b]) * static_cast<double>(H[a * k + b]);
      part[a] = acc;
    }
  });
  return ordered_sum(part);
}

// The chain rule through the clipping, on the clipped rows only.
template <typename T>
void unclip_gradient(T* G, const std::vector<unsigned char>& clipped, const std::vector<double>& scale,
                     const std::vector<double>& norm, const T* X, std::size_t B, std::size_t k) {
  parallel_for(0, B, std::max<std::size_t>(1, 16384 / k), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!clipped[i]) continue;
      // Clipped row: project out the radial direction u = x/||x||, then scale by s/||x||.
      row_unclip(G + i * k, X + i * k, k, 1.0 / norm[i], scale[i]);
    }
  });
}

// The 'gram' gradients: gradZ = alpha Ẑ G_W + a_i ŵ_i and gradW = alpha Ŵ G_Z + a_i ẑ_i
// (a_i = a0 - a_diag d_i), then the chain rule through the clipping, all in one pass per gradient:
// the per-row terms and the unclipping run as the product's epilogue on each block of rows while
// it is in cache. Before, the row pass wrote the per-row terms for the product to accumulate
// onto and a last pass re-read both gradients and inputs: two memory passes over four B x k
// arrays that the epilogue avoids. The roundings are those of the separate passes (a_i ŵ_i rounded
// and added to the rounded product, the unclipping in float64) except that for k beyond one depth
// block of the kernels the per-row term is now added last instead of first.
template <typename T>
void gram_gradients(const T* Z, const T* W, const T* Zh, const T* Wh, const T* GZ, const T* GW, std::size_t B,
                    std::size_t k, double alpha, const Rows& rows, double a0, double a_diag, T* gradZ, T* gradW) {
  struct Side {
    const T *X, *Xh_other;  // the input (unclipped) and the other tower's clipped rows
    const unsigned char* clipped;
    const double *scale, *norm;
    T* G;
  };
  auto epilogue = [&](const Side& side) {
    return [&rows, &side, k, a0, a_diag](std::size_t i0, std::size_t count) {
      for (std::size_t i = i0; i < i0 + count; ++i) {
        T* g = side.G + i * k;
        row_add_times(g, side.Xh_other + i * k, k, static_cast<T>(a0 - a_diag * rows.diag[i]));
        if (side.clipped[i]) row_unclip(g, side.X + i * k, k, 1.0 / side.norm[i], side.scale[i]);
      }
    };
  };
  const Side z{Z, Wh, rows.clipped_z.data(), rows.scale_z.data(), rows.norm_z.data(), gradZ};
  const Side w{W, Zh, rows.clipped_w.data(), rows.scale_w.data(), rows.norm_w.data(), gradW};
  tall_skinny_update<T, T, T>(B, k, k, static_cast<T>(alpha), Zh, k, GW, k, T(0), gradZ, k, epilogue(z));
  tall_skinny_update<T, T, T>(B, k, k, static_cast<T>(alpha), Wh, k, GZ, k, T(0), gradW, k, epilogue(w));
}

template <typename T>
void pairwise(const T* Zh, const T* Wh, std::size_t B, std::size_t k, bool off, double alpha,
              std::vector<double>& row_sq, T* gZ, T* gW) {
  // A strip of about 2^19 elements (2 MiB in float32) stays near the cache between the GEMM that
  // writes it and the two that read it; at least 32 rows keeps those GEMMs efficient.
  std::size_t bi = std::min<std::size_t>(B, std::clamp<std::size_t>((std::size_t{1} << 19) / B, 32, 256));
  Scratch<T> S = scratch<T>(bi * B);
  const bool grads = gZ != nullptr;
  for (std::size_t i0 = 0; i0 < B; i0 += bi) {
    std::size_t m = std::min(bi, B - i0);
    gemm<T>(Trans::No, Trans::Yes, m, B, k, T(1), Zh + i0 * k, k, Wh, k, T(0), S.get(), B);
    parallel_for(0, m, 4, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t r = lo; r < hi; ++r) {
        T* s = S.get() + r * B;
        std::size_t i = i0 + r;
        if (off) s[i] = T(0);  // excluded from both the sum and the gradient
        // Four independent accumulators: a fixed order, and no serial dependence chain.
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        std::size_t j = 0;
        for (; j + 4 <= B; j += 4) {
          double x0 = s[j], x1 = s[j + 1], x2 = s[j + 2], x3 = s[j + 3];
          a0 += x0 * x0;
          a1 += x1 * x1;
          a2 += x2 * x2;
          a3 += x3 * x3;
        }
        for (; j < B; ++j) a0 += static_cast<double>(s[j]) * s[j];
        row_sq[i] = (a0 + a1) + (a2 + a3);
      }
    });
    if (!grads) continue;
    // Both accumulate onto the per-row terms the row pass wrote.
    gemm<T>(Trans::No, Trans::No, m, k, B, static_cast<T>(alpha), S.get(), B, Wh, k, T(1),
            gZ + i0 * k, k);
    gemm<T>(Trans::Yes, Trans::No, B, k, m, static_cast<T>(alpha), S.get(), B, Zh + i0 * k, k,
            T(1), gW, k);
  }
}

template <typename T>
void check_arguments(std::size_t B, std::size_t k, const SpectralLossOptions& o, const T* gradZ, const T* gradW) {
  if (B == 0 || k == 0) throw std::invalid_argument("spectralLoss: Z and W must have at least one row and one column");
  if (o.clip && !(std::isfinite(o.mu) && o.mu > 0))
    throw std::invalid_argument("spectralLoss: mu must be a finite number > 0, got " + std::to_string(o.mu));
  if ((gradZ == nullptr) != (gradW == nullptr))
    throw std::invalid_argument("spectralLoss: gradZ and gradW must both be given or both be null");
}

// B is the whole batch's size (all shards' rows in the distributed form).
void check_batch(std::size_t B, bool off) {
  if (off && B < 2)
    throw std::invalid_argument("spectralLoss: off-diagonal negatives need a batch of at least 2 pairs, got B = " +
                                std::to_string(B) + " (use negatives: 'all' for B = 1)");
}

// The coefficients both algorithms and the distributed form share, for a batch of B pairs.
struct Coefficients {
  double mu, c, alpha, a0;
  Coefficients(const SpectralLossOptions& o, double B) {
    mu = o.clip ? o.mu : 1.0;
    c = o.negatives == Negatives::OffDiagonal ? 1.0 / (B * (B - 1.0)) : 1.0 / (B * B);
    alpha = 2.0 * c / mu;
    a0 = -2.0 / (B * mu);
  }
};

}  // namespace

template <typename T>
SpectralLossResult spectral_loss(const T* Z, const T* W, std::size_t B, std::size_t k,
                                 const SpectralLossOptions& o, T* gradZ, T* gradW) {
  const bool off = o.negatives == Negatives::OffDiagonal;
  check_arguments(B, k, o, gradZ, gradW);
  check_batch(B, off);

  SpectralLossResult r;
  r.algorithm = o.algorithm == LossAlgorithm::Auto ? choose_loss_algorithm(B, k) : o.algorithm;
  const double Bd = static_cast<double>(B);
  const Coefficients coef(o, Bd);
  const double mu = coef.mu, c = coef.c, alpha = coef.alpha;

  Scratch<T> Zc, Wc;
  if (o.clip) {
    Zc = scratch<T>(B * k);
    Wc = scratch<T>(B * k);
  }
  const bool gram_path = r.algorithm == LossAlgorithm::Gram;
  // The per-row gradient coefficient: the positive term and, for 'gram' with off-diagonal
  // negatives, the diagonal that <G_Z, G_W> includes and N excludes ('pairwise' zeroes it in S).
  const double a_diag = gram_path && off ? alpha : 0.0;
  // 'gram' adds the per-row gradient terms in its products' epilogue; 'pairwise' accumulates its
  // products onto them.
  Rows rows = gram_path ? row_pass<T>(Z, W, B, k, o, Zc.get(), Wc.get(), nullptr, nullptr, 0.0, 0.0, r)
                        : row_pass(Z, W, B, k, o, Zc.get(), Wc.get(), gradZ, gradW, coef.a0, a_diag, r);
  const T* Zh = o.clip ? Zc.get() : Z;
  const T* Wh = o.clip ? Wc.get() : W;

  r.positive = -2.0 / Bd * ordered_sum(rows.diag) / mu;
  const bool grads = gradZ != nullptr;

  if (r.algorithm == LossAlgorithm::Pairwise) {
    std::vector<double> row_sq(B);
    pairwise(Zh, Wh, B, k, off, alpha, row_sq, gradZ, gradW);
    r.negative = c * ordered_sum(row_sq) / mu;
  } else {
    Scratch<T> GZ = scratch<T>(k * k), GW = scratch<T>(k * k);
    inner_gram<T>(Zh, Zh, GZ.get(), 1, B, k, k);
    inner_gram<T>(Wh, Wh, GW.get(), 1, B, k, k);
    double total = frobenius_dot(GZ.get(), GW.get(), k);
    if (off) {
      double dd = 0;
      for (double d : rows.diag) dd += d * d;
      total -= dd;
    }
    r.negative = c * total / mu;
    if (grads) gram_gradients(Z, W, Zh, Wh, GZ.get(), GW.get(), B, k, alpha, rows, coef.a0, a_diag, gradZ, gradW);
  }
  r.loss = r.positive + r.negative;
  if (grads && !gram_path && (r.clipped_z || r.clipped_w)) {
    unclip_gradient(gradZ, rows.clipped_z, rows.scale_z, rows.norm_z, Z, B, k);
    unclip_gradient(gradW, rows.clipped_w, rows.scale_w, rows.norm_w, W, B, k);
  }
  return r;
}

std::size_t spectral_loss_statistics_size(std::size_t k) { return 5 + 2 * k * k; }

template <typename T>
void spectral_loss_statistics(const T* Z, const T* W, std::size_t B, std::size_t k, const SpectralLossOptions& o,
                              double* stats) {
  check_arguments<T>(B, k, o, nullptr, nullptr);
  SpectralLossResult r;
  Scratch<T> Zc, Wc;
  if (o.clip) {
    Zc = scratch<T>(B * k);
    Wc = scratch<T>(B * k);
  }
  Rows rows = row_pass<T>(Z, W, B, k, o, Zc.get(), Wc.get(), nullptr, nullptr, 0.0, 0.0, r);
  double dd = 0;
  for (double d : rows.diag) dd += d * d;
  stats[0] = static_cast<double>(B);
  stats[1] = ordered_sum(rows.diag);
  stats[2] = dd;
  stats[3] = static_cast<double>(r.clipped_z);
  stats[4] = static_cast<double>(r.clipped_w);
  // The shard's Gram matrices in its dtype (as the single-process 'gram' path computes them), then
  // widened: the sum over shards is in float64.
  Scratch<T> G = scratch<T>(k * k);
  const T* hats[2] = {o.clip ? Zc.get() : Z, o.clip ? Wc.get() : W};
  for (int m = 0; m < 2; ++m) {
    inner_gram<T>(hats[m], hats[m], G.get(), 1, B, k, k);
    for (std::size_t i = 0; i < k * k; ++i) stats[5 + m * k * k + i] = static_cast<double>(G[i]);
  }
}

template <typename T>
SpectralLossResult spectral_loss_from_statistics(const T* Z, const T* W, std::size_t B, std::size_t k,
                                                 const SpectralLossOptions& o, const double* stats, T* gradZ,
                                                 T* gradW) {
  const bool off = o.negatives == Negatives::OffDiagonal;
  check_arguments(B, k, o, gradZ, gradW);
  const double Bd = stats[0];
  if (!(Bd >= static_cast<double>(B)) || Bd != std::floor(Bd))
    throw std::invalid_argument("spectralLoss: the summed statistics count " + std::to_string(Bd) +
                                " rows, fewer than this shard's " + std::to_string(B) +
                                "; sum every shard's statistics (and only those) before this call");
  check_batch(static_cast<std::size_t>(Bd), off);
  const Coefficients coef(o, Bd);
  SpectralLossResult r;
  r.algorithm = LossAlgorithm::Gram;
  Scratch<T> Zc, Wc;
  if (o.clip) {
    Zc = scratch<T>(B * k);
    Wc = scratch<T>(B * k);
  }
  Rows rows = row_pass<T>(Z, W, B, k, o, Zc.get(), Wc.get(), nullptr, nullptr, 0.0, 0.0, r);
  const double* GZ = stats + 5;
  const double* GW = stats + 5 + k * k;
  r.positive = -2.0 / Bd * stats[1] / coef.mu;
  r.negative = coef.c * (frobenius_dot(GZ, GW, k) - (off ? stats[2] : 0.0)) / coef.mu;
  r.loss = r.positive + r.negative;
  r.clipped_z = static_cast<std::size_t>(stats[3]);
  r.clipped_w = static_cast<std::size_t>(stats[4]);
  if (gradZ) {
    Scratch<T> GZt = scratch<T>(k * k), GWt = scratch<T>(k * k);
    for (std::size_t i = 0; i < k * k; ++i) {
      GZt[i] = static_cast<T>(GZ[i]);
      GWt[i] = static_cast<T>(GW[i]);
    }
    const T* Zh = o.clip ? Zc.get() : Z;
    const T* Wh = o.clip ? Wc.get() : W;
    gram_gradients(Z, W, Zh, Wh, GZt.get(), GWt.get(), B, k, coef.alpha, rows, coef.a0, off ? coef.alpha : 0.0,
                   gradZ, gradW);
  }
  return r;
}

template void spectral_loss_statistics<float>(const float*, const float*, std::size_t, std::size_t,
                                              const SpectralLossOptions&, double*);
template void spectral_loss_statistics<double>(const double*, const double*, std::size_t, std::size_t,
                                               const SpectralLossOptions&, double*);
template SpectralLossResult spectral_loss_from_statistics<float>(const float*, const float*, std::size_t, std::size_t,
                                                                 const SpectralLossOptions&, const double*, float*,
                                                                 float*);
template SpectralLossResult spectral_loss_from_statistics<double>(const double*, const double*, std::size_t,
                                                                  std::size_t, const SpectralLossOptions&,
                                                                  const double*, double*, double*);

template SpectralLossResult spectral_loss<float>(const float*, const float*, std::size_t, std::size_t,
                                                 const SpectralLossOptions&, float*, float*);
template SpectralLossResult spectral_loss<double>(const double*, const double*, std::size_t, std::size_t,
                                                  const SpectralLossOptions&, double*, double*);

}  // namespace speclin
