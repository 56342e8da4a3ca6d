/// <reference types="@webgpu/types" />
// CSR graphs on the GPU and the products with them: A x and Ā x = D^-1/2 A D^-1/2 x.
import { GpuBuffers, type GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, type GpuMatrix } from './matrix.js';
import { kernels, programs } from './programs.js';

/** The arrays of a CSR matrix (what a Graph's or a BipartiteGraph's toCSR() gives): row i holds
 * the columns indices[indptr[i] .. indptr[i + 1]) with the weights values (default 1). */
export interface CsrArraysInput {
  indptr: Int32Array | Uint32Array | Float64Array | ArrayLike<number>;
  indices: Int32Array | Uint32Array | ArrayLike<number>;
  values?: Float32Array | Float64Array | ArrayLike<number>;
}

/** A graph's CSR matrix as plain arrays (what Graph.fromCSR takes): n x n. */
export interface CsrInput extends CsrArraysInput {
  n: number;
}

/** A graph resident on the GPU: upload once, multiply many times. */
export class GpuGraph extends GpuBuffers {
  constructor(
    readonly n: number,
    readonly nnz: number,
    readonly indptr: GPUBuffer,
    readonly indices: GPUBuffer,
    readonly values: GPUBuffer,
    /** deg^-1/2 per node (0 for isolated nodes), for Ā. */
    readonly invSqrtDegree: GPUBuffer,
    /** Row sums / total: the marginals p of A scaled to sum 1. */
    readonly marginals: GPUBuffer,
    /** Sum of all weights (float64, on the host). */
    readonly total: number,
    /** Lanes per row in spmv_vector: a power of two near the mean row length, at most 32. */
    readonly group: number,
    readonly owner: object,
  ) {
    super([indptr, indices, values, invSqrtDegree, marginals]);
  }
}

function isArrayLike(x: unknown): x is ArrayLike<number> {
  return ArrayBuffer.isView(x) || Array.isArray(x);
}

/** The type and length checks of CSR arrays with `rows` rows (named `graph.<rowsName>` in the
 * messages), shared by graphs and bipartite graphs: TypeError or RangeError naming the argument. */
export function checkCsrArrays(
  rows: number, rowsName: string, indptr: unknown, indices: unknown, values: unknown,
): asserts indptr is ArrayLike<number> {
  if (!isArrayLike(indptr)) throw new TypeError('graph.indptr: expected an Int32Array');
  if (!isArrayLike(indices)) throw new TypeError('graph.indices: expected an Int32Array');
  if (values !== undefined && !isArrayLike(values)) throw new TypeError('graph.values: expected a Float32Array or Float64Array');
  if (indptr.length !== rows + 1) throw new RangeError(`graph.indptr: expected ${rows + 1} entries (${rowsName} + 1), got ${indptr.length}`);
  const nnz = indices.length;
  if (indptr[0] !== 0 || indptr[rows] !== nnz) throw new RangeError(`graph.indptr: expected to start at 0 and end at ${nnz} (indices.length)`);
  if (values !== undefined && values.length !== nnz) throw new RangeError(`graph.values: expected ${nnz} entries, got ${values.length}`);
}

/** Lanes per row in spmv_vector: a power of two near the mean row length, at most 32. */
export function laneGroup(nnz: number, rows: number): number {
  const mean = nnz / rows;
  let group = 1;
  while (group < 32 && group * 2 <= mean) group *= 2;
  return group;
}

