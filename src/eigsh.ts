// eigsh: the k algebraically largest eigenpairs of a symmetric operator (a Graph's normalized
// adjacency Ā, a dense matrix, or any { n, multiply }). Native operators run entirely in C++
// (on a libuv worker for the Promise form); JavaScript operators drive the same native solver by
// reverse communication: the solver asks for a block product, JavaScript computes it.
import { native } from './native.js';
import type { NativeEigshOptions, NativeEigshProfile, NativeEigshResult as NativeResult } from './native-addon.js';
import { SpeclinError, callNative, callNativeAsync } from './errors.js';
import type { FloatArray, Matrix } from './types.js';
import { readMatrix } from './matrix-argument.js';
import { componentRows, takeColumns } from './deflation.js';
import { readBackend, refuseBackend, withSharedWebGpu, type BackendOption } from './gpu/shared.js';
import type { GpuEigshResult } from './gpu/eigsh.js';

import type { SymmetricOperator } from './operator.js';
export type { SymmetricOperator };

/** What eigsh accepts besides operators: anything with `normalized()` (a Graph). */
export interface GraphLike {
  readonly n: number;
  normalized(): SymmetricOperator;
  readonly marginals: FloatArray;
  components(): { count: number; labels: Int32Array | Uint32Array | number[] } | Int32Array;
}

export interface EigshOptions {
  /** How many eigenpairs (the algebraically largest), 1 <= k <= n. */
  k: number;
  /** ||A v - λ v|| <= tol * ||A|| for every returned pair (||A|| = 1 for Ā). Default 1e-8. */
  tol?: number;
  /** Block Lanczos steps before ERR_NOT_CONVERGED. Default 10000. */
  maxIterations?: number;
  /** Vectors per Lanczos block; at least the largest multiplicity wanted. Default 2. */
  blockSize?: number;
  /** Lanczos basis size (columns kept before a restart). Default max(2.5k + 2b, k + 4b), plus deflated vectors. */
  basisSize?: number;
  /** Seed of the random start block: same seed, same thread count, same bits. Default 0. */
  seed?: number;
  /** Warm start: one vector (length n) or a block (n x c, as a Matrix or a Float64Array of n * c). */
  v0?: Float64Array | Float32Array | Matrix;
  /** Known eigenvectors to lock from the start: `true` for a Graph (D^{1/2} 1_C per connected
   * component, eigenvalue 1 of Ā), or a block n x c of vectors. Default: `true` for a Graph (every
   * copy of the eigenvalue 1 is then exact, whatever the block size), none for an operator. */
  deflate?: boolean | Matrix;
  /** 'auto' (dense for n <= 256), 'lanczos' or 'dense'. */
  method?: 'auto' | 'lanczos' | 'dense';
  /** How a new Lanczos block is projected against the basis: 'lagged' (default: one read of the
   * basis per block step, the correction of each block subtracted in the next step's sweep) or
   * 'two-pass' (classical Gram-Schmidt, two reads a step). Same results to rounding. */
  projection?: 'lagged' | 'two-pass';
  /** Called after each block step with the number of converged pairs and the largest residual
   * (estimated for the unconverged ones) among the wanted pairs. */
  onProgress?: (iteration: number, converged: number, maxResidual: number) => void;
  /** Stops the solver between products; the Promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface EigshResult {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors, n x k row-major (row i is node i), orthonormal columns. */
  vectors: Matrix<Float64Array>;
  /** True residuals ||A v_i - λ_i v_i||, computed with the operator itself. */
  residuals: Float64Array;
  /** Operator columns applied (a block product of b columns counts b). */
  matvecs: number;
  /** Block Lanczos steps (1 for the dense path). */
  iterations: number;
  /** Converged pairs (k on success; fewer in ERR_NOT_CONVERGED's `partial`). */
  converged: number;
  /** The ||A|| the tolerance was relative to (the operator's bound, else the largest |Ritz value|). */
  norm: number;
  /** 'lanczos' or 'dense'. */
  method: 'lanczos' | 'dense';
  /** Native CPU solves: seconds per phase and the basis traffic (columns read), for profiling. */
  profile?: EigshProfile;
}

