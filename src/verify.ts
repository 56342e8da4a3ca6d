// Verification of an embedding trained anywhere (speclin, PyTorch, ...) against the closed-form
// optimum of the spectral contrastive loss (DESIGN.md). With F = D^{1/2} E,
//   L(E) = ||Ā - F F^T||_F^2 - ||Ā||_F^2,
// so the distance of F F^T to Ā is known from the loss and ||Ā||_F^2 = sum_ij A_ij^2 / (d_i d_j),
// summed over the stored entries: Ā is never formed. Its minimum over PSD rank-k F F^T is
// ||Ā||_F^2 - sum_{i<=k} max(λ_i, 0)^2. The two-tower case is the same with P̄ and σ_i.
import { eigsh, eigshSync, type EigshResult } from './eigsh.js';
import { svds, svdsSync, type SvdsOptions, type SvdsResult } from './svds.js';
import { populationLoss, populationLossSync } from './population-loss.js';
import { closedFormDefaults, optimalLoss, type ClosedFormOptions } from './closed-form.js';
import { BipartiteGraph, Graph, type CSRArrays } from './graph.js';
import { principalAnglesBetween, scaledRows } from './principal-angles.js';
import { callNativeAsync } from './errors.js';
import type { Matrix } from './types.js';

export interface VerifyOptions extends ClosedFormOptions {
  /** The dimension of the optimum compared with; default: the embedding's columns. */
  k?: number;
}

export interface EmbeddingVerification {
  /** The dimension k of the optimum compared with. */
  k: number;
  /** populationLoss(graph, E): -2 tr(E^T A E) + ||E^T D E||_F^2, A scaled to sum 1. */
  loss: number;
  /** -sum_{i<=k} max(λ_i, 0)^2. */
  optimum: number;
  /** (loss - optimum) / |optimum|. */
  relativeGap: number;
  /** The k principal angles, in degrees, largest first, between span(U_k) (Ā's top-k
   * eigenvectors) and span(D^{1/2} E); 90 for each dimension that span(D^{1/2} E) lacks. */
  principalAnglesDeg: number[];
  /** ||Ā - F F^T||_F^2 with F = D^{1/2} E (= loss + ||Ā||_F^2). */
  frobeniusError: number;
  /** Its minimum over PSD rank-k F F^T: ||Ā||_F^2 - sum_{i<=k} max(λ_i, 0)^2. */
  frobeniusMinimum: number;
  /** Ā's top-k eigenvalues, descending. */
  eigenvalues: number[];
}

export interface BipartiteEmbeddingVerification {
  k: number;
  /** populationLoss(bipartite, Ex, Et): -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F. */
  loss: number;
  /** -sum_{i<=k} σ_i^2. */
  optimum: number;
  relativeGap: number;
  /** Angles, largest first, between span(U_k) (P̄'s left singular vectors) and span(Dx^{1/2} Ex). */
  principalAnglesDegLeft: number[];
  /** The same for span(V_k) and span(Dt^{1/2} Et). */
  principalAnglesDegRight: number[];
  /** ||P̄ - Fx Ft^T||_F^2 with Fx = Dx^{1/2} Ex, Ft = Dt^{1/2} Et (= loss + ||P̄||_F^2). */
  frobeniusError: number;
  /** Its minimum over rank-k Fx Ft^T: ||P̄||_F^2 - sum_{i<=k} σ_i^2. */
  frobeniusMinimum: number;
  /** P̄'s top-k singular values, descending. */
  singularValues: number[];
}

/**
 * Checks an embedding read from anywhere: a Matrix of float32 or float64 with `rows` rows (one per
 * node) and no NaN or infinite value. `name` is how errors call it (an argument or a file name),
 * `nodes` what its rows stand for. TypeError for a wrong type, RangeError otherwise, naming the
 * first row that holds a non-finite value.
 */
