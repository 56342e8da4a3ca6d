/* The Gram family of speclin.h from C99: each function against a naive double loop, and the
 * argument checks. */
#include "check.h"

static int fail(const char* what, double err) {
  printf("FAIL %s (error %g)\n", what, err);
  return 1;
}

/* max |got - want| / max(|want|, 1) for an m x n result read with leading dimension ld; one
 * definition for float and double results. */
#define DEFINE_ERROR(name, T)                                                                  \
  static double name(const T* got, size_t ld, const double* want, size_t m, size_t n) {        \
    double e = 0;                                                                              \
    for (size_t i = 0; i < m; i++)                                                             \
      for (size_t j = 0; j < n; j++) {                                                         \
        double d = fabs(got[i * ld + j] - want[i * n + j]) / fmax(fabs(want[i * n + j]), 1.0); \
        if (!(d <= e)) e = isnan(d) ? INFINITY : d;                                            \
      }                                                                                        \
    return e;                                                                                  \
  }
DEFINE_ERROR(error_f, float)
DEFINE_ERROR(error_d, double)

/* The naive batched product ref[b](i, j) = sum_p A[b](i, p) B[b](j, p), in float64: element
 * (r, p) of an operand's entry b sits at b * batch + r * row + p * depth. */
struct operand {
  const double* data;
  size_t batch, row, depth;
};
static void batched_reference(struct operand a, struct operand b, size_t nb, size_t m, size_t n, size_t k, double* ref) {
  for (size_t e = 0; e < nb; e++)
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t p = 0; p < k; p++)
          s += a.data[e * a.batch + i * a.row + p * a.depth] * b.data[e * b.batch + j * b.row + p * b.depth];
        ref[(e * m + i) * n + j] = s;
      }
}