/** Validates a CSR matrix (RangeError naming the argument) and copies it to the GPU. */
export function uploadGraph(ctx: GpuContext, owner: object, g: CsrInput): GpuGraph {
  if (typeof g !== 'object' || g === null) throw new TypeError('graph: expected { n, indptr, indices, values? }');
  const { n, indptr, indices, values } = g;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`graph.n: expected a positive integer, got ${String(n)}`);
  checkCsrArrays(n, 'n', indptr, indices, values);
  const nnz = indices.length;
  const ptr = new Uint32Array(n + 1);
  const deg = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const a = indptr[i];
    const b = indptr[i + 1];
    if (!(b >= a)) throw new RangeError(`graph.indptr: expected non-decreasing entries, got ${a} then ${b} at row ${i}`);
    ptr[i] = a;
    for (let p = a; p < b; p++) {
      const j = indices[p];
      if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`graph.indices[${p}]: expected a node in [0, ${n}), got ${j}`);
      const w = values === undefined ? 1 : values[p];
      // The CPU's rule (native/addon/graph.cc), and float32's range since the GPU stores float32.
      if (!(Number.isFinite(Math.fround(w)) && w >= 0)) throw new RangeError(`graph.values[${p}]: expected a finite weight >= 0 (float32), got ${w}`);
      deg[i] += w;
    }
    total += deg[i];
    if (!Number.isFinite(Math.fround(deg[i]))) throw new RangeError(`graph.values: the weights of node ${i} sum to ${deg[i]}, beyond float32 (its degree overflows); scale the weights down`);
  }
  if (!Number.isFinite(total)) throw new RangeError(`graph.values: the weights sum to ${total} (the total weight overflows); scale the weights down`);
  ptr[n] = nnz;
  const d = new Float32Array(n);
  const p = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = deg[i] > 0 ? 1 / Math.sqrt(deg[i]) : 0;
    p[i] = total !== 0 ? deg[i] / total : 0;
  }
  ctx.checkBinding('graph.indices', nnz * 4);
  const buf = (what: string, data: Uint32Array | Int32Array | Float32Array) => ctx.storageFrom(what, data);
  const idx = indices instanceof Int32Array || indices instanceof Uint32Array ? indices : Int32Array.from(indices);
  const vals = values === undefined ? new Float32Array(nnz).fill(1) : values instanceof Float32Array ? values : Float32Array.from(values);
  return new GpuGraph(n, nnz, buf('graph.indptr', ptr), buf('graph.indices', idx), buf('graph.values', vals),
    buf('graph degrees', d), buf('graph marginals', p), total, laneGroup(nnz, n), owner);
}

/** Encodes y = alpha * A x (normalized: alpha * Ā x) for x, y n x c GpuMatrices. */
export function encodeSpmv(
  ctx: GpuContext, pipes: Pipelines, enc: GPUCommandEncoder, g: GpuGraph, x: GpuMatrix, y: GpuMatrix,
  normalized: boolean, alpha: number, temps: GPUBuffer[],
): void {
  const params = pipes.uniform(programs.spmv, 'params', { n: g.n, cols: x.cols, stride: x.stride, scaled: normalized ? 1 : 0, alpha });
  temps.push(params);
  const bindings = { params, indptr: g.indptr, indices: g.indices, values: g.values, x: x.binding, y: y.binding, d: g.invSqrtDegree };
  if (x.cols === 1) {
    // g.group lanes per row.
    pipes.dispatch(enc, kernels.spmvVector, { bindings, overrides: { GROUP: g.group }, invocations: g.n * g.group });
  } else {
    pipes.dispatch(enc, kernels.spmmRows, { bindings, invocations: g.n * x.cols });
  }
}

/** Records y = diag(d) x for x, y n x c GpuMatrices (the population loss's D E). */
export function encodeScaleRows(
  pipes: Pipelines, enc: GPUCommandEncoder, d: GPUBuffer, x: GpuMatrix, y: GpuMatrix, temps: GPUBuffer[],
): void {
  const params = pipes.uniform(programs.spmv, 'params', { n: x.rows, cols: x.cols, stride: x.stride, scaled: 0, alpha: 1 });
  temps.push(params);
  pipes.dispatch(enc, kernels.scaleRows, { bindings: { params, x: x.binding, y: y.binding, d }, invocations: x.rows * x.cols });
}

/** Checks that the vectors `name` are a matrix of `rows` rows (`what` says which of the graph's
 * sizes that is): RangeError naming the argument. */
export function checkVectorRows(name: string, x: GpuMatrix, rows: number, what: string): void {
  if (x.batch !== undefined) throw new RangeError(`${name}: expected a matrix, not a batch`);
  if (x.rows !== rows) throw new RangeError(`${name}: expected ${rows} rows (${what}), got ${x.rows}`);
}

export function checkVectors(g: GpuGraph, name: string, x: GpuMatrix): void {
  checkVectorRows(name, x, g.n, 'graph.n');
}

export function spmvOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, x: GpuMatrix, normalized: boolean,
): Promise<GpuMatrix> {
  checkVectors(g, 'x', x);
  return productOnGpu(ctx, pipes, owner, g, x, normalized);
}

/** Y = A X (normalized: Ā X) into a new g.n x c GpuMatrix, for an X the caller checked. */
export async function productOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, x: GpuMatrix, normalized: boolean,
): Promise<GpuMatrix> {
  const y = allocate(ctx, owner, 'spmv output', g.n, x.cols);
  const temps: GPUBuffer[] = [];
  try {
    await ctx.submit((enc) => encodeSpmv(ctx, pipes, enc, g, x, y, normalized, 1, temps));
    return y;
  } catch (err) {
    y.destroy();
    throw err;
  } finally {
    for (const t of temps) t.destroy();
  }
}
