// svds and the two-tower closed-form optimum on a row-distributed bipartite graph. P̄'s singular
// triplets are the eigenpairs of the symmetric [[0, P̄], [P̄ᵀ, 0]] (eigenvalues ±σ_i and zeros), and
// that matrix is the normalized adjacency of the bipartite graph as one graph on nLeft + nRight
// nodes; so a DistributedBipartiteGraph is a DistributedGraph of that graph, and distributedSvds its
// distributedEigsh: an eigenvector [u; v]/√2 gives u and v.
import { agreeAcrossRanks, type Communicator } from '../collective.js';
import { optimalLoss, scaleEmbedding } from '../closed-form.js';
import type { Matrix } from '../types.js';
import { DistributedGraph } from './distributed-graph.js';
import { distributedEigsh, distributedEigshSync, type DistributedEigshOptions, type DistributedEigshResult } from './distributed-eigsh.js';

export interface DistributedBipartiteEdges {
  nLeft: number;
  nRight: number;
  /** This rank's share of the pairs (left id, right id); any subset, as DistributedGraph.fromEdges. */
  left: Int32Array;
  right: Int32Array;
  weight?: Float64Array;
}

/** This rank's rows of one side: rows `first` .. first + rows - 1 of that side. */
export type SideRows = Matrix<Float64Array> & { first: number };

export class DistributedBipartiteGraph {
  readonly nLeft: number;
  readonly nRight: number;
  /** The bipartite graph as one graph on nLeft + nRight nodes (left ids first). */
  readonly graph: DistributedGraph;

  private constructor(nLeft: number, nRight: number, graph: DistributedGraph) {
    this.nLeft = nLeft;
    this.nRight = nRight;
    this.graph = graph;
  }

  /** Collective: every rank passes its share of the pairs. */
  static fromEdges(comm: Communicator, edges: DistributedBipartiteEdges): DistributedBipartiteGraph {
    let shifted: Int32Array | undefined;
    const { nLeft, nRight } = agreeAcrossRanks(comm, 'DistributedBipartiteGraph.fromEdges', () => {
      const { nLeft: a, nRight: b, left, right } = edges;
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1 || a + b > 2 ** 31 - 1)
        throw new RangeError(`DistributedBipartiteGraph.fromEdges: nLeft and nRight must be positive integers, got ${a} and ${b}`);
      if (!(left instanceof Int32Array) || !(right instanceof Int32Array)) throw new TypeError('DistributedBipartiteGraph.fromEdges: left and right must be Int32Arrays');
      shifted = new Int32Array(right.length);
      for (let i = 0; i < right.length; i++) {
        if (right[i] < 0 || right[i] >= b) throw new RangeError(`DistributedBipartiteGraph.fromEdges: right[${i}] = ${right[i]} is not a right id in 0..${b - 1}`);
        shifted[i] = a + right[i];
      }
      for (let i = 0; i < left.length; i++)
        if (left[i] < 0 || left[i] >= a) throw new RangeError(`DistributedBipartiteGraph.fromEdges: left[${i}] = ${left[i]} is not a left id in 0..${a - 1}`);
      return { nLeft: a, nRight: b };
    });
    const graph = DistributedGraph.fromEdges(comm, { n: nLeft + nRight, src: edges.left, dst: shifted!, weight: edges.weight, symmetrize: true });
    return new DistributedBipartiteGraph(nLeft, nRight, graph);
  }

  /** This rank's left rows [first, first + count) and right rows, in each side's own ids. */
  get rows(): { left: { first: number; count: number }; right: { first: number; count: number } } {
    const start = this.graph.firstRow;
    const end = start + this.graph.localRows;
    const leftEnd = Math.min(end, this.nLeft);
    const rightStart = Math.max(start, this.nLeft);
    return {
      left: { first: Math.min(start, this.nLeft), count: Math.max(0, leftEnd - start) },
      right: { first: rightStart - this.nLeft, count: Math.max(0, end - rightStart) },
    };
  }

  /** p(x) and p(t) of this rank's rows: degrees over the total weight of P (each pair once). */
  marginals(): { left: Float64Array; right: Float64Array } {
    const { left } = this.rows;
    const half = this.graph.totalWeight / 2;
    const p = this.graph.degrees.map((d) => d / half);
    return { left: p.slice(0, left.count), right: p.slice(left.count) };
  }
}

