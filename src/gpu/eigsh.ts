/// <reference types="@webgpu/types" />
// eigsh on the GPU: thick-restart Lanczos (Wu & Simon) for the largest eigenvalues of a symmetric
// operator that lives on the device. The solver asks the operator only for products (Spectra's
// split): `GpuSymmetricOperator.encode` records Y = Op X into the cycle's command buffer, so Ā of a
// graph (graphOperator below) and the Gram operators P̄ P̄^T / P̄^T P̄ of a bipartite graph
// (src/gpu/svds.ts) share one solver. A restart cycle of Lanczos steps is one command buffer: the
// product, full reorthogonalization against the whole basis done twice (classical Gram-Schmidt:
// chunked basis dot products and a combination pass of eigsh.wgsl), the norm (a compensated
// reduction) and the scaling all stay on the device, and the coefficients land in H. Each restart
// reads H back once (m x m floats); the projected problem is solved in float64 on the CPU, and the
// restart basis (Ritz vectors) is formed on the device by one GEMM with the small eigenvector matrix.
//
// Deflation: single-vector Lanczos sees one copy of a repeated eigenvalue, and Ā of a graph with c
// connected components has the eigenvalue 1 exactly c times, with known eigenvectors D^{1/2} 1_C.
// Known eigenvectors are orthonormalized on the host (float64), uploaded once as the first c rows
// of the device basis, checked to be eigenvectors by c products, and stay locked there: every
// Lanczos vector's two Gram-Schmidt passes run over them too, so the solver works in their
// complement. They come back as pairs with their Rayleigh quotient as the eigenvalue.
import { SpeclinError } from '../errors.js';
import type { FloatArray, Matrix } from '../types.js';
import { symmetricEigen } from '../dense.js';
import { gaussian } from '../random.js';
import { componentLabels, componentRows, takeColumns } from '../deflation.js';
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, upload, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { encodeSpmv, type GpuGraph } from './spmv.js';
import { kernels, programs } from './programs.js';
import { encodeFrobeniusDot, frobeniusGroups } from './reduce.js';

/** Up to this n (as the CPU's dense path) the eigenproblem is solved densely from n products. */
const DENSE_LIMIT = 256;

export interface GpuEigshOptions {
  k: number;
  /** Residual bound relative to ||A|| (1 for Ā); float32 arithmetic limits it to >= 1e-6. */
  tol?: number;
  /** Restart cycles at most. */
  maxIterations?: number;
  /** Basis size m (default max(2k + 1, k + 16), at most n). */
  ncv?: number;
  seed?: number;
  /** Ā (default) or A itself. */
  normalized?: boolean;
  /** Known eigenvectors locked from the start (as the CPU eigsh): `true` (the default for Ā) gives
   * D^{1/2} 1_C per connected component (eigenvalue 1, once per component), a Matrix (n x c) gives
   * its columns (orthonormalized, then checked: ||Op u - θ u|| <= tol, else a RangeError), `false`
   * none. With c >= k the top k are k of the locked vectors and no Lanczos step runs. */
  deflate?: boolean | Matrix;
}

/** What lanczosOnGpu takes: the deflation block, if any, is already resolved to vectors. */
export type LanczosOptions = Omit<GpuEigshOptions, 'normalized' | 'deflate'> & { deflate?: Matrix };

export interface GpuEigshResult {
  values: Float64Array;
  /** n x k, row i is node i. */
  vectors: { data: Float32Array; rows: number; cols: number };
  /** Ritz residual estimates |beta_m s_{m,i}|, relative to the norm estimate; for a deflated
   * (locked) vector the measured ||Op u - θ u||, relative to it as well. */
  residuals: Float64Array;
  /** Products with the operator, the deflation check's included. */
  matvecs: number;
  iterations: number;
  converged: boolean;
}

/** A symmetric n x n operator on the device, as the Lanczos solver sees it. */
export interface GpuSymmetricOperator {
  readonly n: number;
  /** ||Op|| when known (1 for Ā, P̄ P̄^T); residuals are relative to it. Omitted: the largest
   * |Ritz value| of each restart stands in. */
  readonly normBound?: number;
  /** How option messages name n, e.g. 'n' or 'min(nLeft, nRight)'. */
  readonly sizeName?: string;
  /** Records y = Op x. x and y are n x 1 column views (stride 1) of device buffers whose entries
   * past n are zero and must stay zero; uniforms or scratch buffers it creates go to `temps`,
   * destroyed once the command buffer has been submitted. */
  encode(enc: GPUCommandEncoder, x: GpuMatrix, y: GpuMatrix, temps: GPUBuffer[]): void;
}

