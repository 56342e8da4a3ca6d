/* Top-k maximum inner product of speclin.h from C99: against a brute-force float64 search, and
 * every argument check. */
#include "check.h"

enum { NQ = 13, NK = 101, D = 9, TOPK = 5 };

int main(void) {
  static double Q[NQ * D], Kd[NK * D], want[NQ * TOPK], scores[NQ * TOPK];
  static float Qf[NQ * D], Kf[NK * D], scoresf[NQ * TOPK];
  static int32_t want_idx[NQ * TOPK], idx[NQ * TOPK];
  for (int i = 0; i < NQ * D; i++) Qf[i] = (float)uniform(), Q[i] = Qf[i];
  for (int i = 0; i < NK * D; i++) Kf[i] = (float)uniform(), Kd[i] = Kf[i];
  /* Brute force: repeatedly the best key not yet taken (ties: the lower index). */
  for (int i = 0; i < NQ; i++) {
    int taken[NK] = {0};
    for (int t = 0; t < TOPK; t++) {
      int best = -1;
      double bs = -INFINITY;
      for (int j = 0; j < NK; j++) {
        if (taken[j]) continue;
        double s = 0;
        for (int q = 0; q < D; q++) s += Q[i * D + q] * Kd[j * D + q];
        if (s > bs) bs = s, best = j;
      }
      taken[best] = 1;
      want_idx[i * TOPK + t] = best;
      want[i * TOPK + t] = bs;
    }
  }
  /* Random scores differ by far more than rounding (float32 dots of 9 terms: ~1e-7), so the
   * indices must match exactly; scores to 1e-12 (float64) and 1e-5 (float32). */
  CHECK_OK(speclin_dtop_k(Q, NQ, Kd, NK, D, TOPK, idx, scores));
  CHECK(memcmp(idx, want_idx, sizeof idx) == 0, "dtop_k indices differ from brute force");
  CHECK_NEAR(error_of(scores, want, NQ * TOPK), 1e-12, "dtop_k scores");
  CHECK_OK(speclin_stop_k(Qf, NQ, Kf, NK, D, TOPK, idx, scoresf));
  CHECK(memcmp(idx, want_idx, sizeof idx) == 0, "stop_k indices differ from brute force");
  CHECK_NEAR(error_of_f(scoresf, want, NQ * TOPK), 1e-5, "stop_k scores");
  /* k == nk is allowed (a full sort). */
  {
    static int32_t all_idx[NQ * NK];
    static double all_scores[NQ * NK];
    CHECK_OK(speclin_dtop_k(Q, NQ, Kd, NK, D, NK, all_idx, all_scores));
    for (int i = 0; i < NQ; i++)
      for (int t = 1; t < NK; t++) CHECK(all_scores[i * NK + t - 1] >= all_scores[i * NK + t], "full sort not descending");
  }
  CHECK_ERROR(speclin_dtop_k(Q, NQ, Kd, NK, D, 0, idx, scores), SPECLIN_ERR_ARGUMENT, "k must be");
  CHECK_ERROR(speclin_dtop_k(Q, NQ, Kd, NK, D, NK + 1, idx, scores), SPECLIN_ERR_ARGUMENT, "exceeds the number of keys");
  CHECK_ERROR(speclin_stop_k(Qf, NQ, Kf, NK, 0, TOPK, idx, scoresf), SPECLIN_ERR_ARGUMENT, "d must be");
  CHECK_ERROR(speclin_stop_k(NULL, NQ, Kf, NK, D, TOPK, idx, scoresf), SPECLIN_ERR_ARGUMENT, "Q is NULL");
  CHECK_ERROR(speclin_stop_k(Qf, NQ, NULL, NK, D, TOPK, idx, scoresf), SPECLIN_ERR_ARGUMENT, "K is NULL");
  CHECK_ERROR(speclin_dtop_k(Q, NQ, Kd, NK, D, TOPK, NULL, scores), SPECLIN_ERR_ARGUMENT, "indices is NULL");
  CHECK_ERROR(speclin_dtop_k(Q, NQ, Kd, NK, D, TOPK, idx, NULL), SPECLIN_ERR_ARGUMENT, "scores is NULL");
  Kd[7] = NAN;
  CHECK_ERROR(speclin_dtop_k(Q, NQ, Kd, NK, D, TOPK, idx, scores), SPECLIN_ERR_ARGUMENT, "NaN");
  puts("ok");
  return 0;
}
