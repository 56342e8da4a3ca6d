/* speclin's C ABI: the native core as a shared library (libspeclin.so), for trainers written in C,
 * C++, Rust, Python (ctypes), ... without Node. `npx speclin where --json` prints the paths of the
 * library and of this header in an npm install.
 *
 * Conventions:
 * - Row-major matrices; leading dimensions and sizes are in elements. The `s` functions take
 *   float32 data, the `d` functions float64 (the TypeScript API's two dtypes).
 * - Every function that can fail returns a speclin_status, and never throws, aborts or prints. On
 *   failure, speclin_last_error() gives a message naming the argument and what was expected; no
 *   output is written except where a function says so (eigsh's partial result).
 * - Outputs must not overlap inputs.
 * - Products accumulate in their own dtype; every scalar reduction (losses, norms) in float64.
 *
 * Only the names declared here are exported from libspeclin; everything else is hidden. */
#ifndef SPECLIN_H
#define SPECLIN_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define SPECLIN_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define SPECLIN_API __attribute__((visibility("default")))
#else
#  define SPECLIN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status, errors, version, threads -------------------------------------------------------- */

typedef enum speclin_status {
  SPECLIN_OK = 0,
  SPECLIN_ERR_ARGUMENT = 1,      /* a null pointer with a nonzero size, a bad size or option, NaN in
                                    an input that must be finite, k out of range */
  SPECLIN_ERR_NO_MEMORY = 2,     /* an allocation failed */
  SPECLIN_ERR_INTERNAL = 3,      /* a bug: please report it with speclin_last_error() */
  SPECLIN_ERR_GRAPH = 4,         /* the graph's data: asymmetric, an isolated node, no edges */
  SPECLIN_ERR_NOT_CONVERGED = 5, /* eigsh stopped before k pairs converged; the converged ones are
                                    written (see speclin_eigsh_info.converged) */
  SPECLIN_ERR_CALLBACK = 6       /* the caller's operator returned nonzero; the solve was abandoned */
} speclin_status;

/* A short English description of a status. */
SPECLIN_API const char* speclin_status_message(speclin_status status);

/* The message of the last call on this thread that returned something other than SPECLIN_OK ("" if
 * none). Valid until the next failing call on the same thread. */
SPECLIN_API const char* speclin_last_error(void);

/* The library's version, "major.minor.patch" (the npm package's). */
SPECLIN_API const char* speclin_version(void);

/* Threads the core may use (the calling thread included); n <= 0 restores the default (the
 * machine's cores). */
SPECLIN_API void speclin_set_threads(int n);
SPECLIN_API int speclin_get_threads(void);

/* ---- the Gram family ------------------------------------------------------------------------- */

typedef enum speclin_trans { SPECLIN_NO_TRANS = 0, SPECLIN_TRANS = 1 } speclin_trans;

/* C (m x n) = alpha op(A) op(B) + beta C, op(X) = X or X^T; op(A) is m x k, op(B) is k x n.
 * NaN and Inf in A or B propagate to exactly the outputs that read them. With beta == 0, C is only
 * written (NaN already in C does not propagate). */
SPECLIN_API speclin_status speclin_sgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n,
                                         size_t k, float alpha, const float* A, size_t lda,
                                         const float* B, size_t ldb, float beta, float* C, size_t ldc);
SPECLIN_API speclin_status speclin_dgemm(speclin_trans ta, speclin_trans tb, size_t m, size_t n,
                                         size_t k, double alpha, const double* A, size_t lda,
                                         const double* B, size_t ldb, double beta, double* C,
                                         size_t ldc);

/* C (n x n) = alpha op(A) op(A)^T + beta C, op(A) n x k (A is n x k for SPECLIN_NO_TRANS, k x n
 * for SPECLIN_TRANS). One triangle is computed and mirrored: C is exactly symmetric. */
SPECLIN_API speclin_status speclin_ssyrk(speclin_trans ta, size_t n, size_t k, float alpha,
                                         const float* A, size_t lda, float beta, float* C, size_t ldc);
SPECLIN_API speclin_status speclin_dsyrk(speclin_trans ta, size_t n, size_t k, double alpha,
                                         const double* A, size_t lda, double beta, double* C,
                                         size_t ldc);

