/* What the C tests of libspeclin share (C99): a deterministic generator, relative error against a
 * float64 reference, a dense symmetric eigensolver (cyclic Jacobi), and checks that print the
 * first failure with speclin_last_error(). Each test program prints "ok" and exits 0 when every
 * check passes. Built by test/c-api.test.ts. */
#ifndef SPECLIN_TEST_CHECK_H
#define SPECLIN_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speclin.h"

static unsigned check_state = 12345u;
static inline double uniform(void) {
  check_state = check_state * 1664525u + 1013904223u;
  return (double)(check_state >> 8) / 16777216.0 - 0.5;
}

/* max |got - want| / max(|want|, 1); NaN counts as infinite. */
static inline double error_of(const double* got, const double* want, size_t count) {
  double e = 0;
  for (size_t i = 0; i < count; i++) {
    double d = fabs(got[i] - want[i]) / fmax(fabs(want[i]), 1.0);
    if (!(d <= e)) e = isnan(d) ? INFINITY : d;
  }
  return e;
}
static inline double error_of_f(const float* got, const double* want, size_t count) {
  double e = 0;
  for (size_t i = 0; i < count; i++) {
    double d = fabs((double)got[i] - want[i]) / fmax(fabs(want[i]), 1.0);
    if (!(d <= e)) e = isnan(d) ? INFINITY : d;
  }
  return e;
}

/* Cyclic Jacobi: eigenvalues of the symmetric S (destroyed) into w, descending. */
static inline void jacobi(double* S, int n, double* w) {
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) off += S[p * n + q] * S[p * n + q];
    if (off < 1e-30) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        if (fabs(S[p * n + q]) < 1e-300) continue;
        double theta = (S[q * n + q] - S[p * n + p]) / (2 * S[p * n + q]);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int r = 0; r < n; r++) {
          double a = S[r * n + p], b = S[r * n + q];
          S[r * n + p] = c * a - s * b, S[r * n + q] = s * a + c * b;
        }
        for (int r = 0; r < n; r++) {
          double a = S[p * n + r], b = S[q * n + r];
          S[p * n + r] = c * a - s * b, S[q * n + r] = s * a + c * b;
        }
      }
  }
  for (int i = 0; i < n; i++) w[i] = S[i * n + i];
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (w[j] > w[i]) { double x = w[i]; w[i] = w[j]; w[j] = x; }
}

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                          \
      printf(__VA_ARGS__);                                                 \
      printf(" (last error: %s)\n", speclin_last_error());                 \
      return 1;                                                            \
    }                                                                      \
  } while (0)

#define CHECK_OK(call)                                                                          \
  do {                                                                                          \
    speclin_status check_s = (call);                                                            \
    CHECK(check_s == SPECLIN_OK, "%s returned %d (%s)", #call, (int)check_s, speclin_status_message(check_s)); \
  } while (0)

/* The call fails with `want`, and the last error contains `fragment` (it names the argument). */
#define CHECK_ERROR(call, want, fragment)                                                        \
  do {                                                                                          \
    speclin_status check_s = (call);                                                            \
    CHECK(check_s == (want), "%s returned %d, expected %d", #call, (int)check_s, (int)(want));  \
    CHECK(strstr(speclin_last_error(), (fragment)) != NULL, "%s: the message lacks \"%s\"", #call, (fragment)); \
  } while (0)

#define CHECK_NEAR(err, tol, what) CHECK((err) <= (tol), "%s: error %g > %g", (what), (double)(err), (double)(tol))

#endif
