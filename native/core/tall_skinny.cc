// The tall-skinny drivers (tall_skinny.h) over the GEMM's micro-kernels (gemm_kernels.h).
//
// Z^T W: each row part is a small GEMM of depth `rows`, cut into equal kc-row blocks. Per block
// the W rows are packed into nr-wide micro-panels and Z's into mr-wide slivers (both widened to
// the accumulation type if need be), so that the micro-kernel reads only contiguous, L1-resident
// data; a part streams its rows once.
// Either orientation may be computed: when W is much narrower than Z, the part computes
// W^T Z instead (the wide side fills the vector lanes) and the combine transposes it.
//
// Z <- beta Z + alpha V H: blocks of mc rows, handed to threads as they free up; H is packed
// once and shared, V is read in place when it needs no widening.
#include "tall_skinny.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "gemm_kernels.h"
#include "thread_pool.h"

namespace speclin {
namespace {

using gemm_detail::active_spec;
using gemm_detail::KernelSpec;
using gemm_detail::kMaxTile;

// The partition rule of tall_skinny.h: at least kPartRows rows per part (the combine costs one
// pass over a part's kz x kw result, 1/512 of the part's arithmetic or less), at most kMaxParts
// parts, and at most kPartElements elements of partial results in all.
constexpr std::size_t kPartRows = 512;
constexpr std::size_t kMaxParts = 64;
constexpr std::size_t kPartElements = std::size_t{1} << 21;

// The packed panels one sliver of Z^T meets before the next (see part_product): a quarter of
// a 512 KiB L2, the rest holding the block's rows of Z and W.
constexpr std::size_t kPanelGroupBytes = 128 * 1024;

// Bytes between packed panels (and slivers); a multiple of the widest vector, so that panels stay
// aligned for the kernels' aligned loads.
constexpr std::size_t kPanelPad = 64;

// Products below this many multiply-adds run on the calling thread: waking the pool costs more.
constexpr double kParallelMinFma = 1 << 18;

inline std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

// Per-thread buffers that grow on demand, so that a stream of calls (the loss every training
// step, eigsh's projections) never returns to malloc.
enum Slot { kSlotPanels = 0, kSlotRows = 1, kSlotParts = 2, kSlotCount = 3 };
struct Buffer {
  void* p = nullptr;
  std::size_t bytes = 0;
  ~Buffer() { std::free(p); }
};
template <typename T>
T* buffer(Slot slot, std::size_t count) {
  thread_local Buffer slots[kSlotCount];
  Buffer& b = slots[slot];
  const std::size_t bytes = std::max<std::size_t>(64, ceil_div(count * sizeof(T), 64) * 64);
  if (bytes > b.bytes) {
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    std::free(b.p);
    b.p = p;
    b.bytes = bytes;
  }
  return static_cast<T*>(b.p);
}

// Rows [0, kc) and columns [j0, j0 + cols) of the row-major X (row stride ldx) as micro-panels of
// kc x nr, `stride` elements apart (0: kc * nr, back to back), row by row, zero-padded past the
// last column, widened to T. NR: the panel width as a constant (0: only known at run time, s.nr), so that a full panel's row copies as whole vectors:
// with a run-time width this loop took a fifth of Z^T W's time at k = 128.
template <std::size_t NR, typename T, typename TX>
void pack_panels_as(const TX* X, std::size_t ldx, std::size_t kc, std::size_t j0, std::size_t cols,
                    std::size_t nr_runtime, std::size_t stride, T* dst) {
  const std::size_t nr = NR ? NR : nr_runtime;
  const std::size_t full = cols / nr, tail = cols - full * nr;
  // Row by row: each row of X is read front to back, which the hardware prefetcher follows
  // (panel by panel, the reads stride down the rows and wait on memory).
  for (std::size_t p = 0; p < kc; ++p) {
    const TX* s = X + p * ldx + j0;
    T* d = dst + p * nr;
    for (std::size_t jp = 0; jp < full; ++jp, s += nr, d += stride) {
      // A fixed-size memcpy is a few vector moves; the element loop compiled to scalar moves
      // (the compiler cannot rule out that d and s overlap) and took a fifth of Z^T W's time.
      if constexpr (std::is_same<T, TX>::value && NR != 0)
        std::memcpy(d, s, NR * sizeof(T));
      else
        for (std::size_t c = 0; c < nr; ++c) d[c] = static_cast<T>(s[c]);
    }
    if (tail) {
      for (std::size_t c = 0; c < tail; ++c) d[c] = static_cast<T>(s[c]);
      for (std::size_t c = tail; c < nr; ++c) d[c] = T(0);
    }
  }
}

template <typename T, typename TX>
void pack_panels(const TX* X, std::size_t ldx, std::size_t kc, std::size_t j0, std::size_t cols,
                 std::size_t nr, T* dst, std::size_t stride = 0) {
  if (!stride) stride = kc * nr;
  switch (nr) {  // the widths (nr) and heights (mr) of the kernels in gemm_*.cc
    case 4: return pack_panels_as<4>(X, ldx, kc, j0, cols, nr, stride, dst);
    case 6: return pack_panels_as<6>(X, ldx, kc, j0, cols, nr, stride, dst);
    case 8: return pack_panels_as<8>(X, ldx, kc, j0, cols, nr, stride, dst);
    case 16: return pack_panels_as<16>(X, ldx, kc, j0, cols, nr, stride, dst);
    case 32: return pack_panels_as<32>(X, ldx, kc, j0, cols, nr, stride, dst);
    default: return pack_panels_as<0>(X, ldx, kc, j0, cols, nr, stride, dst);
  }
}

// Rows [0, rows) x columns [0, cols) of X, widened (or just copied) into dst, row stride cols.
template <typename T, typename TX>
void copy_rows(const TX* X, std::size_t ldx, std::size_t rows, std::size_t cols, T* dst) {
  for (std::size_t p = 0; p < rows; ++p)
    for (std::size_t c = 0; c < cols; ++c) dst[p * cols + c] = static_cast<T>(X[p * ldx + c]);
}

// One micro-tile, through the scratch tile when it is narrower than the kernel (nv < nr):
// c = alpha * a b + beta * c (with beta == 0, c is not read). Whether a column goes through the
// tile depends on the shape only, never on the thread count; for alpha = 1 and beta in {0, 1}
// (the reductions of tall_skinny_inner) both ways give the same bits.
template <typename T>
inline void tile_product(const KernelSpec<T>& s, std::size_t mv, std::size_t nv, std::size_t kc, const T* a,
                         std::size_t rsa, std::size_t csa, const T* b, T* c, std::size_t ldc, T alpha, T beta) {
  if (nv == s.nr) {
    s.kernel[mv](kc, a, rsa, csa, b, c, ldc, alpha, beta);
    return;
  }
  alignas(64) T tile[kMaxTile];
  s.kernel[mv](kc, a, rsa, csa, b, tile, s.nr, alpha, T(0));
  for (std::size_t r = 0; r < mv; ++r)
    for (std::size_t q = 0; q < nv; ++q)
      c[r * ldc + q] = beta == T(0) ? tile[r * s.nr + q] : tile[r * s.nr + q] + beta * c[r * ldc + q];
}

// out (a_cols x [j_lo, j_hi), row stride ldo) = A^T B over `rows` rows, A rows x a_cols (row stride
// lda), B rows x (at least j_hi) (ldb). With `upper`, tiles wholly below the diagonal are skipped
// (crossing tiles are formed whole; the combine reads only their upper part). The depth blocks
// depend on `rows` only, so an element's sums do not depend on [j_lo, j_hi).
template <typename T, typename TA, typename TB>
void part_product(const KernelSpec<T>& s, std::size_t rows, std::size_t after, std::size_t a_cols, const TA* A,
                  std::size_t lda, const TB* B, std::size_t ldb, std::size_t j_lo, std::size_t j_hi, bool upper,
                  T* out, std::size_t ldo) {
  const std::size_t kc_step = ceil_div(rows, ceil_div(rows, s.kc));
  const std::size_t cols = j_hi - j_lo, panels = ceil_div(cols, s.nr);
  const std::size_t slivers = ceil_div(a_cols, s.mr);
  // Panels and slivers kPanelPad bytes apart rather than back to back: with kc = 256, W's panels
  // (16 KiB) and Z's slivers (6 KiB) then no longer start at multiples of 4 KiB from each other,
  // so the packing's stores to successive panels and its loads of the next row stop aliasing in
  // the low 12 address bits (the CPU treats such a load as possibly dependent on the stores).
  // Measured at 4096 x 128 x 128, one thread: Z^T W 1.69 -> 1.55 ms, Z^T Z 1.09 -> 0.94 ms.
  const std::size_t pad = kPanelPad / sizeof(T);
  const std::size_t b_stride = kc_step * s.nr + pad, a_stride = kc_step * s.mr + pad;
  T* Bp = buffer<T>(kSlotPanels, panels * b_stride);
  T* Ap = buffer<T>(kSlotRows, slivers * a_stride);
  for (std::size_t p0 = 0; p0 < rows; p0 += kc_step) {
    const std::size_t kc = std::min(kc_step, rows - p0);
    const T beta = p0 == 0 ? T(0) : T(1);
    pack_panels(B + p0 * ldb, ldb, kc, j_lo, cols, s.nr, Bp, b_stride);
    // A^T's slivers packed too (mr columns of A, kc rows, contiguous): read in place, a sliver's
    // kc rows are kc cache lines one row stride apart, and with a power-of-two stride (ldz = 128
    // floats) they fall into an eighth of L1's sets and evict each other and the panel; the
    // kernel then ran at 74 % of the FMA peak against 90 % for the update, whose A is contiguous.
    pack_panels(A + p0 * lda, lda, kc, 0, a_cols, s.mr, Ap, a_stride);
    // The next block's rows of A and B, asked for a slice per sliver while this block computes:
    // their first touch (by the packing) would otherwise wait on memory. The last block asks for
    // the first rows past the part (`after` of them exist), which the part that follows on this
    // thread usually starts with.
    const std::size_t next = std::min(kc_step, rows + after - std::min(rows + after, p0 + kc));
    const std::size_t a_bytes = a_cols * sizeof(TA), b_bytes = cols * sizeof(TB);
    // Sliver by sliver, each against a group of panels: the sliver (kc x mr) stays in L1 while
    // the group's packed panels (kPanelGroupBytes) stream through from L2; with all panels in
    // one group, wide results spill out of L2.
    const std::size_t group = std::max<std::size_t>(1, kPanelGroupBytes / (kc * s.nr * sizeof(T)));
    const std::size_t steps = ceil_div(panels, group) * slivers;
    for (std::size_t step = 0; step < steps; ++step) {
      for (std::size_t p = next * step / steps; p < next * (step + 1) / steps; ++p) {
        const char* a_row = reinterpret_cast<const char*>(A + (p0 + kc + p) * lda);
        const char* b_row = reinterpret_cast<const char*>(B + (p0 + kc + p) * ldb + j_lo);
        for (std::size_t off = 0; off < a_bytes; off += 64) __builtin_prefetch(a_row + off, 0, 2);
        for (std::size_t off = 0; off < b_bytes; off += 64) __builtin_prefetch(b_row + off, 0, 2);
      }
      const std::size_t g0 = step / slivers * group, g1 = std::min(panels, g0 + group);
      const std::size_t sl = step % slivers, i0 = sl * s.mr, mv = std::min(s.mr, a_cols - i0);
      const T* a = Ap + sl * a_stride;
      for (std::size_t jp = g0; jp < g1; ++jp) {
        const std::size_t j = j_lo + jp * s.nr, nv = std::min(s.nr, j_hi - j);
        if (upper && i0 > j + nv - 1) continue;  // wholly below the diagonal
        tile_product(s, mv, nv, kc, a, 1, s.mr, Bp + jp * b_stride, out + i0 * ldo + j, ldo, T(1), beta);
      }
    }
  }
}

template <typename TZ, typename TW, typename T>
void inner_driver(std::size_t n, std::size_t kz, std::size_t kw, T alpha, const TZ* Z, std::size_t ldz,
                  const TW* W, std::size_t ldw, T beta, T* C, std::size_t ldc) {
  if (kz == 0 || kw == 0) return;
  const bool upper = static_cast<const void*>(Z) == static_cast<const void*>(W) &&
                     std::is_same<TZ, TW>::value && kz == kw && ldz == ldw;
  auto finish = [&](auto value) {  // C = alpha * value(i, j) + beta * C, then the mirror
    parallel_for(0, kz, std::max<std::size_t>(1, 16384 / kw), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i)
        for (std::size_t j = upper ? i : 0; j < kw; ++j) {
          T& c = C[i * ldc + j];
          c = beta == T(0) ? alpha * value(i, j) : alpha * value(i, j) + beta * c;
        }
    });
    if (upper)
      for (std::size_t i = 0; i < kz; ++i)
        for (std::size_t j = 0; j < i; ++j) C[i * ldc + j] = C[j * ldc + i];
  };
  if (n == 0 || alpha == T(0)) {  // BLAS semantics: the product is not formed (NaN stays out)
    finish([](std::size_t, std::size_t) { return T(0); });
    return;
  }
  const KernelSpec<T>& s = active_spec<T>();
  // The orientation that wastes fewer lanes of the nr-wide panels: Z^T W, or W^T Z transposed.
  const bool swap = !upper && ceil_div(kz, s.nr) * s.nr * kw < ceil_div(kw, s.nr) * s.nr * kz;
  const std::size_t rows_out = swap ? kw : kz, cols_out = swap ? kz : kw;
  const std::size_t parts = tall_skinny_parts(n, kz, kw);
  const std::size_t part_size = rows_out * cols_out;
  T* partial = buffer<T>(kSlotParts, parts * part_size);

