// eigsh and the closed-form optimum on a DistributedGraph: thick-restart block Lanczos with the
// vectors row-distributed (native/mpi/block_lanczos.h). Each orthogonalization pass is one
// allreduce; the projected problem is assembled from reduced numbers and solved on every rank, so
// the eigenvalues are identical on all ranks, and each rank gets its rows of the eigenvectors.
import { SpeclinError, callNative } from '../errors.js';
import { agreeAcrossRanks } from '../collective.js';
import { optimalLoss, scaleEmbedding } from '../closed-form.js';
import type { EigshResult } from '../eigsh.js';
import { nativeMpi, type NativeEigshOptions, type NativeEigshResult } from './native-mpi.js';
import { DistributedGraph } from './distributed-graph.js';
import { collectiveAsync } from './collective-async.js';

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

/** The options as the native solver takes them, checked (RangeError naming the option). */
function describeEigsh(graph: DistributedGraph, options: DistributedEigshOptions): NativeEigshOptions & { n: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('distributedEigsh: options must be an object { k, ... }');
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
}

/** TypeError unless `graph` is a DistributedGraph. Its communicator is what tells the other ranks
 * of a refused argument, so without one this rank can only throw (and, with initMpi's
 * abortOnUncaught, end the job) rather than leave them waiting. */
function checkGraph(graph: unknown): DistributedGraph {
  if (!(graph instanceof DistributedGraph)) throw new TypeError('distributedEigsh: graph must be a DistributedGraph');
  return graph;
}

function finish(graph: DistributedGraph, o: NativeEigshOptions, r: NativeEigshResult): DistributedEigshResult {
  const result: DistributedEigshResult = { ...r, vectors: { data: r.vectors, rows: graph.localRows, cols: o.k } };
  if (r.converged < o.k)
    throw new SpeclinError<DistributedEigshResult>(
      'ERR_NOT_CONVERGED',
      `distributedEigsh: ${r.converged} of ${o.k} eigenpairs reached tol = ${o.tol} in ${r.iterations} restarts (largest residual ${Math.max(...r.residuals)}); raise maxIterations, basisSize or tol`,
      result,
    );
  return result;
}

/** Collective, Sync form: Ā's top-k eigenpairs, computed on the main thread. ERR_NOT_CONVERGED (on
 * every rank, with `partial`) if the restarts run out. */
export function distributedEigshSync(graph: DistributedGraph, options: DistributedEigshOptions): DistributedEigshResult {
  const g = checkGraph(graph);
  const o = agreeAcrossRanks(g.comm, 'distributedEigsh', () => describeEigsh(g, options));
  return finish(g, o, callNative(() => nativeMpi().eigsh(g.handle, o)));
}

/** Collective, Promise form: the agreement check and the solve run on a worker thread, in the
 * place this call takes in the rank program when it is made (docs/mpi.md, "Promise forms"). */
export async function distributedEigsh(graph: DistributedGraph, options: DistributedEigshOptions): Promise<DistributedEigshResult> {
  const g = checkGraph(graph);
  const { fields, result } = await collectiveAsync(g.comm, 'distributedEigsh', () => describeEigsh(g, options), (o, descriptor) =>
    nativeMpi().eigshAsync(g.handle, o, descriptor),
  );
  return finish(g, fields, result);
}

function optimum(graph: DistributedGraph, r: DistributedEigshResult) {
  return {
    loss: optimalLoss(r.values, true),
    eigenvalues: r.values,
    embedding: scaleEmbedding(r.vectors, r.values, graph.marginals),
  };
}

/** Collective, Sync form: min L = -sum_{i<=k} max(λ_i, 0)^2 and this rank's rows of E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2}
 * (D the marginals), as closedFormOptimumSync gives them for a Graph. */
export function distributedClosedFormOptimumSync(graph: DistributedGraph, k: number, options: Omit<DistributedEigshOptions, 'k'> = {}) {
  return optimum(graph, distributedEigshSync(graph, { ...options, k }));
}

/** Collective, Promise form of distributedClosedFormOptimumSync (the solve on a worker thread). */
export async function distributedClosedFormOptimum(graph: DistributedGraph, k: number, options: Omit<DistributedEigshOptions, 'k'> = {}) {
  return optimum(graph, await distributedEigsh(graph, { ...options, k }));
}
