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
import { SpeclinError } from '../errors.js';
import { symmetricEigen } from '../dense.js';
import { gaussian } from '../random.js';
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, upload, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { encodeSpmv, type GpuGraph } from './spmv.js';
import { WG } from './constants.js';

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
}

export interface GpuEigshResult {
  values: Float64Array;
  /** n x k, row i is node i. */
  vectors: { data: Float32Array; rows: number; cols: number };
  /** Ritz residual estimates |beta_m s_{m,i}|, relative to the norm estimate. */
  residuals: Float64Array;
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

export async function eigshOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, options: GpuEigshOptions,
): Promise<GpuEigshResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected { k, ... }');
  return lanczosOnGpu(ctx, pipes, owner, graphOperator(ctx, pipes, g, options.normalized ?? true), options);
}

/** The k largest eigenpairs of a device operator (options as GpuEigshOptions; `normalized` is the
 * operator's business and ignored here). */
export async function lanczosOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, op: GpuSymmetricOperator, options: Omit<GpuEigshOptions, 'normalized'>,
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
  const m = Math.min(n, options.ncv ?? Math.max(2 * k + 1, k + 16));
  if (!Number.isInteger(m) || m <= k) throw new RangeError(`options.ncv: expected an integer in (${k}, ${n}], got ${String(options.ncv)}`);

  const Nc = roundUp(n, 64); // basis rows padded so that every row starts 256-byte aligned
  const Hc = roundUp(m + 1, 64);
  const owned: GpuMatrix[] = [];
  const temps: GPUBuffer[] = [];
  const mat = (what: string, rows: number, cols: number) => {
    const x = allocate(ctx, owner, what, rows, cols);
    owned.push(x);
    return x;
  };
  try {
    let V = mat('Lanczos basis', m + 1, Nc);
    let Vnext = mat('Lanczos basis', m + 1, Nc);
    const H = mat('projected matrix', m, Hc);
    const w0 = mat('Lanczos vector', 1, Nc);
    const w1 = mat('Lanczos vector', 1, Nc);
    const w2 = mat('Lanczos vector', 1, Nc);
    const hTmp = mat('Lanczos coefficients', 1, Hc);
    const frobGroups = Math.min(64, Math.ceil(Nc / 4 / WG));
    const partials = ctx.storage('norm partials', frobGroups * 16);
    const scalars = ctx.storage('beta', 16);
    temps.push(partials, scalars);
    const frobParams = ctx.uniform([1, Nc / 4, Nc / 4, frobGroups], [0]);
    temps.push(frobParams);
    const frob = pipes.get('spectral_loss', 'frobenius_dot');
    const finish = pipes.get('eigsh', 'finish_norm');
    const scale = pipes.get('eigsh', 'scale_row');

    // Start vector: seeded Gaussian, normalized in float64.
    const rnd = gaussian(seed + 0x5eed);
    const v0 = new Float64Array(n);
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += (v0[i] = rnd()) ** 2;
    nrm = Math.sqrt(nrm);
    const row0 = new Float32Array(Nc);
    for (let i = 0; i < n; i++) row0[i] = v0[i] / nrm;
    ctx.device.queue.writeBuffer(V.buffer, 0, row0.buffer, 0, row0.byteLength);

    const dotsPipe = pipes.get('eigsh', 'basis_dots');
    const finishDots = pipes.get('eigsh', 'finish_dots');
    const combine = pipes.get('eigsh', 'basis_combine');
    const CHUNK4 = 2048; // as in eigsh.wgsl
    const n4 = Nc / 4;
    const chunks = Math.ceil(n4 / CHUNK4);
    const dots = ctx.storage('basis dot partials', (m + 1) * chunks * 4);
    temps.push(dots);
    const basisBinding = () => ({ buffer: V.buffer });

    // One step: w = A v_j, two passes of classical Gram-Schmidt against v_0..v_j (h = V w, then
    // w0 - V^T h with h accumulated over both passes), beta = ||w||, v_{j+1} = w / beta.
    const step = (enc: GPUCommandEncoder, j: number, cycleTemps: GPUBuffer[]) => {
      const rows = j + 1;
      const uni = (hIndex: number, add: number) => {
        const u = ctx.uniform([Nc, frobGroups, hIndex, rows, chunks, n4, add]);
        cycleTemps.push(u);
        return u;
      };
      op.encode(enc, V.view(j * Nc * 4, n, 1, 1), w0.view(0, n, 1, 1), cycleTemps);
      const Hrow = { buffer: H.buffer, offset: j * Hc * 4 };
      const first = uni(0, 0);
      const second = uni(j * Hc, 1);
      // h1 = V w0 -> hTmp;  w1 = w0 - V^T h1
      pipes.dispatch(enc, dotsPipe, [first, undefined, undefined, undefined, undefined, undefined, basisBinding(), w0.buffer, dots], rows * chunks);
      pipes.dispatch(enc, finishDots, [first, undefined, undefined, hTmp.buffer, undefined, undefined, undefined, undefined, dots, pipes.dummy(3)], Math.ceil(rows / WG));
      pipes.dispatch(enc, combine, [first, undefined, undefined, undefined, undefined, undefined, basisBinding(), w0.buffer, undefined, hTmp.buffer, w1.buffer], Math.ceil(n4 / WG));
      // H[j] = V w1 + h1;  w2 = w0 - V^T H[j]
      pipes.dispatch(enc, dotsPipe, [second, undefined, undefined, undefined, undefined, undefined, basisBinding(), w1.buffer, dots], rows * chunks);
      pipes.dispatch(enc, finishDots, [second, undefined, undefined, H.buffer, undefined, undefined, undefined, undefined, dots, hTmp.buffer], Math.ceil(rows / WG));
      pipes.dispatch(enc, combine, [second, undefined, undefined, undefined, undefined, undefined, basisBinding(), w0.buffer, undefined, Hrow, w2.buffer], Math.ceil(n4 / WG));
      pipes.dispatch(enc, frob, [frobParams, w2.binding, undefined, undefined, w2.binding, undefined, { buffer: partials, offset: 0, size: frobGroups * 16 }], frobGroups);
      const p = ctx.uniform([Nc, frobGroups, j * Hc + j + 1, rows, chunks, n4, 0]);
      cycleTemps.push(p);
      pipes.dispatch(enc, finish, [p, partials, scalars, H.buffer], 1);
      pipes.dispatch(enc, scale, [p, undefined, scalars, undefined, w2.buffer, V.view((j + 1) * Nc * 4, 1, Nc).binding], Math.ceil(Nc / WG));
    };

    let p = 0;
    let theta = new Float64Array(0);
    let matvecs = 0;
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
        for (let i = 0; i <= j; i++) T[i * m + j] = T[j * m + i] = Hh[j * Hc + i];
        if (j + 1 < m) T[(j + 1) * m + j] = T[j * m + j + 1] = Hh[j * Hc + j + 1];
      }
      const betaM = Hh[(m - 1) * Hc + m];
      const eig = symmetricEigen(T, m); // values descending, column c of vectors belongs to values[c]
      const values = eig.values;
      const normEstimate = op.normBound ?? Math.max(...values.map(Math.abs), 1e-300);
      const residuals = values.map((_, c) => Math.abs(betaM * eig.vectors[(m - 1) * m + c]) / normEstimate);
      const done = residuals.subarray(0, k).every((r) => r <= tol);
      const last = cycle >= maxIterations;
      const keep = done || last ? k : Math.min(m - 1, k + Math.floor((m - k) / 2));
      // Ritz vectors (the next basis, or the answer): S_keep^T V on the device.
      const St = new Float32Array(keep * m);
      for (let r = 0; r < keep; r++) for (let i = 0; i < m; i++) St[r * m + i] = eig.vectors[i * m + r];
      const S = upload(ctx, owner, 'Ritz coefficients', { data: St, rows: keep, cols: m });
      owned.push(S);
      const gemmTemps: GPUBuffer[] = [];
      await ctx.submit((enc) => {
        encodeGemm(ctx, pipes, enc, { a: S, transA: false, b: V.view(0, m, Nc), transB: false, c: Vnext.view(0, keep, Nc) }, gemmTemps);
        if (!(done || last)) enc.copyBufferToBuffer(V.buffer, m * Nc * 4, Vnext.buffer, keep * Nc * 4, Nc * 4);
      });
      gemmTemps.forEach((b) => b.destroy());
      S.destroy();
      [V, Vnext] = [Vnext, V];
      if (done || last) {
        const Y = new Float32Array(await ctx.read(V.buffer, k * Nc * 4));
        const vectors = new Float32Array(n * k);
        for (let r = 0; r < k; r++) for (let i = 0; i < n; i++) vectors[i * k + r] = Y[r * Nc + i];
        const result: GpuEigshResult = {
          values: values.slice(0, k),
          vectors: { data: vectors, rows: n, cols: k },
          residuals: residuals.slice(0, k),
          matvecs,
          iterations: cycle,
          converged: done,
        };
        if (!done) {
          throw new SpeclinError('ERR_NOT_CONVERGED', `eigsh: ${maxIterations} restarts left residuals up to ${Math.max(...result.residuals).toExponential(2)} > tol ${tol}`, result);
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
