/* An independent C reference (kept out of test/c, whose programs c-api.test.ts links against libspeclin) for the machine-limit probes (test/machine-limits.test.ts), one
 * thread, compiled with cc -O2 -march=native:
 *   fma32 / fma64: GCC vector extensions as wide as the target allows (64 bytes with AVX-512F,
 *     else 32), 12 independent chains c = c * a + b (contracted to FMAs by -march=native);
 *   read / write: a 256 MiB array of 64-bit words summed, or overwritten.
 * Prints the best of `repeats` timings: GFLOP/s or GB/s. Usage: ref MODE SECONDS_PER_REPEAT REPEATS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __AVX512F__
#define VBYTES 64
#else
#define VBYTES 32
#endif
typedef float vf __attribute__((vector_size(VBYTES)));
typedef double vd __attribute__((vector_size(VBYTES)));
/* Twelve named chains: with a and b, 14 of the 16 ymm registers, so none spills. */
#define CHAINS 12

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

volatile double sink;

#define FMA_LOOP(V, T)                                                                        \
  static double fma_##T(long iters) {                                                         \
    V a, b, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11;                                 \
    for (unsigned l = 0; l < VBYTES / sizeof(T); l++) {                                       \
      a[l] = (T)0.999; b[l] = (T)0.001;                                                       \
      c0[l] = c1[l] = c2[l] = c3[l] = c4[l] = c5[l] = (T)(0.5 + 0.01 * l);                    \
      c6[l] = c7[l] = c8[l] = c9[l] = c10[l] = c11[l] = (T)(0.6 + 0.01 * l);                  \
    }                                                                                         \
    for (long i = 0; i < iters; i++) {                                                        \
      c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;                     \
      c4 = c4 * a + b; c5 = c5 * a + b; c6 = c6 * a + b; c7 = c7 * a + b;                     \
      c8 = c8 * a + b; c9 = c9 * a + b; c10 = c10 * a + b; c11 = c11 * a + b;                 \
    }                                                                                         \
    V s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;                        \
    double total = 0;                                                                         \
    for (unsigned l = 0; l < VBYTES / sizeof(T); l++) total += s[l];                          \
    return total;                                                                             \
  }
FMA_LOOP(vf, float)
FMA_LOOP(vd, double)

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const char* mode = argv[1];
  double seconds = atof(argv[2]);
  int repeats = atoi(argv[3]);
  double best = 0;
  if (!strncmp(mode, "fma", 3)) {
    int f64 = !strcmp(mode, "fma64");
    double lanes = VBYTES / (f64 ? 8.0 : 4.0);
    long iters = 1 << 12;
    double t0 = now();
    for (;;) {
      t0 = now();
      sink = f64 ? fma_double(iters) : fma_float(iters);
      if (now() - t0 > seconds / 10) break;
      iters *= 2;
    }
    iters = (long)(iters * seconds / (now() - t0));
    for (int r = 0; r < repeats; r++) {
      t0 = now();
      sink = f64 ? fma_double(iters) : fma_float(iters);
      double rate = 2.0 * lanes * CHAINS * iters / (now() - t0) / 1e9;
      if (rate > best) best = rate;
    }
  } else {
    size_t n = (size_t)256 << 17; /* 256 MiB of uint64 */
    uint64_t* p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = i;
    int write = !strcmp(mode, "write");
    double spent = 0;
    for (int r = 0; r < repeats || spent < seconds; r++) {
      double t0 = now();
      if (write) {
        for (size_t i = 0; i < n; i++) p[i] = i + r;
      } else {
        uint64_t s = 0;
        for (size_t i = 0; i < n; i++) s += p[i];
        sink = (double)s;
      }
      double dt = now() - t0;
      spent += dt;
      double rate = n * 8.0 / dt / 1e9;
      if (rate > best) best = rate;
      if (r > 100) break;
    }
    sink += p[n / 3];
    free(p);
  }
  printf("%.6g\n", best);
  return 0;
}
