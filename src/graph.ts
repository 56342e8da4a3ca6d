// Graphs in native memory: the augmentation graph (symmetric, nonnegative A) and the bipartite
// image-text graph (rectangular P), their degrees and marginals, components, SpMV, and the
// normalized operators Ā = D^{-1/2} A D^{-1/2} and P̄ = D_x^{-1/2} P D_t^{-1/2} that the
// eigensolvers consume without calling back into JavaScript.
import { native } from './native.js';
import type { NativeBipartiteInfo, NativeGraphInfo } from './native-addon.js';
import { callNative } from './errors.js';
import type { Dtype, FloatArray, Matrix } from './types.js';
import { readMatrix } from './matrix-argument.js';

/** How an asymmetric input is made symmetric. `false` (default): asymmetry is an error naming the
 * first offending pair. `true` or `'average'`: (A + A^T) / 2, which keeps the total weight (the
 * natural choice for a joint distribution p(x, x')). `'max'`: max(A, A^T), which turns an
 * undirected edge list that gives each edge once into the adjacency with that weight both ways. */
export type Symmetrize = boolean | 'average' | 'max';

export interface GraphOptions {
  symmetrize?: Symmetrize;
  /** Nodes of degree zero: `'error'` (default) names them; `'drop'` removes them and the graph's
   * `nodeMap` gives each remaining node's original id. */
  isolated?: 'error' | 'drop';
  /** Storage type when no weights are given (weights decide it otherwise). Default 'float64'. */
  dtype?: Dtype;
}

export type IndexInput = Int32Array | Uint32Array | ArrayLike<number>;
export type WeightInput = Float32Array | Float64Array | ArrayLike<number>;

export interface EdgesInput extends GraphOptions {
  n: number;
  src: IndexInput;
  dst: IndexInput;
  /** One weight per edge, finite and >= 0; omitted: every edge weighs 1. */
  weight?: WeightInput;
}

export interface CSRInput extends GraphOptions {
  n: number;
  indptr: Int32Array | Uint32Array | BigInt64Array | ArrayLike<number>;
  indices: IndexInput;
  values?: WeightInput;
}

export interface BipartiteEdgesInput {
  nLeft: number;
  nRight: number;
  left: IndexInput;
  right: IndexInput;
  weight?: WeightInput;
  isolated?: 'error' | 'drop';
  dtype?: Dtype;
}

export interface Components {
  count: number;
  /** labels[i] is node i's component, numbered in order of each component's smallest node. */
  labels: Int32Array;
}

/** The CSR arrays of a graph (copies): row i holds indices[indptr[i] .. indptr[i + 1]). */
export interface CSRArrays<T extends FloatArray = FloatArray> {
  indptr: Float64Array;
  indices: Int32Array;
  values: T;
}

import type { SymmetricOperator, RectangularOperator } from './operator.js';
export type { SymmetricOperator, RectangularOperator };

function ids(v: IndexInput, name: string): Int32Array | Uint32Array {
  if (v instanceof Int32Array || v instanceof Uint32Array) return v;
  if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number')
    throw new TypeError(`${name} must be an Int32Array, a Uint32Array or an array of node ids`);
  const out = new Int32Array(v.length);
  for (let k = 0; k < v.length; k++) {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 2147483647)
      throw new RangeError(`${name}[${k}] = ${String(x)} is not a node id (an integer from 0 to 2^31 - 1)`);
    out[k] = x;
  }
  return out;
}

function weights(v: WeightInput | undefined, name: string): FloatArray | undefined {
  if (v === undefined || v instanceof Float32Array || v instanceof Float64Array) return v;
  if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number')
    throw new TypeError(`${name} must be a Float32Array, a Float64Array or an array of numbers`);
  const out = new Float64Array(v.length);
  for (let k = 0; k < v.length; k++) {
    if (typeof v[k] !== 'number') throw new TypeError(`${name}[${k}] must be a number`);
    out[k] = v[k];
  }
  return out;
}

function symmetrizeMode(s: Symmetrize | undefined): string {
  if (s === undefined || s === false) return 'none';
  if (s === true) return 'average';
  if (s === 'average' || s === 'max') return s;
  throw new RangeError(`symmetrize must be false, true, 'average' or 'max', got ${JSON.stringify(s)}`);
}