/* Batched, contiguous forms (the TypeScript API's gram, crossGram, innerGram):
 *   gram:       out[b] = Z[b] Z[b]^T   Z[b] rows x cols, out[b] rows x rows
 *   cross_gram: out[b] = Z[b] W[b]^T   Z[b] m x k, W[b] n x k, out[b] m x n
 *   inner_gram: out[b] = Z[b]^T W[b]   Z[b] r x kz, W[b] r x kw, out[b] kz x kw
 *               (Z == W with kz == kw computes one triangle). */
SPECLIN_API speclin_status speclin_sgram(const float* Z, float* out, size_t batch, size_t rows, size_t cols);
SPECLIN_API speclin_status speclin_dgram(const double* Z, double* out, size_t batch, size_t rows, size_t cols);
SPECLIN_API speclin_status speclin_scross_gram(const float* Z, const float* W, float* out, size_t batch,
                                               size_t m, size_t n, size_t k);
SPECLIN_API speclin_status speclin_dcross_gram(const double* Z, const double* W, double* out,
                                               size_t batch, size_t m, size_t n, size_t k);
SPECLIN_API speclin_status speclin_sinner_gram(const float* Z, const float* W, float* out, size_t batch,
                                               size_t r, size_t kz, size_t kw);
SPECLIN_API speclin_status speclin_dinner_gram(const double* Z, const double* W, double* out,
                                               size_t batch, size_t r, size_t kz, size_t kw);

/* ---- the minibatch spectral contrastive loss ------------------------------------------------- */

typedef enum speclin_negatives {
  SPECLIN_NEGATIVES_OFFDIAGONAL = 0, /* i != j, scaled 1/(B(B-1)) (the reference's) */
  SPECLIN_NEGATIVES_ALL = 1          /* every (i, j), scaled 1/B^2 */
} speclin_negatives;

typedef enum speclin_loss_algorithm {
  SPECLIN_LOSS_AUTO = 0,     /* the faster of the two for B x k */
  SPECLIN_LOSS_GRAM = 1,     /* O(B k^2): <Z^T Z, W^T W>_F - sum_i (z_i.w_i)^2 */
  SPECLIN_LOSS_PAIRWISE = 2  /* O(B^2 k): the B x B matrix Z W^T, in strips */
} speclin_loss_algorithm;

typedef struct speclin_loss_options {
  /* 0: no clipping and no division (the TypeScript default). > 0: the reference D(z1, z2, mu)'s
   * mu: rows of norm >= sqrt(mu) are rescaled to norm sqrt(mu), and the loss is divided by mu. */
  double mu;
  speclin_negatives negatives;
  speclin_loss_algorithm algorithm;
} speclin_loss_options;

typedef struct speclin_loss_result {
  double loss, positive, negative; /* loss = positive + negative, accumulated in float64 */
  speclin_loss_algorithm algorithm; /* the one that ran */
  size_t clipped_z, clipped_w;      /* rows rescaled by mu */
} speclin_loss_result;

/* For B pairs (z_i, w_i), the rows of Z and W (B x k):
 *   loss = -(2/B) sum_i z_i.w_i + c sum_{(i,j) in N} (z_i.w_j)^2   (after clipping, divided by mu)
 * grad_z and grad_w (B x k, the gradient with respect to the unclipped Z and W) are both NULL to
 * skip the gradient, or both given. options NULL: the defaults (no mu, off-diagonal, auto).
 * Errors: B < 2 with off-diagonal negatives, k == 0, mu < 0 or not finite, NaN or Inf in Z or W. */
SPECLIN_API speclin_status speclin_sspectral_loss(const float* Z, const float* W, size_t B, size_t k,
                                                  const speclin_loss_options* options, float* grad_z,
                                                  float* grad_w, speclin_loss_result* result);
SPECLIN_API speclin_status speclin_dspectral_loss(const double* Z, const double* W, size_t B, size_t k,
                                                  const speclin_loss_options* options, double* grad_z,
                                                  double* grad_w, speclin_loss_result* result);

/* ---- top-k maximum inner product ------------------------------------------------------------- */

/* For each of the nq query rows of Q (nq x d), the k rows of keys K (nk x d) with the largest
 * inner product: indices and scores (nq x k each), by descending score, ties by the lower index.
 * Errors: k == 0, k > nk, nk >= 2^31, NaN or Inf in Q or K. */
