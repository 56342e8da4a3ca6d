// The Gram family, BLIS-style: op(A) and op(B) are packed into micro-panels (transposes are
// absorbed by the packing, so one micro-kernel serves all four cases), the loops are blocked for
// the caches (nc columns of B in L3, kc deep, mc rows of A in L2), and a register-blocked
// micro-kernel (gemm_avx2.cc or gemm_portable.cc, chosen at run time) does the arithmetic.
//
// Threads: B's block is packed by all threads together, then the (row block x column range)
// tasks of that block are handed out dynamically. Each element of C is still computed by one
// micro-kernel call per kc block in a fixed order, so results do not depend on the thread count
// or on which thread took which task: the output is bit-identical for any setThreads(n).
#include "gram.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_features.h"
#include "gemm_kernels.h"
#include "thread_pool.h"

namespace speclin {
namespace {

using gemm_detail::KernelSpec;
using gemm_detail::kMaxTile;

template <typename T>
const KernelSpec<T>& active_spec() {
  return active_kernel_path() == KernelPath::Avx2 ? gemm_detail::avx2_spec<T>()
                                                  : gemm_detail::portable_spec<T>();
}

inline std::size_t round_up(std::size_t x, std::size_t m) { return (x + m - 1) / m * m; }

// Packing buffers live per thread and grow on demand, so a stream of small products (a batch,
// or the loss called every training step) never returns to malloc.
enum Slot { kSlotA = 0, kSlotB = 1 };
struct ScratchSlot {
  void* p = nullptr;
  std::size_t bytes = 0;
  ~ScratchSlot() { std::free(p); }
};
void* scratch(Slot slot, std::size_t bytes) {
  thread_local ScratchSlot slots[2];
  ScratchSlot& s = slots[slot];
  if (bytes > s.bytes) {
    std::size_t rounded = round_up(bytes, 64);
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    std::free(s.p);
    s.p = p;
    s.bytes = rounded;
  }
  return s.p;
}

// Runs fn(t) for t in [0, tasks) on up to `threads` threads, handing tasks out in order as
// threads become free (tasks should come heaviest first).
template <typename F>
void run_tasks(std::size_t tasks, int threads, F&& fn) {
  if (threads <= 1 || tasks <= 1) {
    for (std::size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(threads), tasks);
  parallel_for(0, workers, 1, [&](std::size_t, std::size_t) {
    for (std::size_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t);
  });
}

// Rows [i0, i0 + rows) and depth [p0, p0 + kc) of op(A), as ceil(rows / mr) micro-panels of
// mr x kc stored column by column; rows past the end are zero so edge tiles need no branches.
template <typename T>
void pack_a(Trans ta, const T* A, std::size_t lda, std::size_t i0, std::size_t rows, std::size_t p0,
            std::size_t kc, std::size_t mr, T* dst) {
  for (std::size_t ip = 0; ip < rows; ip += mr, dst += mr * kc) {
    std::size_t mv = std::min(mr, rows - ip);
    if (ta == Trans::No) {
      const T* src[kMaxTile];
      for (std::size_t r = 0; r < mv; ++r) src[r] = A + (i0 + ip + r) * lda + p0;
      for (std::size_t p = 0; p < kc; ++p) {
        T* d = dst + p * mr;
        for (std::size_t r = 0; r < mv; ++r) d[r] = src[r][p];
        for (std::size_t r = mv; r < mr; ++r) d[r] = T(0);
      }
    } else {
      for (std::size_t p = 0; p < kc; ++p) {
        const T* s = A + (p0 + p) * lda + i0 + ip;
        T* d = dst + p * mr;
        for (std::size_t r = 0; r < mv; ++r) d[r] = s[r];
        for (std::size_t r = mv; r < mr; ++r) d[r] = T(0);
      }
    }
  }
}

// Columns [j0, j0 + cols) and depth [p0, p0 + kc) of op(B) as micro-panels of kc x nr stored row
// by row, zero-padded like pack_a. `panel_lo..panel_hi` selects which micro-panels to write, so
// the threads can share the work.
template <typename T>
void pack_b(Trans tb, const T* B, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0,
            std::size_t cols, std::size_t nr, std::size_t panel_lo, std::size_t panel_hi, T* dst) {
  for (std::size_t jp = panel_lo; jp < panel_hi; ++jp) {
    std::size_t j = jp * nr;
    std::size_t nv = std::min(nr, cols - j);
    T* d = dst + jp * nr * kc;
    if (tb == Trans::No) {
      for (std::size_t p = 0; p < kc; ++p) {
        const T* s = B + (p0 + p) * ldb + j0 + j;
        T* dp = d + p * nr;
        for (std::size_t c = 0; c < nv; ++c) dp[c] = s[c];
        for (std::size_t c = nv; c < nr; ++c) dp[c] = T(0);
      }
    } else {
      const T* src[kMaxTile];
      for (std::size_t c = 0; c < nv; ++c) src[c] = B + (j0 + j + c) * ldb + p0;
      for (std::size_t p = 0; p < kc; ++p) {
        T* dp = d + p * nr;
        for (std::size_t c = 0; c < nv; ++c) dp[c] = src[c][p];
        for (std::size_t c = nv; c < nr; ++c) dp[c] = T(0);
      }
    }
  }
}

// One task: packed rows [i0, i0 + rows) of A against micro-panels [panel_lo, panel_hi) of the
// packed B block that starts at column jc. `upper`: only tiles that reach the diagonal or above
// (the caller mirrors), which is what makes syrk half the work.
template <typename T>
void macro_kernel(const KernelSpec<T>& s, std::size_t kc, const T* Ap, std::size_t i0, std::size_t rows,
                  const T* Bp, std::size_t jc, std::size_t cols, std::size_t panel_lo,
                  std::size_t panel_hi, T* C, std::size_t ldc, T alpha, T beta, bool upper) {
  alignas(64) T tile[kMaxTile];
  for (std::size_t jp = panel_lo; jp < panel_hi; ++jp) {
    std::size_t j = jp * s.nr;
    std::size_t nv = std::min(s.nr, cols - j);
    std::size_t last_col = jc + j + nv - 1;
    const T* b = Bp + jp * s.nr * kc;
    for (std::size_t ip = 0; ip < rows; ip += s.mr) {
      if (upper && i0 + ip > last_col) break;  // this tile and all below are under the diagonal
      std::size_t mv = std::min(s.mr, rows - ip);
      const T* a = Ap + ip * kc;
      T* c = C + (i0 + ip) * ldc + jc + j;
      if (mv == s.mr && nv == s.nr) {
        s.kernel(kc, a, b, c, ldc, alpha, beta);
      } else {
        s.kernel(kc, a, b, tile, s.nr, T(1), T(0));
        for (std::size_t r = 0; r < mv; ++r)
          for (std::size_t q = 0; q < nv; ++q) {
            T& out = c[r * ldc + q];
            out = beta == T(0) ? alpha * tile[r * s.nr + q] : alpha * tile[r * s.nr + q] + beta * out;
          }
      }
    }
  }
}

// C (upper triangle only when `upper`) = beta * C, for k == 0 or alpha == 0 (BLAS semantics: the
// product is not formed, so NaN in A or B does not reach C).
template <typename T>
void scale_c(std::size_t m, std::size_t n, T beta, T* C, std::size_t ldc, bool upper) {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = upper ? i : 0; j < n; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}

// Products below this many multiply-adds run on the calling thread: waking the pool costs more.
constexpr double kParallelMinFma = 1 << 18;

template <typename T>
void gemm_driver(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* A,
                 std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, bool upper,
                 bool allow_threads) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) {
    scale_c(m, n, beta, C, ldc, upper);
    return;
  }
  const KernelSpec<T>& s = active_spec<T>();
  double fma = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (upper) fma *= 0.5;
  int threads = allow_threads && fma >= kParallelMinFma ? get_threads() : 1;

