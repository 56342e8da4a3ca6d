// The optimum of spectral contrastive learning in closed form (DESIGN.md): for a graph,
//   min L = -sum_{i<=k} max(λ_i, 0)^2 at E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2}
// from the top-k eigenpairs of Ā; for a bipartite (CLIP) graph,
//   min L = -sum_{i<=k} σ_i^2 at E_x* = D_x^{-1/2} U_k Σ_k^{1/2}, E_t* = D_t^{-1/2} V_k Σ_k^{1/2}
// from the top-k singular triplets of P̄. D is diag(marginals), the graph's p(x).
import { eigsh, eigshSync, type EigshOptions, type GraphLike } from './eigsh.js';
import { svds, svdsSync, type BipartiteLike, type SvdsOptions } from './svds.js';
import type { FloatArray, Matrix } from './types.js';

export interface ClosedFormGraph extends GraphLike {}

export interface ClosedFormBipartite extends BipartiteLike {
  readonly marginalsLeft: FloatArray;
  readonly marginalsRight: FloatArray;
}

export interface ClosedFormOptimum {
  /** -sum_{i<=k} max(λ_i, 0)^2 (negative eigenvalues, e.g. a bipartite graph's -1, are never kept). */
  loss: number;
  /** The top-k eigenvalues of Ā, descending. */
  eigenvalues: Float64Array;
  /** E* (n x k): row i is f*(x_i). */
  embedding: Matrix<Float64Array>;
  /** ||Ā u_i - λ_i u_i|| of the eigenpairs used. */
  residuals: Float64Array;
}

export interface ClosedFormBipartiteOptimum {
  /** -sum_{i<=k} σ_i^2. */
  loss: number;
  singularValues: Float64Array;
  /** E_x* (nLeft x k). */
  left: Matrix<Float64Array>;
  /** E_t* (nRight x k). */
  right: Matrix<Float64Array>;
  residuals: Float64Array;
}

/** Solver options passed through (k is the second argument). The default tol is 1e-10: the loss
 * is a sum of squared eigenvalues, whose error is of the order of the residual squared. */
export type ClosedFormOptions = Omit<EigshOptions, 'k' | 'deflate' | 'v0'>;

function isBipartite(g: unknown): g is ClosedFormBipartite {
  return typeof g === 'object' && g !== null && typeof (g as ClosedFormBipartite).nLeft === 'number';
}

function checkTarget(fn: string, g: unknown): void {
  if (typeof g !== 'object' || g === null || typeof (g as GraphLike).normalized !== 'function')
    throw new TypeError(`${fn}: expected a Graph or a BipartiteGraph`);
  const m = isBipartite(g) ? (g as ClosedFormBipartite).marginalsLeft : (g as GraphLike).marginals;
  if (!m || typeof (m as FloatArray).length !== 'number') throw new TypeError(`${fn}: the graph has no marginals`);
}

/** E = D^{-1/2} U S^{1/2}, column q scaled by sqrt(max(s_q, 0)), row i by 1/sqrt(p_i): the optimal
 * embedding from Ā's eigenvectors U and eigenvalues s (or P̄'s singular vectors and values). */
export function scaleEmbedding(U: Matrix<Float64Array>, s: Float64Array, p: FloatArray): Matrix<Float64Array> {
  const { rows, cols } = U;
  const E = new Float64Array(rows * cols);
  const root = new Float64Array(cols);
  for (let q = 0; q < cols; q++) root[q] = Math.sqrt(Math.max(s[q], 0));
  for (let i = 0; i < rows; i++) {
    const inv = 1 / Math.sqrt(p[i]);
    for (let q = 0; q < cols; q++) E[i * cols + q] = U.data[i * cols + q] * root[q] * inv;
  }
  return { data: E, rows, cols };
}

/** The optimal loss from the spectrum: -sum max(λ_i, 0)^2 of eigenvalues (squareOfPositive) or
 * -sum σ_i^2 of singular values. */
export function optimalLoss(values: Float64Array, squareOfPositive: boolean): number {
  let loss = 0;
  for (let i = 0; i < values.length; i++) loss -= squareOfPositive ? Math.max(values[i], 0) ** 2 : values[i] * values[i];
  return loss;
}

function graphResult(g: GraphLike, r: { values: Float64Array; vectors: Matrix<Float64Array>; residuals: Float64Array }): ClosedFormOptimum {
  return {
    loss: optimalLoss(r.values, true),
    eigenvalues: r.values,
    embedding: scaleEmbedding(r.vectors, r.values, g.marginals),
    residuals: r.residuals,
  };
}

function bipartiteResult(g: ClosedFormBipartite, r: { values: Float64Array; left: Matrix<Float64Array>; right: Matrix<Float64Array>; residuals: Float64Array }): ClosedFormBipartiteOptimum {
  return {
    loss: optimalLoss(r.values, false),
    singularValues: r.values,
    left: scaleEmbedding(r.left, r.values, g.marginalsLeft),
    right: scaleEmbedding(r.right, r.values, g.marginalsRight),
    residuals: r.residuals,
  };
}

/** The solver defaults of the closed-form optimum (and of verifyEmbedding). */
export const closedFormDefaults = { tol: 1e-10 };

/** The closed-form optimum of the spectral contrastive loss with k-dimensional embeddings.
 * For a Graph the eigenvalue 1 of each connected component is deflated exactly (D^{1/2} 1_C). */
export function closedFormOptimum(graph: ClosedFormBipartite, k: number, options?: ClosedFormOptions): Promise<ClosedFormBipartiteOptimum>;
export function closedFormOptimum(graph: ClosedFormGraph, k: number, options?: ClosedFormOptions): Promise<ClosedFormOptimum>;
export async function closedFormOptimum(graph: ClosedFormGraph | ClosedFormBipartite, k: number, options: ClosedFormOptions = {}): Promise<ClosedFormOptimum | ClosedFormBipartiteOptimum> {
  checkTarget('closedFormOptimum', graph);
  if (isBipartite(graph)) return bipartiteResult(graph, await svds(graph, { ...closedFormDefaults, ...options, k } as SvdsOptions));
  return graphResult(graph, await eigsh(graph, { ...closedFormDefaults, ...options, k, deflate: true }));
}

export function closedFormOptimumSync(graph: ClosedFormBipartite, k: number, options?: ClosedFormOptions): ClosedFormBipartiteOptimum;
export function closedFormOptimumSync(graph: ClosedFormGraph, k: number, options?: ClosedFormOptions): ClosedFormOptimum;
export function closedFormOptimumSync(graph: ClosedFormGraph | ClosedFormBipartite, k: number, options: ClosedFormOptions = {}): ClosedFormOptimum | ClosedFormBipartiteOptimum {
  checkTarget('closedFormOptimumSync', graph);
  if (isBipartite(graph)) return bipartiteResult(graph, svdsSync(graph, { ...closedFormDefaults, ...options, k } as SvdsOptions));
  return graphResult(graph, eigshSync(graph, { ...closedFormDefaults, ...options, k, deflate: true }));
}
