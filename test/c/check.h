/* What the C tests of libspeclin share (C99): a deterministic generator, relative error against a
 * float64 reference, and checks that print the first failure with speclin_last_error(). Each test
 * program prints "ok" and exits 0 when every check passes. Built by test/c-api.test.ts. */
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