function marginalsOf(degrees: Float64Array, total: number): Float64Array {
  const p = new Float64Array(degrees.length);
  for (let i = 0; i < p.length; i++) p[i] = degrees[i] / total;
  return p;
}

/** Ā = D^{-1/2} A D^{-1/2} of a graph, as an operator (float64 products whatever the graph's
 * dtype; its spectrum lies in [-1, 1], so `normBound` is 1). */
export class NormalizedAdjacency implements SymmetricOperator {
  readonly n: number;
  readonly normBound = 1;
  /** @internal The native operator (an External). */
  readonly _native: unknown;
  /** @internal */
  constructor(graph: Graph) {
    const handle = graphHandle(graph);
    this._native = callNative(() => native.graphNormalized(handle));
    this.n = callNative(() => native.operatorSize(this._native));
  }
  /** Y = Ā X, X and Y Float64Array, row-major n x columns. */
  multiply(X: Float64Array, Y: Float64Array, columns = 1): void {
    callNative(() => native.operatorMultiply(this._native, X, Y, columns));
  }
}

/** P̄ = D_x^{-1/2} P D_t^{-1/2} of a bipartite graph (nLeft x nRight; singular values in [0, 1]). */
export class NormalizedBiadjacency implements RectangularOperator {
  readonly rows: number;
  readonly cols: number;
  readonly normBound = 1;
  /** @internal */
  readonly _nativeRect: unknown;
  /** @internal */
  constructor(graph: BipartiteGraph) {
    const handle = bipartiteHandle(graph);
    this._nativeRect = callNative(() => native.bipartiteNormalized(handle));
    const shape = callNative(() => native.rectangularShape(this._nativeRect)) as { rows: number; cols: number };
    this.rows = shape.rows;
    this.cols = shape.cols;
  }
  get nLeft(): number { return this.rows; }
  get nRight(): number { return this.cols; }
  /** Y (nLeft x columns) = P̄ X (nRight x columns). */
  multiply(X: Float64Array, Y: Float64Array, columns = 1): void {
    callNative(() => native.rectangularMultiply(this._nativeRect, X, Y, columns, false));
  }
  /** Y (nRight x columns) = P̄^T X (nLeft x columns). */
  multiplyTranspose(X: Float64Array, Y: Float64Array, columns = 1): void {
    callNative(() => native.rectangularMultiply(this._nativeRect, X, Y, columns, true));
  }
}

/** A weighted undirected graph stored once in native memory as CSR (sorted rows, duplicate
 * edges summed, self-loops kept). Its dtype is that of the weights given. */
export class Graph {
  readonly n: number;
  /** Stored entries of A (each undirected edge counts twice, a self-loop once). */
  readonly nnz: number;
  readonly dtype: Dtype;
  /** d(x) = sum_x' A(x, x'), accumulated in float64. */
  readonly degrees: Float64Array;
  /** p(x) = d(x) / sum d: the diagonal of D when A is scaled to sum 1. */
  readonly marginals: Float64Array;
  /** sum of all degrees (the sum of A's entries). */
  readonly totalWeight: number;
  /** With `isolated: 'drop'`, nodeMap[i] is node i's id in the input; otherwise undefined. */
  readonly nodeMap?: Int32Array;
  // The native graph, reachable only through graphHandle(): an object that merely looks like a
  // Graph (Object.create(Graph.prototype), or another graph's handle copied onto it) has none, and
  // is a TypeError rather than a computation on some other graph.
  #handle: unknown;
  #normalized?: NormalizedAdjacency;
  #components?: Components;

