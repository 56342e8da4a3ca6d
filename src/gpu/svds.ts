/// <reference types="@webgpu/types" />
// svds on the GPU: the k largest singular triplets of P̄ = D_x^{-1/2} P D_t^{-1/2} of a resident
// bipartite graph, by the method of the CPU svds (native/core/svds.cc): Lanczos on the Gram
// operator of the smaller side (P̄ P̄^T when nLeft <= nRight, else P̄^T P̄; eigenvalues σ^2), then
// the other side's vectors by one product and the residuals ||P̄ v - σ u|| by one product back.
// The Gram operator is two SpMVs through a scratch vector on the device, handed to the GPU
// Lanczos solver (src/gpu/eigsh.ts) as a GpuSymmetricOperator, so products, reorthogonalization
// and norms stay on the device and only the small projected problem goes to the CPU.
//
// Deflation: σ = 1 once per connected component of the bipartite graph, with the Gram eigenvector
// D^{1/2} 1_C on the solved side (D_x for P̄ P̄^T: P̄^T D_x^{1/2} 1_C = D_t^{1/2} 1_C, and back).
// The Gram operator is a device operator like Ā, so these vectors (or given ones) are locked in
// the Lanczos basis exactly as eigsh locks a graph's components (src/gpu/eigsh.ts).
import { SpeclinError } from '../errors.js';
import { native } from '../native.js';
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, download, upload, type GpuMatrix } from './matrix.js';
import { encodeSpmv } from './spmv.js';
import { componentLabels, componentRows, takeColumns } from '../deflation.js';
import { lanczosOnGpu, type GpuEigshOptions, type GpuEigshResult, type GpuSymmetricOperator } from './eigsh.js';
import type { Matrix } from '../types.js';
import { productGraph, type GpuBipartiteGraph } from './bipartite.js';

export type GpuSvdsOptions = Omit<GpuEigshOptions, 'normalized' | 'deflate'> & {
  /** Known singular vectors of the solved side (min(nLeft, nRight) rows: the left side when
   * nLeft <= nRight), locked from the start: `true` (the default) gives D^{1/2} 1_C per connected
   * component (σ = 1 once per component), a Matrix its columns (checked, as in eigsh), `false` none. */
  deflate?: boolean | Matrix;
};

export interface GpuSvdsResult {
  /** Singular values of P̄, descending (square roots of the Gram eigenvalues, float64). */
  values: Float64Array;
  /** Left singular vectors, nLeft x k (row-major, unit columns). */
  left: { data: Float32Array; rows: number; cols: number };
  /** Right singular vectors, nRight x k. */
  right: { data: Float32Array; rows: number; cols: number };
  /** ||P̄ v_i - σ_i u_i|| with unit u_i, v_i, accumulated in float64 from float32 products. */
  residuals: Float64Array;
  /** Products with P̄ or P̄^T, columns counted (as the CPU svds counts them). */
  products: number;
  /** Lanczos steps (blocks of one vector; 1 for the dense path), as the CPU eigsh counts them. */
  iterations: number;
  /** Which Gram matrix was solved: 'left' = P̄ P̄^T, 'right' = P̄^T P̄. */
  side: 'left' | 'right';
  converged: boolean;
}

export async function svdsOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuBipartiteGraph, options: GpuSvdsOptions,
): Promise<GpuSvdsResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected { k, ... }');
  // The CPU svds's choice (native/core/svds.h), asked of the addon so that it is made in one place.
  const side = native.svdsSolvedSide(g.nLeft, g.nRight);
  const left = side === 'left';
  const n = left ? g.nLeft : g.nRight;
  const other = left ? g.nRight : g.nLeft;
  // Solved side -> other side is P̄^T (left) or P̄ (right); back again is the other product.
  const away = productGraph(g, left, true);
  const back = productGraph(g, !left, true);
  const scratch = allocate(ctx, owner, 'svds scratch vector', 1, other);
  try {
    const between = scratch.view(0, other, 1, 1);
    const gram: GpuSymmetricOperator = {
      n,
      normBound: 1, // ||P̄|| = 1 (σ_1 = 1 with the vector of sqrt marginals)
      sizeName: 'min(nLeft, nRight)',
      encode(enc, x, y, temps) {
        encodeSpmv(ctx, pipes, enc, away, x, between, false, 1, temps);
        encodeSpmv(ctx, pipes, enc, back, between, y, false, 1, temps);
      },
    };
    let e: GpuEigshResult;
    try {
      const { deflate = true } = options;
      let block: Matrix | undefined;
      if (deflate === true) {
        block = await bipartiteComponents(ctx, g, left);
        if (Number.isInteger(options.k) && options.k >= 1 && block.cols > options.k) block = { data: takeColumns(block.data, n, block.cols, options.k), rows: n, cols: options.k };
        if (block.cols === 0) block = undefined;
      } else if (deflate !== false) {
        block = deflate;
      }
      e = await lanczosOnGpu(ctx, pipes, owner, gram, { ...options, deflate: block });
    } catch (err) {
      if (err instanceof SpeclinError && err.code === 'ERR_NOT_CONVERGED' && err.partial) {
        const partial = await complete(ctx, pipes, owner, g, side, err.partial as GpuEigshResult);
        throw new SpeclinError('ERR_NOT_CONVERGED', err.message.replace(/^eigsh/, 'svds'), partial);
      }
      throw err;
    }
    return await complete(ctx, pipes, owner, g, side, e);
  } finally {
    scratch.destroy();
  }
}

