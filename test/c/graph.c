/* Graphs, eigsh, the population loss and the closed-form optimum of speclin.h from C99, against a
 * dense float64 reference (Ā built densely, its spectrum by cyclic Jacobi), and every argument
 * check. The graph has two connected components, so Ā has the eigenvalue 1 twice. */
#include "check.h"

enum { N = 40, KK = 4, NBIG = 300 };

static double A[N * N], Abar[N * N], deg[N];

/* The dense reference of the population loss and its gradient (A scaled to sum 1, D = marginals). */
static double population_reference(const double* E, int k, double* grad) {
  double total = 0, M[KK * KK] = {0}, tr = 0;
  for (int i = 0; i < N; i++) total += deg[i];
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++)
      for (int i = 0; i < N; i++) M[a * k + b] += E[i * k + a] * deg[i] / total * E[i * k + b];
  double loss = 0;
  for (int a = 0; a < k * k; a++) loss += M[a] * M[a];
  for (int i = 0; i < N; i++)
    for (int a = 0; a < k; a++) {
      double ae = 0, dem = 0;
      for (int j = 0; j < N; j++) ae += A[i * N + j] / total * E[j * k + a];
      tr += E[i * k + a] * ae;
      for (int b = 0; b < k; b++) dem += E[i * k + b] * M[b * k + a];
      grad[i * k + a] = -4 * ae + 4 * deg[i] / total * dem;
    }
  return loss - 2 * tr;
}

/* The caller's operator: a dense row-major n x n matrix in `user`. */
struct dense_op { const double* M; int n; int calls, fail_after; };
static int dense_multiply(void* user, const double* X, double* Y, size_t columns) {
  struct dense_op* op = user;
  if (op->fail_after >= 0 && op->calls >= op->fail_after) return 7;
  op->calls++;
  for (int i = 0; i < op->n; i++)
    for (size_t c = 0; c < columns; c++) {
      double s = 0;
      for (int j = 0; j < op->n; j++) s += op->M[i * op->n + j] * X[j * columns + c];
      Y[i * columns + c] = s;
    }
  return 0;
}
/* A diagonal operator with a slowly decaying spectrum: Lanczos needs many steps. */
static int diagonal_multiply(void* user, const double* X, double* Y, size_t columns) {
  (void)user;
  for (int i = 0; i < NBIG; i++)
    for (size_t c = 0; c < columns; c++) Y[i * columns + c] = (1.0 - 1e-4 * i) * X[i * columns + c];
  return 0;
}