  double fma = static_cast<double>(n) * kz * kw * (upper ? 0.5 : 1.0);
  const int threads = fma >= kParallelMinFma ? get_threads() : 1;
  // Fewer parts than threads: the threads share a part's column panels too (about four tasks per
  // thread, which keeps a thread that loses its core from holding up the rest).
  const std::size_t panels = ceil_div(cols_out, s.nr);
  const std::size_t splits =
      parts >= static_cast<std::size_t>(threads) ? 1 : std::min(panels, ceil_div(4 * threads, parts));
  run_tasks(parts * splits, threads, [&](std::size_t t) {
    const std::size_t p = t / splits, q = t % splits;
    const std::size_t pan_lo = panels * q / splits, pan_hi = panels * (q + 1) / splits;
    if (pan_lo == pan_hi) return;
    const std::size_t r0 = n * p / parts, r1 = n * (p + 1) / parts;
    const std::size_t j_lo = pan_lo * s.nr, j_hi = std::min(cols_out, pan_hi * s.nr);
    T* out = partial + p * part_size;
    if (swap)
      part_product<T>(s, r1 - r0, n - r1, kw, W + r0 * ldw, ldw, Z + r0 * ldz, ldz, j_lo, j_hi, false, out,
                      cols_out);
    else
      part_product<T>(s, r1 - r0, n - r1, kz, Z + r0 * ldz, ldz, W + r0 * ldw, ldw, j_lo, j_hi, upper, out,
                      cols_out);
  });
  // The parts added in part order into part 0, each pass a contiguous vector loop over rows of
  // the result (threads take rows: every element still sees the same additions in the same order).
  // Upper: only the upper triangle of a part is formed, so only it is read.
  if (parts > 1)
    parallel_for(0, rows_out, std::max<std::size_t>(1, 16384 / cols_out), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) {
        const std::size_t j0 = upper ? i : 0;
        T* sum = partial + i * cols_out;
        for (std::size_t p = 1; p < parts; ++p) {
          const T* add = partial + p * part_size + i * cols_out;
          for (std::size_t j = j0; j < cols_out; ++j) sum[j] += add[j];
        }
      }
    });
  finish([&](std::size_t i, std::size_t j) { return swap ? partial[j * cols_out + i] : partial[i * cols_out + j]; });
}