/** Ā = D^-1/2 A D^-1/2 (normalized) or A of a resident graph, as a device operator. */
export function graphOperator(ctx: GpuContext, pipes: Pipelines, g: GpuGraph, normalized: boolean): GpuSymmetricOperator {
  return {
    n: g.n,
    normBound: normalized ? 1 : undefined,
    encode: (enc, x, y, temps) => encodeSpmv(ctx, pipes, enc, g, x, y, normalized, 1, temps),
  };
}

const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;

/** A graph's connectivity as the host knows it: a speclin Graph (components() and marginals, both
 * cached there) or CSR arrays. Absent for a resident GpuGraph, whose arrays are read back. */
export type HostGraph =
  | { components(): unknown; marginals: FloatArray }
  | { n: number; indptr: ArrayLike<number>; indices: ArrayLike<number>; values?: ArrayLike<number> };

export async function eigshOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, options: GpuEigshOptions, host?: HostGraph,
): Promise<GpuEigshResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected { k, ... }');
  const normalized = options.normalized ?? true;
  const { deflate = normalized } = options;
  let block: Matrix | undefined;
  if (deflate === true) {
    if (!normalized) throw new TypeError('options.deflate: true gives the eigenvectors of Ā (normalized: true); for A pass known eigenvectors as a Matrix');
    block = await componentBlock(ctx, g, host);
    // Ā's eigenvalues are at most 1: with c >= k components any k of their vectors are the top k
    // (the CPU eigsh takes the first k too), and fewer columns cost fewer checks.
    const k = options.k;
    if (Number.isInteger(k) && k >= 1 && block.cols > k) block = { data: takeColumns(block.data, block.rows, block.cols, k), rows: block.rows, cols: k };
    if (block.cols === 0) block = undefined;
  } else if (deflate !== false) {
    block = deflate;
  }
  return lanczosOnGpu(ctx, pipes, owner, graphOperator(ctx, pipes, g, normalized), { ...options, deflate: block });
}

const residentComponents = new WeakMap<GpuGraph, { labels: ArrayLike<number>; weight: ArrayLike<number> }>();

/** D^{1/2} 1_C (normalized) per connected component of positive weight, as an n x c float64
 * block: Ā's eigenvectors of eigenvalue 1. A component of zero weight (an isolated node without a
 * self-loop) has Ā = 0 there and no such vector. */
async function componentBlock(ctx: GpuContext, g: GpuGraph, host?: HostGraph): Promise<Matrix<Float64Array>> {
  const n = g.n;
  let labels: ArrayLike<number>;
  let weight: ArrayLike<number>;
  if (host && 'components' in host && typeof host.components === 'function') {
    const comp = host.components() as { labels: ArrayLike<number> } | ArrayLike<number>;
    labels = 'labels' in comp ? comp.labels : comp;
    weight = host.marginals;
  } else {
    let indptr: ArrayLike<number>;
    let indices: ArrayLike<number>;
    let values: ArrayLike<number> | undefined;
    if (host && 'indptr' in host) {
      ({ indptr, indices, values } = host);
      const deg = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) deg[i] += host.values ? host.values[p] : 1;
      weight = deg;
    } else {
      // A resident graph: its arrays come back once per graph (O(nnz), small next to a solve),
      // and its components are kept for the next solve on it (a GpuGraph never changes).
      const known = residentComponents.get(g);
      if (known) return componentRows(known.labels, known.weight);
      indptr = new Uint32Array(await ctx.read(g.indptr, (n + 1) * 4));
      indices = g.nnz > 0 ? new Uint32Array(await ctx.read(g.indices, g.nnz * 4)) : new Uint32Array(0);
      values = g.nnz > 0 ? new Float32Array(await ctx.read(g.values, g.nnz * 4)) : undefined;
      weight = new Float32Array(await ctx.read(g.marginals, n * 4));
      labels = componentLabels(n, indptr, indices, values);
      residentComponents.set(g, { labels, weight });
      return componentRows(labels, weight);
    }
    labels = componentLabels(n, indptr, indices, values);
  }
  return componentRows(labels, weight);
}


