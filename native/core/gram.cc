// The Gram family, BLIS-style: op(B) is packed into micro-panels (transposes are absorbed by the
// packing), op(A) is read in place when row-major and packed otherwise, the loops are blocked
// for the caches (kc deep, mc rows of A in L2, a task's columns of B in L2/L3), and a
// register-blocked micro-kernel (gemm_avx512.cc, gemm_avx2.cc or gemm_portable.cc, chosen at run
// time) does the arithmetic.
//
// Threads: the output is cut into rectangles handed out dynamically in one parallel round; each
// packs its own columns of B. Each element of C is computed by one micro-kernel call per kc
// block, in a fixed order, whichever thread takes its rectangle: the output is bit-identical for
// any setThreads(n).
#include "gram.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "gemm_kernels.h"
#include "thread_pool.h"

namespace speclin {
namespace {

using gemm_detail::active_spec;
using gemm_detail::KernelSpec;
using gemm_detail::kMaxTile;

std::atomic<bool> g_avx512_allowed{true};

bool cpu_has_avx512() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = [] {
    __builtin_cpu_init();
    return gemm_detail::avx512_compiled() && __builtin_cpu_supports("avx512f") && cpu_has_avx2_fma();
  }();
  return has;
#else
  return false;
#endif
}

// The AVX2 path (cpu_features) uses the AVX-512 kernels where the CPU has them: same packing and
// blocking logic, twice the arithmetic per instruction.
bool use_avx512() {
  return active_kernel_path() == KernelPath::Avx2 && g_avx512_allowed.load() && cpu_has_avx512();
}

inline std::size_t round_up(std::size_t x, std::size_t m) { return (x + m - 1) / m * m; }

// Packing buffers live per thread and grow on demand, so a stream of small products (a batch,
// or the loss called every training step) never returns to malloc.
enum Slot { kSlotA = 0, kSlotB = 1, kSlotMirror = 2 };
struct ScratchSlot {
  void* p = nullptr;
  std::size_t bytes = 0;
  ~ScratchSlot() { std::free(p); }
};
void* scratch(Slot slot, std::size_t bytes) {
  thread_local ScratchSlot slots[3];
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
            std::size_t cols, std::size_t nr, std::size_t panel_lo, std::size_t panel_hi,
            gemm_detail::PackTransposed<T> pack_bt, T* dst) {
  for (std::size_t jp = panel_lo; jp < panel_hi; ++jp) {
    std::size_t j = jp * nr;
    std::size_t nv = std::min(nr, cols - j);
    T* d = dst + jp * nr * kc;
    if (tb == Trans::Yes && pack_bt && nv == nr) {
      pack_bt(B + (j0 + j) * ldb + p0, ldb, kc, d);
    } else if (tb == Trans::No) {
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

// Where a task's rows of op(A) come from: read in place (`direct`, op(A) = A row-major, element
// (i, p) at direct[i * lda + p]), or packed into `packed`, sliver after sliver.
template <typename T>
struct ASource {
  const T* direct;
  std::size_t lda;
  const T* packed;
};

// dst[0..n) = src[0..n). With `stream`, whole 16-byte groups go out as non-temporal stores: the
// lower triangle of a large Gram matrix is not read again soon, and streaming it skips the
// read-for-ownership of every line, which otherwise makes the mirror cost as much memory
// traffic as the product's own stores.
inline void copy_row(float* dst, const float* src, std::size_t n, bool stream) {
  std::size_t r = 0;
#if defined(__SSE2__)
  if (stream) {
    for (; r < n && (reinterpret_cast<std::uintptr_t>(dst + r) & 15); ++r) dst[r] = src[r];
    for (; r + 4 <= n; r += 4) _mm_stream_ps(dst + r, _mm_loadu_ps(src + r));
  }
#endif
  for (; r < n; ++r) dst[r] = src[r];
}
inline void copy_row(double* dst, const double* src, std::size_t n, bool stream) {
  std::size_t r = 0;
#if defined(__SSE2__)
  if (stream) {
    for (; r < n && (reinterpret_cast<std::uintptr_t>(dst + r) & 15); ++r) dst[r] = src[r];
    for (; r + 2 <= n; r += 2) _mm_stream_pd(dst + r, _mm_loadu_pd(src + r));
  }
#endif
  for (; r < n; ++r) dst[r] = src[r];
}

// What a task writes: the whole tile (gemm), or for syrk only the upper triangle, and on the
// last kc block also its mirror image in the lower triangle.
enum class Part { All, Upper, UpperAndMirror };

// One task: rows [i0, i0 + rows) of op(A) against micro-panels [panel_lo, panel_hi) of the
// packed B block that starts at column jc. For syrk, tiles wholly below the diagonal are skipped
// (that is the half of the work saved); tiles that cross it go through the scratch tile so that
// only their upper part is stored; and the mirror image of each finished tile is written while
// it is still in cache, so that every lower element is written once, by the copy of its upper
// twin. (A separate transpose pass over C would re-read it from memory at a large stride.)
template <typename T>
void macro_kernel(const KernelSpec<T>& s, std::size_t kc, const ASource<T>& A, std::size_t i0,
                  std::size_t rows, const T* Bp, std::size_t jc, std::size_t cols, std::size_t panel_lo,
                  std::size_t panel_hi, T* C, std::size_t ldc, T alpha, T beta, Part part, bool stream,
                  bool stream_c) {
  // Non-temporal tile stores need 32-byte aligned rows: C's start and its row pitch.
  stream_c = stream_c && beta == T(0) && part == Part::All && s.kernel_stream[s.mr] &&
             reinterpret_cast<std::uintptr_t>(C) % s.stream_align == 0 &&
             (ldc * sizeof(T)) % s.stream_align == 0;
  alignas(64) T tile[kMaxTile];
  const bool upper = part != Part::All;
  // Finished tiles of one column panel, transposed (nr x rows), gathered so that the lower
  // triangle is written in whole rows: storing each tile's mirror directly would touch nr rows
  // of C per tile at a stride that, for power-of-two sizes, maps them all to one L1 set.
  const std::size_t mld = round_up(rows, s.mr) + 8;  // + the slack transpose_tile may write
  T* mirror = part == Part::UpperAndMirror
                  ? static_cast<T*>(scratch(kSlotMirror, s.nr * mld * sizeof(T)))
                  : nullptr;
  for (std::size_t jp = panel_lo; jp < panel_hi; ++jp) {
    const std::size_t j = jp * s.nr;
    const std::size_t nv = std::min(s.nr, cols - j);
    const std::size_t first_col = jc + j, last_col = first_col + nv - 1;
    const T* b = Bp + jp * s.nr * kc;
    std::size_t done = 0;
    for (std::size_t ip = 0; ip < rows; ip += s.mr) {
      const std::size_t row0 = i0 + ip;
      if (upper && row0 > last_col) break;  // this tile and all below are under the diagonal
      const std::size_t mv = std::min(s.mr, rows - ip);
      const T* a = A.direct ? A.direct + row0 * A.lda : A.packed + ip * kc;
      const std::size_t rsa = A.direct ? A.lda : 1, csa = A.direct ? 1 : s.mr;
      const gemm_detail::MicroKernel<T> kernel = s.kernel[mv];
      T* c = C + row0 * ldc + first_col;
      const bool crosses = upper && row0 + mv - 1 > first_col;
      if (nv == s.nr && !crosses && !mirror) {
        if (stream_c && (first_col * sizeof(T)) % s.stream_align == 0)
          s.kernel_stream[mv](kc, a, rsa, csa, b, c, ldc, alpha, beta);
        else
          kernel(kc, a, rsa, csa, b, c, ldc, alpha, beta);
      } else {
        // Through the scratch tile: edges, tiles crossing the diagonal (only their upper part is
        // stored), and tiles whose mirror is taken (transposed from L1 here rather than read
        // back from C, whose lines may still be in flight to memory).
        kernel(kc, a, rsa, csa, b, tile, s.nr, alpha, T(0));
        for (std::size_t r = 0; r < mv; ++r) {
          // In a crossing tile, row row0 + r starts at the diagonal.
          const std::size_t q0 = crosses && row0 + r > first_col ? row0 + r - first_col : 0;
          T* out = c + r * ldc;
          T* t = tile + r * s.nr;
          if (beta == T(0)) {
            // The last kc block of a large syrk: C's upper part is final, stream it like the mirror.
            if (q0 < nv) copy_row(out + q0, t + q0, nv - q0, stream && mirror);
          } else {
            for (std::size_t q = q0; q < nv; ++q) {
              t[q] += beta * out[q];
              out[q] = t[q];
            }
          }
        }
        if (mirror) {
          if (s.transpose_tile && mv == s.mr && nv == s.nr)
            s.transpose_tile(tile, s.nr, mirror + ip, mld);
          else
            for (std::size_t r = 0; r < mv; ++r)
              for (std::size_t q = 0; q < nv; ++q) mirror[q * mld + ip + r] = tile[r * s.nr + q];
        }
      }
      done = ip + mv;
    }
    // The mirror image of this column panel: nv rows of the lower triangle, each a contiguous run.
    if (mirror)
      for (std::size_t q = 0; q < nv; ++q) {
        const std::size_t col = first_col + q;
        if (col <= i0) continue;
        const std::size_t len = std::min(done, col - i0);
        copy_row(C + col * ldc + i0, mirror + q * mld, len, stream);
      }
  }
}

// C = beta * C (for syrk: the upper triangle, then mirrored), for k == 0 or alpha == 0 (BLAS semantics: the
// product is not formed, so NaN in A or B does not reach C).
template <typename T>
void scale_c(std::size_t m, std::size_t n, T beta, T* C, std::size_t ldc, bool upper) {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = upper ? i : 0; j < n; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
  if (upper)
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < i; ++j) C[i * ldc + j] = C[j * ldc + i];
}

// Products below this many multiply-adds run on the calling thread: waking the pool costs more.
constexpr double kParallelMinFma = 1 << 18;

// Whether C, `bytes` of output written in one pass, should bypass the caches: only when it is
// far larger than they are, so that a caller reading a small result soon still finds it cached.
constexpr double kStreamOutputBytes = 8e6;

// `stream_c`: the caller's judgement that C (or, for a batch, all the outputs together) is large;
// used only where k fits one kc block, so that C is written exactly once and never read back.
template <typename T>
void gemm_driver(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* A,
                 std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc, bool upper,
                 bool allow_threads, bool stream_c = false) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) {
    scale_c(m, n, beta, C, ldc, upper);
    return;
  }
  const KernelSpec<T>& s = active_spec<T>();
  double fma = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (upper) fma *= 0.5;
  int threads = allow_threads && fma >= kParallelMinFma ? get_threads() : 1;

  // op(A) = A row-major is read in place (see MicroKernel); measured faster than packing it,
  // for small products (no packing pass) and large ones alike.
  const bool direct_a = ta == Trans::No;
  // Stream syrk's mirror when C is well beyond the caches (see copy_row).
  const bool stream_mirror = upper && static_cast<double>(n) * n * sizeof(T) > kStreamOutputBytes;
  stream_c = !upper && k <= s.kc &&
             (stream_c || static_cast<double>(m) * n * sizeof(T) > kStreamOutputBytes);

  // The output is cut into a grid of tasks, handed out dynamically in one parallel round: each
  // task packs its own columns of B (into its thread's buffer) and runs every kc block of its
  // rectangle, so threads never wait for each other until the end. A shared packed B would need
  // a barrier per kc block, and on a busy machine every barrier waits for the slowest thread.
  // About four tasks per thread balance the load; columns first, rows when columns run out.
  const std::size_t want = threads > 1 ? 4 * static_cast<std::size_t>(threads) : 1;
  const std::size_t width = std::min(s.nc, round_up((n + want - 1) / want, s.nr));
  const std::size_t col_tasks = (n + width - 1) / width;
  std::size_t row_tasks = 1;
  if (col_tasks < want) {
    row_tasks = (want + col_tasks - 1) / col_tasks;
    row_tasks = std::max<std::size_t>(1, std::min(row_tasks, m / (8 * s.mr)));  // >= 8 slivers each
  }
  const std::size_t height = round_up((m + row_tasks - 1) / row_tasks, s.mr);
  row_tasks = (m + height - 1) / height;
  // Depth blocks of equal size (k = 300 runs as 2 x 150, not 256 + 44): each block re-reads and
  // re-writes C, so a thin last block would cost a whole pass over C for little arithmetic.
  const std::size_t kc_blocks = (k + s.kc - 1) / s.kc;
  const std::size_t kc_step = (k + kc_blocks - 1) / kc_blocks;
  const std::size_t kc_max = kc_step;

  // syrk's work grows with the column index; the widest column tasks go first.
  run_tasks(col_tasks * row_tasks, threads, [&](std::size_t t) {
    const std::size_t ct = upper ? col_tasks - 1 - t / row_tasks : t / row_tasks;
    const std::size_t rt = t % row_tasks;
    const std::size_t j0 = ct * width, cols = std::min(width, n - j0);
    const std::size_t panels = (cols + s.nr - 1) / s.nr;
    const std::size_t i0 = rt * height;
    // Rows past the last column hold no upper-triangle element of these columns.
    const std::size_t i1 = std::min(std::min(m, i0 + height), upper ? j0 + cols : m);
    if (i0 >= i1) return;
    T* Bp = static_cast<T*>(scratch(kSlotB, kc_max * panels * s.nr * sizeof(T)));
    for (std::size_t pc = 0; pc < k; pc += kc_step) {
      const std::size_t kc = std::min(kc_step, k - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      const Part what = !upper ? Part::All : pc + kc < k ? Part::Upper : Part::UpperAndMirror;
      pack_b(tb, B, ldb, pc, kc, j0, cols, s.nr, 0, panels, s.pack_bt, Bp);
      for (std::size_t ic = i0; ic < i1; ic += s.mc) {
        const std::size_t rows = std::min(s.mc, i1 - ic);
        ASource<T> src{nullptr, lda, nullptr};
        if (direct_a) {
          src.direct = A + pc;
        } else {
          T* Ap = static_cast<T*>(scratch(kSlotA, round_up(rows, s.mr) * kc * sizeof(T)));
          pack_a(ta, A, lda, ic, rows, pc, kc, s.mr, Ap);
          src.packed = Ap;
        }
        macro_kernel(s, kc, src, ic, rows, Bp, j0, cols, 0, panels, C, ldc, alpha, beta_eff, what,
                     stream_mirror, stream_c);
      }
    }
#if defined(__SSE2__)
    if (stream_mirror || stream_c) _mm_sfence();  // streamed stores are visible before the join
#endif
  });
}

template <typename T>
void syrk_driver(Trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda, T beta,
                 T* C, std::size_t ldc, bool allow_threads) {
  if (n == 0) return;
  // op(A) op(A)^T: with op(A) = A (n x k) the right factor is A^T, read through the packing.
  const Trans tb = ta == Trans::No ? Trans::Yes : Trans::No;
  gemm_driver<T>(ta, tb, n, n, k, alpha, A, lda, A, lda, beta, C, ldc, true, allow_threads);
}

// Products in a batch are small and their inputs come from memory. Asking for the next
// product's inputs before computing this one overlaps those misses with arithmetic.
constexpr std::size_t kPrefetchNextBytes = 64 * 1024;
inline void prefetch_range(const void* p, std::size_t bytes) {
  if (bytes > kPrefetchNextBytes) return;
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0, 3);
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
  // Several chunks per thread, handed out as threads free up: on a shared machine a thread that
  // loses its core for a while then delays only its current chunk, not half of the batch.
  const std::size_t chunks = std::min(batch, 8 * threads);
  run_tasks(chunks, static_cast<int>(threads), [&](std::size_t c) {
    for (std::size_t b = batch * c / chunks; b < batch * (c + 1) / chunks; ++b) one(b, false);
  });
}

}  // namespace