template <typename T, typename TV, typename TH>
void update_driver(std::size_t n, std::size_t m, std::size_t k, T alpha, const TV* V, std::size_t ldv,
                   const TH* H, std::size_t ldh, T beta, T* Y, std::size_t ldy,
                   const std::function<void(std::size_t, std::size_t)>* epilogue) {
  if (n == 0 || k == 0) return;
  if (m == 0 || alpha == T(0)) {
    parallel_for(0, n, std::max<std::size_t>(1, 16384 / k), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i)
        for (std::size_t j = 0; j < k; ++j) Y[i * ldy + j] = beta == T(0) ? T(0) : beta * Y[i * ldy + j];
      if (epilogue) (*epilogue)(lo, hi - lo);
    });
    return;
  }
  const KernelSpec<T>& s = active_spec<T>();
  const std::size_t kc_step = ceil_div(m, ceil_div(m, s.kc));
  const std::size_t panels = ceil_div(k, s.nr);
  // H, packed once for all threads: depth block pc starts at pc * panels * nr.
  T* Hp = buffer<T>(kSlotParts, m * panels * s.nr);
  for (std::size_t pc = 0; pc < m; pc += kc_step)
    pack_panels(H + pc * ldh, ldh, std::min(kc_step, m - pc), 0, k, s.nr, Hp + pc * panels * s.nr);
  // In place (V is Y) or a float basis: each block of V's rows is copied (widened) first.
  const bool direct = std::is_same<TV, T>::value && static_cast<const void*>(V) != static_cast<const void*>(Y);
  const std::size_t block = s.mc;
  const double fma = static_cast<double>(n) * m * k;
  const int threads = fma >= kParallelMinFma ? get_threads() : 1;
  run_tasks(ceil_div(n, block), threads, [&](std::size_t t) {
    const std::size_t i0 = t * block, rows = std::min(block, n - i0);
    const T* a;
    std::size_t rsa;
    if (direct) {
      a = reinterpret_cast<const T*>(V + i0 * ldv);
      rsa = ldv;
    } else {
      T* copy = buffer<T>(kSlotRows, rows * m);
      copy_rows(V + i0 * ldv, ldv, rows, m, copy);
      a = copy;
      rsa = m;
    }
    for (std::size_t pc = 0; pc < m; pc += kc_step) {
      const std::size_t kc = std::min(kc_step, m - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      for (std::size_t jp = 0; jp < panels; ++jp) {
        const std::size_t j = jp * s.nr, nv = std::min(s.nr, k - j);
        const T* b = Hp + pc * panels * s.nr + jp * s.nr * kc;
        for (std::size_t ip = 0; ip < rows; ip += s.mr)
          tile_product(s, std::min(s.mr, rows - ip), nv, kc, a + ip * rsa + pc, rsa, 1, b,
                       Y + (i0 + ip) * ldy + j, ldy, alpha, beta_eff);
      }
    }
    if (epilogue) (*epilogue)(i0, rows);
  });
}

}  // namespace

