// Reference implementation of the Gram family: straightforward loops, parallel over rows.
// To be replaced by the packed, register-blocked kernels (issue 2); the interface stays.
#include "gram.h"

#include "thread_pool.h"

namespace speclin {
namespace {
template <typename T>
inline T at(const T* X, std::size_t ld, Trans t, std::size_t i, std::size_t j) {
  return t == Trans::No ? X[i * ld + j] : X[j * ld + i];
}
}  // namespace

template <typename T>
void gemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* A,
          std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  parallel_for(0, m, 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T s = 0;
        for (std::size_t p = 0; p < k; ++p) s += at(A, lda, ta, i, p) * at(B, ldb, tb, p, j);
        T& c = C[i * ldc + j];
        c = beta == T(0) ? alpha * s : alpha * s + beta * c;
      }
  });
}

template <typename T>
void syrk(Trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda, T beta,
          T* C, std::size_t ldc) {
  Trans tb = ta == Trans::No ? Trans::Yes : Trans::No;
  parallel_for(0, n, 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      for (std::size_t j = i; j < n; ++j) {
        T s = 0;
        for (std::size_t p = 0; p < k; ++p) s += at(A, lda, ta, i, p) * at(A, lda, tb, p, j);
        T& c = C[i * ldc + j];
        c = beta == T(0) ? alpha * s : alpha * s + beta * c;
      }
  });
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) C[i * ldc + j] = C[j * ldc + i];
}

template <typename T>
void gram(const T* Z, T* out, std::size_t batch, std::size_t rows, std::size_t cols) {
  for (std::size_t b = 0; b < batch; ++b)
    syrk<T>(Trans::No, rows, cols, T(1), Z + b * rows * cols, cols, T(0), out + b * rows * rows, rows);
}

template <typename T>
void cross_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t m, std::size_t n,
                std::size_t k) {
  for (std::size_t b = 0; b < batch; ++b)
    gemm<T>(Trans::No, Trans::Yes, m, n, k, T(1), Z + b * m * k, k, W + b * n * k, k, T(0),
            out + b * m * n, n);
}

template <typename T>
void inner_gram(const T* Z, const T* W, T* out, std::size_t batch, std::size_t r, std::size_t kz,
                std::size_t kw) {
  for (std::size_t b = 0; b < batch; ++b) {
    if (Z == W && kz == kw)
      syrk<T>(Trans::Yes, kz, r, T(1), Z + b * r * kz, kz, T(0), out + b * kz * kz, kz);
    else
      gemm<T>(Trans::Yes, Trans::No, kz, kw, r, T(1), Z + b * r * kz, kz, W + b * r * kw, kw, T(0),
              out + b * kz * kw, kw);
  }
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
