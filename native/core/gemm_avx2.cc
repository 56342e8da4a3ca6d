// AVX2+FMA micro-kernels. This file alone is compiled with -mavx2 -mfma; gram.cc calls into it
// only when cpu_features reports both, so the rest of the core stays runnable on any x86-64.
//
// Shape: 6 rows x 2 vectors (6 x 16 floats, 6 x 8 doubles). Twelve accumulators hide the FMA
// latency (4-5 cycles, two FMA ports: at least 8-10 independent chains are needed), and with two
// B vectors and one broadcast A value they fill 15 of the 16 ymm registers without spilling.
// Per k step: 2 loads of B, 6 broadcasts of A, 12 FMAs, so loads never limit the FMA ports.
#include <immintrin.h>

#include "gemm_kernels.h"

namespace speclin::gemm_detail {
namespace {

// The vector operations of one dtype, so that one kernel template serves float and double.
struct F32 {
  using T = float;
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const T* p) { return _mm256_load_ps(p); }
  static V loadu(const T* p) { return _mm256_loadu_ps(p); }
  static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static V set1(T x) { return _mm256_set1_ps(x); }
  static void stream(T* p, V v) { _mm256_stream_ps(p, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
};
struct F64 {
  using T = double;
  using V = __m256d;
  static constexpr int kWidth = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const T* p) { return _mm256_load_pd(p); }
  static V loadu(const T* p) { return _mm256_loadu_pd(p); }
  static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static V set1(T x) { return _mm256_set1_pd(x); }
  static void stream(T* p, V v) { _mm256_stream_pd(p, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
};

// R rows (R <= 6) x 2 vectors. R < 6 serves the last rows of a matrix read in place, which then
// need neither packing nor a scratch tile. The loops over R unroll completely, so the
// accumulator arrays live in registers. kStream: beta == 0 and c 32-byte aligned; the tile goes
// out as non-temporal stores (see KernelSpec::kernel_stream).
template <typename Ops, int R, bool kStream>
void kernel_rows(std::size_t kc, const typename Ops::T* a, std::size_t rsa, std::size_t csa,
                 const typename Ops::T* b, typename Ops::T* c, std::size_t ldc, typename Ops::T alpha,
                 typename Ops::T beta) {
  using T = typename Ops::T;
  using V = typename Ops::V;
  constexpr int W = Ops::kWidth;
  // The tile's rows are written at the end; asking for them now overlaps the misses with the loop.
  if (!kStream) {
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  }
  V lo[R], hi[R];
  const T* row[R];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    lo[i] = Ops::zero();
    hi[i] = Ops::zero();
    row[i] = a + i * rsa;
  }
#pragma GCC unroll 4
  for (std::size_t p = 0, off = 0; p < kc; ++p, off += csa) {
    const V b0 = Ops::load(b);
    const V b1 = Ops::load(b + W);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const V ai = Ops::broadcast(row[i] + off);
      lo[i] = Ops::fma(ai, b0, lo[i]);
      hi[i] = Ops::fma(ai, b1, hi[i]);
    }
    b += 2 * W;
  }
  const V va = Ops::set1(alpha);
  if (kStream) {
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      Ops::stream(c + i * ldc, Ops::mul(va, lo[i]));
      Ops::stream(c + i * ldc + W, Ops::mul(va, hi[i]));
    }
  } else if (beta == T(0)) {
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      Ops::storeu(c + i * ldc, Ops::mul(va, lo[i]));
      Ops::storeu(c + i * ldc + W, Ops::mul(va, hi[i]));
    }
  } else {
    const V vb = Ops::set1(beta);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      T* ci = c + i * ldc;
      Ops::storeu(ci, Ops::fma(vb, Ops::loadu(ci), Ops::mul(va, lo[i])));
      Ops::storeu(ci + W, Ops::fma(vb, Ops::loadu(ci + W), Ops::mul(va, hi[i])));
    }
  }
}

// Transposes the 8 x 8 block r[0..8) in place: r[q] becomes column q.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    u[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x20);
    r[q + 4] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x31);
  }
}

inline void transpose4(__m256d r[4]) {
  __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// The transposing pack of B (Z W^T reads W by rows) as register transposes of 8 x 8 (4 x 4)
// blocks instead of element-by-element strided stores.
void pack_bt_f32(const float* src, std::size_t ldb, std::size_t kc, float* dst) {
  std::size_t p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int h = 0; h < 16; h += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (h + i) * ldb + p);
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * 16 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 16; ++j) dst[p * 16 + j] = src[j * ldb + p];
}

void pack_bt_f64(const double* src, std::size_t ldb, std::size_t kc, double* dst) {
  std::size_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int h = 0; h < 8; h += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(src + (h + i) * ldb + p);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_store_pd(dst + (p + q) * 8 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 8; ++j) dst[p * 8 + j] = src[j * ldb + p];
}

// 6 x 16 floats as two 8 x 8 transposes with two rows of padding: each dst row gets 8 values,
// the last two of them padding.
void transpose_tile_f32(const float* c, std::size_t ldc, float* dst, std::size_t ldd) {
  for (int h = 0; h < 16; h += 8) {
    __m256 r[8];
    for (int i = 0; i < 6; ++i) r[i] = _mm256_loadu_ps(c + i * ldc + h);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (h + q) * ldd, r[q]);
  }
}

void transpose_tile_f64(const double* c, std::size_t ldc, double* dst, std::size_t ldd) {
  for (int h = 0; h < 8; h += 4)
    for (int v = 0; v < 8; v += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i)
        r[i] = v + i < 6 ? _mm256_loadu_pd(c + (v + i) * ldc + h) : _mm256_setzero_pd();
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_storeu_pd(dst + (h + q) * ldd + v, r[q]);
    }
}

}  // namespace

// Blocking for a Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB L3), which also suits larger Intel
// caches: kc = 256 keeps a B micro-panel (16 KiB) and an A micro-panel (6 or 12 KiB) in L1;
// mc x kc of A is 144 KiB of L2; the shared kc x nc block of B is 3-4 MiB of L3.
template <>
const KernelSpec<float>& avx2_spec<float>() {
  static const KernelSpec<float> spec{
      6, 16, 256, 144, 3072,
      {nullptr, kernel_rows<F32, 1, false>, kernel_rows<F32, 2, false>, kernel_rows<F32, 3, false>,
       kernel_rows<F32, 4, false>, kernel_rows<F32, 5, false>, kernel_rows<F32, 6, false>},
      {nullptr, kernel_rows<F32, 1, true>, kernel_rows<F32, 2, true>, kernel_rows<F32, 3, true>,
       kernel_rows<F32, 4, true>, kernel_rows<F32, 5, true>, kernel_rows<F32, 6, true>},
      32, pack_bt_f32, transpose_tile_f32};
  return spec;
}
template <>
const KernelSpec<double>& avx2_spec<double>() {
  static const KernelSpec<double> spec{
      6, 8, 256, 72, 2048,
      {nullptr, kernel_rows<F64, 1, false>, kernel_rows<F64, 2, false>, kernel_rows<F64, 3, false>,
       kernel_rows<F64, 4, false>, kernel_rows<F64, 5, false>, kernel_rows<F64, 6, false>},
      {nullptr, kernel_rows<F64, 1, true>, kernel_rows<F64, 2, true>, kernel_rows<F64, 3, true>,
       kernel_rows<F64, 4, true>, kernel_rows<F64, 5, true>, kernel_rows<F64, 6, true>},
      32, pack_bt_f64, transpose_tile_f64};
  return spec;
}

}  // namespace speclin::gemm_detail