std::size_t tall_skinny_parts(std::size_t n, std::size_t kz, std::size_t kw) {
  const std::size_t out = std::max<std::size_t>(1, kz * kw);
  return std::max<std::size_t>(1, std::min({n / kPartRows, kMaxParts, kPartElements / out}));
}

template <typename TZ, typename TW, typename TC>
void tall_skinny_inner(std::size_t n, std::size_t kz, std::size_t kw, TC alpha, const TZ* Z, std::size_t ldz,
                       const TW* W, std::size_t ldw, TC beta, TC* C, std::size_t ldc) {
  inner_driver<TZ, TW, TC>(n, kz, kw, alpha, Z, ldz, W, ldw, beta, C, ldc);
}

template <typename TY, typename TV, typename TH>
void tall_skinny_update(std::size_t n, std::size_t m, std::size_t k, TY alpha, const TV* V, std::size_t ldv,
                        const TH* H, std::size_t ldh, TY beta, TY* Y, std::size_t ldy) {
  update_driver<TY, TV, TH>(n, m, k, alpha, V, ldv, H, ldh, beta, Y, ldy, nullptr);
}

template <typename TY, typename TV, typename TH>
void tall_skinny_update(std::size_t n, std::size_t m, std::size_t k, TY alpha, const TV* V, std::size_t ldv,
                        const TH* H, std::size_t ldh, TY beta, TY* Y, std::size_t ldy,
                        const std::function<void(std::size_t, std::size_t)>& epilogue) {
  update_driver<TY, TV, TH>(n, m, k, alpha, V, ldv, H, ldh, beta, Y, ldy, &epilogue);
}

