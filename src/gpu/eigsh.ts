/// <reference types="@webgpu/types" />
// eigsh on the GPU: the CPU eigsh's own solver (native/core/eigsh.cc: block Lanczos with thick
// restart, locking of pairs verified by their true residuals, the dense path for small n) with its
// Krylov basis on the device. The solver keeps the projected problem, the restart and locking
// policy and every decision, in float64; it asks this driver for the work on n-vectors (requests,
// EigshRequestKind), which runs here in WGSL. The operator is asked only for products (Spectra's
// split): `GpuSymmetricOperator.encode` records Y = Op X, so Ā of a graph (graphOperator below)
// and the Gram operators P̄ P̄^T / P̄^T P̄ of a bipartite graph (src/gpu/svds.ts) share it.
//
// The Lanczos steps of a restart cycle are one command buffer, each step being the product, full
// reorthogonalization against the whole basis done twice (classical Gram-Schmidt: chunked basis
// dot products and a combination pass of eigsh.wgsl), the norm (a compensated reduction) and the
// scaling; their coefficients come back to the solver in one readback. Ritz vectors and the basis rotation of a restart are one GEMM with
// the solver's small eigenvector matrix.
//
// Deflation: single-vector Lanczos sees one copy of a repeated eigenvalue, and Ā of a graph with c
// connected components has the eigenvalue 1 exactly c times, with known eigenvectors D^{1/2} 1_C.
// The solver orthonormalizes known eigenvectors (float64), has them stored as the first c rows of
// the device basis, checks them by c products, and keeps them locked there: every Lanczos
// vector's two Gram-Schmidt passes run over them too, so the solver works in their complement.
import { SpeclinError, callNative } from '../errors.js';
import type { FloatArray, Matrix } from '../types.js';
import { native } from '../native.js';
import type { NativeDeviceRequest, NativeDeviceRestart } from '../native-addon.js';
import { componentLabels, componentRows, takeColumns } from '../deflation.js';
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, upload, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { encodeSpmv, type GpuGraph } from './spmv.js';
import { kernels, programs } from './programs.js';
import { encodeFrobeniusDot, frobeniusGroups } from './reduce.js';

export interface GpuEigshOptions {
  k: number;
  /** Residual bound relative to ||A|| (1 for Ā); float32 arithmetic limits it to >= 1e-6. */
  tol?: number;
  /** Lanczos steps at most (one product each), as the CPU eigsh counts them. Default 10000. */
  maxIterations?: number;
  /** Lanczos vectors beside the deflated ones (default the CPU's: max(2.5k + 2, k + 4)); given,
   * it asks for Lanczos even where the dense path (n <= 256) would be taken. */
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
  /** The true residuals ||Op v - θ v|| the solver verified (from float32 vectors and products),
   * relative to the norm (the operator's bound, else the largest |Ritz value|). */
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


/** A deflation Matrix (n x c) as the native solver reads it: float64, n x c row-major. The solver
 * orthonormalizes it and checks each column (zero, dependent, not an eigenvector: a RangeError
 * naming the column), as for the CPU eigsh. */
function deflationBlock(block: Matrix, n: number): { data: Float64Array; cols: number } {
  if (typeof block !== 'object' || block === null || !('data' in block)) throw new TypeError('options.deflate: expected a boolean or a Matrix { data, rows, cols }');
  const { data, rows, cols } = block;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) throw new TypeError('options.deflate.data: expected a Float64Array or Float32Array');
  if (rows !== n) throw new RangeError(`options.deflate: expected n = ${n} rows, got ${String(rows)}`);
  if (!Number.isInteger(cols) || cols < 1 || data.length !== rows * cols) throw new RangeError('options.deflate: expected n x cols with cols >= 1 and data.length = n * cols');
  if (cols >= n) throw new RangeError(`options.deflate: expected fewer than n = ${n} columns, got ${cols}`);
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new RangeError(`options.deflate: column ${i % cols} holds a NaN or an infinity at row ${Math.floor(i / cols)}`);
  return { data: data instanceof Float64Array ? data : Float64Array.from(data), cols };
}

