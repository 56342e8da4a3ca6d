/// <reference types="@webgpu/types" />
// Bipartite (image-text) graphs on the GPU: P (nLeft x nRight) stored twice in CSR, as P and as
// P^T, so that both products P x and P^T y are row-parallel gathers through spmv.wgsl (a scatter
// for P^T would need atomics on floats, which WGSL lacks). Each form carries two value arrays
// over shared indptr / indices: P's own weights (the population loss scales them by 1 / total in
// the kernel's alpha) and P̄ = D_x^{-1/2} P D_t^{-1/2}, scaled once on the host in float64. The
// spmv kernel scales by one degree vector for rows and columns alike, which fits Ā but not P̄,
// whose rows and columns have different degrees: pre-scaled values need no new WGSL and round
// each P̄ entry once instead of three times per product.
import { GpuBuffers, type GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import type { GpuMatrix } from './matrix.js';
import { GpuGraph, checkCsrArrays, checkVectorRows, laneGroup, productOnGpu, type CsrArraysInput } from './spmv.js';

/** A bipartite graph as CSR arrays: nLeft x nRight, row i (a left node) holding its right
 * neighbours. */
export interface BipartiteCsrInput extends CsrArraysInput {
  nLeft: number;
  nRight: number;
}

/** A bipartite graph resident on the GPU (from WebGpuBackend.uploadBipartite). */
export class GpuBipartiteGraph extends GpuBuffers {
  /** @internal */
  constructor(
    readonly nLeft: number,
    readonly nRight: number,
    /** Stored pairs (nonzeros of P). */
    readonly nnz: number,
    /** Sum of all weights (float64, on the host). */
    readonly total: number,
    /** @internal P with p_x as its marginals (rows: left nodes). */
    readonly forward: GpuGraph,
    /** @internal P^T with p_t as its marginals (rows: right nodes). */
    readonly backward: GpuGraph,
    /** @internal P̄ over forward's structure. */
    readonly forwardNormalized: GpuGraph,
    /** @internal P̄^T over backward's structure. */
    readonly backwardNormalized: GpuGraph,
    buffers: GPUBuffer[],
    readonly owner: object,
  ) {
    super(buffers);
  }
}

/** Validates bipartite CSR arrays (RangeError naming the argument) and copies P, P^T, P̄ and
 * P̄^T to the GPU. Weights must be finite and >= 0 (they are a joint distribution up to scale). */
export function uploadBipartite(ctx: GpuContext, owner: object, g: BipartiteCsrInput): GpuBipartiteGraph {
  if (typeof g !== 'object' || g === null) throw new TypeError('graph: expected { nLeft, nRight, indptr, indices, values? }');
  const { nLeft, nRight, indptr, indices, values } = g;
  if (!Number.isInteger(nLeft) || nLeft < 1) throw new RangeError(`graph.nLeft: expected a positive integer, got ${String(nLeft)}`);
  if (!Number.isInteger(nRight) || nRight < 1) throw new RangeError(`graph.nRight: expected a positive integer, got ${String(nRight)}`);
  checkCsrArrays(nLeft, 'nLeft', indptr, indices, values);
  const nnz = indices.length;
  if (nnz < 1) throw new RangeError('graph.indices: expected at least one pair');
  ctx.checkBinding('graph.indices', nnz * 4);

  // Degrees and the transpose's row counts, in float64 on the host.
  const degLeft = new Float64Array(nLeft);
  const degRight = new Float64Array(nRight);
  const colCount = new Uint32Array(nRight + 1);
  const w = new Float64Array(nnz);
  let total = 0;
  for (let i = 0; i < nLeft; i++) {
    const a = indptr[i];
    const b = indptr[i + 1];
    if (!(Number.isInteger(b) && b >= a)) throw new RangeError(`graph.indptr: expected non-decreasing integers, got ${a} then ${b} at row ${i}`);
    for (let p = a; p < b; p++) {
      const j = indices[p];
      if (!Number.isInteger(j) || j < 0 || j >= nRight) throw new RangeError(`graph.indices[${p}]: expected a right node in [0, ${nRight}), got ${j}`);
      const x = values === undefined ? 1 : values[p];
      if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`graph.values[${p}]: expected a finite weight >= 0, got ${x}`);
      w[p] = x;
      degLeft[i] += x;
      degRight[j] += x;
      colCount[j + 1]++;
    }
    total += degLeft[i];
  }
  const sLeft = degLeft.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const sRight = degRight.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));

  const fPtr = Uint32Array.from(indptr as ArrayLike<number>);
  const fIdx = indices instanceof Int32Array || indices instanceof Uint32Array ? indices : Int32Array.from(indices);
  const fVal = Float32Array.from(w);
  const fNorm = new Float32Array(nnz);
  // The transpose by a counting sort: rows of P^T keep the left nodes in increasing order.
  const bPtr = new Uint32Array(nRight + 1);
  for (let j = 0; j < nRight; j++) bPtr[j + 1] = bPtr[j] + colCount[j + 1];
  const next = bPtr.slice(0, nRight);
  const bIdx = new Int32Array(nnz);
  const bVal = new Float32Array(nnz);
  const bNorm = new Float32Array(nnz);
  for (let i = 0; i < nLeft; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = fIdx[p];
      const scaled = w[p] * sLeft[i] * sRight[j];
      fNorm[p] = scaled;
      const q = next[j]++;
      bIdx[q] = i;
      bVal[q] = w[p];
      bNorm[q] = scaled;
    }
  }
  const margLeft = Float32Array.from(degLeft, (d) => (total > 0 ? d / total : 0));
  const margRight = Float32Array.from(degRight, (d) => (total > 0 ? d / total : 0));

  const buffers: GPUBuffer[] = [];
  const buf = (what: string, data: Uint32Array | Int32Array | Float32Array) => {
    const b = ctx.storageFrom(what, data);
    buffers.push(b);
    return b;
  };
  try {
    const fp = buf('bipartite indptr', fPtr);
    const fi = buf('bipartite indices', fIdx);
    const bp = buf('bipartite transpose indptr', bPtr);
    const bi = buf('bipartite transpose indices', bIdx);
    const ml = buf('bipartite left marginals', margLeft);
    const mr = buf('bipartite right marginals', margRight);
    const fg = laneGroup(nnz, nLeft);
    const bg = laneGroup(nnz, nRight);
    // The products below run with the kernel's degree scaling off; the marginals stand in for its
    // (unread) degree binding.
    const graph = (n: number, ptr: GPUBuffer, idx: GPUBuffer, val: GPUBuffer, marg: GPUBuffer, group: number) =>
      new GpuGraph(n, nnz, ptr, idx, val, marg, marg, total, group, owner);
    return new GpuBipartiteGraph(
      nLeft, nRight, nnz, total,
      graph(nLeft, fp, fi, buf('bipartite values', fVal), ml, fg),
      graph(nRight, bp, bi, buf('bipartite transpose values', bVal), mr, bg),
      graph(nLeft, fp, fi, buf('bipartite normalized values', fNorm), ml, fg),
      graph(nRight, bp, bi, buf('bipartite normalized transpose values', bNorm), mr, bg),
      buffers, owner,
    );
  } catch (err) {
    for (const b of buffers) b.destroy();
    throw err;
  }
}

