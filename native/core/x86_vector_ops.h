// The x86 vector operations the hand-vectorized kernels are written over (gemm_microkernel.h's
// micro-kernel, machine_limits_chains.h's FMA chains, spmv_row_dots.h's row loop), declared once
// for every register width: an AVX2 or AVX-512 file stamps out the structs of its own instruction
// set with SPECLIN_X86_VECTOR_OPS after enabling that set (compiler flags or a target pragma), and
// inside an anonymous namespace, so that every including file compiles its own copy and no AVX-512
// copy of an inline function can be picked by the linker for AVX2 code (see gemm_microkernel.h).
#pragma once
#include <immintrin.h>

// Name: the struct; Scalar: float or double; Vector: the register type (__m256, __m512d, ...);
// Width: its lanes; Prefix and Suffix: the intrinsics' (_mm256 or _mm512; ps or pd), which name
// every operation alike: Prefix_op_Suffix. fma(a, b, c) is a * b + c; load and stream need
// addresses aligned to the register; broadcast reads one scalar into every lane.
#define SPECLIN_X86_VECTOR_OPS(Name, Scalar, Vector, Width, Prefix, Suffix)          \
  struct Name {                                                                       \
    using T = Scalar;                                                                 \
    using V = Vector;                                                                 \
    static constexpr int kWidth = Width;                                              \
    static V zero() { return Prefix##_setzero_##Suffix(); }                           \
    static V load(const T* p) { return Prefix##_load_##Suffix(p); }                   \
    static V loadu(const T* p) { return Prefix##_loadu_##Suffix(p); }                 \
    static void storeu(T* p, V v) { Prefix##_storeu_##Suffix(p, v); }                 \
    static void stream(T* p, V v) { Prefix##_stream_##Suffix(p, v); }                 \
    static V set1(T x) { return Prefix##_set1_##Suffix(x); }                          \
    static V broadcast(const T* p) { return Prefix##_set1_##Suffix(*p); }             \
    static V fma(V a, V b, V c) { return Prefix##_fmadd_##Suffix(a, b, c); }          \
    static V mul(V a, V b) { return Prefix##_mul_##Suffix(a, b); }                    \
    static V add(V a, V b) { return Prefix##_add_##Suffix(a, b); }                    \
  };
