// eigsh and the closed-form optimum on a DistributedGraph: thick-restart block Lanczos with the
// vectors row-distributed (native/mpi/block_lanczos.h). Each orthogonalization pass is one
// allreduce; the projected problem is assembled from reduced numbers and solved on every rank, so
// the eigenvalues are identical on all ranks, and each rank gets its rows of the eigenvectors.
import { SpeclinError, callNative } from '../errors.js';
import { agreeAcrossRanks } from '../collective.js';
import { optimalLoss, scaleEmbedding } from '../closed-form.js';
import type { EigshResult } from '../eigsh.js';
import { nativeMpi } from './native-mpi.js';
import type { DistributedGraph } from './distributed-graph.js';

export interface DistributedEigshOptions {
  k: number;
  /** ||Ā v - λ v|| <= tol for every returned pair (||Ā|| = 1). Default 1e-8. */
  tol?: number;
  /** Columns per block; at least the largest multiplicity among the wanted eigenvalues (a graph with c components has 1 c times). Default min(k, 4). */
  blockSize?: number;
  /** Basis columns before a restart. Default max(3k + 2b, k + 4b), at most n. */
  basisSize?: number;
  /** Restarts before ERR_NOT_CONVERGED. Default 300. */
  maxIterations?: number;
  /** The start block is a function of (seed, global row): the same on any number of ranks. Default 1. */
  seed?: number;
  /** 'auto' (dense for n <= 256, as eigsh, or where the basis cannot hold k + 2 blocks), 'lanczos'
   * or 'dense': Ā gathered on every rank (n <= 4096) and solved there whole. Default 'auto'. */
  method?: 'auto' | 'lanczos' | 'dense';
}

/** eigsh's result fields; `vectors` holds this rank's rows (localRows x k, row i is node
 * firstRow + i), `values` are identical on every rank, `iterations` counts restarts. */
export interface DistributedEigshResult extends Pick<EigshResult, 'values' | 'vectors' | 'residuals' | 'matvecs' | 'iterations' | 'converged'> {
  /** Allreduces the solver ran (its inner products), each of O(basis x block) numbers; the dense
   * path's two gathers. */
  reductions: number;
  /** The path that ran: 'lanczos' or 'dense'. */
  method: 'lanczos' | 'dense';
}

const METHODS = ['auto', 'lanczos', 'dense'] as const;
/** The dense path gathers n x n doubles on every rank (native/mpi/dense_eigsh.h). */
const DENSE_LIMIT = 4096;

const positiveInteger = (name: string, v: unknown, fallback: number) => {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`distributedEigsh: ${name} must be a nonnegative integer, got ${String(v)}`);
  return v as number;
};

function readMethod(method: unknown, n: number): number {
  const code = METHODS.indexOf((method ?? 'auto') as (typeof METHODS)[number]);
  if (code < 0) throw new RangeError(`distributedEigsh: method must be 'auto', 'lanczos' or 'dense', got ${String(method)}`);
  if (method === 'dense' && n > DENSE_LIMIT)
    throw new RangeError(`distributedEigsh: method 'dense' gathers Ā (n x n) on every rank, n = ${n} is above ${DENSE_LIMIT}: use 'lanczos'`);
  return code;
}

/** Collective: Ā's top-k eigenpairs. ERR_NOT_CONVERGED (on every rank, with `partial`) if the
 * restarts run out. */
export function distributedEigsh(graph: DistributedGraph, options: DistributedEigshOptions): DistributedEigshResult {
  const o = agreeAcrossRanks(graph.comm, 'distributedEigsh', () => {
    const { k, tol = 1e-8 } = options;
    if (!Number.isInteger(k) || k < 1 || k >= graph.n) throw new RangeError(`distributedEigsh: k must be an integer in 1..${graph.n - 1}, got ${k}`);
    if (typeof tol !== 'number' || !(tol > 0)) throw new RangeError(`distributedEigsh: tol must be a number > 0, got ${String(tol)}`);
    return {
      n: graph.n,
      k,
      tol,
      block: positiveInteger('blockSize', options.blockSize, 0),
      basis: positiveInteger('basisSize', options.basisSize, 0),
      maxRestarts: positiveInteger('maxIterations', options.maxIterations, 300),
      seed: positiveInteger('seed', options.seed, 1),
      method: readMethod(options.method, graph.n),
    };
  });
  const r = callNative(() => nativeMpi().eigsh(graph.handle, o));
  const result: DistributedEigshResult = { ...r, vectors: { data: r.vectors, rows: graph.localRows, cols: o.k } };
  if (r.converged < o.k)
    throw new SpeclinError<DistributedEigshResult>(
      'ERR_NOT_CONVERGED',
      `distributedEigsh: ${r.converged} of ${o.k} eigenpairs reached tol = ${o.tol} in ${r.iterations} restarts (largest residual ${Math.max(...r.residuals)}); raise maxIterations, basisSize or tol`,
      result,
    );
  return result;
}

/** Collective: min L = -sum_{i<=k} max(λ_i, 0)^2 and this rank's rows of E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2}
 * (D the marginals), as closedFormOptimum gives them for a Graph. */
export function distributedClosedFormOptimum(graph: DistributedGraph, k: number, options: Omit<DistributedEigshOptions, 'k'> = {}) {
  const r = distributedEigsh(graph, { ...options, k });
  return {
    loss: optimalLoss(r.values, true),
    eigenvalues: r.values,
    embedding: scaleEmbedding(r.vectors, r.values, graph.marginals),
  };
}
