// The parts of the x86 micro-kernels that AVX2 (gemm_avx2.cc) and AVX-512 (gemm_avx512.cc)
// share, written once over a vector-operations type `Ops` (one SPECLIN_X86_VECTOR_OPS struct of
// x86_vector_ops.h; fma(a, b, c) is a * b + c). Each of those two files includes this header after
// enabling its instruction set (compiler flags or a target pragma): everything here sits in an
// anonymous namespace, so every including file compiles its own copy for its own instruction
// set and no AVX-512 copy of an inline function can be picked by the linker for AVX2 code.
#pragma once
#include <immintrin.h>

#include <cstddef>

namespace speclin::gemm_detail {
namespace {

// R rows (R <= 8: the AVX2 kernels use 6, the AVX-512 ones 8) x 2 vectors. Fewer rows than the
// kernel's height serve the last rows of a matrix read in place, which then need neither packing
// nor a scratch tile. The loops over R unroll completely, so the accumulator arrays live in
// registers. kStream: beta == 0 and c aligned to the vector width; the tile goes out as
// non-temporal stores (see KernelSpec::kernel_stream).
template <typename Ops, int R, bool kStream>
void kernel_rows(std::size_t kc, const typename Ops::T* a, std::size_t rsa, std::size_t csa,
                 const typename Ops::T* b, typename Ops::T* c, std::size_t ldc, typename Ops::T alpha,
                 typename Ops::T beta) {
  using T = typename Ops::T;
  using V = typename Ops::V;
  constexpr int W = Ops::kWidth;
  // The tile's rows are written at the end; asking for them now overlaps the misses with the loop.
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

// The transposing pack of one micro-panel of B (Z W^T reads W by rows): NR rows of W become
// kc rows of NR values, as register transposes of 8 x 8 (float) or 4 x 4 (double) blocks instead
// of element-by-element strided stores. NR = 16 / 8 (AVX2), 32 / 16 (AVX-512).
template <int NR>
void pack_bt_f32(const float* src, std::size_t ldb, std::size_t kc, float* dst) {
  std::size_t p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int h = 0; h < NR; h += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (h + i) * ldb + p);
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * NR + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < NR; ++j) dst[p * NR + j] = src[j * ldb + p];
}

template <int NR>
void pack_bt_f64(const double* src, std::size_t ldb, std::size_t kc, double* dst) {
  std::size_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int h = 0; h < NR; h += 4) {
      __m256d r[4];
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(src + (h + i) * ldb + p);
      transpose4(r);
      for (int q = 0; q < 4; ++q) _mm256_store_pd(dst + (p + q) * NR + h, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < NR; ++j) dst[p * NR + j] = src[j * ldb + p];
}

}  // namespace
}  // namespace speclin::gemm_detail