int main(void) {
  /* Component 1: nodes 0..24 (a ring with weighted chords), component 2: 25..39 (a ring). */
  for (int i = 0; i < 25; i++) {
    int j = (i + 1) % 25, c = (i * 7 + 3) % 25;
    A[i * N + j] = A[j * N + i] = 1.0 + 0.25 * (i % 3);
    if (c != i) A[i * N + c] += 0.5, A[c * N + i] += 0.5;
  }
  for (int i = 25; i < N; i++) {
    int j = 25 + (i - 25 + 1) % 15;
    A[i * N + j] = A[j * N + i] = 2.0;
  }
  A[3 * N + 3] = 0.75; /* a self-loop */
  static int64_t indptr[N + 1];
  static int32_t indices[N * N];
  static double values[N * N];
  static float values32[N * N];
  int nnz = 0;
  for (int i = 0; i < N; i++) {
    deg[i] = 0;
    for (int j = 0; j < N; j++)
      if (A[i * N + j] != 0) indices[nnz] = j, values[nnz] = A[i * N + j], values32[nnz] = (float)A[i * N + j], nnz++, deg[i] += A[i * N + j];
    indptr[i + 1] = nnz;
  }
  double total = 0, frob_want = 0;
  for (int i = 0; i < N; i++) total += deg[i];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) Abar[i * N + j] = A[i * N + j] / sqrt(deg[i] * deg[j]), frob_want += Abar[i * N + j] * Abar[i * N + j];
  static double S[N * N], lambda[N];
  memcpy(S, Abar, sizeof S);
  jacobi(S, N, lambda);

  for (int dtype = 0; dtype < 2; dtype++) {
    speclin_graph* g = NULL;
    if (dtype == 0) CHECK_OK(speclin_dgraph_from_csr(N, indptr, indices, values, SPECLIN_SYMMETRIZE_NONE, &g));
    else CHECK_OK(speclin_sgraph_from_csr(N, indptr, indices, values32, SPECLIN_SYMMETRIZE_NONE, &g));
    size_t n = 0, stored = 0, bytes = 0;
    CHECK_OK(speclin_graph_info(g, &n, &stored, &bytes));
    CHECK(n == N && stored == (size_t)nnz && bytes == (dtype == 0 ? 8u : 4u), "info: n %zu nnz %zu bytes %zu", n, stored, bytes);
    /* The weights are exact in float32, so both dtypes agree with the reference to float64
     * rounding: 1e-14 relative for sums of a few terms, 1e-12 for products through D^{-1/2}. */
    double d[N], p[N], want[N];
    CHECK_OK(speclin_graph_degrees(g, d));
    CHECK_NEAR(error_of(d, deg, N), 1e-14, "degrees");
    CHECK_OK(speclin_graph_marginals(g, p));
    for (int i = 0; i < N; i++) want[i] = deg[i] / total;
    CHECK_NEAR(error_of(p, want, N), 1e-14, "marginals");
    double frob = 0;
    CHECK_OK(speclin_graph_normalized_frobenius2(g, &frob));
    CHECK_NEAR(fabs(frob - frob_want) / frob_want, 1e-13, "||Ā||_F^2");
    {
      enum { C = 3 };
      double X[N * C], Y[N * C], Yw[N * C];
      for (int i = 0; i < N * C; i++) X[i] = uniform();
      for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) {
          double s = 0;
          for (int j = 0; j < N; j++) s += Abar[i * N + j] * X[j * C + c];
          Yw[i * C + c] = s;
        }
      CHECK_OK(speclin_graph_normalized_multiply(g, X, Y, C));
      CHECK_NEAR(error_of(Y, Yw, N * C), 1e-13, "Ā X");
    }
    /* eigsh on the graph: the top values match Jacobi's (1 twice: two components, deflated) to
     * 1e-9 (tol 1e-8 bounds the residual; eigenvalue errors are of its square or better), and
     * every pair's residual ||Ā v - λ v|| is below tol, computed here densely. */
    {
      double w[KK], V[N * KK], res[KK];
      speclin_eigsh_info info;
      CHECK_OK(speclin_graph_eigsh(g, KK, NULL, w, V, res, &info));
      CHECK(info.converged == KK && info.matvecs > 0 && info.iterations > 0, "eigsh info");
      CHECK_NEAR(error_of(w, lambda, KK), 1e-9, "graph eigsh values");
      for (int q = 0; q < KK; q++) {
        double r2 = 0, norm = 0;
        for (int i = 0; i < N; i++) {
          double s = 0;
          for (int j = 0; j < N; j++) s += Abar[i * N + j] * V[j * KK + q];
          r2 += (s - w[q] * V[i * KK + q]) * (s - w[q] * V[i * KK + q]);
          norm += V[i * KK + q] * V[i * KK + q];
        }
        CHECK_NEAR(sqrt(r2), 1e-8, "graph eigsh residual");
        CHECK_NEAR(fabs(norm - 1), 1e-12, "graph eigsh unit vectors");
        CHECK_NEAR(fabs(res[q] - sqrt(r2)), 1e-9, "reported residual");
      }
      speclin_eigsh_options o;
      speclin_eigsh_options_init(&o);
      o.deflate_components = 0;
      CHECK_OK(speclin_graph_eigsh(g, KK, &o, w, V, NULL, NULL));
      CHECK_NEAR(error_of(w, lambda, KK), 1e-9, "graph eigsh values, no deflation");
    }
    /* The population loss against the dense reference; the closed-form optimum's loss is
     * -sum max(λ,0)^2 and is the population loss of its own embedding; the Frobenius identity
     * ||Ā - F F^T||^2 = L + ||Ā||^2 with F = D^{1/2} E holds on a random E. */
    {
      double E[N * KK], G[N * KK], Gw[N * KK], loss = 0;
      float Ef[N * KK], Gf[N * KK];
      for (int i = 0; i < N * KK; i++) Ef[i] = (float)uniform(), E[i] = Ef[i];
      const double lw = population_reference(E, KK, Gw);
      CHECK_OK(speclin_dpopulation_loss(g, E, KK, &loss, G));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "dpopulation_loss loss");
      CHECK_NEAR(error_of(G, Gw, N * KK), 1e-12, "dpopulation_loss grad");
      CHECK_OK(speclin_dpopulation_loss(g, E, KK, &loss, NULL));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "dpopulation_loss without grad");
      /* float32 E is widened exactly; only the gradient's rounding to float32 (1e-7) differs. */
      CHECK_OK(speclin_spopulation_loss(g, Ef, KK, &loss, Gf));
      CHECK_NEAR(fabs(loss - lw) / fabs(lw), 1e-12, "spopulation_loss loss");
      CHECK_NEAR(error_of_f(Gf, Gw, N * KK), 1e-6, "spopulation_loss grad");
      double fro = 0;
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
          double ff = 0;
          for (int q = 0; q < KK; q++) ff += sqrt(deg[i] / total) * E[i * KK + q] * sqrt(deg[j] / total) * E[j * KK + q];
          fro += (Abar[i * N + j] - ff) * (Abar[i * N + j] - ff);
        }
      CHECK_NEAR(fabs(fro - (lw + frob_want)) / fro, 1e-12, "||Ā - F F^T||^2 = L + ||Ā||^2");

      double opt = 0, ev[KK], Estar[N * KK], want_opt = 0;
      CHECK_OK(speclin_closed_form_optimum(g, KK, NULL, &opt, ev, Estar));
      for (int q = 0; q < KK; q++) want_opt -= lambda[q] > 0 ? lambda[q] * lambda[q] : 0;
      /* tol 1e-10 (the default here): the loss's error is of the order of tol^2 and rounding. */
      CHECK_NEAR(fabs(opt - want_opt), 1e-12, "closed-form loss");
      CHECK_NEAR(error_of(ev, lambda, KK), 1e-10, "closed-form eigenvalues");
      CHECK_OK(speclin_dpopulation_loss(g, Estar, KK, &loss, NULL));
      CHECK_NEAR(fabs(loss - opt), 1e-12, "population loss of E* is the optimum");
      CHECK_OK(speclin_closed_form_optimum(g, KK, NULL, &opt, ev, NULL));
    }
    /* Argument checks on a live graph. */
    {
      double w[N], V[N * N], loss, E[N * KK] = {0};
      CHECK_ERROR(speclin_graph_degrees(g, NULL), SPECLIN_ERR_ARGUMENT, "degrees is NULL");
      CHECK_ERROR(speclin_graph_marginals(g, NULL), SPECLIN_ERR_ARGUMENT, "marginals is NULL");
      CHECK_ERROR(speclin_graph_normalized_frobenius2(g, NULL), SPECLIN_ERR_ARGUMENT, "out is NULL");
      CHECK_ERROR(speclin_graph_normalized_multiply(g, NULL, V, 1), SPECLIN_ERR_ARGUMENT, "X is NULL");
      CHECK_ERROR(speclin_graph_normalized_multiply(g, w, NULL, 1), SPECLIN_ERR_ARGUMENT, "Y is NULL");
      CHECK_ERROR(speclin_graph_normalized_multiply(g, w, V, 0), SPECLIN_ERR_ARGUMENT, "columns");
      CHECK_ERROR(speclin_graph_eigsh(g, 0, NULL, w, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "k must be");
      CHECK_ERROR(speclin_graph_eigsh(g, N + 1, NULL, w, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "exceeds n = 40");
      CHECK_ERROR(speclin_graph_eigsh(g, 2, NULL, NULL, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "values is NULL");
      CHECK_ERROR(speclin_graph_eigsh(g, 2, NULL, w, NULL, NULL, NULL), SPECLIN_ERR_ARGUMENT, "vectors is NULL");
      speclin_eigsh_options o;
      speclin_eigsh_options_init(&o);
      o.tol = -1;
      CHECK_ERROR(speclin_graph_eigsh(g, 2, &o, w, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "speclin_graph_eigsh: options->tol must be a positive finite number");
      o.tol = 1e-8;
      o.max_iterations = 0;
      CHECK_ERROR(speclin_graph_eigsh(g, 2, &o, w, V, NULL, NULL), SPECLIN_ERR_ARGUMENT, "options->max_iterations must be at least 1");
      CHECK_ERROR(speclin_dpopulation_loss(g, NULL, KK, &loss, NULL), SPECLIN_ERR_ARGUMENT, "E is NULL");
      CHECK_ERROR(speclin_dpopulation_loss(g, E, 0, &loss, NULL), SPECLIN_ERR_ARGUMENT, "k must be");
      CHECK_ERROR(speclin_dpopulation_loss(g, E, KK, NULL, NULL), SPECLIN_ERR_ARGUMENT, "loss is NULL");
      E[9] = INFINITY;
      CHECK_ERROR(speclin_dpopulation_loss(g, E, KK, &loss, NULL), SPECLIN_ERR_ARGUMENT, "E row 2");
      CHECK_ERROR(speclin_closed_form_optimum(g, N + 1, NULL, &loss, w, NULL), SPECLIN_ERR_ARGUMENT, "exceeds n");
      CHECK_ERROR(speclin_closed_form_optimum(g, 2, NULL, NULL, w, NULL), SPECLIN_ERR_ARGUMENT, "loss is NULL");
      CHECK_ERROR(speclin_closed_form_optimum(g, 2, NULL, &loss, NULL, NULL), SPECLIN_ERR_ARGUMENT, "eigenvalues is NULL");
    }
    speclin_graph_free(g);
  }
  speclin_graph_free(NULL);

  /* A NULL graph, for every function that takes one. */
  {
    size_t n;
    double x[4], loss;
    float xf[4];
    CHECK_ERROR(speclin_graph_info(NULL, &n, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_graph_degrees(NULL, x), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_graph_marginals(NULL, x), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_graph_normalized_multiply(NULL, x, x, 1), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_graph_normalized_frobenius2(NULL, x), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_graph_eigsh(NULL, 1, NULL, x, x, NULL, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_dpopulation_loss(NULL, x, 1, &loss, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_spopulation_loss(NULL, xf, 1, &loss, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
    CHECK_ERROR(speclin_closed_form_optimum(NULL, 1, NULL, &loss, x, NULL), SPECLIN_ERR_ARGUMENT, "graph is NULL");
  }

  /* Construction errors: each names the argument or the graph's problem; *out is NULL after. */
  {
    speclin_graph* g = (speclin_graph*)1;
    int64_t p2[3] = {0, 1, 2}, bad0[3] = {1, 1, 2}, down[3] = {0, 2, 1};
    int32_t i2[2] = {1, 0}, out_of_range[2] = {1, 2};
    int64_t p3[4] = {0, 1, 2, 2}; /* node 2 has no edge */
    double v2[2] = {1, 1}, neg[2] = {1, -1}, nan2[2] = {1, NAN}, asym_v[2] = {1, 2};
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, i2, v2, SPECLIN_SYMMETRIZE_NONE, NULL), SPECLIN_ERR_ARGUMENT, "out is NULL");
    CHECK_ERROR(speclin_dgraph_from_csr(2, NULL, i2, v2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "indptr is NULL");
    CHECK(g == NULL, "out not cleared on failure");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, NULL, v2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "indices is NULL");
    CHECK_ERROR(speclin_dgraph_from_csr(2, bad0, i2, v2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "indptr[0] must be 0");
    CHECK_ERROR(speclin_dgraph_from_csr(2, down, i2, v2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "nondecreasing");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, out_of_range, v2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "indices[1] = 2");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, i2, neg, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "values[1]");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, i2, nan2, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_ARGUMENT, "values[1]");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, i2, v2, (speclin_symmetrize)5, &g), SPECLIN_ERR_ARGUMENT, "symmetrize");
    CHECK_ERROR(speclin_dgraph_from_csr(2, p2, i2, asym_v, SPECLIN_SYMMETRIZE_NONE, &g), SPECLIN_ERR_GRAPH, "ERR_ASYMMETRIC");
    CHECK_OK(speclin_dgraph_from_csr(2, p2, i2, asym_v, SPECLIN_SYMMETRIZE_AVERAGE, &g));
    double d[2];
    CHECK_OK(speclin_graph_degrees(g, d));
    CHECK(d[0] == 1.5 && d[1] == 1.5, "symmetrize average: degrees %g %g", d[0], d[1]);
    speclin_graph_free(g);
    CHECK_ERROR(speclin_sgraph_from_csr(3, p3, i2, NULL, SPECLIN_SYMMETRIZE_MAX, &g), SPECLIN_ERR_GRAPH, "ERR_ISOLATED_NODES");
    /* values NULL: unit weights. */
    CHECK_OK(speclin_sgraph_from_csr(2, p2, i2, NULL, SPECLIN_SYMMETRIZE_NONE, &g));
    CHECK_OK(speclin_graph_degrees(g, d));
    CHECK(d[0] == 1 && d[1] == 1, "unit weights: degrees %g %g", d[0], d[1]);
    speclin_graph_free(g);
  }

  /* eigsh on the caller's operator: Ā through the callback, with its user pointer; k > n, a NULL
   * operator, a failing callback, and a solve stopped early. */
  {
    struct dense_op op = {Abar, N, 0, -1};
    double w[N], V[N * N], res[N];
    speclin_eigsh_info info;
    CHECK_OK(speclin_eigsh(N, dense_multiply, &op, 1.0, KK, NULL, w, V, res, &info));
    CHECK(op.calls > 0, "the callback was not called");
    CHECK_NEAR(error_of(w, lambda, KK), 1e-9, "callback eigsh values");
    CHECK_ERROR(speclin_eigsh(N, dense_multiply, &op, 1.0, N + 1, NULL, w, V, res, &info), SPECLIN_ERR_ARGUMENT, "exceeds n");
    CHECK_ERROR(speclin_eigsh(N, NULL, &op, 1.0, KK, NULL, w, V, res, &info), SPECLIN_ERR_ARGUMENT, "op is NULL");
    CHECK_ERROR(speclin_eigsh(N, dense_multiply, &op, -1.0, KK, NULL, w, V, res, &info), SPECLIN_ERR_ARGUMENT, "norm_bound");
    op.calls = 0;
    op.fail_after = 0;
    CHECK_ERROR(speclin_eigsh(N, dense_multiply, &op, 1.0, KK, NULL, w, V, res, &info), SPECLIN_ERR_CALLBACK, "returned 7");

    static double Vbig[NBIG * 8], wbig[8];
    speclin_eigsh_options o;
    speclin_eigsh_options_init(&o);
    o.max_iterations = 2;
    info.converged = 99;
    CHECK_ERROR(speclin_eigsh(NBIG, diagonal_multiply, NULL, 1.0, 8, &o, wbig, Vbig, NULL, &info), SPECLIN_ERR_NOT_CONVERGED, "of 8 eigenpairs converged");
    CHECK(info.converged < 8, "not converged, yet %zu pairs reported", info.converged);
    o.max_iterations = 10000;
    /* The core's plan checks the options (eigsh_options.cc) and names the C fields: a block too
     * wide for any Lanczos basis within n, where n is too large for the dense path. The plan
     * fails before the operator is called. */
    static double Vwide[5000 * 2], wwide[2];
    o.block_size = 3000;
    CHECK_ERROR(speclin_eigsh(5000, diagonal_multiply, NULL, 1.0, 2, &o, wwide, Vwide, NULL, &info), SPECLIN_ERR_ARGUMENT,
                "speclin_eigsh: k = 2 with options->block_size 3000 needs a Lanczos basis larger than n");
    o.block_size = 0;
    CHECK_OK(speclin_eigsh(NBIG, diagonal_multiply, NULL, 1.0, 8, &o, wbig, Vbig, NULL, &info));
    for (int q = 0; q < 8; q++) CHECK_NEAR(fabs(wbig[q] - (1.0 - 1e-4 * q)), 1e-9, "diagonal operator eigenvalues");
  }
  puts("ok");
  return 0;
}
