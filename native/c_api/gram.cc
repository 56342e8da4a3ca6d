// The C ABI of the Gram family: argument checks, then the core's gram.h.
#include "../core/gram.h"

#include "guard.h"

namespace {

using speclin::Trans;
using speclin::c_api::guarded;
using speclin::c_api::require;

Trans trans(speclin_trans t) { return t == SPECLIN_TRANS ? Trans::Yes : Trans::No; }

void require_trans(speclin_trans t, const char* fn, const char* name) {
  require(t == SPECLIN_TRANS || t == SPECLIN_NO_TRANS, fn, std::string(name) + " must be SPECLIN_NO_TRANS or SPECLIN_TRANS");
}

// A stored rows x cols row-major matrix with leading dimension ld: present when it has elements,
// and ld covers a row.
void require_stored(const void* p, std::size_t rows, std::size_t cols, std::size_t ld, const char* fn,
                    const char* name, const char* ldname) {
  if (rows == 0 || cols == 0) return;
  require(p != nullptr, fn, std::string(name) + " is NULL");
  require(ld >= cols, fn, std::string(ldname) + " = " + std::to_string(ld) + " is smaller than a row of " + name +
                              " (" + std::to_string(cols) + ")");
}

void require_batch(const void* p, std::size_t batch, std::size_t rows, std::size_t cols, const char* fn, const char* name) {
  require(batch == 0 || rows == 0 || cols == 0 || p != nullptr, fn, std::string(name) + " is NULL");
}

template <typename T>
speclin_status gemm_c(const char* fn, speclin_trans ta, speclin_trans tb, std::size_t m, std::size_t n,
                      std::size_t k, T alpha, const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta,
                      T* C, std::size_t ldc) {
  return guarded(fn, [&] {
    require_trans(ta, fn, "ta");
    require_trans(tb, fn, "tb");
    if (k > 0 && alpha != T(0)) {
      require_stored(A, ta == SPECLIN_NO_TRANS ? m : k, ta == SPECLIN_NO_TRANS ? k : m, lda, fn, "A", "lda");
      require_stored(B, tb == SPECLIN_NO_TRANS ? k : n, tb == SPECLIN_NO_TRANS ? n : k, ldb, fn, "B", "ldb");
    }
    require_stored(C, m, n, ldc, fn, "C", "ldc");
    speclin::gemm<T>(trans(ta), trans(tb), m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    return SPECLIN_OK;
  });
}

template <typename T>
speclin_status syrk_c(const char* fn, speclin_trans ta, std::size_t n, std::size_t k, T alpha, const T* A,
                      std::size_t lda, T beta, T* C, std::size_t ldc) {
  return guarded(fn, [&] {
    require_trans(ta, fn, "ta");
    if (k > 0 && alpha != T(0))
      require_stored(A, ta == SPECLIN_NO_TRANS ? n : k, ta == SPECLIN_NO_TRANS ? k : n, lda, fn, "A", "lda");
    require_stored(C, n, n, ldc, fn, "C", "ldc");
    speclin::syrk<T>(trans(ta), n, k, alpha, A, lda, beta, C, ldc);
    return SPECLIN_OK;
  });
}

template <typename T>
speclin_status gram_c(const char* fn, const T* Z, T* out, std::size_t batch, std::size_t rows, std::size_t cols) {
  return guarded(fn, [&] {
    require_batch(Z, batch, rows, cols, fn, "Z");
    require_batch(out, batch, rows, rows, fn, "out");
    speclin::gram<T>(Z, out, batch, rows, cols);
    return SPECLIN_OK;
  });
}

template <typename T>
speclin_status cross_gram_c(const char* fn, const T* Z, const T* W, T* out, std::size_t batch, std::size_t m,
                            std::size_t n, std::size_t k) {
  return guarded(fn, [&] {
    require_batch(Z, batch, m, k, fn, "Z");
    require_batch(W, batch, n, k, fn, "W");
    require_batch(out, batch, m, n, fn, "out");
    speclin::cross_gram<T>(Z, W, out, batch, m, n, k);
    return SPECLIN_OK;
  });
}

template <typename T>
speclin_status inner_gram_c(const char* fn, const T* Z, const T* W, T* out, std::size_t batch, std::size_t r,
                            std::size_t kz, std::size_t kw) {
  return guarded(fn, [&] {
    require_batch(Z, batch, r, kz, fn, "Z");
    require_batch(W, batch, r, kw, fn, "W");
    require_batch(out, batch, kz, kw, fn, "out");
    speclin::inner_gram<T>(Z, W, out, batch, r, kz, kw);
    return SPECLIN_OK;
  });
}

}  // namespace

extern "C" {

speclin_status speclin_sgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k, float alpha,
                             const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,
                             size_t ldc) {
  return gemm_c<float>("speclin_sgemm", ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
speclin_status speclin_dgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k, double alpha,
                             const double* A, size_t lda, const double* B, size_t ldb, double beta,
                             double* C, size_t ldc) {
  return gemm_c<double>("speclin_dgemm", ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
speclin_status speclin_ssyrk(speclin_trans ta, size_t n, size_t k, float alpha, const float* A, size_t lda,
                             float beta, float* C, size_t ldc) {
  return syrk_c<float>("speclin_ssyrk", ta, n, k, alpha, A, lda, beta, C, ldc);
}
speclin_status speclin_dsyrk(speclin_trans ta, size_t n, size_t k, double alpha, const double* A,
                             size_t lda, double beta, double* C, size_t ldc) {
  return syrk_c<double>("speclin_dsyrk", ta, n, k, alpha, A, lda, beta, C, ldc);
}
speclin_status speclin_sgram(const float* Z, float* out, size_t batch, size_t rows, size_t cols) {
  return gram_c<float>("speclin_sgram", Z, out, batch, rows, cols);
}
speclin_status speclin_dgram(const double* Z, double* out, size_t batch, size_t rows, size_t cols) {
  return gram_c<double>("speclin_dgram", Z, out, batch, rows, cols);
}
speclin_status speclin_scross_gram(const float* Z, const float* W, float* out, size_t batch, size_t m,
                                   size_t n, size_t k) {
  return cross_gram_c<float>("speclin_scross_gram", Z, W, out, batch, m, n, k);
}
speclin_status speclin_dcross_gram(const double* Z, const double* W, double* out, size_t batch, size_t m,
                                   size_t n, size_t k) {
  return cross_gram_c<double>("speclin_dcross_gram", Z, W, out, batch, m, n, k);
}
speclin_status speclin_sinner_gram(const float* Z, const float* W, float* out, size_t batch, size_t r,
                                   size_t kz, size_t kw) {
  return inner_gram_c<float>("speclin_sinner_gram", Z, W, out, batch, r, kz, kw);
}
speclin_status speclin_dinner_gram(const double* Z, const double* W, double* out, size_t batch, size_t r,
                                   size_t kz, size_t kw) {
  return inner_gram_c<double>("speclin_dinner_gram", Z, W, out, batch, r, kz, kw);
}

}  // extern "C"
