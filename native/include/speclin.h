/* speclin's C ABI: the Gram family of the native core (dense products in float32 and float64),
 * for trainers written in C, C++, Rust, ... that link the core's static library (speclin_core)
 * without Node. Row-major matrices; leading dimensions are in elements. Every function returns a
 * status and never throws, aborts or prints; C must not overlap A or B.
 *
 * Products accumulate in their own dtype; NaN and Inf in A or B propagate to exactly the outputs
 * that read them. With beta == 0, C is only written (NaN already in C does not propagate). */
#ifndef SPECLIN_H
#define SPECLIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum speclin_status {
  SPECLIN_OK = 0,
  SPECLIN_ERR_ARGUMENT = 1,  /* a null pointer with a nonzero size, or a leading dimension too small */
  SPECLIN_ERR_NO_MEMORY = 2, /* a packing buffer could not be allocated */
  SPECLIN_ERR_INTERNAL = 3
} speclin_status;

typedef enum speclin_trans { SPECLIN_NO_TRANS = 0, SPECLIN_TRANS = 1 } speclin_trans;

/* A short English description of a status, for messages. */
const char* speclin_status_message(speclin_status status);

/* Threads the core may use (the calling thread included); n <= 0 restores the default (the
 * machine's cores). */
void speclin_set_threads(int n);
int speclin_get_threads(void);

/* C (m x n) = alpha op(A) op(B) + beta C, op(X) = X or X^T; op(A) is m x k, op(B) is k x n. */
speclin_status speclin_sgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k,
                             float alpha, const float* A, size_t lda, const float* B, size_t ldb,
                             float beta, float* C, size_t ldc);
speclin_status speclin_dgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n, size_t k,
                             double alpha, const double* A, size_t lda, const double* B, size_t ldb,
                             double beta, double* C, size_t ldc);

/* C (n x n) = alpha op(A) op(A)^T + beta C, op(A) n x k (A is n x k for SPECLIN_NO_TRANS, k x n
 * for SPECLIN_TRANS). One triangle is computed and mirrored: C is exactly symmetric. */
speclin_status speclin_ssyrk(speclin_trans ta, size_t n, size_t k, float alpha, const float* A,
                             size_t lda, float beta, float* C, size_t ldc);
speclin_status speclin_dsyrk(speclin_trans ta, size_t n, size_t k, double alpha, const double* A,
                             size_t lda, double beta, double* C, size_t ldc);

/* Batched, contiguous forms (the TypeScript API's gram, crossGram, innerGram):
 *   gram:       out[b] = Z[b] Z[b]^T   Z[b] rows x cols, out[b] rows x rows
 *   cross_gram: out[b] = Z[b] W[b]^T   Z[b] m x k, W[b] n x k, out[b] m x n
 *   inner_gram: out[b] = Z[b]^T W[b]   Z[b] r x kz, W[b] r x kw, out[b] kz x kw
 *               (Z == W with kz == kw computes one triangle). */
speclin_status speclin_sgram(const float* Z, float* out, size_t batch, size_t rows, size_t cols);
speclin_status speclin_dgram(const double* Z, double* out, size_t batch, size_t rows, size_t cols);
speclin_status speclin_scross_gram(const float* Z, const float* W, float* out, size_t batch,
                                   size_t m, size_t n, size_t k);
speclin_status speclin_dcross_gram(const double* Z, const double* W, double* out, size_t batch,
                                   size_t m, size_t n, size_t k);
speclin_status speclin_sinner_gram(const float* Z, const float* W, float* out, size_t batch,
                                   size_t r, size_t kz, size_t kw);
speclin_status speclin_dinner_gram(const double* Z, const double* W, double* out, size_t batch,
                                   size_t r, size_t kz, size_t kw);

#ifdef __cplusplus
}
#endif

#endif /* SPECLIN_H */