int main(void) {
  enum { M = 37, N = 29, K = 300, LD = 311 };
  /* float32 sums of K = 300 terms of size ~0.1: error ~ sqrt(K) eps32 ~ 2e-6; 1e-4 is safe and
   * still far below a wrong element's O(1) error. float64: 1e-12. */
  const double tol32 = 1e-4, tol64 = 1e-12;
  static float Af[LD * LD], Bf[LD * LD], Cf[LD * LD];
  static double Ad[LD * LD], Bd[LD * LD], Cd[LD * LD], want[LD * LD];
  for (size_t i = 0; i < LD * LD; i++) {
    Ad[i] = uniform();
    Bd[i] = uniform();
    Af[i] = (float)Ad[i];
    Bf[i] = (float)Bd[i];
    Ad[i] = Af[i];
    Bd[i] = Bf[i];
  }
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      /* C = 2 op(A) op(B) + 0.5 C, with leading dimensions larger than the rows. */
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
          double s = 0;
          for (size_t p = 0; p < K; p++)
            s += (ta ? Ad[p * LD + i] : Ad[i * LD + p]) * (tb ? Bd[j * LD + p] : Bd[p * LD + j]);
          want[i * N + j] = 2 * s + 0.5 * (double)(i + j);
          Cf[i * LD + j] = (float)(i + j);
          Cd[i * LD + j] = (double)(i + j);
        }
      if (speclin_sgemm(ta, tb, M, N, K, 2.0f, Af, LD, Bf, LD, 0.5f, Cf, LD) != SPECLIN_OK) return fail("sgemm status", 0);
      if (error_f(Cf, LD, want, M, N) > tol32) return fail("sgemm", error_f(Cf, LD, want, M, N));
      if (speclin_dgemm(ta, tb, M, N, K, 2.0, Ad, LD, Bd, LD, 0.5, Cd, LD) != SPECLIN_OK) return fail("dgemm status", 0);
      if (error_d(Cd, LD, want, M, N) > tol64) return fail("dgemm", error_d(Cd, LD, want, M, N));
    }
  for (int ta = 0; ta < 2; ta++) {
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < M; j++) {
        double s = 0;
        for (size_t p = 0; p < K; p++)
          s += (ta ? Ad[p * LD + i] * Ad[p * LD + j] : Ad[i * LD + p] * Ad[j * LD + p]);
        want[i * M + j] = s;
        Cf[i * LD + j] = NAN; /* beta = 0: C is not read */
        Cd[i * LD + j] = NAN;
      }
    if (speclin_ssyrk(ta, M, K, 1.0f, Af, LD, 0.0f, Cf, LD) != SPECLIN_OK) return fail("ssyrk status", 0);
    if (error_f(Cf, LD, want, M, M) > tol32) return fail("ssyrk", error_f(Cf, LD, want, M, M));
    if (speclin_dsyrk(ta, M, K, 1.0, Ad, LD, 0.0, Cd, LD) != SPECLIN_OK) return fail("dsyrk status", 0);
    if (error_d(Cd, LD, want, M, M) > tol64) return fail("dsyrk", error_d(Cd, LD, want, M, M));
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < i; j++)
        if (Cf[i * LD + j] != Cf[j * LD + i] || Cd[i * LD + j] != Cd[j * LD + i]) return fail("syrk symmetry", 0);
  }
  /* Batched forms: 3 products, contiguous. Z is 3 x (M x K), W is 3 x (N x K). */
  {
    enum { NB = 3 };
    static double ref[NB * M * M];
    float* out = malloc(sizeof(float) * NB * M * M);
    double* outd = malloc(sizeof(double) * NB * M * M);
    const struct operand z = {Ad, M * K, K, 1}, w = {Bd, N * K, K, 1};
    batched_reference(z, w, NB, M, N, K, ref);
    if (speclin_scross_gram(Af, Bf, out, NB, M, N, K) != SPECLIN_OK) return fail("scross_gram status", 0);
    if (error_f(out, N, ref, NB * M, N) > tol32) return fail("scross_gram", error_f(out, N, ref, NB * M, N));
    if (speclin_dcross_gram(Ad, Bd, outd, NB, M, N, K) != SPECLIN_OK) return fail("dcross_gram status", 0);
    if (error_d(outd, N, ref, NB * M, N) > tol64) return fail("dcross_gram", error_d(outd, N, ref, NB * M, N));
    batched_reference(z, z, NB, M, M, K, ref);
    if (speclin_sgram(Af, out, NB, M, K) != SPECLIN_OK) return fail("sgram status", 0);
    if (error_f(out, M, ref, NB * M, M) > tol32) return fail("sgram", error_f(out, M, ref, NB * M, M));
    if (speclin_dgram(Ad, outd, NB, M, K) != SPECLIN_OK) return fail("dgram status", 0);
    if (error_d(outd, M, ref, NB * M, M) > tol64) return fail("dgram", error_d(outd, M, ref, NB * M, M));
    /* inner: Z[b] is K x M (r = K rows), W[b] is K x N. */
    const struct operand zt = {Ad, K * M, 1, M}, wt = {Bd, K * N, 1, N};
    batched_reference(zt, wt, NB, M, N, K, ref);
    if (speclin_sinner_gram(Af, Bf, out, NB, K, M, N) != SPECLIN_OK) return fail("sinner_gram status", 0);
    if (error_f(out, N, ref, NB * M, N) > tol32) return fail("sinner_gram", error_f(out, N, ref, NB * M, N));
    if (speclin_dinner_gram(Ad, Bd, outd, NB, K, M, N) != SPECLIN_OK) return fail("dinner_gram status", 0);
    if (error_d(outd, N, ref, NB * M, N) > tol64) return fail("dinner_gram", error_d(outd, N, ref, NB * M, N));
    free(out);
    free(outd);
  }
  /* Argument checks: a leading dimension shorter than a row, null pointers, a bad flag; each
   * names the argument. */
  CHECK_ERROR(speclin_sgemm(SPECLIN_NO_TRANS, SPECLIN_NO_TRANS, 2, 2, 3, 1.0f, Af, 2, Bf, 3, 0.0f, Cf, 2), SPECLIN_ERR_ARGUMENT, "lda = 2");
  CHECK_ERROR(speclin_dgemm(SPECLIN_NO_TRANS, SPECLIN_NO_TRANS, 2, 2, 3, 1.0, Ad, 3, NULL, 3, 0.0, Cd, 2), SPECLIN_ERR_ARGUMENT, "B is NULL");
  CHECK_ERROR(speclin_dgemm(SPECLIN_NO_TRANS, SPECLIN_NO_TRANS, 2, 2, 3, 1.0, Ad, 3, Bd, 3, 0.0, Cd, 1), SPECLIN_ERR_ARGUMENT, "ldc = 1");
  CHECK_ERROR(speclin_dsyrk(SPECLIN_NO_TRANS, 2, 3, 1.0, NULL, 3, 0.0, Cd, 2), SPECLIN_ERR_ARGUMENT, "A is NULL");
  CHECK_ERROR(speclin_ssyrk(SPECLIN_NO_TRANS, 2, 3, 1.0f, Af, 3, 0.0f, NULL, 2), SPECLIN_ERR_ARGUMENT, "C is NULL");
  CHECK_ERROR(speclin_ssyrk((speclin_trans)3, 2, 3, 1.0f, Af, 3, 0.0f, Cf, 2), SPECLIN_ERR_ARGUMENT, "ta must be");
  CHECK_ERROR(speclin_sgemm((speclin_trans)7, SPECLIN_NO_TRANS, 1, 1, 1, 1.0f, Af, 1, Bf, 1, 0.0f, Cf, 1), SPECLIN_ERR_ARGUMENT, "ta must be");
  CHECK_ERROR(speclin_sgemm(SPECLIN_NO_TRANS, (speclin_trans)7, 1, 1, 1, 1.0f, Af, 1, Bf, 1, 0.0f, Cf, 1), SPECLIN_ERR_ARGUMENT, "tb must be");
  CHECK_ERROR(speclin_sgram(Af, NULL, 1, 2, 2), SPECLIN_ERR_ARGUMENT, "out is NULL");
  CHECK_ERROR(speclin_dgram(NULL, Cd, 1, 2, 2), SPECLIN_ERR_ARGUMENT, "Z is NULL");
  CHECK_ERROR(speclin_scross_gram(Af, NULL, Cf, 1, 2, 2, 2), SPECLIN_ERR_ARGUMENT, "W is NULL");
  CHECK_ERROR(speclin_dcross_gram(Ad, Bd, NULL, 1, 2, 2, 2), SPECLIN_ERR_ARGUMENT, "out is NULL");
  CHECK_ERROR(speclin_sinner_gram(NULL, Bf, Cf, 1, 2, 2, 2), SPECLIN_ERR_ARGUMENT, "Z is NULL");
  CHECK_ERROR(speclin_dinner_gram(Ad, NULL, Cd, 1, 2, 2, 2), SPECLIN_ERR_ARGUMENT, "W is NULL");
  /* Empty problems need no data. */
  CHECK_OK(speclin_sgram(NULL, NULL, 0, 2, 2));
  CHECK_OK(speclin_dgemm(SPECLIN_NO_TRANS, SPECLIN_NO_TRANS, 0, 0, 3, 1.0, NULL, 3, NULL, 3, 0.0, NULL, 1));
  CHECK(speclin_status_message(SPECLIN_ERR_NO_MEMORY)[0] != '\0', "empty status message");
  speclin_set_threads(1);
  CHECK(speclin_get_threads() == 1, "set_threads(1) gave %d", speclin_get_threads());
  speclin_set_threads(0);
  puts("ok");
  return 0;
}
