/* Bipartite (two-tower) graphs, svds, the two-tower population loss and its closed-form optimum
 * from C99, against a dense float64 reference: P̄ built densely, its singular values from cyclic
 * Jacobi on P̄ P̄^T, the loss and gradients by their formulas. P has two blocks (two connected
 * components), so P̄ has the singular value 1 twice; nothing is deflated. Every argument check. */
#include "check.h"

enum { NL = 24, NR = 36, KK = 4, NCHAIN = 300 };

static double P[NL * NR], Pbar[NL * NR], dl[NL], dr[NR], total;

/* The dense two-tower loss and its gradients (P scaled to sum 1, Dx, Dt its marginals). */
static double bipartite_reference(const double* Ex, const double* Et, int k, double* gl, double* gr) {
  double Mx[KK * KK] = {0}, Mt[KK * KK] = {0}, tr = 0, cross = 0;
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++) {
      for (int i = 0; i < NL; i++) Mx[a * k + b] += Ex[i * k + a] * dl[i] / total * Ex[i * k + b];
      for (int j = 0; j < NR; j++) Mt[a * k + b] += Et[j * k + a] * dr[j] / total * Et[j * k + b];
    }
  for (int a = 0; a < k * k; a++) cross += Mx[a] * Mt[a];
  for (int i = 0; i < NL; i++)
    for (int a = 0; a < k; a++) {
      double pe = 0, dm = 0;
      for (int j = 0; j < NR; j++) pe += P[i * NR + j] / total * Et[j * k + a];
      tr += Ex[i * k + a] * pe;
      for (int b = 0; b < k; b++) dm += Ex[i * k + b] * Mt[b * k + a];
      gl[i * k + a] = -2 * pe + 2 * dl[i] / total * dm;
    }
  for (int j = 0; j < NR; j++)
    for (int a = 0; a < k; a++) {
      double pe = 0, dm = 0;
      for (int i = 0; i < NL; i++) pe += P[i * NR + j] / total * Ex[i * k + a];
      for (int b = 0; b < k; b++) dm += Et[j * k + b] * Mx[b * k + a];
      gr[j * k + a] = -2 * pe + 2 * dr[j] / total * dm;
    }
  return cross - 2 * tr;
}

/* max over columns q of ||P̄ v_q - σ_q u_q|| and of the orthonormality errors of U and V. */
static void triplet_errors(const double* s, const double* U, const double* V, double* residual, double* ortho) {
  *residual = 0, *ortho = 0;
  for (int q = 0; q < KK; q++) {
    double r2 = 0;
    for (int i = 0; i < NL; i++) {
      double pv = 0;
      for (int j = 0; j < NR; j++) pv += Pbar[i * NR + j] * V[j * KK + q];
      r2 += (pv - s[q] * U[i * KK + q]) * (pv - s[q] * U[i * KK + q]);
    }
    if (sqrt(r2) > *residual) *residual = sqrt(r2);
    for (int p = 0; p < KK; p++) {
      double uu = 0, vv = 0;
      for (int i = 0; i < NL; i++) uu += U[i * KK + p] * U[i * KK + q];
      for (int j = 0; j < NR; j++) vv += V[j * KK + p] * V[j * KK + q];
      double want = p == q ? 1 : 0;
      if (fabs(uu - want) > *ortho) *ortho = fabs(uu - want);
      if (fabs(vv - want) > *ortho) *ortho = fabs(vv - want);
    }
  }
}