#define SPECLIN_INNER(TZ, TW, TC)                                                                     \
  template void tall_skinny_inner<TZ, TW, TC>(std::size_t, std::size_t, std::size_t, TC, const TZ*, \
                                              std::size_t, const TW*, std::size_t, TC, TC*, std::size_t);
SPECLIN_INNER(float, float, float)
SPECLIN_INNER(double, double, double)
SPECLIN_INNER(float, float, double)
SPECLIN_INNER(float, double, double)
SPECLIN_INNER(double, float, double)
#undef SPECLIN_INNER
#define SPECLIN_UPDATE(TY, TV, TH)                                                                     \
  template void tall_skinny_update<TY, TV, TH>(std::size_t, std::size_t, std::size_t, TY, const TV*, \
                                               std::size_t, const TH*, std::size_t, TY, TY*, std::size_t);       \
  template void tall_skinny_update<TY, TV, TH>(std::size_t, std::size_t, std::size_t, TY, const TV*, std::size_t,  \
                                               const TH*, std::size_t, TY, TY*, std::size_t,                     \
                                               const std::function<void(std::size_t, std::size_t)>&);
SPECLIN_UPDATE(float, float, float)
SPECLIN_UPDATE(double, double, double)
SPECLIN_UPDATE(double, float, double)
#undef SPECLIN_UPDATE

}  // namespace speclin