SPECLIN_API speclin_status speclin_stop_k(const float* Q, size_t nq, const float* K, size_t nk, size_t d,
                                          size_t k, int32_t* indices, float* scores);
SPECLIN_API speclin_status speclin_dtop_k(const double* Q, size_t nq, const double* K, size_t nk, size_t d,
                                          size_t k, int32_t* indices, double* scores);

/* ---- graphs ---------------------------------------------------------------------------------- */

/* A weighted undirected graph (symmetric nonnegative adjacency A) in native memory, immutable
 * once created; it may be used from several threads at once. */
typedef struct speclin_graph speclin_graph;

typedef enum speclin_symmetrize {
  SPECLIN_SYMMETRIZE_NONE = 0,    /* an asymmetric A is an error (SPECLIN_ERR_GRAPH) */
  SPECLIN_SYMMETRIZE_AVERAGE = 1, /* (A + A^T) / 2 */
  SPECLIN_SYMMETRIZE_MAX = 2      /* max(A, A^T) */
} speclin_symmetrize;

/* From CSR arrays: indptr (n + 1 entries, indptr[0] == 0, nondecreasing), indices (indptr[n]
 * entries in [0, n)), values (the same count, finite and >= 0; NULL: all ones). Duplicate entries
 * are summed, zeros dropped. The values' dtype is the graph's (float32 for sgraph). A node without
 * edges is an error (SPECLIN_ERR_GRAPH). On success *out owns the graph: free it with
 * speclin_graph_free. */
SPECLIN_API speclin_status speclin_sgraph_from_csr(size_t n, const int64_t* indptr, const int32_t* indices,
                                                   const float* values, speclin_symmetrize symmetrize,
                                                   speclin_graph** out);
SPECLIN_API speclin_status speclin_dgraph_from_csr(size_t n, const int64_t* indptr, const int32_t* indices,
                                                   const double* values, speclin_symmetrize symmetrize,
                                                   speclin_graph** out);
SPECLIN_API void speclin_graph_free(speclin_graph* graph); /* NULL is allowed */

/* n, the stored entries (after symmetrizing and summing duplicates), the dtype's size in bytes. */
SPECLIN_API speclin_status speclin_graph_info(const speclin_graph* graph, size_t* n, size_t* nnz,
                                              size_t* value_bytes);
/* degrees[i] = sum_j A_ij (n entries, float64). */
SPECLIN_API speclin_status speclin_graph_degrees(const speclin_graph* graph, double* degrees);
/* marginals[i] = degrees[i] / sum of degrees: p(x), the graph scaled to sum 1. */
SPECLIN_API speclin_status speclin_graph_marginals(const speclin_graph* graph, double* marginals);
/* Y = Ā X with Ā = D^{-1/2} A D^{-1/2}; X and Y n x columns, float64. */
SPECLIN_API speclin_status speclin_graph_normalized_multiply(const speclin_graph* graph, const double* X,
                                                             double* Y, size_t columns);
/* ||Ā||_F^2 = sum_ij A_ij^2 / (d_i d_j), in O(nnz): with the population loss L(E), the identity
 * ||Ā - F F^T||_F^2 = L(E) + ||Ā||_F^2 (F = D^{1/2} E) gives the Frobenius error without Ā dense. */
SPECLIN_API speclin_status speclin_graph_normalized_frobenius2(const speclin_graph* graph, double* out);

/* ---- eigsh: the top-k eigenpairs of a symmetric operator ------------------------------------ */

typedef struct speclin_eigsh_options {
  double tol;               /* ||A v - λ v|| <= tol ||A|| (||Ā|| = 1); default 1e-8 */
  size_t max_iterations;    /* block Lanczos steps; default 10000 */
  size_t block_size;        /* 0: automatic */
  size_t basis_size;        /* 0: automatic */
  uint64_t seed;            /* the random start block; default 0 */
  int deflate_components;   /* graphs only: lock the eigenvalue 1 of each connected component
                               (vectors D^{1/2} 1_C) exactly, as the TypeScript eigsh does; default 1 */
} speclin_eigsh_options;

/* Fills *options with the defaults above. */
SPECLIN_API void speclin_eigsh_options_init(speclin_eigsh_options* options);