int main(void) {
  /* Block 1: left 0..13 x right 0..19; block 2: left 14..23 x right 20..35. A cover of each block
   * (left i to right i mod |R|, right j to left j mod |L|) keeps every node connected; then
   * pseudo-random extra weights. */
  const int lo[2] = {0, 14}, hi[2] = {14, NL}, rlo[2] = {0, 20}, rhi[2] = {20, NR};
  for (int b = 0; b < 2; b++) {
    int nl = hi[b] - lo[b], nr = rhi[b] - rlo[b];
    for (int i = 0; i < nl; i++) P[(lo[b] + i) * NR + rlo[b] + i % nr] = 1.0 + 0.5 * (i % 3);
    for (int j = 0; j < nr; j++) P[(lo[b] + j % nl) * NR + rlo[b] + j] += 0.75;
    for (int i = lo[b]; i < hi[b]; i++)
      for (int j = rlo[b]; j < rhi[b]; j++)
        if (uniform() > 0.3) P[i * NR + j] += 0.5 + uniform();
  }
  static int64_t indptr[NL + 1];
  static int32_t indices[NL * NR];
  static double values[NL * NR];
  static float values32[NL * NR];
  int nnz = 0;
  for (int i = 0; i < NL; i++) {
    for (int j = 0; j < NR; j++)
      if (P[i * NR + j] != 0) {
        /* float32 weights: the reference uses the same rounded values, so both dtypes agree with it. */
        P[i * NR + j] = (float)P[i * NR + j];
        indices[nnz] = j, values[nnz] = P[i * NR + j], values32[nnz] = (float)P[i * NR + j], nnz++;
        dl[i] += P[i * NR + j], dr[j] += P[i * NR + j];
      }
    indptr[i + 1] = nnz;
  }
  for (int i = 0; i < NL; i++) total += dl[i];
  double frob_want = 0;
  for (int i = 0; i < NL; i++)
    for (int j = 0; j < NR; j++) Pbar[i * NR + j] = P[i * NR + j] / sqrt(dl[i] * dr[j]), frob_want += Pbar[i * NR + j] * Pbar[i * NR + j];
  static double S[NL * NL], sigma2[NL], sigma[NL];
  for (int a = 0; a < NL; a++)
    for (int b = 0; b < NL; b++) {
      double s = 0;
      for (int j = 0; j < NR; j++) s += Pbar[a * NR + j] * Pbar[b * NR + j];
      S[a * NL + b] = s;
    }
  jacobi(S, NL, sigma2);
  for (int q = 0; q < NL; q++) sigma[q] = sqrt(sigma2[q] > 0 ? sigma2[q] : 0);
  CHECK(fabs(sigma[0] - 1) < 1e-12 && fabs(sigma[1] - 1) < 1e-12 && sigma[2] < 1 - 1e-3, "the reference's σ: %g %g %g", sigma[0], sigma[1], sigma[2]);

  for (int dtype = 0; dtype < 2; dtype++) {
    speclin_bipartite* g = NULL;
    if (dtype == 0) CHECK_OK(speclin_dbipartite_from_csr(NL, NR, indptr, indices, values, &g));
    else CHECK_OK(speclin_sbipartite_from_csr(NL, NR, indptr, indices, values32, &g));
    size_t nl = 0, nr = 0, stored = 0, bytes = 0;
    CHECK_OK(speclin_bipartite_info(g, &nl, &nr, &stored, &bytes));
    CHECK(nl == NL && nr == NR && stored == (size_t)nnz && bytes == (dtype == 0 ? 8u : 4u), "info: %zu x %zu, nnz %zu, bytes %zu", nl, nr, stored, bytes);
    CHECK_OK(speclin_bipartite_info(g, NULL, NULL, NULL, NULL));
    /* Sums of a few dozen exact float32 weights in float64: 1e-14 relative. */
    double pl[NL], pr[NR], wl[NL], wr[NR];
    CHECK_OK(speclin_bipartite_marginals(g, pl, pr));
    for (int i = 0; i < NL; i++) wl[i] = dl[i] / total;
    for (int j = 0; j < NR; j++) wr[j] = dr[j] / total;
    CHECK_NEAR(error_of(pl, wl, NL), 1e-14, "left marginals");
    CHECK_NEAR(error_of(pr, wr, NR), 1e-14, "right marginals");
    CHECK_OK(speclin_bipartite_marginals(g, NULL, pr));
    double frob = 0;
    CHECK_OK(speclin_bipartite_normalized_frobenius2(g, &frob));
    CHECK_NEAR(fabs(frob - frob_want) / frob_want, 1e-13, "||P̄||_F^2");
    {
      enum { C = 3 };
      double X[NR * C], Y[NL * C], Yw[NL * C], Xt[NL * C], Yt[NR * C], Ytw[NR * C];
      for (int i = 0; i < NR * C; i++) X[i] = uniform();
      for (int i = 0; i < NL * C; i++) Xt[i] = uniform();
      for (int i = 0; i < NL; i++)
        for (int c = 0; c < C; c++) {
          double s = 0;
          for (int j = 0; j < NR; j++) s += Pbar[i * NR + j] * X[j * C + c];
          Yw[i * C + c] = s;
        }
      for (int j = 0; j < NR; j++)
        for (int c = 0; c < C; c++) {
          double s = 0;
          for (int i = 0; i < NL; i++) s += Pbar[i * NR + j] * Xt[i * C + c];
          Ytw[j * C + c] = s;
        }
      CHECK_OK(speclin_bipartite_normalized_multiply(g, 0, X, Y, C));
      CHECK_NEAR(error_of(Y, Yw, NL * C), 1e-13, "P̄ X");
      CHECK_OK(speclin_bipartite_normalized_multiply(g, 1, Xt, Yt, C));
      CHECK_NEAR(error_of(Yt, Ytw, NR * C), 1e-13, "P̄^T X");
    }
    /* svds: the singular values match Jacobi's to 1e-9 (tol 1e-8 bounds the Gram residual; σ^2's
     * error is of its square or better, σ's half that relative); the triplets' residuals
     * ||P̄ v - σ u||, computed here densely, are below 1e-7 (tol on σ^2 = 1e-8 gives ||P̄ v - σ u||
     * of order tol / σ for σ near 1); U and V have orthonormal columns to 1e-10. */
    {
      double s[KK], U[NL * KK], V[NR * KK], res[KK], residual, ortho;
      speclin_eigsh_info info;
      CHECK_OK(speclin_bipartite_svds(g, KK, NULL, s, U, V, res, &info));
      CHECK(info.converged == KK && info.matvecs > 0 && info.iterations > 0, "svds info");
      CHECK_NEAR(error_of(s, sigma, KK), 1e-9, "svds values");
      triplet_errors(s, U, V, &residual, &ortho);
      CHECK_NEAR(residual, 1e-7, "svds residual");
      CHECK_NEAR(ortho, 1e-10, "svds orthonormal columns");
      for (int q = 0; q < KK; q++) CHECK(res[q] >= 0 && res[q] < 1e-7, "reported residual %g", res[q]);
      CHECK_OK(speclin_bipartite_svds(g, KK, NULL, s, U, V, NULL, NULL));
    }
    /* The two-tower loss against the dense reference; the Frobenius identity
     * ||P̄ - Fx Ft^T||^2 = L + ||P̄||^2 (Fx = Dx^{1/2} Ex, Ft = Dt^{1/2} Et); the closed form's loss
     * is -sum σ^2 and the loss of its own towers. */
    {
      double Ex[NL * KK], Et[NR * KK], gl[NL * KK], gr[NR * KK], glw[NL * KK], grw[NR * KK], loss = 0;
      float Exf[NL * KK], Etf[NR * KK], glf[NL * KK], grf[NR * KK];
      for (int i = 0; i < NL * KK; i++) Exf[i] = (float)uniform(), Ex[i] = Exf[i];
      for (int i = 0; i < NR * KK; i++) Etf[i] = (float)uniform(), Et[i] = Etf[i];
      const double lw = bipartite_reference(Ex, Et, KK, glw, grw);
      /* float64 sums of a few hundred terms: 1e-12 relative. */
      CHECK_OK(speclin_dbipartite_population_loss(g, Ex, Et, KK, &loss, gl, gr));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "dbipartite_population_loss loss");
      CHECK_NEAR(error_of(gl, glw, NL * KK), 1e-12, "dbipartite_population_loss gradLeft");
      CHECK_NEAR(error_of(gr, grw, NR * KK), 1e-12, "dbipartite_population_loss gradRight");
      CHECK_OK(speclin_dbipartite_population_loss(g, Ex, Et, KK, &loss, NULL, NULL));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "dbipartite_population_loss without gradients");
      /* float32 towers are widened exactly; the gradients' rounding to float32 is 6e-8 relative. */
      CHECK_OK(speclin_sbipartite_population_loss(g, Exf, Etf, KK, &loss, glf, grf));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "sbipartite_population_loss loss");
      CHECK_NEAR(error_of_f(glf, glw, NL * KK), 1e-6, "sbipartite_population_loss gradLeft");
      CHECK_NEAR(error_of_f(grf, grw, NR * KK), 1e-6, "sbipartite_population_loss gradRight");
      CHECK_OK(speclin_sbipartite_population_loss(g, Exf, Etf, KK, &loss, NULL, grf));
      double fro = 0;
      for (int i = 0; i < NL; i++)
        for (int j = 0; j < NR; j++) {
          double ff = 0;
          for (int q = 0; q < KK; q++) ff += sqrt(dl[i] / total) * Ex[i * KK + q] * sqrt(dr[j] / total) * Et[j * KK + q];
          fro += (Pbar[i * NR + j] - ff) * (Pbar[i * NR + j] - ff);
        }
      CHECK_NEAR(fabs(fro - (lw + frob_want)) / fro, 1e-12, "||P̄ - Fx Ft^T||^2 = L + ||P̄||^2");

      double opt = 0, s[KK], Xs[NL * KK], Ts[NR * KK], want_opt = 0;
      CHECK_OK(speclin_bipartite_closed_form_optimum(g, KK, NULL, &opt, s, Xs, Ts));
      for (int q = 0; q < KK; q++) want_opt -= sigma[q] * sigma[q];
      /* tol 1e-10 by default: the loss's error is of the order of tol and rounding. */
      CHECK_NEAR(fabs(opt - want_opt), 1e-11, "bipartite closed-form loss");
      CHECK_NEAR(error_of(s, sigma, KK), 1e-10, "bipartite closed-form singular values");
      CHECK_OK(speclin_dbipartite_population_loss(g, Xs, Ts, KK, &loss, NULL, NULL));
      CHECK_NEAR(fabs(loss - opt), 1e-11, "the two-tower loss of (E_x*, E_t*) is the optimum");
      CHECK_OK(speclin_bipartite_closed_form_optimum(g, KK, NULL, &opt, s, NULL, NULL));
    }
    /* Argument checks on a live graph. */
    {
      double w[NR], U[NL * NR], V[NR * NR], loss, Ex[NL * KK] = {0}, Et[NR * KK] = {0};
      CHECK_ERROR(speclin_bipartite_normalized_frobenius2(g, NULL), SPECLIN_ERR_ARGUMENT, "out is NULL");
      CHECK_ERROR(speclin_bipartite_normalized_multiply(g, 0, NULL, U, 1), SPECLIN_ERR_ARGUMENT, "X is NULL");
      CHECK_ERROR(speclin_bipartite_normalized_multiply(g, 1, U, NULL, 1), SPECLIN_ERR_ARGUMENT, "Y is NULL");
      CHECK_ERROR(speclin_bipartite_normalized_multiply(g, 0, V, U, 0), SPECLIN_ERR_ARGUMENT, "columns");
      CHECK_ERROR(speclin_bipartite_svds(g, 0, NULL, w, U, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "k must be");
      CHECK_ERROR(speclin_bipartite_svds(g, NL + 1, NULL, w, U, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "exceeds min(n_left, n_right) = 24");
      CHECK_ERROR(speclin_bipartite_svds(g, 2, NULL, NULL, U, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "values is NULL");
      CHECK_ERROR(speclin_bipartite_svds(g, 2, NULL, w, NULL, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "left is NULL");
      CHECK_ERROR(speclin_bipartite_svds(g, 2, NULL, w, U, NULL, NULL, NULL), SPECLIN_ERR_ARGUMENT, "right is NULL");
      speclin_eigsh_options o;
      speclin_eigsh_options_init(&o);
      o.tol = 0;
      CHECK_ERROR(speclin_bipartite_svds(g, 2, &o, w, U, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "tol");
      CHECK_ERROR(speclin_dbipartite_population_loss(g, NULL, Et, KK, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "Ex is NULL");
      CHECK_ERROR(speclin_dbipartite_population_loss(g, Ex, NULL, KK, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "Et is NULL");
      CHECK_ERROR(speclin_dbipartite_population_loss(g, Ex, Et, 0, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "k must be");
      CHECK_ERROR(speclin_dbipartite_population_loss(g, Ex, Et, KK, NULL, NULL, NULL), SPECLIN_ERR_ARGUMENT, "loss is NULL");
      Et[3 * KK + 1] = NAN;
      CHECK_ERROR(speclin_dbipartite_population_loss(g, Ex, Et, KK, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "Et row 3");
      CHECK_ERROR(speclin_bipartite_closed_form_optimum(g, 0, NULL, &loss, w, NULL, NULL), SPECLIN_ERR_ARGUMENT, "k must be");
      CHECK_ERROR(speclin_bipartite_closed_form_optimum(g, NL + 1, NULL, &loss, w, NULL, NULL), SPECLIN_ERR_ARGUMENT, "exceeds min");
      CHECK_ERROR(speclin_bipartite_closed_form_optimum(g, 2, NULL, NULL, w, NULL, NULL), SPECLIN_ERR_ARGUMENT, "loss is NULL");
      CHECK_ERROR(speclin_bipartite_closed_form_optimum(g, 2, NULL, &loss, NULL, NULL, NULL), SPECLIN_ERR_ARGUMENT, "singular_values is NULL");
    }
    speclin_bipartite_free(g);
  }
  speclin_bipartite_free(NULL);

  /* A NULL graph, for every function that takes one. */
  {
    size_t n;
    double x[4], loss;
    float xf[4];
    CHECK_ERROR(speclin_bipartite_info(NULL, &n, NULL, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_bipartite_marginals(NULL, x, x), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_bipartite_normalized_multiply(NULL, 0, x, x, 1), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_bipartite_normalized_frobenius2(NULL, x), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_bipartite_svds(NULL, 1, NULL, x, x, x, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_dbipartite_population_loss(NULL, x, x, 1, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_sbipartite_population_loss(NULL, xf, xf, 1, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_bipartite_closed_form_optimum(NULL, 1, NULL, &loss, x, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
  }

  /* Construction errors: each names the argument or the graph's problem; *out is NULL after. */
  {
    speclin_bipartite* g = (speclin_bipartite*)1;
    /* 2 left x 3 right. */
    int64_t p2[3] = {0, 2, 3}, bad0[3] = {1, 2, 3}, down[3] = {0, 3, 2};
    int32_t i3[3] = {0, 1, 2}, out_of_range[3] = {0, 3, 2}, no_right2[3] = {0, 1, 1};
    int64_t lonely[3] = {0, 3, 3}; /* left node 1 has no entry */
    double v3[3] = {1, 2, 3}, neg[3] = {1, -1, 1}, inf3[3] = {1, 1, INFINITY};
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, p2, i3, v3, NULL), SPECLIN_ERR_ARGUMENT, "out is NULL");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, NULL, i3, v3, &g), SPECLIN_ERR_ARGUMENT, "indptr is NULL");
    CHECK(g == NULL, "out not cleared on failure");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, p2, NULL, v3, &g), SPECLIN_ERR_ARGUMENT, "indices is NULL");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, bad0, i3, v3, &g), SPECLIN_ERR_ARGUMENT, "indptr[0] must be 0");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, down, i3, v3, &g), SPECLIN_ERR_ARGUMENT, "nondecreasing");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, p2, out_of_range, v3, &g), SPECLIN_ERR_ARGUMENT, "indices[1] = 3 is not in [0, n_right = 3)");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, p2, i3, neg, &g), SPECLIN_ERR_ARGUMENT, "values[1]");
    CHECK_ERROR(speclin_dbipartite_from_csr(2, 3, p2, i3, inf3, &g), SPECLIN_ERR_ARGUMENT, "values[2]");
    CHECK_ERROR(speclin_sbipartite_from_csr(2, 3, lonely, i3, NULL, &g), SPECLIN_ERR_GRAPH, "ERR_ISOLATED_NODES");
    CHECK_ERROR(speclin_sbipartite_from_csr(2, 3, p2, no_right2, NULL, &g), SPECLIN_ERR_GRAPH, "right node(s) have degree zero");
    CHECK_ERROR(speclin_dbipartite_from_csr(0, 3, p2, i3, v3, &g), SPECLIN_ERR_GRAPH, "ERR_EMPTY_GRAPH");
    /* values NULL: unit weights; the marginals are the degrees over nnz. */
    CHECK_OK(speclin_sbipartite_from_csr(2, 3, p2, i3, NULL, &g));
    double pl[2], pr[3];
    CHECK_OK(speclin_bipartite_marginals(g, pl, pr));
    CHECK(pl[0] == 2.0 / 3 && pl[1] == 1.0 / 3 && pr[0] == 1.0 / 3 && pr[2] == 1.0 / 3, "unit weights: marginals %g %g", pl[0], pl[1]);
    speclin_bipartite_free(g);
  }

  /* Not converged: a long chain (left i to right i and i + 1) has singular values clustered near
   * 1, which one Lanczos step cannot resolve; the converged triplets are reported, and the closed
   * form writes nothing. */
  {
    static int64_t cp[NCHAIN + 1];
    static int32_t ci[2 * NCHAIN];
    int c = 0;
    for (int i = 0; i < NCHAIN; i++) {
      ci[c++] = i;
      if (i + 1 < NCHAIN) ci[c++] = i + 1;
      cp[i + 1] = c;
    }
    speclin_bipartite* g = NULL;
    CHECK_OK(speclin_dbipartite_from_csr(NCHAIN, NCHAIN, cp, ci, NULL, &g));
    static double s[8], U[NCHAIN * 8], V[NCHAIN * 8];
    speclin_eigsh_options o;
    speclin_eigsh_options_init(&o);
    o.max_iterations = 1;
    speclin_eigsh_info info;
    info.converged = 99;
    CHECK_ERROR(speclin_bipartite_svds(g, 8, &o, s, U, V, NULL, &info), SPECLIN_ERR_NOT_CONVERGED, "of 8 singular triplets converged");
    CHECK(info.converged < 8, "not converged, yet %zu triplets reported", info.converged);
    double loss = 12345;
    CHECK_ERROR(speclin_bipartite_closed_form_optimum(g, 8, &o, &loss, s, U, V), SPECLIN_ERR_NOT_CONVERGED, "converged");
    CHECK(loss == 12345, "a failed closed form wrote its loss");
    o.max_iterations = 10000;
    CHECK_OK(speclin_bipartite_svds(g, 8, &o, s, U, V, NULL, &info));
    speclin_bipartite_free(g);
  }
  puts("ok");
  return 0;
}