export function checkEmbedding(E: Matrix, name: string, rows: number, nodes = 'node of the graph'): void {
  if (E === null || typeof E !== 'object' || !(E.data instanceof Float32Array || E.data instanceof Float64Array))
    throw new TypeError(`${name} must be a Matrix { data: Float32Array | Float64Array, rows, cols }`);
  if (!Number.isInteger(E.cols) || E.cols < 1) throw new RangeError(`${name} must have at least one column, got ${E.cols}`);
  if (E.rows !== rows) throw new RangeError(`${name} has ${E.rows} rows; expected ${rows} (one per ${nodes})`);
  if (E.data.length !== E.rows * E.cols)
    throw new RangeError(`${name}.data has ${E.data.length} elements; expected rows * cols = ${E.rows * E.cols}`);
  const { data, cols } = E;
  for (let e = 0; e < data.length; e++) {
    const v = data[e];
    if (v - v !== 0) {
      const row = Math.floor(e / cols);
      throw new RangeError(`${name}: row ${row} (0-based) holds ${Number.isNaN(v) ? 'NaN' : v} at column ${e - row * cols}; expected finite values in every row`);
    }
  }
}

function dimension(options: VerifyOptions, cols: number, limit: number, limitName: string): number {
  const k = options.k ?? cols;
  if (!Number.isInteger(k) || k < 1 || k > limit)
    throw new RangeError(`${options.k === undefined ? 'k (the embedding\'s columns)' : 'options.k'} must be an integer from 1 to ${limitName} = ${limit}; got ${k}`);
  return k;
}

/** sum over stored entries of w_ij^2 / (d_i d_j): ||Ā||_F^2 (or ||P̄||_F^2) without forming it. */
function normalizedFrobeniusSquared(csr: CSRArrays, rowDegrees: Float64Array, colDegrees: Float64Array): number {
  const { indptr, indices, values } = csr;
  let total = 0;
  for (let i = 0; i + 1 < indptr.length; i++) {
    let row = 0;
    for (let e = indptr[i]; e < indptr[i + 1]; e++) {
      const w = values[e];
      if (w !== 0) row += (w * w) / colDegrees[indices[e]];
    }
    if (row !== 0) total += row / rowDegrees[i];
  }
  return total;
}

function solverOptions(options: VerifyOptions, k: number) {
  const { k: _k, ...rest } = options;
  return { ...closedFormDefaults, ...rest, k };
}

interface GraphPlan { k: number; solve: ReturnType<typeof solverOptions> }

function planGraph(graph: Graph, E: Matrix, options: VerifyOptions): GraphPlan {
  checkEmbedding(E, 'E', graph.n);
  const k = dimension(options, E.cols, graph.n, 'n');
  return { k, solve: solverOptions(options, k) };
}

function graphResult(graph: Graph, E: Matrix, k: number, loss: number, eig: EigshResult): EmbeddingVerification {
  const normSquared = normalizedFrobeniusSquared(graph.toCSR(), graph.degrees, graph.degrees);
  const optimum = optimalLoss(eig.values, true);
  return {
    k,
    loss,
    optimum,
    relativeGap: (loss - optimum) / Math.abs(optimum),
    principalAnglesDeg: Array.from(principalAnglesBetween(scaledRows(E, graph.marginals), eig.vectors)),
    frobeniusError: loss + normSquared,
    frobeniusMinimum: normSquared + optimum,
    eigenvalues: Array.from(eig.values),
  };
}

interface BipartitePlan { k: number; solve: SvdsOptions; Ex: Matrix; Et: Matrix }

/** Towers saved by different tools may differ in dtype; the loss kernel takes one, so the float32
 * one is widened (exactly) to float64. */
function sameDtype(Ex: Matrix, Et: Matrix): [Matrix, Matrix] {
  if (Ex.data instanceof Float32Array === Et.data instanceof Float32Array) return [Ex, Et];
  const widen = (M: Matrix): Matrix => (M.data instanceof Float64Array ? M : { data: Float64Array.from(M.data), rows: M.rows, cols: M.cols });
  return [widen(Ex), widen(Et)];
}

function planBipartite(graph: BipartiteGraph, Ex: Matrix, Et: Matrix | undefined, options: VerifyOptions): BipartitePlan {
  if (Et === undefined || Et === null || typeof Et !== 'object' || !('data' in Et))
    throw new TypeError('verifyEmbedding(bipartite, Ex, Et): Et (the right tower\'s embedding) is missing');
  checkEmbedding(Ex, 'Ex', graph.nLeft, 'left node of the graph');
  checkEmbedding(Et, 'Et', graph.nRight, 'right node of the graph');
  if (Ex.cols !== Et.cols) throw new RangeError(`Ex and Et must have the same number of columns; got ${Ex.cols} and ${Et.cols}`);
  const k = dimension(options, Ex.cols, Math.min(graph.nLeft, graph.nRight), 'min(nLeft, nRight)');
  const [x, t] = sameDtype(Ex, Et);
  return { k, solve: solverOptions(options, k) as SvdsOptions, Ex: x, Et: t };
}