  const std::size_t nc_max = std::min(s.nc, round_up(n, s.nr));
  const std::size_t kc_max = std::min(s.kc, k);
  T* Bp = static_cast<T*>(scratch(kSlotB, kc_max * round_up(nc_max, s.nr) * sizeof(T)));

  for (std::size_t jc = 0; jc < n; jc += s.nc) {
    const std::size_t cols = std::min(s.nc, n - jc);
    const std::size_t panels = (cols + s.nr - 1) / s.nr;
    // Rows that can hold upper-triangle elements of these columns.
    const std::size_t m_eff = upper ? std::min(m, jc + cols) : m;
    for (std::size_t pc = 0; pc < k; pc += s.kc) {
      const std::size_t kc = std::min(s.kc, k - pc);
      const T beta_eff = pc == 0 ? beta : T(1);

      // Pack B together: each thread takes an equal share of micro-panels.
      std::size_t pack_parts = threads > 1 ? std::min<std::size_t>(panels, threads) : 1;
      run_tasks(pack_parts, threads, [&](std::size_t part) {
        pack_b(tb, B, ldb, pc, kc, jc, cols, s.nr, panels * part / pack_parts,
               panels * (part + 1) / pack_parts, Bp);
      });

      // Tasks: row blocks of mc, each split into column ranges when there are too few row blocks
      // to keep every thread busy (A is then packed once per range, a small cost next to the
      // product).
      const std::size_t row_blocks = (m_eff + s.mc - 1) / s.mc;
      std::size_t splits = 1;
      while (threads > 1 && row_blocks * splits < 4 * static_cast<std::size_t>(threads) &&
             splits * 2 <= panels)
        splits *= 2;
      run_tasks(row_blocks * splits, threads, [&](std::size_t t) {
        const std::size_t rb = t / splits, part = t % splits;
        const std::size_t p_lo = panels * part / splits, p_hi = panels * (part + 1) / splits;
        if (p_lo == p_hi) return;
        const std::size_t i0 = rb * s.mc;
        std::size_t rows = std::min(s.mc, m_eff - i0);
        if (upper) {
          const std::size_t last_col = jc + std::min(cols, p_hi * s.nr) - 1;
          if (i0 > last_col) return;
          rows = std::min(rows, last_col + 1 - i0);
        }
        T* Ap = static_cast<T*>(scratch(kSlotA, round_up(rows, s.mr) * kc * sizeof(T)));
        pack_a(ta, A, lda, i0, rows, pc, kc, s.mr, Ap);
        macro_kernel(s, kc, Ap, i0, rows, Bp, jc, cols, p_lo, p_hi, C, ldc, alpha, beta_eff, upper);
      });
    }
  }
}

// Copies the strict upper triangle of the n x n matrix C onto the lower one, in square blocks
// so that both the rows read and the rows written stay in L1.
template <typename T>
void mirror_upper(std::size_t n, T* C, std::size_t ldc, int threads) {
  constexpr std::size_t bs = 64;
  const std::size_t blocks = (n + bs - 1) / bs;
  // Task t fills lower block-row (blocks - 1 - t): the longest rows first.
  run_tasks(blocks, threads, [&](std::size_t t) {
    const std::size_t rb = blocks - 1 - t;
    const std::size_t r0 = rb * bs, r1 = std::min(n, r0 + bs);
    for (std::size_t cb = 0; cb <= rb; ++cb) {
      const std::size_t c0 = cb * bs, c1 = std::min(n, c0 + bs);
      for (std::size_t i = r0; i < r1; ++i) {
        T* row = C + i * ldc;
        const std::size_t jend = std::min(c1, i);
        for (std::size_t j = c0; j < jend; ++j) row[j] = C[j * ldc + i];
      }
    }
  });
}

template <typename T>
void syrk_driver(Trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda, T beta,
                 T* C, std::size_t ldc, bool allow_threads) {
  if (n == 0) return;
  // op(A) op(A)^T: with op(A) = A (n x k) the right factor is A^T, read through the packing.
  const Trans tb = ta == Trans::No ? Trans::Yes : Trans::No;
  gemm_driver<T>(ta, tb, n, n, k, alpha, A, lda, A, lda, beta, C, ldc, true, allow_threads);
  int threads = allow_threads && static_cast<double>(n) * n >= 1 << 16 ? get_threads() : 1;
  mirror_upper(n, C, ldc, threads);
}

// Runs one(b, threads_inside) over a batch: across the batch when the products are many or
// small (each then runs on one thread, with no pool round trip per product), otherwise one after
// another with threads inside each.
template <typename F>
void for_batch(std::size_t batch, double fma_each, F&& one) {
  const std::size_t threads = static_cast<std::size_t>(get_threads());
  const bool across = batch > 1 && threads > 1 &&
                      (batch >= 4 * threads || fma_each < 64.0 * kParallelMinFma);
  if (!across) {
    for (std::size_t b = 0; b < batch; ++b) one(b, true);
    return;
  }
  parallel_for(0, batch, 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t b = lo; b < hi; ++b) one(b, false);
  });
}

}  // namespace