export interface DistributedSvdsResult {
  /** P̄'s k largest singular values, descending; identical on every rank. */
  values: Float64Array;
  /** This rank's rows of the left and right singular vectors (each side's columns orthonormal). */
  left: SideRows;
  right: SideRows;
  /** ||Ā x - σ x|| of the stacked x = [u; v]/√2 (||P̄ v - σu||² + ||P̄ᵀu - σv||² = 2 · residual²). */
  residuals: Float64Array;
  matvecs: number;
  reductions: number;
  /** The path that ran: 'lanczos' or 'dense'. */
  method: 'lanczos' | 'dense';
}

function checkBipartite(graph: unknown): DistributedBipartiteGraph {
  if (!(graph instanceof DistributedBipartiteGraph)) throw new TypeError('distributedSvds: graph must be a DistributedBipartiteGraph');
  return graph;
}

/** An eigenvector [u; v]/√2 of [[0, P̄], [P̄ᵀ, 0]] as this rank's rows of u and v. */
function triplets(graph: DistributedBipartiteGraph, r: DistributedEigshResult): DistributedSvdsResult {
  const k = r.values.length;
  const rows = graph.rows;
  const side = (first: number, count: number, offset: number): SideRows => {
    const data = new Float64Array(count * k);
    for (let i = 0; i < count * k; i++) data[i] = Math.SQRT2 * r.vectors.data[offset * k + i];
    return { data, rows: count, cols: k, first };
  };
  return {
    values: r.values,
    left: side(rows.left.first, rows.left.count, 0),
    right: side(rows.right.first, rows.right.count, rows.left.count),
    residuals: r.residuals,
    matvecs: r.matvecs,
    reductions: r.reductions,
    method: r.method,
  };
}

/** Collective, Sync form: P̄'s top-k singular triplets (distributedEigsh's options). */
export function distributedSvdsSync(graph: DistributedBipartiteGraph, options: DistributedEigshOptions): DistributedSvdsResult {
  const g = checkBipartite(graph);
  return triplets(g, distributedEigshSync(g.graph, options));
}

/** Collective, Promise form of distributedSvdsSync (the solve on a worker thread). */
export async function distributedSvds(graph: DistributedBipartiteGraph, options: DistributedEigshOptions): Promise<DistributedSvdsResult> {
  const g = checkBipartite(graph);
  return triplets(g, await distributedEigsh(g.graph, options));
}

function bipartiteOptimum(graph: DistributedBipartiteGraph, s: DistributedSvdsResult) {
  const p = graph.marginals();
  return {
    loss: optimalLoss(s.values, false),
    singularValues: s.values,
    left: { ...scaleEmbedding(s.left, s.values, p.left), first: s.left.first },
    right: { ...scaleEmbedding(s.right, s.values, p.right), first: s.right.first },
  };
}

/** Collective, Sync form: min L = -sum_{i<=k} σ_i², and this rank's rows of E_x* = D_x^{-1/2} U_k Σ_k^{1/2} and
 * E_t* = D_t^{-1/2} V_k Σ_k^{1/2}, as closedFormOptimumSync gives them for a BipartiteGraph. */
export function distributedBipartiteOptimumSync(graph: DistributedBipartiteGraph, k: number, options: Omit<DistributedEigshOptions, 'k'> = {}) {
  return bipartiteOptimum(graph, distributedSvdsSync(graph, { ...options, k }));
}

/** Collective, Promise form of distributedBipartiteOptimumSync. */
export async function distributedBipartiteOptimum(graph: DistributedBipartiteGraph, k: number, options: Omit<DistributedEigshOptions, 'k'> = {}) {
  return bipartiteOptimum(graph, await distributedSvds(graph, { ...options, k }));
}