function bipartiteResult(graph: BipartiteGraph, Ex: Matrix, Et: Matrix, k: number, loss: number, svd: SvdsResult): BipartiteEmbeddingVerification {
  const normSquared = normalizedFrobeniusSquared(graph.toCSR(), graph.degreesLeft, graph.degreesRight);
  const optimum = optimalLoss(svd.values, false);
  return {
    k,
    loss,
    optimum,
    relativeGap: (loss - optimum) / Math.abs(optimum),
    principalAnglesDegLeft: Array.from(principalAnglesBetween(scaledRows(Ex, graph.marginalsLeft), svd.left)),
    principalAnglesDegRight: Array.from(principalAnglesBetween(scaledRows(Et, graph.marginalsRight), svd.right)),
    frobeniusError: loss + normSquared,
    frobeniusMinimum: normSquared + optimum,
    singularValues: Array.from(svd.values),
  };
}

/**
 * How close an embedding trained anywhere is to the optimum of the spectral contrastive loss:
 * E (n x k, row i = node i's f(x_i), float32 or float64) against Ā's top-k eigenpairs (k = E.cols
 * unless options.k), or for a BipartiteGraph the towers Ex (nLeft x k) and Et (nRight x k) against
 * P̄'s top-k singular triplets. The eigen-solve takes closedFormOptimum's options (tol 1e-10).
 * Errors: RangeError for a wrong row count, a non-finite value (naming its row), or k out of range.
 */
export function verifyEmbedding(graph: Graph, E: Matrix, options?: VerifyOptions): Promise<EmbeddingVerification>;
export function verifyEmbedding(graph: BipartiteGraph, Ex: Matrix, Et: Matrix, options?: VerifyOptions): Promise<BipartiteEmbeddingVerification>;
export function verifyEmbedding(
  graph: Graph | BipartiteGraph, E: Matrix, EtOrOptions?: Matrix | VerifyOptions, bipartiteOptions?: VerifyOptions,
): Promise<EmbeddingVerification | BipartiteEmbeddingVerification> {
  return callNativeAsync(async () => {
    if (graph instanceof BipartiteGraph) {
      const Et = EtOrOptions as Matrix;
      const plan = planBipartite(graph, E, Et, bipartiteOptions ?? {});
      const [{ loss }, svd] = await Promise.all([populationLoss(graph, plan.Ex, plan.Et), svds(graph, plan.solve)]);
      return bipartiteResult(graph, E, Et, plan.k, loss, svd);
    }
    if (!(graph instanceof Graph)) throw new TypeError('verifyEmbedding: graph must be a Graph or a BipartiteGraph');
    const plan = planGraph(graph, E, (EtOrOptions as VerifyOptions | undefined) ?? {});
    const [{ loss }, eig] = await Promise.all([populationLoss(graph, E), eigsh(graph, { ...plan.solve, deflate: true })]);
    return graphResult(graph, E, plan.k, loss, eig);
  });
}

/** verifyEmbedding on the calling thread. */
export function verifyEmbeddingSync(graph: Graph, E: Matrix, options?: VerifyOptions): EmbeddingVerification;
export function verifyEmbeddingSync(graph: BipartiteGraph, Ex: Matrix, Et: Matrix, options?: VerifyOptions): BipartiteEmbeddingVerification;
export function verifyEmbeddingSync(
  graph: Graph | BipartiteGraph, E: Matrix, EtOrOptions?: Matrix | VerifyOptions, bipartiteOptions?: VerifyOptions,
): EmbeddingVerification | BipartiteEmbeddingVerification {
  if (graph instanceof BipartiteGraph) {
    const Et = EtOrOptions as Matrix;
    const plan = planBipartite(graph, E, Et, bipartiteOptions ?? {});
    return bipartiteResult(graph, E, Et, plan.k, populationLossSync(graph, plan.Ex, plan.Et).loss, svdsSync(graph, plan.solve));
  }
  if (!(graph instanceof Graph)) throw new TypeError('verifyEmbeddingSync: graph must be a Graph or a BipartiteGraph');
  const plan = planGraph(graph, E, (EtOrOptions as VerifyOptions | undefined) ?? {});
  return graphResult(graph, E, plan.k, populationLossSync(graph, E).loss, eigshSync(graph, { ...plan.solve, deflate: true }));
}
