// The C ABI of the Gram family (native/include/speclin.h): argument checks, then the C++ core;
// no exception crosses the boundary.
#include <new>

#include "gram.h"
#include "speclin.h"
#include "thread_pool.h"

namespace {

using speclin::Trans;

Trans trans(speclin_trans t) { return t == SPECLIN_TRANS ? Trans::Yes : Trans::No; }
bool valid(speclin_trans t) { return t == SPECLIN_TRANS || t == SPECLIN_NO_TRANS; }

// A stored rows x cols row-major matrix with leading dimension ld: present when it has elements,
// and ld covers a row.
bool stored_ok(const void* p, std::size_t rows, std::size_t cols, std::size_t ld) {
  if (rows == 0 || cols == 0) return true;
  return p != nullptr && ld >= cols;
}

template <typename F>
speclin_status guarded(F&& body) {
  try {
    body();
    return SPECLIN_OK;
  } catch (const std::bad_alloc&) {
    return SPECLIN_ERR_NO_MEMORY;
  } catch (...) {
    return SPECLIN_ERR_INTERNAL;
  }
}

template <typename T>
speclin_status gemm_c(speclin_trans ta, speclin_trans tb, std::size_t m, std::size_t n, std::size_t k,
                      T alpha, const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                      std::size_t ldc) {
  if (!valid(ta) || !valid(tb)) return SPECLIN_ERR_ARGUMENT;
  const bool product = k > 0 && alpha != T(0);
  if (product && !stored_ok(A, ta == SPECLIN_NO_TRANS ? m : k, ta == SPECLIN_NO_TRANS ? k : m, lda))
    return SPECLIN_ERR_ARGUMENT;
  if (product && !stored_ok(B, tb == SPECLIN_NO_TRANS ? k : n, tb == SPECLIN_NO_TRANS ? n : k, ldb))
    return SPECLIN_ERR_ARGUMENT;
  if (!stored_ok(C, m, n, ldc)) return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::gemm<T>(trans(ta), trans(tb), m, n, k, alpha, A, lda, B, ldb, beta, C, ldc); });
}

template <typename T>
speclin_status syrk_c(speclin_trans ta, std::size_t n, std::size_t k, T alpha, const T* A, std::size_t lda,
                      T beta, T* C, std::size_t ldc) {
  if (!valid(ta)) return SPECLIN_ERR_ARGUMENT;
  if (k > 0 && alpha != T(0) &&
      !stored_ok(A, ta == SPECLIN_NO_TRANS ? n : k, ta == SPECLIN_NO_TRANS ? k : n, lda))
    return SPECLIN_ERR_ARGUMENT;
  if (!stored_ok(C, n, n, ldc)) return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::syrk<T>(trans(ta), n, k, alpha, A, lda, beta, C, ldc); });
}

bool batch_ok(const void* p, std::size_t batch, std::size_t rows, std::size_t cols) {
  return batch == 0 || rows == 0 || cols == 0 || p != nullptr;
}

}  // namespace

extern "C" {

const char* speclin_status_message(speclin_status status) {
  switch (status) {
    case SPECLIN_OK: return "ok";
    case SPECLIN_ERR_ARGUMENT: return "invalid argument: a null pointer with a nonzero size, a leading dimension smaller than a row, or a bad transpose flag";
    case SPECLIN_ERR_NO_MEMORY: return "out of memory: a packing buffer could not be allocated";
    default: return "internal error";
  }
}

void speclin_set_threads(int n) { speclin::set_threads(n); }
int speclin_get_threads(void) { return speclin::get_threads(); }

speclin_status speclin_sgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k, float alpha,
                             const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,
                             size_t ldc) {
  return gemm_c<float>(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
speclin_status speclin_dgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k, double alpha,
                             const double* A, size_t lda, const double* B, size_t ldb, double beta,
                             double* C, size_t ldc) {
  return gemm_c<double>(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
speclin_status speclin_ssyrk(speclin_trans ta, size_t n, size_t k, float alpha, const float* A, size_t lda,
                             float beta, float* C, size_t ldc) {
  return syrk_c<float>(ta, n, k, alpha, A, lda, beta, C, ldc);
}
speclin_status speclin_dsyrk(speclin_trans ta, size_t n, size_t k, double alpha, const double* A,
                             size_t lda, double beta, double* C, size_t ldc) {
  return syrk_c<double>(ta, n, k, alpha, A, lda, beta, C, ldc);
}

speclin_status speclin_sgram(const float* Z, float* out, size_t batch, size_t rows, size_t cols) {
  if (!batch_ok(Z, batch, rows, cols) || !batch_ok(out, batch, rows, rows)) return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::gram<float>(Z, out, batch, rows, cols); });
}
speclin_status speclin_dgram(const double* Z, double* out, size_t batch, size_t rows, size_t cols) {
  if (!batch_ok(Z, batch, rows, cols) || !batch_ok(out, batch, rows, rows)) return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::gram<double>(Z, out, batch, rows, cols); });
}
speclin_status speclin_scross_gram(const float* Z, const float* W, float* out, size_t batch, size_t m,
                                   size_t n, size_t k) {
  if (!batch_ok(Z, batch, m, k) || !batch_ok(W, batch, n, k) || !batch_ok(out, batch, m, n))
    return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::cross_gram<float>(Z, W, out, batch, m, n, k); });
}
speclin_status speclin_dcross_gram(const double* Z, const double* W, double* out, size_t batch, size_t m,
                                   size_t n, size_t k) {
  if (!batch_ok(Z, batch, m, k) || !batch_ok(W, batch, n, k) || !batch_ok(out, batch, m, n))
    return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::cross_gram<double>(Z, W, out, batch, m, n, k); });
}
speclin_status speclin_sinner_gram(const float* Z, const float* W, float* out, size_t batch, size_t r,
                                   size_t kz, size_t kw) {
  if (!batch_ok(Z, batch, r, kz) || !batch_ok(W, batch, r, kw) || !batch_ok(out, batch, kz, kw))
    return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::inner_gram<float>(Z, W, out, batch, r, kz, kw); });
}
speclin_status speclin_dinner_gram(const double* Z, const double* W, double* out, size_t batch, size_t r,
                                   size_t kz, size_t kw) {
  if (!batch_ok(Z, batch, r, kz) || !batch_ok(W, batch, r, kw) || !batch_ok(out, batch, kz, kw))
    return SPECLIN_ERR_ARGUMENT;
  return guarded([&] { speclin::inner_gram<double>(Z, W, out, batch, r, kz, kw); });
}

}  // extern "C"