template <typename T>
const KernelSpec<T>& gemm_detail::active_spec() {
  if (active_kernel_path() != KernelPath::Avx2) return gemm_detail::portable_spec<T>();
  return use_avx512() ? gemm_detail::avx512_spec<T>() : gemm_detail::avx2_spec<T>();
}
template const KernelSpec<float>& gemm_detail::active_spec<float>();
template const KernelSpec<double>& gemm_detail::active_spec<double>();

const char* gemm_kernel_name() {
  if (active_kernel_path() != KernelPath::Avx2) return "portable";
  return use_avx512() ? "avx512" : "avx2";
}

void set_gemm_avx512_allowed(bool allowed) { g_avx512_allowed.store(allowed); }

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
    if (!threads && b + 1 < batch) prefetch_range(Z + (b + 1) * rows * cols, rows * cols * sizeof(T));
    syrk_driver<T>(Trans::No, rows, cols, T(1), Z + b * rows * cols, cols, T(0), out + b * rows * rows,
                   rows, threads);
  });
}

template <typename T>
void cross_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t m, std::size_t n,
                std::size_t k) {
  const bool stream = static_cast<double>(batch) * m * n * sizeof(T) > kStreamOutputBytes;
  for_batch(batch, static_cast<double>(m) * n * k, [&](std::size_t b, bool threads) {
    if (!threads && b + 1 < batch) {
      prefetch_range(Z + (b + 1) * m * k, m * k * sizeof(T));
      prefetch_range(W + (b + 1) * n * k, n * k * sizeof(T));
    }
    gemm_driver<T>(Trans::No, Trans::Yes, m, n, k, T(1), Z + b * m * k, k, W + b * n * k, k, T(0),
                   out + b * m * n, n, false, threads, stream);
  });
}