/** D^{1/2} 1_C (normalized) on the solved side per connected component of the bipartite graph:
 * the components by union-find over the left and right nodes, from the arrays of P read back once
 * (O(nnz), small next to a solve), the weights from the side's marginals. */
async function bipartiteComponents(ctx: GpuContext, g: GpuBipartiteGraph, left: boolean): Promise<Matrix<Float64Array>> {
  const f = g.forward;
  const indptr = new Uint32Array(await ctx.read(f.indptr, (g.nLeft + 1) * 4));
  const indices = new Uint32Array(await ctx.read(f.indices, g.nnz * 4));
  const values = new Float32Array(await ctx.read(f.values, g.nnz * 4));
  const side = left ? g.forward : g.backward;
  const weight = new Float32Array(await ctx.read(side.marginals, side.n * 4));
  // One CSR over nLeft + nRight nodes (left ones first), each pair stored once: union-find needs
  // no symmetry.
  const nodes = g.nLeft + g.nRight;
  const ptr = new Uint32Array(nodes + 1);
  ptr.set(indptr);
  ptr.fill(g.nnz, g.nLeft + 1);
  const idx = indices.map((j) => g.nLeft + j);
  const labels = componentLabels(nodes, ptr, idx, values);
  const offset = left ? 0 : g.nLeft;
  return componentRows(labels.subarray(offset, offset + side.n), weight);
}

/** Triplets from the Gram eigenpairs: O = (other product) U, B = (product back) O on the device,
 * then in float64 on the host unit columns of O (dividing by the computed norm, not σ, keeps
 * ||v|| = 1 where σ carries the eigenvalue's error) and the residuals ||B / |O| - σ U||. */
async function complete(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuBipartiteGraph, side: 'left' | 'right', e: GpuEigshResult,
): Promise<GpuSvdsResult> {
  const left = side === 'left';
  const k = e.vectors.cols;
  const ns = e.vectors.rows;
  const no = left ? g.nRight : g.nLeft;
  const values = e.values.map((l) => Math.sqrt(Math.max(l, 0)));
  const U = upload(ctx, owner, 'svds vectors', e.vectors);
  const owned: GpuMatrix[] = [U];
  const temps: GPUBuffer[] = [];
  let O: Float32Array;
  let B: Float32Array;
  try {
    const Og = allocate(ctx, owner, 'svds other side', no, k);
    owned.push(Og);
    const Bg = allocate(ctx, owner, 'svds product back', ns, k);
    owned.push(Bg);
    await ctx.submit((enc) => {
      encodeSpmv(ctx, pipes, enc, productGraph(g, left, true), U, Og, false, 1, temps);
      encodeSpmv(ctx, pipes, enc, productGraph(g, !left, true), Og, Bg, false, 1, temps);
    });
    O = (await download(ctx, Og)).data;
    B = (await download(ctx, Bg)).data;
  } finally {
    temps.forEach((t) => t.destroy());
    owned.forEach((x) => x.destroy());
  }
  const norms = new Float64Array(k);
  for (let i = 0; i < no; i++) for (let q = 0; q < k; q++) norms[q] += O[i * k + q] ** 2;
  for (let q = 0; q < k; q++) norms[q] = Math.sqrt(norms[q]);
  const inv = norms.map((x) => (x > 0 ? 1 / x : 0));
  const Ou = new Float32Array(no * k);
  for (let i = 0; i < no; i++) for (let q = 0; q < k; q++) Ou[i * k + q] = O[i * k + q] * inv[q];
  const Ud = e.vectors.data;
  const residuals = new Float64Array(k);
  for (let i = 0; i < ns; i++) {
    for (let q = 0; q < k; q++) residuals[q] += (B[i * k + q] * inv[q] - values[q] * Ud[i * k + q]) ** 2;
  }
  for (let q = 0; q < k; q++) residuals[q] = Math.sqrt(residuals[q]);
  const solved = { data: Ud, rows: ns, cols: k };
  const otherSide = { data: Ou, rows: no, cols: k };
  return {
    values,
    left: left ? solved : otherSide,
    right: left ? otherSide : solved,
    residuals,
    // Each Lanczos step applies the Gram operator once (two products); completing adds two per triplet.
    products: 2 * e.matvecs + 2 * k,
    iterations: e.iterations,
    side,
    converged: e.converged,
  };
}