/** The columns of a deflation Matrix (n x c), orthonormalized in float64 by Gram-Schmidt done
 * twice; row q of the result is column q. A zero column, or one in the span of the previous ones,
 * is a RangeError naming it. */
function orthonormalRows(block: Matrix, n: number): Float64Array[] {
  if (typeof block !== 'object' || block === null || !('data' in block)) throw new TypeError('options.deflate: expected a boolean or a Matrix { data, rows, cols }');
  const { data, rows, cols } = block;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) throw new TypeError('options.deflate.data: expected a Float64Array or Float32Array');
  if (rows !== n) throw new RangeError(`options.deflate: expected n = ${n} rows, got ${String(rows)}`);
  if (!Number.isInteger(cols) || cols < 1 || data.length !== rows * cols) throw new RangeError('options.deflate: expected n x cols with cols >= 1 and data.length = n * cols');
  if (cols >= n) throw new RangeError(`options.deflate: expected fewer than n = ${n} columns, got ${cols}`);
  const out: Float64Array[] = [];
  for (let q = 0; q < cols; q++) {
    const u = new Float64Array(n);
    let scale = 0;
    for (let i = 0; i < n; i++) {
      const x = data[i * cols + q];
      if (!Number.isFinite(x)) throw new RangeError(`options.deflate: column ${q} holds a NaN or an infinity at row ${i}`);
      scale += (u[i] = x) ** 2;
    }
    if (!(scale > 0)) throw new RangeError(`options.deflate: column ${q} is zero`);
    project(u, out);
    project(u, out);
    const nrm = Math.sqrt(dot(u, u));
    if (!(nrm > 1e-6 * Math.sqrt(scale))) throw new RangeError(`options.deflate: column ${q} depends linearly on the previous ones`);
    for (let i = 0; i < n; i++) u[i] /= nrm;
    out.push(u);
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** u -= Q Q^T u (classical Gram-Schmidt, one pass) for the orthonormal rows Q. */
function project(u: Float64Array, Q: ArrayLike<number>[]): void {
  const h = Q.map((q) => dot(q, u));
  for (let r = 0; r < Q.length; r++) for (let i = 0; i < u.length; i++) u[i] -= h[r] * Q[r][i];
}

/** The k largest eigenpairs of a device operator (options as GpuEigshOptions; `normalized` is the
 * operator's business, and `deflate` arrives as vectors: the c locked ones count among the k). */
export async function lanczosOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, op: GpuSymmetricOperator, options: LanczosOptions,
): Promise<GpuEigshResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected { k, ... }');
  const n = op.n;
  const sizeName = op.sizeName ?? 'n';
  const { k, seed = 0 } = options;
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new RangeError(`options.k: expected an integer in [1, ${n - 1}] (${sizeName} - 1), got ${String(k)}`);
  const tol = options.tol ?? 1e-5;
  if (!(typeof tol === 'number' && tol >= 1e-6 && tol < 1)) {
    throw new RangeError(`options.tol: expected a number in [1e-6, 1) (float32 Lanczos on the GPU), got ${String(tol)}`);
  }
  const maxIterations = options.maxIterations ?? 300;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`options.maxIterations: expected a positive integer, got ${String(maxIterations)}`);
  const locked = options.deflate === undefined ? [] : orthonormalRows(options.deflate, n);
  const c = locked.length;
  // Lanczos runs in the complement of the c locked vectors, for the pairs they leave to find.
  const kl = Math.max(0, k - c);
  if (kl > 0 && kl >= n - c) throw new RangeError(`options.k: with ${c} deflated vectors at most ${n - c - 1} more pairs can be found (${sizeName} - 1 - ${c}), got k = ${k}`);
  const m = kl === 0 ? 0 : Math.min(n - c, options.ncv ?? Math.max(2 * kl + 1, kl + 16));
  if (kl > 0 && (!Number.isInteger(m) || m <= kl)) throw new RangeError(`options.ncv: expected an integer in (${kl}, ${n - c}], got ${String(options.ncv)}`);

  const Nc = roundUp(n, 64); // basis rows padded so that every row starts 256-byte aligned
  const Hc = roundUp(c + m + 1, 64); // H row j: coefficients against the locked rows, then v_0..v_{j+1}
  const owned: GpuMatrix[] = [];
  const temps: GPUBuffer[] = [];
  const mat = (what: string, rows: number, cols: number) => {
    const x = allocate(ctx, owner, what, rows, cols);
    owned.push(x);
    return x;
  };
  /** Row q of Y = Op (row q of X) for q < count (rows Nc floats apart), in one submission. */
  const applyRows = async (X: GpuMatrix, Y: GpuMatrix, count: number) => {
    const productTemps: GPUBuffer[] = [];
    try {
      await ctx.submit((enc) => {
        for (let q = 0; q < count; q++) op.encode(enc, X.view(q * Nc * 4, n, 1, 1), Y.view(q * Nc * 4, n, 1, 1), productTemps);
      });
    } finally {
      productTemps.forEach((b) => b.destroy());
    }
  };
  try {
    let V = mat('Lanczos basis', c + m + 1, Nc);
    let Vnext = mat('Lanczos basis', c + m + 1, Nc);

    // The locked vectors: rows 0..c-1 of both bases, then c products to check them (and give
    // their Rayleigh quotients and residuals, in float64 from the float32 vectors and products).
    let lockedValues = new Float64Array(0);
    let lockedResiduals = new Float64Array(0);
    let lockedNorm = 0;
    if (c > 0) {
      const rows32 = new Float32Array(c * Nc);
      locked.forEach((u, q) => rows32.set(u, q * Nc));
      for (const B of [V, Vnext]) ctx.device.queue.writeBuffer(B.buffer, 0, rows32.buffer, 0, rows32.byteLength);
      const AU = mat('deflation products', c, Nc);
      await applyRows(V, AU, c);
      const au = new Float32Array(await ctx.read(AU.buffer, c * Nc * 4));
      lockedValues = new Float64Array(c);
      lockedResiduals = new Float64Array(c);
      for (let q = 0; q < c; q++) {
        const u = rows32.subarray(q * Nc, q * Nc + n);
        const a = au.subarray(q * Nc, q * Nc + n);
        const theta = dot(u, a) / dot(u, u);
        let r2 = 0;
        for (let i = 0; i < n; i++) r2 += (a[i] - theta * u[i]) ** 2;
        lockedValues[q] = theta;
        lockedResiduals[q] = Math.sqrt(r2);
      }
      lockedNorm = op.normBound ?? Math.max(...lockedValues.map(Math.abs), 1e-300);
      for (let q = 0; q < c; q++) {
        if (!(lockedResiduals[q] <= tol * lockedNorm)) {
          throw new RangeError(`options.deflate: column ${q} is not an eigenvector of the operator: ||A u - θ u|| = ` +
            `${lockedResiduals[q].toExponential(2)} > tol * norm = ${(tol * lockedNorm).toExponential(2)} (θ = ${lockedValues[q]})`);
        }
      }
    }
    const lockedRows = async () => (c > 0 ? new Float32Array(await ctx.read(V.buffer, c * Nc * 4)) : new Float32Array(0));

    // Merges the locked pairs with the Lanczos pairs (rows c.. of Y), k in all, descending.
    const merge = (Y: Float32Array, ritz: Float64Array, ritzResiduals: Float64Array, ritzNorm: number, matvecs: number, iterations: number, converged: boolean): GpuEigshResult => {
      const norm = op.normBound ?? Math.max(lockedNorm, ritzNorm);
      const pairs: { value: number; residual: number; row: number }[] = [];
      for (let q = 0; q < c; q++) pairs.push({ value: lockedValues[q], residual: lockedResiduals[q] / norm, row: q });
      for (let r = 0; r < ritz.length; r++) pairs.push({ value: ritz[r], residual: ritzResiduals[r], row: c + r });
      pairs.sort((a, b) => b.value - a.value); // stable: a locked vector first among equal values
      pairs.length = k;
      const vectors = new Float32Array(n * k);
      pairs.forEach((pr, col) => {
        for (let i = 0; i < n; i++) vectors[i * k + col] = Y[pr.row * Nc + i];
      });
      return {
        values: Float64Array.from(pairs, (pr) => pr.value),
        vectors: { data: vectors, rows: n, cols: k },
        residuals: Float64Array.from(pairs, (pr) => pr.residual),
        matvecs,
        iterations,
        converged,
      };
    };
    if (kl === 0) return merge(await lockedRows(), new Float64Array(0), new Float64Array(0), 0, c, 0, true);

    // True residuals ||A y - θ y|| / norm of rows c.. of Y, from `rows` products on the device. The
    // Lanczos estimates |beta_m s| assume an orthonormal basis, which float32 Gram-Schmidt loses
    // once the Krylov space is (nearly) exhausted (a ring's double eigenvalues after ~n/2 steps):
    // they then reported eigenvalues above 1 as converged. Only these residuals are reported.
    const trueResiduals = async (Y: Float32Array, values: Float64Array, norm: number): Promise<Float64Array> => {
      const rows = values.length;
      const X = mat('Ritz vectors', rows, Nc);
      const AX = mat('Ritz products', rows, Nc);
      ctx.device.queue.writeBuffer(X.buffer, 0, Y.buffer, Y.byteOffset + c * Nc * 4, rows * Nc * 4);
      await applyRows(X, AX, rows);
      const ax = new Float32Array(await ctx.read(AX.buffer, rows * Nc * 4));
      return Float64Array.from(values, (theta, q) => {
        let r2 = 0;
        for (let i = 0; i < n; i++) r2 += (ax[q * Nc + i] - theta * Y[(c + q) * Nc + i]) ** 2;
        return Math.sqrt(r2) / norm;
      });
    };

    // Small problems (unless a basis size `ncv` asks for Lanczos), or a basis that would span the
    // locked vectors' complement: the operator's n columns on the device, its eigenproblem on the
    // host in float64 (as the CPU's dense path).
    if ((n <= DENSE_LIMIT && options.ncv === undefined) || m + 1 >= n - c) {
      const E = new Float32Array(n * Nc);
      for (let q = 0; q < n; q++) E[q * Nc + q] = 1;
      const I = mat('unit vectors', n, Nc);
      const AI = mat('operator columns', n, Nc);
      ctx.device.queue.writeBuffer(I.buffer, 0, E.buffer, 0, E.byteLength);
      await applyRows(I, AI, n);
      const cols = new Float32Array(await ctx.read(AI.buffer, n * Nc * 4));
      const M = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) M[i * n + q] = 0.5 * (cols[q * Nc + i] + cols[i * Nc + q]);
      // P M P - shift U U^T (P = I - U U^T): the locked directions sink below the spectrum.
      const PMP = M.slice();
      if (c > 0) {
        let shift = 1;
        for (let i = 0; i < n; i++) {
          let row = 0;
          for (let q = 0; q < n; q++) row += Math.abs(M[i * n + q]);
          shift = Math.max(shift, 2 * row + 1);
        }
        const P = new Float64Array(n * n);
        for (let i = 0; i < n; i++) P[i * n + i] = 1;
        for (const u of locked) for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) P[i * n + q] -= u[i] * u[q];
        const MP = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let t = 0; t < n; t++) { const x = M[i * n + t]; if (x !== 0) for (let q = 0; q < n; q++) MP[i * n + q] += x * P[t * n + q]; }
        PMP.fill(0);
        for (let i = 0; i < n; i++) for (let t = 0; t < n; t++) { const x = P[i * n + t]; if (x !== 0) for (let q = 0; q < n; q++) PMP[i * n + q] += x * MP[t * n + q]; }
        for (const u of locked) for (let i = 0; i < n; i++) for (let q = 0; q < n; q++) PMP[i * n + q] -= shift * u[i] * u[q];
      }
      const eig = symmetricEigen(PMP, n);
      const values = eig.values.slice(0, kl);
      const Y = new Float32Array((c + kl) * Nc);
      Y.set((await lockedRows()).subarray(0, c * Nc));
      for (let r = 0; r < kl; r++) for (let i = 0; i < n; i++) Y[(c + r) * Nc + i] = eig.vectors[i * n + r];
      const ritzNorm = Math.max(...values.map(Math.abs), 1e-300);
      const norm = op.normBound ?? Math.max(ritzNorm, lockedNorm);
      const residuals = await trueResiduals(Y, values, norm);
      const converged = residuals.every((r) => r <= tol);
      const result = merge(Y, values, residuals, ritzNorm, c + n + kl, 1, converged);
      if (!converged) throw new SpeclinError('ERR_NOT_CONVERGED', `eigsh: the dense solve left residuals up to ${Math.max(...residuals).toExponential(2)} > tol ${tol}`, result);
      return result;
    }

    const H = mat('projected matrix', m, Hc);
    const w0 = mat('Lanczos vector', 1, Nc);
    const w1 = mat('Lanczos vector', 1, Nc);
    const w2 = mat('Lanczos vector', 1, Nc);
    const hTmp = mat('Lanczos coefficients', 1, Hc);
    // The norm: frobeniusGroups(Nc / 4) partial pairs, added on the device by finish_norm.
    const normGroups = frobeniusGroups(Nc / 4);
    const partials = ctx.storage('norm partials', normGroups * 16);
    const scalars = ctx.storage('beta', 16);
    temps.push(partials, scalars);

    // Start vector: seeded Gaussian, projected out of the locked vectors (twice) and normalized,
    // in float64.
    const rnd = gaussian(seed + 0x5eed);
    const v0 = new Float64Array(n);
    for (let i = 0; i < n; i++) v0[i] = rnd();
    project(v0, locked);
    project(v0, locked);
    const nrm = Math.sqrt(dot(v0, v0));
    const row0 = new Float32Array(Nc);
    for (let i = 0; i < n; i++) row0[i] = v0[i] / nrm;
    ctx.device.queue.writeBuffer(V.buffer, c * Nc * 4, row0.buffer, 0, row0.byteLength);

    const n4 = Nc / 4;
    const chunks = Math.ceil(n4 / programs.eigsh.constants.CHUNK4);
    const dots = ctx.storage('basis dot partials', (c + m + 1) * chunks * 4);
    temps.push(dots);
    const basis = () => ({ buffer: V.buffer });

    // One step: w = A v_j, two passes of classical Gram-Schmidt against the locked rows and
    // v_0..v_j (h = V w, then w0 - V^T h with h accumulated over both passes), beta = ||w||,
    // v_{j+1} = w / beta. v_j is basis row c + j; H row j holds the coefficients in the same order.
    const step = (enc: GPUCommandEncoder, j: number, cycleTemps: GPUBuffer[]) => {
      const rows = c + j + 1;
      const uni = (hIndex: number, add: number) => {
        const u = pipes.uniform(programs.eigsh, 'params', { count: Nc, groups: normGroups, h_index: hIndex, rows, chunks, n4, add });
        cycleTemps.push(u);
        return u;
      };
      op.encode(enc, V.view((c + j) * Nc * 4, n, 1, 1), w0.view(0, n, 1, 1), cycleTemps);
      const Hrow = { buffer: H.buffer, offset: j * Hc * 4 };
      const first = uni(0, 0);
      const second = uni(j * Hc, 1);
      // Workgroup (i, chunk) of basis_dots covers one chunk of basis row i.
      // h1 = V w0 -> hTmp;  w1 = w0 - V^T h1
      pipes.dispatch(enc, kernels.basisDots, { bindings: { params: first, basis: basis(), wv: w0.buffer, dots }, workgroups: rows * chunks });
      pipes.dispatch(enc, kernels.finishDots, { bindings: { params: first, dots, h: hTmp.buffer }, invocations: rows });
      pipes.dispatch(enc, kernels.basisCombine, { bindings: { params: first, basis: basis(), wv: w0.buffer, hin: hTmp.buffer, wout: w1.buffer }, invocations: n4 });
      // H[j] = V w1 + h1;  w2 = w0 - V^T H[j]
      pipes.dispatch(enc, kernels.basisDots, { bindings: { params: second, basis: basis(), wv: w1.buffer, dots }, workgroups: rows * chunks });
      pipes.dispatch(enc, kernels.finishDots, { bindings: { params: second, dots, hin: hTmp.buffer, h: H.buffer }, invocations: rows });
      pipes.dispatch(enc, kernels.basisCombine, { bindings: { params: second, basis: basis(), wv: w0.buffer, hin: Hrow, wout: w2.buffer }, invocations: n4 });
      encodeFrobeniusDot(pipes, enc, w2.binding, w2.binding, Nc / 4, { buffer: partials, offset: 0, size: normGroups * 16 }, cycleTemps);
      const p = uni(j * Hc + c + j + 1, 0);
      // One workgroup adds the partials and stores beta.
      pipes.dispatch(enc, kernels.finishNorm, { bindings: { params: p, partials, scalars, h: H.buffer }, workgroups: 1 });
      pipes.dispatch(enc, kernels.scaleRow, { bindings: { params: p, scalars, w: w2.buffer, v: V.view((c + j + 1) * Nc * 4, 1, Nc).binding }, invocations: Nc });
    };

    let p = 0;
    let theta = new Float64Array(0);
    let matvecs = c;
    for (let cycle = 1; ; cycle++) {
      const cycleTemps: GPUBuffer[] = [];
      try {
        await ctx.submit((enc) => {
          for (let j = p; j < m; j++) step(enc, j, cycleTemps);
        });
      } finally {
        // Destroyed after submit: the queue keeps what it still needs.
        cycleTemps.forEach((b) => b.destroy());
      }
      matvecs += m - p;
      const Hh = new Float32Array(await ctx.read(H.buffer, m * Hc * 4));
      const T = new Float64Array(m * m);
      for (let i = 0; i < p; i++) T[i * m + i] = theta[i];
      for (let j = p; j < m; j++) {
        for (let i = 0; i <= j; i++) T[i * m + j] = T[j * m + i] = Hh[j * Hc + c + i];
        if (j + 1 < m) T[(j + 1) * m + j] = T[j * m + j + 1] = Hh[j * Hc + c + j + 1];
      }
      const betaM = Hh[(m - 1) * Hc + c + m];
      const eig = symmetricEigen(T, m); // values descending, column c of vectors belongs to values[c]
      const values = eig.values;
      const ritzNorm = Math.max(...values.map(Math.abs), 1e-300);
      const normEstimate = op.normBound ?? Math.max(ritzNorm, lockedNorm);
      const residuals = values.map((_, col) => Math.abs(betaM * eig.vectors[(m - 1) * m + col]) / normEstimate);
      const done = residuals.subarray(0, kl).every((r) => r <= tol);
      const last = cycle >= maxIterations;
      const keep = done || last ? kl : Math.min(m - 1, kl + Math.floor((m - kl) / 2));
      // Ritz vectors (the next basis, or the answer): S_keep^T V on the device.
      const St = new Float32Array(keep * m);
      for (let r = 0; r < keep; r++) for (let i = 0; i < m; i++) St[r * m + i] = eig.vectors[i * m + r];
      const S = upload(ctx, owner, 'Ritz coefficients', { data: St, rows: keep, cols: m });
      owned.push(S);
      const gemmTemps: GPUBuffer[] = [];
      await ctx.submit((enc) => {
        encodeGemm(ctx, pipes, enc, { a: S, transA: false, b: V.view(c * Nc * 4, m, Nc), transB: false, c: Vnext.view(c * Nc * 4, keep, Nc) }, gemmTemps);
        if (!(done || last)) enc.copyBufferToBuffer(V.buffer, (c + m) * Nc * 4, Vnext.buffer, (c + keep) * Nc * 4, Nc * 4);
      });
      gemmTemps.forEach((b) => b.destroy());
      S.destroy();
      [V, Vnext] = [Vnext, V];
      if (done || last) {
        const Y = new Float32Array(await ctx.read(V.buffer, (c + kl) * Nc * 4));
        const measured = await trueResiduals(Y, values.slice(0, kl), normEstimate);
        const converged = measured.every((r) => r <= tol);
        const result = merge(Y, values.slice(0, kl), measured, ritzNorm, matvecs + kl, cycle, converged);
        if (!converged) {
          const why = done ? 'the Lanczos estimates met tol but the true residuals reach' : `${maxIterations} restarts left residuals up to`;
          throw new SpeclinError('ERR_NOT_CONVERGED', `eigsh: ${why} ${Math.max(...result.residuals).toExponential(2)} > tol ${tol}`, result);
        }
        return result;
      }
      p = keep;
      theta = values.slice(0, keep);
    }
  } finally {
    temps.forEach((b) => b.destroy());
    owned.forEach((x) => x.destroy());
  }
}