// Results up to this many elements (256 x 256) go through tall_skinny_inner, which splits the
// rows: the packed GEMM's split of the output leaves such products on too few tiles per thread,
// and each of its tasks packs all of Z again.
constexpr std::size_t kTallSkinnyOutput = 1 << 16;

template <typename T>
void inner_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t r, std::size_t kz,
                std::size_t kw) {
  const bool same = Z == W && kz == kw;
  const bool stream = static_cast<double>(batch) * kz * kw * sizeof(T) > kStreamOutputBytes;
  for_batch(batch, (same ? 0.5 : 1.0) * r * kz * kw, [&](std::size_t b, bool threads) {
    if (!threads && b + 1 < batch) {
      prefetch_range(Z + (b + 1) * r * kz, r * kz * sizeof(T));
      if (!same) prefetch_range(W + (b + 1) * r * kw, r * kw * sizeof(T));
    }
    if (kz * kw <= kTallSkinnyOutput)
      // Inside a batch run across threads (threads == false) the pool runs nested calls serially;
      // tall_skinny_inner's row partition does not depend on that, so neither do the bits.
      tall_skinny_inner<T, T, T>(r, kz, kw, T(1), Z + b * r * kz, kz, (same ? Z : W) + b * r * kw, kw, T(0),
                                 out + b * kz * kw, kw);
    else if (same)
      syrk_driver<T>(Trans::Yes, kz, r, T(1), Z + b * r * kz, kz, T(0), out + b * kz * kz, kz, threads);
    else
      gemm_driver<T>(Trans::Yes, Trans::No, kz, kw, r, T(1), Z + b * r * kz, kz, W + b * r * kw, kw,
                     T(0), out + b * kz * kw, kw, false, threads, stream);
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
