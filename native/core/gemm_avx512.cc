// AVX-512 micro-kernels, for CPUs that have it (Intel since Skylake-SP, AMD since Zen 4), where
// they double the arithmetic per instruction over AVX2. The build compiles this file with the
// same flags as the portable core: the instruction set is enabled for this file's functions by
// the target pragma below, and gram.cc calls them only after run-time detection. So that no
// inline function shared with other files is compiled with AVX-512 (the linker could keep that
// copy for everyone), this file includes nothing but the intrinsics and the kernel contract.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")
#endif
#include <immintrin.h>

#include "gemm_kernels.h"

namespace speclin::gemm_detail {
namespace {

struct F32x16 {
  using T = float;
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const T* p) { return _mm512_load_ps(p); }
  static V loadu(const T* p) { return _mm512_loadu_ps(p); }
  static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
  static void stream(T* p, V v) { _mm512_stream_ps(p, v); }
  static V broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
};
struct F64x8 {
  using T = double;
  using V = __m512d;
  static constexpr int kWidth = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const T* p) { return _mm512_load_pd(p); }
  static V loadu(const T* p) { return _mm512_loadu_pd(p); }
  static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
  static void stream(T* p, V v) { _mm512_stream_pd(p, v); }
  static V broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
};

// R rows (R <= 8) x 2 vectors: 8 x 32 floats, 8 x 16 doubles. Sixteen accumulators, two B
// vectors and a broadcast use 19 of the 32 zmm registers; per k step 2 loads and 8 broadcasts
// feed 16 FMAs. Same contract and structure as the AVX2 kernel (gemm_avx2.cc).
template <typename Ops, int R, bool kStream>
void kernel_rows(std::size_t kc, const typename Ops::T* a, std::size_t rsa, std::size_t csa,
                 const typename Ops::T* b, typename Ops::T* c, std::size_t ldc, typename Ops::T alpha,
                 typename Ops::T beta) {
  using T = typename Ops::T;
  using V = typename Ops::V;
  constexpr int W = Ops::kWidth;
  if (!kStream) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  }
  V lo[R], hi[R];
  const T* row[R];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    lo[i] = Ops::zero();
    hi[i] = Ops::zero();
    row[i] = a + i * rsa;
  }
#pragma GCC unroll 4
  for (std::size_t p = 0, off = 0; p < kc; ++p, off += csa) {
    const V b0 = Ops::load(b);
    const V b1 = Ops::load(b + W);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const V ai = Ops::broadcast(row[i] + off);
      lo[i] = Ops::fma(ai, b0, lo[i]);
      hi[i] = Ops::fma(ai, b1, hi[i]);
    }
    b += 2 * W;
  }
  const V va = Ops::set1(alpha);
  if (kStream) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      Ops::stream(c + i * ldc, Ops::mul(va, lo[i]));
      Ops::stream(c + i * ldc + W, Ops::mul(va, hi[i]));
    }
  } else if (beta == T(0)) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      Ops::storeu(c + i * ldc, Ops::mul(va, lo[i]));
      Ops::storeu(c + i * ldc + W, Ops::mul(va, hi[i]));
    }
  } else {
    const V vb = Ops::set1(beta);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      T* ci = c + i * ldc;
      Ops::storeu(ci, Ops::fma(vb, Ops::loadu(ci), Ops::mul(va, lo[i])));
      Ops::storeu(ci + W, Ops::fma(vb, Ops::loadu(ci + W), Ops::mul(va, hi[i])));
    }
  }
}

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

// Transposing packs of one micro-panel of W (32 rows for float, 16 for double).
void pack_bt_f32(const float* src, std::size_t ldb, std::size_t kc, float* dst) {
  std::size_t p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int h = 0; h < 32; h += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (h + i) * ldb + p);
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * 32 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 32; ++j) dst[p * 32 + j] = src[j * ldb + p];
}

void pack_bt_f64(const double* src, std::size_t ldb, std::size_t kc, double* dst) {
  std::size_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int h = 0; h < 16; h += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(src + (h + i) * ldb + p);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_store_pd(dst + (p + q) * 16 + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < 16; ++j) dst[p * 16 + j] = src[j * ldb + p];
}

// Full 8-row tiles for syrk's mirror: 8 x 32 floats, 8 x 16 doubles, no padding.
void transpose_tile_f32(const float* c, std::size_t ldc, float* dst, std::size_t ldd) {
  for (int h = 0; h < 32; h += 8) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(c + i * ldc + h);
    transpose8(r);
    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (h + q) * ldd, r[q]);
  }
}

void transpose_tile_f64(const double* c, std::size_t ldc, double* dst, std::size_t ldd) {
  for (int h = 0; h < 16; h += 4)
    for (int v = 0; v < 8; v += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(c + (v + i) * ldc + h);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_storeu_pd(dst + (h + q) * ldd + v, r[q]);
    }
}

}  // namespace

// kc = 192 keeps a float B micro-panel (24 KiB) and an A sliver (6 KiB) in a 32-48 KiB L1; the
// mc x kc block of A is 108 KiB of L2.
template <>
const KernelSpec<float>& avx512_spec<float>() {
  static const KernelSpec<float> spec{
      8, 32, 192, 144, 3072,
      {nullptr, kernel_rows<F32x16, 1, false>, kernel_rows<F32x16, 2, false>, kernel_rows<F32x16, 3, false>,
       kernel_rows<F32x16, 4, false>, kernel_rows<F32x16, 5, false>, kernel_rows<F32x16, 6, false>,
       kernel_rows<F32x16, 7, false>, kernel_rows<F32x16, 8, false>},
      {nullptr, kernel_rows<F32x16, 1, true>, kernel_rows<F32x16, 2, true>, kernel_rows<F32x16, 3, true>,
       kernel_rows<F32x16, 4, true>, kernel_rows<F32x16, 5, true>, kernel_rows<F32x16, 6, true>,
       kernel_rows<F32x16, 7, true>, kernel_rows<F32x16, 8, true>},
      64, pack_bt_f32, transpose_tile_f32};
  return spec;
}
template <>
const KernelSpec<double>& avx512_spec<double>() {
  static const KernelSpec<double> spec{
      8, 16, 192, 72, 2048,
      {nullptr, kernel_rows<F64x8, 1, false>, kernel_rows<F64x8, 2, false>, kernel_rows<F64x8, 3, false>,
       kernel_rows<F64x8, 4, false>, kernel_rows<F64x8, 5, false>, kernel_rows<F64x8, 6, false>,
       kernel_rows<F64x8, 7, false>, kernel_rows<F64x8, 8, false>},
      {nullptr, kernel_rows<F64x8, 1, true>, kernel_rows<F64x8, 2, true>, kernel_rows<F64x8, 3, true>,
       kernel_rows<F64x8, 4, true>, kernel_rows<F64x8, 5, true>, kernel_rows<F64x8, 6, true>,
       kernel_rows<F64x8, 7, true>, kernel_rows<F64x8, 8, true>},
      64, pack_bt_f64, transpose_tile_f64};
  return spec;
}

bool avx512_compiled() { return true; }

}  // namespace speclin::gemm_detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86-64 with a GNU-compatible compiler: no AVX-512 kernels

#include "gemm_kernels.h"
namespace speclin::gemm_detail {
template <>
const KernelSpec<float>& avx512_spec<float>() { return portable_spec<float>(); }
template <>
const KernelSpec<double>& avx512_spec<double>() { return portable_spec<double>(); }
bool avx512_compiled() { return false; }
}  // namespace speclin::gemm_detail
#endif