/** The k largest eigenpairs of a device operator (options as GpuEigshOptions; `normalized` is the
 * operator's business, and `deflate` arrives as vectors: the c locked ones count among the k).
 *
 * The solver is the CPU eigsh's own (native/core/eigsh.cc) with its basis on the device
 * (`deviceBasis`): the projected problem, the restart and locking policy, the verification of
 * every locked pair by its true residual and the dense path run there, in float64; this driver
 * answers its requests on the device: products, Lanczos steps (classical Gram-Schmidt twice
 * against the whole basis, the norm, the scaling), Ritz vectors and the basis rotation of a
 * restart. Blocks of one vector; a repeated eigenvalue beyond the deflated ones is seen once. */
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
  const { maxIterations, ncv } = options;
  if (maxIterations !== undefined && (!Number.isInteger(maxIterations) || maxIterations < 1)) throw new RangeError(`options.maxIterations: expected a positive integer, got ${String(maxIterations)}`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`options.seed: expected a non-negative integer, got ${String(seed)}`);
  const deflate = options.deflate === undefined ? undefined : deflationBlock(options.deflate, n);
  const c = deflate?.cols ?? 0;
  if (ncv !== undefined && (!Number.isInteger(ncv) || ncv <= Math.max(0, k - c) || ncv > n - c)) {
    throw new RangeError(`options.ncv: expected an integer in (${Math.max(0, k - c)}, ${n - c}], got ${String(ncv)}`);
  }
  const solver = callNative(() => native.eigshSolverNew(n, {
    k, tol, seed, maxIterations, blockSize: 1,
    // ncv counts the Lanczos vectors beside the locked ones, and asks for Lanczos at any n.
    basisSize: ncv === undefined ? undefined : ncv + Math.min(c, k),
    method: ncv === undefined ? undefined : 'lanczos',
    deflate: deflate?.data,
    normBound: op.normBound,
    deviceBasis: true,
  }));

  const Nc = roundUp(n, 64); // basis rows padded so that every row starts 256-byte aligned
  const owned: GpuMatrix[] = [];
  const temps: GPUBuffer[] = [];
  const mat = (what: string, rows: number, cols: number) => {
    const x = allocate(ctx, owner, what, rows, cols);
    owned.push(x);
    return x;
  };
  const rowBytes = Nc * 4;
  /** Row q of Y = Op (row q of X) for q < count, in one submission. */
  const applyRows = async (X: GpuMatrix, Y: GpuMatrix, count: number) => {
    const productTemps: GPUBuffer[] = [];
    try {
      await ctx.submit((enc) => {
        for (let q = 0; q < count; q++) op.encode(enc, X.view(q * rowBytes, n, 1, 1), Y.view(q * rowBytes, n, 1, 1), productTemps);
      });
    } finally {
      productTemps.forEach((b) => b.destroy());
    }
  };
  /** The first `cols` rows of a device matrix as an n x cols row-major float64 block. */
  const readColumns = async (M: GpuMatrix, cols: number, firstRow = 0): Promise<Float64Array> => {
    const rows = new Float32Array(await ctx.read(M.buffer, cols * rowBytes, firstRow * rowBytes));
    const out = new Float64Array(n * cols);
    for (let q = 0; q < cols; q++) for (let i = 0; i < n; i++) out[i * cols + q] = rows[q * Nc + i];
    return out;
  };
  /** An n x cols row-major block into rows first.. of a device matrix, in float32. */
  const writeColumns = (M: GpuMatrix, X: Float64Array, cols: number, firstRow = 0) => {
    const rows = new Float32Array(cols * Nc);
    for (let i = 0; i < n; i++) for (let q = 0; q < cols; q++) rows[q * Nc + i] = X[i * cols + q];
    ctx.device.queue.writeBuffer(M.buffer, firstRow * rowBytes, rows.buffer, 0, rows.byteLength);
  };
  // Scratch rows grow with the widest request (products of host blocks, Ritz vectors).
  const scratch: Record<string, GpuMatrix> = {};
  const rowsOf = (what: string, rows: number) => {
    const have = scratch[what];
    if (have && have.rows >= rows) return have;
    have?.destroy();
    const x = allocate(ctx, owner, what, rows, Nc);
    scratch[what] = x;
    return x;
  };

  try {
    let V: GpuMatrix | undefined;
    let H: GpuMatrix | undefined;
    const basisOf = (m: number) => {
      // m columns and the residual block beyond them.
      V ??= mat('Lanczos basis', m + 1, Nc);
      return V;
    };
    /** Y = Op X for a host block (the dense path's identity, the deflation check). */
    const hostProduct = async (X: Float64Array, cols: number, into?: GpuMatrix): Promise<Float64Array> => {
      const Xd = into ?? rowsOf('product input', cols);
      const Yd = rowsOf('product output', cols);
      writeColumns(Xd, X, cols);
      await applyRows(Xd, Yd, cols);
      return readColumns(Yd, cols);
    };
    /** The columns `first .. first + active` of V combined by a host matrix (active x cols,
     * row-major) into rows 0..cols-1 of `out`, recorded into `enc`. */
    const combine = (enc: GPUCommandEncoder, first: number, active: number, coef: Float64Array, cols: number, out: GpuMatrix, cmdTemps: GPUBuffer[]) => {
      const St = new Float32Array(cols * active);
      for (let r = 0; r < active; r++) for (let q = 0; q < cols; q++) St[q * active + r] = coef[r * cols + q];
      const S = upload(ctx, owner, 'Ritz coefficients', { data: St, rows: cols, cols: active });
      cmdTemps.push(S.buffer); // a plain buffer of its own: destroyed with the step's temporaries
      encodeGemm(ctx, pipes, enc, { a: S, transA: false, b: V!.view(first * rowBytes, active, Nc), transB: false, c: out.view(0, cols, Nc) }, cmdTemps);
    };
    /** A thick restart: locked Ritz vectors, kept Ritz vectors, the residual vector, in place. */
    const restart = async (r: NativeDeviceRestart) => {
      const K = rowsOf('kept vectors', r.kept + 1);
      const ritz = scratch['Ritz vectors'];
      const cmdTemps: GPUBuffer[] = [];
      try {
        await ctx.submit((enc) => {
          if (r.kept > 0) combine(enc, r.first, r.active, r.keep, r.kept, K, cmdTemps);
          enc.copyBufferToBuffer(V!.buffer, r.residual * rowBytes, K.buffer, r.kept * rowBytes, rowBytes);
          r.lock.forEach((row, q) => enc.copyBufferToBuffer(ritz.buffer, row * rowBytes, V!.buffer, (r.first + q) * rowBytes, rowBytes));
          enc.copyBufferToBuffer(K.buffer, 0, V!.buffer, (r.first + r.lock.length) * rowBytes, (r.kept + 1) * rowBytes);
        });
      } finally {
        cmdTemps.forEach((b) => b.destroy());
      }
    };

    // The norm: frobeniusGroups(Nc / 4) partial pairs, added on the device by finish_norm.
    const normGroups = frobeniusGroups(Nc / 4);
    const partials = ctx.storage('norm partials', normGroups * 16);
    const scalars = ctx.storage('beta', 16);
    temps.push(partials, scalars);
    const n4 = Nc / 4;
    const chunks = Math.ceil(n4 / programs.eigsh.constants.CHUNK4);
    let dots: GPUBuffer | undefined;
    let w0: GpuMatrix | undefined;
    let w1: GpuMatrix | undefined;
    let w2: GpuMatrix | undefined;
    let hTmp: GpuMatrix | undefined;

    /** `steps` Lanczos steps from basis row j0, in one command buffer. Step t from row j = j0 + t:
     * w = A v_j, two passes of classical Gram-Schmidt against rows 0..j (h = V w, then w - V^T h
     * with h accumulated over both passes), beta = ||w||, v_{j+1} = w / beta; h lands in row t of
     * H, beta after it. Returns, step after step, h (j + 1 values) then beta. */
    const lanczosSteps = async (j0: number, steps: number, m: number): Promise<Float64Array> => {
      const Hc = roundUp(m + 2, 64); // rows 256-byte aligned: a row is bound at its offset
      H ??= mat('Lanczos coefficients', m + 1, Hc);
      hTmp ??= mat('Lanczos coefficients', 1, Hc);
      w0 ??= mat('Lanczos vector', 1, Nc);
      w1 ??= mat('Lanczos vector', 1, Nc);
      w2 ??= mat('Lanczos vector', 1, Nc);
      if (!dots) {
        dots = ctx.storage('basis dot partials', (m + 1) * chunks * 4);
        temps.push(dots);
      }
      const Vb = V!;
      const stepTemps: GPUBuffer[] = [];
      const step = (enc: GPUCommandEncoder, t: number) => {
        const j = j0 + t;
        const rows = j + 1;
        const uni = (hIndex: number, add: number) => {
          const u = pipes.uniform(programs.eigsh, 'params', { count: Nc, groups: normGroups, h_index: hIndex, rows, chunks, n4, add });
          stepTemps.push(u);
          return u;
        };
        op.encode(enc, Vb.view(j * rowBytes, n, 1, 1), w0!.view(0, n, 1, 1), stepTemps);
        const first = uni(0, 0);
        const second = uni(t * Hc, 1);
        const basis = { buffer: Vb.buffer };
        // Workgroup (i, chunk) of basis_dots covers one chunk of basis row i.
        // h1 = V w0 -> hTmp;  w1 = w0 - V^T h1
        pipes.dispatch(enc, kernels.basisDots, { bindings: { params: first, basis, wv: w0!.buffer, dots: dots! }, workgroups: rows * chunks });
        pipes.dispatch(enc, kernels.finishDots, { bindings: { params: first, dots: dots!, h: hTmp!.buffer }, invocations: rows });
        pipes.dispatch(enc, kernels.basisCombine, { bindings: { params: first, basis, wv: w0!.buffer, hin: hTmp!.buffer, wout: w1!.buffer }, invocations: n4 });
        // H[t] = V w1 + h1;  w2 = w0 - V^T H[t]
        pipes.dispatch(enc, kernels.basisDots, { bindings: { params: second, basis, wv: w1!.buffer, dots: dots! }, workgroups: rows * chunks });
        pipes.dispatch(enc, kernels.finishDots, { bindings: { params: second, dots: dots!, hin: hTmp!.buffer, h: H!.buffer }, invocations: rows });
        pipes.dispatch(enc, kernels.basisCombine, { bindings: { params: second, basis, wv: w0!.buffer, hin: { buffer: H!.buffer, offset: t * Hc * 4 }, wout: w2!.buffer }, invocations: n4 });
        encodeFrobeniusDot(pipes, enc, w2!.binding, w2!.binding, Nc / 4, { buffer: partials, offset: 0, size: normGroups * 16 }, stepTemps);
        const p = uni(t * Hc + j + 1, 0);
        // One workgroup adds the partials and stores beta after h.
        pipes.dispatch(enc, kernels.finishNorm, { bindings: { params: p, partials, scalars, h: H!.buffer }, workgroups: 1 });
        pipes.dispatch(enc, kernels.scaleRow, { bindings: { params: p, scalars, w: w2!.buffer, v: Vb.view((j + 1) * rowBytes, 1, Nc).binding }, invocations: Nc });
      };
      try {
        await ctx.submit((enc) => {
          for (let t = 0; t < steps; t++) step(enc, t);
        });
      } finally {
        stepTemps.forEach((b) => b.destroy());
      }
      const Hh = new Float32Array(await ctx.read(H!.buffer, steps * Hc * 4));
      const reply = new Float64Array(steps * (j0 + 2) + (steps * (steps - 1)) / 2);
      let at = 0;
      for (let t = 0; t < steps; t++) for (let i = 0; i <= j0 + t + 1; i++) reply[at++] = Hh[t * Hc + i];
      return reply;
    };

    let req = callNative(() => native.eigshDeviceStep(solver));
    while (req) {
      const current: NativeDeviceRequest = req;
      switch (current.kind) {
        case 'product': {
          const Y = await hostProduct(current.X, current.columns);
          req = callNative(() => native.eigshDeviceStep(solver, Y));
          break;
        }
        case 'lock': {
          // The known eigenvectors become basis rows 0..c-1, and their products are checked.
          const Y = await hostProduct(current.X, current.columns, basisOf(current.basis));
          req = callNative(() => native.eigshDeviceStep(solver, Y));
          break;
        }
        case 'extend': {
          const Vb = basisOf(current.basis);
          if (current.restart) await restart(current.restart);
          if (current.start) writeColumns(Vb, current.start, 1, current.column);
          const coef = await lanczosSteps(current.column, current.steps, current.basis);
          req = callNative(() => native.eigshDeviceStep(solver, coef));
          break;
        }
        case 'verify': {
          const X = rowsOf('Ritz vectors', current.columns);
          const AX = rowsOf('Ritz products', current.columns);
          const cmdTemps: GPUBuffer[] = [];
          try {
            await ctx.submit((enc) => combine(enc, current.first, current.active, current.ritz, current.columns, X, cmdTemps));
          } finally {
            cmdTemps.forEach((b) => b.destroy());
          }
          await applyRows(X, AX, current.columns);
          const x = await readColumns(X, current.columns);
          const ax = await readColumns(AX, current.columns);
          req = callNative(() => native.eigshDeviceStep(solver, ax, x));
          break;
        }
        case 'collect': {
          if (current.restart) await restart(current.restart);
          const Y = current.columns > 0 ? await readColumns(V!, current.columns) : new Float64Array(0);
          req = callNative(() => native.eigshDeviceStep(solver, Y));
          break;
        }
      }
    }
    const r = callNative(() => native.eigshSolverResult(solver, false));
    const norm = r.norm > 0 ? r.norm : 1;
    const result: GpuEigshResult = {
      values: r.values,
      vectors: { data: Float32Array.from(r.vectors), rows: n, cols: r.cols },
      residuals: r.residuals.map((x) => x / norm),
      matvecs: r.matvecs,
      iterations: r.iterations,
      converged: r.status === 'converged',
    };
    if (!result.converged) {
      throw new SpeclinError('ERR_NOT_CONVERGED', `eigsh: ${r.cols} of ${k} pairs converged to tol ${tol} in ${r.iterations} Lanczos steps ` +
        `(largest residual estimate ${r.maxResidual.toExponential(2)})`, result);
    }
    return result;
  } finally {
    temps.forEach((b) => b.destroy());
    owned.forEach((x) => x.destroy());
    Object.values(scratch).forEach((x) => x.destroy());
  }
}