/** The CSR form that computes P x (transpose false) or P^T y, raw or normalized. */
export function productGraph(g: GpuBipartiteGraph, transpose: boolean, normalized: boolean): GpuGraph {
  if (transpose) return normalized ? g.backwardNormalized : g.backward;
  return normalized ? g.forwardNormalized : g.forward;
}

/** Checks that x has the rows the product needs: nRight for P x, nLeft for P^T y. */
export function checkBipartiteVectors(g: GpuBipartiteGraph, name: string, x: GpuMatrix, transpose: boolean): void {
  if (transpose) checkVectorRows(name, x, g.nLeft, 'graph.nLeft, for P^T y');
  else checkVectorRows(name, x, g.nRight, 'graph.nRight, for P x');
}

/** Y = P X, P^T X, P̄ X or P̄^T X for an nRight x c (or nLeft x c) GpuMatrix X. */
export function bipartiteSpmvOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuBipartiteGraph, x: GpuMatrix, transpose: boolean, normalized: boolean,
): Promise<GpuMatrix> {
  checkBipartiteVectors(g, 'x', x, transpose);
  // P̄'s values are scaled on upload: the kernel's own degree scaling stays off.
  return productOnGpu(ctx, pipes, owner, productGraph(g, transpose, normalized), x, false);
}