/** Where a solve spent its time: seconds of operator products, projection against the basis,
 * orthonormalization within a block, the projected problem, restarts and verification; the
 * sweeps over the basis and the n-vectors they read. */
export type EigshProfile = NativeEigshProfile;


export type { NativeEigshOptions };

function isGraph(x: unknown): x is GraphLike {
  return typeof x === 'object' && x !== null && typeof (x as GraphLike).normalized === 'function';
}

function checkInteger(fn: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${typeof v}`);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${fn}: ${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** A block given as a vector, a flat array or a Matrix, as a float64 n x c array. */
function readBlock(fn: string, name: string, v: unknown, n: number): { data: Float64Array; cols: number } {
  let data: FloatArray;
  let cols: number;
  if (v instanceof Float64Array || v instanceof Float32Array) {
    data = v;
    if (v.length === 0 || v.length % n !== 0)
      throw new RangeError(`${fn}: ${name} has ${v.length} elements; expected n = ${n} or a multiple of it (n x columns)`);
    cols = v.length / n;
  } else if (typeof v === 'object' && v !== null && 'data' in v) {
    const m = readMatrix(`${fn}: ${name}`, v);
    if (m.rows !== n) throw new RangeError(`${fn}: ${name} must have n = ${n} rows, got ${m.rows}`);
    data = m.data;
    cols = m.cols;
  } else {
    throw new TypeError(`${fn}: ${name} must be a Float64Array or a Matrix { data, rows, cols }`);
  }
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new RangeError(`${fn}: ${name} holds a NaN or an infinity at ${i}`);
  return { data: data instanceof Float64Array ? data.slice() : Float64Array.from(data), cols };
}

/** The vectors D^{1/2} 1_C (normalized) of each connected component: Ā's eigenvalue 1. */
export function componentVectors(graph: GraphLike): { data: Float64Array; cols: number } {
  const comp = graph.components() as unknown;
  const labels = ArrayBuffer.isView(comp) ? (comp as unknown as ArrayLike<number>) : (comp as { labels: ArrayLike<number> }).labels;
  const { data, cols } = componentRows(labels, graph.marginals);
  return { data, cols };
}

interface Prepared {
  op: SymmetricOperator;
  n: number;
  nativeOptions: NativeEigshOptions;
}

/** Checks the arguments (TypeError / RangeError naming the option) and resolves a Graph to Ā. */
export function prepareEigsh(fn: string, target: unknown, options: EigshOptions): Prepared {
  if (typeof target !== 'object' || target === null)
    throw new TypeError(`${fn}: expected a Graph or an operator { n, multiply }`);
  const graph = isGraph(target) ? target : undefined;
  const given = graph ? graph.normalized() : (target as SymmetricOperator);
  // Read once into a plain operator: a getter cannot answer differently later.
  const { n: size, multiply, normBound, _native } = given;
  if (typeof size !== 'number' || typeof multiply !== 'function')
    throw new TypeError(`${fn}: an operator needs a numeric n and a multiply(X, Y, columns) method`);
  const n = checkInteger(fn, 'the operator size n', size, 1, Number.MAX_SAFE_INTEGER);
  if (_native !== undefined) {
    // The native part decides the size; one that disagrees was forged or altered.
    const nativeSize = callNative(() => native.operatorSize(_native)) as number;
    if (nativeSize !== n) throw new TypeError(`${fn}: the operator says n = ${n} but its native part has n = ${nativeSize}`);
  }
  const op: SymmetricOperator = { n, normBound, _native, multiply: (X, Y, c) => multiply.call(given, X, Y, c) };
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: options { k, ... } are required`);
  const k = checkInteger(fn, 'k', options.k, 1, n);
  const o: NativeEigshOptions = { k };
  // Values are checked once, by the native plan (native/core/eigsh_options.cc): RangeErrors there.
  if (options.tol !== undefined) {
    if (typeof options.tol !== 'number') throw new TypeError(`${fn}: tol must be a number`);
    o.tol = options.tol;
  }
  if (options.maxIterations !== undefined)
    o.maxIterations = checkInteger(fn, 'maxIterations', options.maxIterations, 1, Number.MAX_SAFE_INTEGER);
  if (options.blockSize !== undefined) o.blockSize = checkInteger(fn, 'blockSize', options.blockSize, 1, n);
  if (options.basisSize !== undefined) o.basisSize = checkInteger(fn, 'basisSize', options.basisSize, 1, n);
  if (options.seed !== undefined) o.seed = checkInteger(fn, 'seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
  if (options.method !== undefined) o.method = String(options.method);
  if (options.projection !== undefined) o.projection = String(options.projection);
  if (options.v0 !== undefined) {
    o.v0 = readBlock(fn, 'v0', options.v0, n).data;
  }
  const deflate = options.deflate ?? (graph ? true : undefined);
  if (deflate !== undefined && deflate !== false) {
    if (deflate === true) {
      if (!graph) throw new TypeError(`${fn}: deflate: true needs a Graph (its components give the vectors); for an operator pass the known vectors as a Matrix`);
      // Ā's eigenvalues are at most 1: with c >= k components the top k are k copies of 1, and
      // any k of the component vectors are an answer.
      const comp = componentVectors(graph);
      o.deflate = comp.cols <= k ? comp.data : takeColumns(comp.data, n, comp.cols, k);
    } else {
      o.deflate = readBlock(fn, 'deflate', deflate, n).data;
    }
  }
  if (op.normBound !== undefined) {
    if (typeof op.normBound !== 'number' || !(op.normBound >= 0)) throw new TypeError(`${fn}: the operator's normBound must be a number >= 0`);
    o.normBound = op.normBound;
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError(`${fn}: onProgress must be a function`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new TypeError(`${fn}: signal must be an AbortSignal`);
  return { op, n, nativeOptions: o };
}

/** The error a stopped solver rejects with: name 'AbortError', code 'ABORT_ERR' (as Node's own
 * APIs do), the signal's reason as `cause`. */
export function abortError(signal: AbortSignal | undefined): Error {
  const err = new Error('The operation was aborted', { cause: signal?.reason }) as Error & { code: string };
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

function toResult(r: NativeResult): EigshResult {
  return {
    values: r.values,
    vectors: { data: r.vectors, rows: r.rows, cols: r.cols },
    residuals: r.residuals,
    matvecs: r.matvecs,
    iterations: r.iterations,
    converged: r.cols,
    norm: r.norm,
    method: r.dense ? 'dense' : 'lanczos',
    ...(r.profile ? { profile: r.profile } : {}),
  };
}

function finish(r: NativeResult, k: number, signal?: AbortSignal): EigshResult {
  const result = toResult(r);
  if (r.status === 'aborted') throw abortError(signal);
  if (r.status === 'not-converged')
    throw new SpeclinError<EigshResult>(
      'ERR_NOT_CONVERGED',
      `eigsh: ${result.converged} of ${k} eigenpairs converged within ${r.iterations} iterations (${r.matvecs} products); ` +
        'the converged ones are in err.partial. Raise maxIterations or tol, or give a larger blockSize/basisSize.',
      result,
    );
  return result;
}

/** Synchronous eigsh. A JavaScript operator's multiply must be synchronous here. */
export function eigshSync(target: SymmetricOperator | GraphLike, options: EigshOptions): EigshResult {
  refuseBackend('eigshSync', 'eigsh', options);
  const { op, n, nativeOptions } = prepareEigsh('eigshSync', target, options);
  if (options.signal?.aborted) throw abortError(options.signal);
  if (op._native !== undefined) {
    const r = callNative(() => native.eigshSync(op._native, nativeOptions, options.onProgress)) as NativeResult;
    return finish(r, nativeOptions.k);
  }
  const solver = callNative(() => native.eigshSolverNew(n, nativeOptions));
  let reported = 0;
  let req = callNative(() => native.eigshSolverStep(solver));
  while (req) {
    const Y = new Float64Array(n * req.columns);
    const ret = op.multiply(req.X, Y, req.columns);
    if (ret && typeof (ret as Promise<void>).then === 'function')
      throw new TypeError('eigshSync: the operator returned a Promise; use eigsh (async) for asynchronous operators');
    req = callNative(() => native.eigshSolverStep(solver, Y));
    reported = report(solver, reported, options.onProgress);
  }
  return finish(callNative(() => native.eigshSolverResult(solver, false)), nativeOptions.k);
}

function report(solver: unknown, reported: number, onProgress?: EigshOptions['onProgress']): number {
  if (!onProgress) return reported;
  const p = native.eigshSolverProgress(solver);
  if (p.iterations !== reported) onProgress(p.iterations, p.converged, p.maxResidual);
  return p.iterations;
}

/** Progress from a worker thread arrives through a ThreadSafeFunction, whose queue is not ordered
 * with the Promise's settlement. This keeps the contract simple: calls strictly increase in
 * iteration, none arrives after the Promise settles, and the last one is the final state. */
export function progressRelay(onProgress: EigshOptions['onProgress']) {
  let last = 0;
  let settled = false;
  return {
    callback: onProgress
      ? (i: number, c: number, m: number) => {
          if (settled || i <= last) return;
          last = i;
          onProgress(i, c, m);
        }
      : undefined,
    settle(final?: { iterations: number; converged: number; maxResidual: number }) {
      if (settled) return;
      if (final && onProgress && final.iterations > last) onProgress(final.iterations, final.converged, final.maxResidual);
      settled = true;
    },
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** eigsh, Promise form. Native operators (a Graph, denseOperator) run on a libuv worker;
 * JavaScript operators run on the main thread, yielding to the event loop between products. */
export async function eigsh(target: SymmetricOperator | GraphLike, options: EigshOptions & BackendOption): Promise<EigshResult> {
  if (readBackend('eigsh', options) === 'webgpu') return eigshOnWebGpu(target, options);
  const { op, n, nativeOptions } = prepareEigsh('eigsh', target, options);
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal);
  if (op._native !== undefined) {
    const token = native.eigshCancelToken();
    const onAbort = () => native.eigshCancel(token);
    signal?.addEventListener('abort', onAbort, { once: true });
    const relay = progressRelay(options.onProgress);
    try {
      const r = (await callNativeAsync(() => native.eigsh(op._native, nativeOptions, relay.callback, token))) as NativeResult;
      if (r.status !== 'aborted') relay.settle({ iterations: r.iterations, converged: r.cols, maxResidual: r.maxResidual });
      return finish(r, nativeOptions.k, signal);
    } finally {
      relay.settle();
      signal?.removeEventListener('abort', onAbort);
    }
  }
  const solver = callNative(() => native.eigshSolverNew(n, nativeOptions));
  let reported = 0;
  let req = callNative(() => native.eigshSolverStep(solver));
  while (req) {
    const Y = new Float64Array(n * req.columns);
    await op.multiply(req.X, Y, req.columns);
    await yieldToEventLoop();
    if (signal?.aborted) return finish(callNative(() => native.eigshSolverResult(solver, true)), nativeOptions.k, signal);
    req = callNative(() => native.eigshSolverStep(solver, Y));
    reported = report(solver, reported, options.onProgress);
  }
  return finish(callNative(() => native.eigshSolverResult(solver, false)), nativeOptions.k, signal);
}

/** A dense symmetric matrix (n x n, checked symmetric) as a native operator: for small problems
 * given as matrices, and as a reference in tests. */
export function denseOperator(A: Matrix): SymmetricOperator {
  const m = readMatrix('A', A);
  const handle = callNative(() => native.denseOperator(m));
  const n = m.rows;
  const data = m.data instanceof Float64Array ? m.data.slice() : Float64Array.from(m.data);
  return {
    n,
    _native: handle,
    multiply(X: Float64Array, Y: Float64Array, columns: number) {
      for (let i = 0; i < n; i++)
        for (let c = 0; c < columns; c++) {
          let s = 0;
          for (let p = 0; p < n; p++) s += data[i * n + p] * X[p * columns + c];
          Y[i * columns + c] = s;
        }
    },
  };
}

/** eigsh with { backend: 'webgpu' }: thick-restart Lanczos on the process-wide WebGPU device
 * (src/gpu/eigsh.ts) for a Graph's Ā, in float32. Its result has the CPU result's fields and
 * types; `residuals` are the true ||Ā v - λ v||, computed here in float64 with the CPU operator.
 * It is the CPU's solver with its basis on the device (blocks of one vector): `maxIterations`
 * counts Lanczos steps as on the CPU, `basisSize` is the number of Lanczos vectors beside the
 * deflated ones (and asks for Lanczos at any n); `deflate` is the CPU's (default true: one locked
 * vector per connected component; or a Matrix of known eigenvectors); blockSize, v0, method,
 * projection, onProgress and signal are not offered on the GPU. */
async function eigshOnWebGpu(target: SymmetricOperator | GraphLike, options: EigshOptions): Promise<EigshResult> {
  const unsupported = (what: string, why: string) =>
    new SpeclinError('ERR_WEBGPU_UNSUPPORTED', `eigsh: ${what} is not available with backend 'webgpu' (${why}); use backend 'cpu'`);
  if (!isGraph(target) || typeof (target as { toCSR?: unknown }).toCSR !== 'function')
    throw new TypeError("eigsh: backend 'webgpu' takes a Graph (its CSR arrays go to the GPU); operators run on the CPU");
  if (typeof options !== 'object' || options === null) throw new TypeError('eigsh: options { k, ... } are required');
  for (const name of ['blockSize', 'v0', 'method', 'projection', 'onProgress', 'signal'] as const)
    if (options[name] !== undefined) throw unsupported(`options.${name}`, 'the GPU solver runs blocks of one vector from a random start, to the end');
  const graph = target;
  const n = graph.n;
  const k = checkInteger('eigsh', 'k', options.k, 1, n - 1);
  // The GPU solver locks the deflation vectors as the CPU does (the components' D^{1/2} 1_C by
  // default, or the columns given); it reads them itself, with the same checks.
  let deflate: boolean | Matrix | undefined;
  if (options.deflate === undefined || typeof options.deflate === 'boolean') deflate = options.deflate;
  else {
    const b = readBlock('eigsh', 'deflate', options.deflate, n);
    deflate = { data: b.data, rows: n, cols: b.cols };
  }
  const gpuOptions = { k, tol: options.tol, maxIterations: options.maxIterations, ncv: options.basisSize, seed: options.seed, deflate };
  const op = graph.normalized();
  const shape = (r: GpuEigshResult, tol: number): EigshResult => {
    // A partial result (ERR_NOT_CONVERGED) holds the converged pairs only, as on the CPU.
    const cols = r.vectors.cols;
    const vectors = Float64Array.from(r.vectors.data);
    const AV = new Float64Array(n * cols);
    if (cols > 0) op.multiply(vectors, AV, cols);
    const residuals = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (AV[i * cols + c] - r.values[c] * vectors[i * cols + c]) ** 2;
      residuals[c] = Math.sqrt(s);
    }
    return {
      values: r.values,
      vectors: { data: vectors, rows: n, cols },
      residuals,
      matvecs: r.matvecs,
      iterations: r.iterations,
      // Counted from the residuals measured here, never from the solver's own flag.
      converged: residuals.filter((x) => x <= tol).length,
      norm: 1,
      method: 'lanczos',
    };
  };
  try {
    return shape(await withSharedWebGpu((gpu) => gpu.eigsh(graph as unknown as Parameters<typeof gpu.eigsh>[0], gpuOptions)), gpuOptions.tol ?? 1e-5);
  } catch (err) {
    if (err instanceof SpeclinError && err.code === 'ERR_NOT_CONVERGED' && err.partial)
      throw new SpeclinError<EigshResult>('ERR_NOT_CONVERGED', err.message, shape(err.partial as GpuEigshResult, gpuOptions.tol ?? 1e-5));
    throw err;
  }
}