template <typename T>
void gemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  gemm_driver<T>(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, false, true);
}

template <typename T>
void syrk(Trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda, T beta,
          T* C, std::size_t ldc) {
  syrk_driver<T>(ta, n, k, alpha, A, lda, beta, C, ldc, true);
}

template <typename T>
void gram(const T* Z, T* out, std::size_t batch, std::size_t rows, std::size_t cols) {
  for_batch(batch, 0.5 * rows * rows * cols, [&](std::size_t b, bool threads) {
    syrk_driver<T>(Trans::No, rows, cols, T(1), Z + b * rows * cols, cols, T(0), out + b * rows * rows,
                   rows, threads);
  });
}

template <typename T>
void cross_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t m, std::size_t n,
                std::size_t k) {
  for_batch(batch, static_cast<double>(m) * n * k, [&](std::size_t b, bool threads) {
    gemm_driver<T>(Trans::No, Trans::Yes, m, n, k, T(1), Z + b * m * k, k, W + b * n * k, k, T(0),
                   out + b * m * n, n, false, threads);
  });
}

template <typename T>
void inner_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t r, std::size_t kz,
                std::size_t kw) {
  const bool same = Z == W && kz == kw;
  for_batch(batch, (same ? 0.5 : 1.0) * r * kz * kw, [&](std::size_t b, bool threads) {
    if (same)
      syrk_driver<T>(Trans::Yes, kz, r, T(1), Z + b * r * kz, kz, T(0), out + b * kz * kz, kz, threads);
    else
      gemm_driver<T>(Trans::Yes, Trans::No, kz, kw, r, T(1), Z + b * r * kz, kz, W + b * r * kw, kw,
                     T(0), out + b * kz * kw, kw, false, threads);
  });
}

#define SPECLIN_INSTANTIATE(T)                                                                   \
  template void gemm<T>(Trans, Trans, std::size_t, std::size_t, std::size_t, T, const T*,      \
                        std::size_t, const T*, std::size_t, T, T*, std::size_t);                 \
  template void syrk<T>(Trans, std::size_t, std::size_t, T, const T*, std::size_t, T, T*,       \
                        std::size_t);                                                            \
  template void gram<T>(const T*, T*, std::size_t, std::size_t, std::size_t);                   \
  template void cross_gram<T>(const T*, const T*, T*, std::size_t, std::size_t, std::size_t,    \
                              std::size_t);                                                      \
  template void inner_gram<T>(const T*, const T*, T*, std::size_t, std::size_t, std::size_t,    \
                              std::size_t);
SPECLIN_INSTANTIATE(float)
SPECLIN_INSTANTIATE(double)
#undef SPECLIN_INSTANTIATE

}  // namespace speclin