  /** @internal The native handle of `g`, or a TypeError naming `what` if g is not a Graph. */
  static handleOf(g: unknown, what = 'graph'): unknown {
    if (typeof g !== 'object' || g === null || !(#handle in g)) throw new TypeError(`${what} must be a Graph (made by Graph.fromEdges, fromCSR or fromDense)`);
    return g.#handle;
  }

  private constructor(info: NativeGraphInfo) {
    this.#handle = info.handle;
    this.n = info.n;
    this.nnz = info.nnz;
    this.dtype = info.dtype;
    this.degrees = info.degrees;
    this.totalWeight = info.totalWeight;
    this.marginals = marginalsOf(info.degrees, info.totalWeight);
    if (info.nodeMap) this.nodeMap = info.nodeMap;
  }

  /** From an edge list: edge k joins src[k] and dst[k] (0-based) with weight[k]. An undirected
   * edge must appear in both directions unless `symmetrize` is set. */
  static fromEdges(input: EdgesInput): Graph {
    if (input === null || typeof input !== 'object') throw new TypeError('Graph.fromEdges expects { n, src, dst, weight? }');
    // Each field read once, before anything reaches the addon.
    const { n, src: s, dst: d, weight, symmetrize, dtype, isolated } = input;
    const src = ids(s, 'src');
    const dst = ids(d, 'dst');
    const w = weights(weight, 'weight');
    const mode = symmetrizeMode(symmetrize);
    return new Graph(callNative(() => native.graphFromEdges(n, src, dst, w, dtype, mode, isolated)));
  }

  /** From CSR arrays (rows need not be sorted; duplicates are summed). */
  static fromCSR(input: CSRInput): Graph {
    if (input === null || typeof input !== 'object') throw new TypeError('Graph.fromCSR expects { n, indptr, indices, values? }');
    const { n, indptr: p, indices: ix, values: v, symmetrize, dtype, isolated } = input;
    let indptr = p;
    if (!(indptr instanceof Int32Array || indptr instanceof Uint32Array || indptr instanceof BigInt64Array)) {
      if (ArrayBuffer.isView(indptr) || indptr === null || typeof indptr !== 'object' || typeof indptr.length !== 'number') throw new TypeError('indptr must be an Int32Array, Uint32Array, BigInt64Array or an array of integers');
      const big = new BigInt64Array(indptr.length);
      for (let k = 0; k < indptr.length; k++) {
        const x = indptr[k];
        if (!Number.isSafeInteger(x)) throw new RangeError(`indptr[${k}] = ${String(x)} is not an integer`);
        big[k] = BigInt(x);
      }
      indptr = big;
    }
    const indices = ids(ix, 'indices');
    const values = weights(v, 'values');
    const mode = symmetrizeMode(symmetrize);
    return new Graph(callNative(() => native.graphFromCSR(n, indptr, indices, values, dtype, mode, isolated)));
  }

  /** From a dense n x n matrix (its nonzero entries are the edges); dtype is the matrix's. */
  static fromDense(A: Matrix, options: Omit<GraphOptions, 'dtype'> = {}): Graph {
    const a = readMatrix('A', A);
    if (options === null || typeof options !== 'object') throw new TypeError('Graph.fromDense: options must be an object');
    const { symmetrize, isolated } = options;
    const mode = symmetrizeMode(symmetrize);
    return new Graph(callNative(() => native.graphFromDense(a, mode, isolated)));
  }

  /** Connected components (labels in order of each component's smallest node). Computed once:
   * a graph never changes, and eigsh asks for them on every call to deflate them (docs/eigs.md
   * has the cost). Each call returns its own copy of the labels. */
  components(): Components {
    // Not a Graph (a borrowed method): the native call names the problem.
    const handle = graphHandle(this);
    this.#components ??= callNative(() => native.graphComponents(handle)) as Components;
    return { count: this.#components.count, labels: this.#components.labels.slice() };
  }

  /** Ā = D^{-1/2} A D^{-1/2} as an operator sharing this graph's memory (made once, then reused). */
  normalized(): NormalizedAdjacency {
    graphHandle(this);
    this.#normalized ??= new NormalizedAdjacency(this);
    return this.#normalized;
  }

  /** y = A x in the graph's dtype (row sums accumulate in float64, rounded once). A Matrix
   * (n x columns, row-major) multiplies every column in one pass over A. */
  spmv<T extends FloatArray>(x: T): T;
  spmv<T extends FloatArray>(X: Matrix<T>): Matrix<T>;
  spmv<T extends FloatArray>(x: T | Matrix<T>): T | Matrix<T> {
    const handle = graphHandle(this);
    if (ArrayBuffer.isView(x)) return callNative(() => native.graphSpmv(handle, x, 1));
    if (x === null || typeof x !== 'object') throw new TypeError('spmv expects a typed array or a Matrix { data, rows, cols }');
    const X = readMatrix('X', x);
    if (X.rows !== this.n) throw new RangeError(`X has ${X.rows} rows but the graph has n = ${this.n} nodes`);
    const data = callNative(() => native.graphSpmv(handle, X.data, X.cols)) as T;
    return { data, rows: this.n, cols: X.cols };
  }

  /** Copies of the stored CSR arrays (for interchange, e.g. with scipy). */
  toCSR(): CSRArrays {
    const handle = graphHandle(this);
    return callNative(() => native.graphToCSR(handle));
  }
}

/** Joint weights P(x, t) between nLeft images and nRight texts (any nonnegative rectangular
 * matrix; no symmetry involved). */
export class BipartiteGraph {
  readonly nLeft: number;
  readonly nRight: number;
  readonly nnz: number;
  readonly dtype: Dtype;
  readonly degreesLeft: Float64Array;
  readonly degreesRight: Float64Array;
  /** p(x) = sum_t P(x, t) / sum P, and p(t) likewise. */
  readonly marginalsLeft: Float64Array;
  readonly marginalsRight: Float64Array;
  readonly totalWeight: number;
  readonly nodeMapLeft?: Int32Array;
  readonly nodeMapRight?: Int32Array;
  // As Graph's: reachable only through bipartiteHandle().
  #handle: unknown;
  #normalized?: NormalizedBiadjacency;

  /** @internal The native handle of `g`, or a TypeError naming `what` if g is not a BipartiteGraph. */
  static handleOf(g: unknown, what = 'graph'): unknown {
    if (typeof g !== 'object' || g === null || !(#handle in g)) throw new TypeError(`${what} must be a BipartiteGraph (made by BipartiteGraph.fromEdges)`);
    return g.#handle;
  }

  private constructor(info: NativeBipartiteInfo) {
    this.#handle = info.handle;
    this.nLeft = info.nLeft;
    this.nRight = info.nRight;
    this.nnz = info.nnz;
    this.dtype = info.dtype;
    this.degreesLeft = info.degreesLeft;
    this.degreesRight = info.degreesRight;
    this.totalWeight = info.totalWeight;
    this.marginalsLeft = marginalsOf(info.degreesLeft, info.totalWeight);
    this.marginalsRight = marginalsOf(info.degreesRight, info.totalWeight);
    if (info.nodeMapLeft) this.nodeMapLeft = info.nodeMapLeft;
    if (info.nodeMapRight) this.nodeMapRight = info.nodeMapRight;
  }

  /** Pair k joins left[k] (an image) and right[k] (a text) with weight[k]; duplicates summed. */
  static fromEdges(input: BipartiteEdgesInput): BipartiteGraph {
    if (input === null || typeof input !== 'object')
      throw new TypeError('BipartiteGraph.fromEdges expects { nLeft, nRight, left, right, weight? }');
    const { nLeft, nRight, left: l, right: r, weight, dtype, isolated } = input;
    const left = ids(l, 'left');
    const right = ids(r, 'right');
    const w = weights(weight, 'weight');
    return new BipartiteGraph(callNative(() => native.bipartiteFromEdges(nLeft, nRight, left, right, w, dtype, isolated)));
  }

  /** P̄ = D_x^{-1/2} P D_t^{-1/2} as a rectangular operator (made once, then reused). */
  normalized(): NormalizedBiadjacency {
    bipartiteHandle(this);
    this.#normalized ??= new NormalizedBiadjacency(this);
    return this.#normalized;
  }

  /** Copies of P's CSR arrays (nLeft rows). */
  toCSR(): CSRArrays {
    const handle = bipartiteHandle(this);
    return callNative(() => native.bipartiteToCSR(handle));
  }
}

/** @internal The native handle of a Graph (TypeError naming `what` for anything else). */
export function graphHandle(g: unknown, what = 'graph'): unknown {
  return Graph.handleOf(g, what);
}

/** @internal The native handle of a BipartiteGraph (TypeError naming `what` for anything else). */
export function bipartiteHandle(g: unknown, what = 'graph'): unknown {
  return BipartiteGraph.handleOf(g, what);
}