typedef struct speclin_eigsh_info {
  size_t converged;  /* pairs written: k, or fewer with SPECLIN_ERR_NOT_CONVERGED */
  size_t matvecs;    /* operator columns applied */
  size_t iterations; /* block Lanczos steps (1 on the dense path, n <= 256) */
} speclin_eigsh_info;

/* The caller's operator: Y = A X for X, Y n x columns row-major float64; return 0 on success,
 * nonzero to abandon the solve (SPECLIN_ERR_CALLBACK). Called on the calling thread only. */
typedef int (*speclin_operator_fn)(void* user, const double* X, double* Y, size_t columns);

/* The k algebraically largest eigenpairs: values (k, descending), vectors (n x k, row-major:
 * column q is the eigenvector of values[q]), residuals (k, ||A v - λ v||; may be NULL), info (may
 * be NULL). options NULL: the defaults. On SPECLIN_ERR_NOT_CONVERGED the first info->converged
 * pairs are written (the rest of the outputs is untouched): pass info to learn how many.
 * norm_bound: an upper bound of ||A|| if known (the tolerance is relative to it), else 0.
 * Errors: k == 0, k > n, bad options, a null pointer. */
SPECLIN_API speclin_status speclin_eigsh(size_t n, speclin_operator_fn op, void* user, double norm_bound,
                                         size_t k, const speclin_eigsh_options* options, double* values,
                                         double* vectors, double* residuals, speclin_eigsh_info* info);
/* The same for a graph's Ā (norm 1), its components deflated unless options say otherwise. */
SPECLIN_API speclin_status speclin_graph_eigsh(const speclin_graph* graph, size_t k,
                                               const speclin_eigsh_options* options, double* values,
                                               double* vectors, double* residuals, speclin_eigsh_info* info);

/* ---- the population loss and the closed-form optimum ----------------------------------------- */

/* L(E) = -2 tr(E^T A E) + ||E^T D E||_F^2 (A scaled to sum 1, D = diag(marginals)) for the
 * embedding E (n x k, row i = node i), in float64; grad = -4 A E + 4 D E (E^T D E) (n x k, in E's
 * dtype; NULL to skip). Errors: k == 0, NaN or Inf in E. */
SPECLIN_API speclin_status speclin_spopulation_loss(const speclin_graph* graph, const float* E, size_t k,
                                                    double* loss, float* grad);
SPECLIN_API speclin_status speclin_dpopulation_loss(const speclin_graph* graph, const double* E, size_t k,
                                                    double* loss, double* grad);

/* The optimum over k-dimensional embeddings: loss = -sum_{i<=k} max(λ_i, 0)^2, eigenvalues (k, the
 * top of Ā, descending), embedding E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2} (n x k; may be NULL).
 * options NULL: the defaults with tol 1e-10 (the loss's error is of the order of tol^2).
 * Errors: as speclin_graph_eigsh (SPECLIN_ERR_NOT_CONVERGED writes nothing here). */
SPECLIN_API speclin_status speclin_closed_form_optimum(const speclin_graph* graph, size_t k,
                                                       const speclin_eigsh_options* options, double* loss,
                                                       double* eigenvalues, double* embedding);

/* ---- bipartite (two-tower, CLIP) graphs: P, P̄, svds, the two-tower loss and optimum --------- */

/* A bipartite graph in native memory: the joint weights P (n_left x n_right, e.g. images x texts),
 * in float32 or float64, stored with P^T so that both products are row-parallel. */
typedef struct speclin_bipartite speclin_bipartite;

/* P from CSR arrays: indptr (n_left + 1 entries, int64, nondecreasing from 0), indices (int32, in
 * [0, n_right)), values (finite, >= 0; NULL: all ones). Duplicates are summed. Every node of both
 * sides needs a nonzero entry (D_x^{-1/2} and D_t^{-1/2} must exist): otherwise
 * SPECLIN_ERR_GRAPH naming the nodes. Free the result with speclin_bipartite_free. */
SPECLIN_API speclin_status speclin_sbipartite_from_csr(size_t n_left, size_t n_right, const int64_t* indptr,
                                                       const int32_t* indices, const float* values,
                                                       speclin_bipartite** out);
SPECLIN_API speclin_status speclin_dbipartite_from_csr(size_t n_left, size_t n_right, const int64_t* indptr,
                                                       const int32_t* indices, const double* values,
                                                       speclin_bipartite** out);
SPECLIN_API void speclin_bipartite_free(speclin_bipartite* graph); /* NULL is allowed */

/* Sizes (each output may be NULL); value_bytes is 4 or 8. */
SPECLIN_API speclin_status speclin_bipartite_info(const speclin_bipartite* graph, size_t* n_left, size_t* n_right,
                                                  size_t* nnz, size_t* value_bytes);
/* The marginals p(x) (n_left) and p(t) (n_right): P's row and column sums over its total, float64.
 * Either output may be NULL. */
SPECLIN_API speclin_status speclin_bipartite_marginals(const speclin_bipartite* graph, double* left, double* right);
/* Y = P̄ X (X n_right x columns, Y n_left x columns) or, with transpose != 0, Y = P̄^T X (X n_left x
 * columns, Y n_right x columns); P̄ = D_x^{-1/2} P D_t^{-1/2}, row-major float64. */
SPECLIN_API speclin_status speclin_bipartite_normalized_multiply(const speclin_bipartite* graph, int transpose,
                                                                 const double* X, double* Y, size_t columns);
/* ||P̄||_F^2 in O(nnz) from the stored entries (P̄ is never formed). */
SPECLIN_API speclin_status speclin_bipartite_normalized_frobenius2(const speclin_bipartite* graph, double* out);

/* The k largest singular triplets of P̄: values (k, descending), left (n_left x k) and right
 * (n_right x k) singular vectors (row-major, orthonormal columns), residuals (k, ||P̄ v - σ u||;
 * may be NULL), info (may be NULL; matvecs counts products with the Gram operator's columns).
 * Block Lanczos on P̄ P̄^T or P̄^T P̄, whichever side is smaller, as the TypeScript svds.
 * options NULL: the defaults (tol 1e-8 on ||P̄ P̄^T||, which is 1); options->deflate_components is
 * ignored (nothing is deflated, as in the TypeScript svds). k must be at most min(n_left, n_right).
 * On SPECLIN_ERR_NOT_CONVERGED the first info->converged triplets are written. */
SPECLIN_API speclin_status speclin_bipartite_svds(const speclin_bipartite* graph, size_t k,
                                                  const speclin_eigsh_options* options, double* values,
                                                  double* left, double* right, double* residuals,
                                                  speclin_eigsh_info* info);

/* The two-tower population loss L(Ex, Et) = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F (P
 * scaled to sum 1, Dx, Dt its marginals), in float64, for Ex (n_left x k) and Et (n_right x k);
 * grad_left = -2 P Et + 2 Dx Ex (Et^T Dt Et), grad_right = -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex), in the
 * towers' dtype (each may be NULL). Errors: k == 0, NaN or Inf in Ex or Et. */
SPECLIN_API speclin_status speclin_sbipartite_population_loss(const speclin_bipartite* graph, const float* Ex,
                                                              const float* Et, size_t k, double* loss,
                                                              float* grad_left, float* grad_right);
SPECLIN_API speclin_status speclin_dbipartite_population_loss(const speclin_bipartite* graph, const double* Ex,
                                                              const double* Et, size_t k, double* loss,
                                                              double* grad_left, double* grad_right);

/* The two-tower optimum over k-dimensional embeddings: loss = -sum_{i<=k} σ_i^2, singular_values
 * (k, P̄'s top, descending), left E_x* = D_x^{-1/2} U_k Σ_k^{1/2} (n_left x k) and right
 * E_t* = D_t^{-1/2} V_k Σ_k^{1/2} (n_right x k), each may be NULL. options NULL: the defaults with
 * tol 1e-10. Errors: as speclin_bipartite_svds (SPECLIN_ERR_NOT_CONVERGED writes nothing here). */
SPECLIN_API speclin_status speclin_bipartite_closed_form_optimum(const speclin_bipartite* graph, size_t k,
                                                                 const speclin_eigsh_options* options,
                                                                 double* loss, double* singular_values,
                                                                 double* left, double* right);

#ifdef __cplusplus
}
#endif

#endif /* SPECLIN_H */
