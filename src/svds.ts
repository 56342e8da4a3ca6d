// svds: the k largest singular triplets of a rectangular operator, for the CLIP optimum
// (P̄ = D_x^{-1/2} P D_t^{-1/2} of a BipartiteGraph). Block Lanczos (eigsh) on the Gram operator
// of the smaller side, P P^T or P^T P (eigenvalues sigma^2), then the other side by one product.
// Native operators run in C++ (native/core/svds.cc); JavaScript operators compose the Gram
// product here and go through eigsh's reverse-communication path.
import { native } from './native.js';
import type { NativeSvdsResult as NativeSvds } from './native-addon.js';
import { SpeclinError, callNative, callNativeAsync } from './errors.js';
import { abortError, eigsh, eigshSync, prepareEigsh, progressRelay, type EigshOptions, type EigshResult, type SymmetricOperator } from './eigsh.js';
import type { Matrix } from './types.js';
import { readMatrix } from './matrix-argument.js';

import type { RectangularOperator } from './operator.js';
export type { RectangularOperator };

/** Anything with a rectangular `normalized()` (a BipartiteGraph). */
export interface BipartiteLike {
  readonly nLeft: number;
  readonly nRight: number;
  normalized(): RectangularOperator;
}

export type SvdsOptions = Omit<EigshOptions, 'deflate'> & {
  /** Known singular vectors of the side solved (svdsSide(rows, cols)), n_side x c. */
  deflate?: Matrix;
};

export interface SvdsResult {
  /** Singular values, descending. */
  values: Float64Array;
  /** Left singular vectors, rows x k (row-major, orthonormal columns). */
  left: Matrix<Float64Array>;
  /** Right singular vectors, cols x k. */
  right: Matrix<Float64Array>;
  /** ||P v_i - sigma_i u_i|| with unit u_i, v_i (and P^T u_i = sigma_i v_i up to the eigen-tolerance). */
  residuals: Float64Array;
  /** Products with P or P^T, columns counted. */
  products: number;
  iterations: number;
  /** Which Gram matrix was solved: 'left' = P P^T, 'right' = P^T P. */
  side: 'left' | 'right';
}

/** The side svds solves: the smaller one (P P^T when rows <= cols). */
export function svdsSide(rows: number, cols: number): 'left' | 'right' {
  return native.svdsSolvedSide(rows, cols);
}

function resolve(fn: string, target: unknown): RectangularOperator {
  if (typeof target !== 'object' || target === null) throw new TypeError(`${fn}: expected a BipartiteGraph or an operator { rows, cols, multiply, multiplyTranspose }`);
  const t = target as BipartiteLike & RectangularOperator;
  const op = typeof t.normalized === 'function' && typeof t.nLeft === 'number' ? t.normalized() : t;
  // Read once into a plain operator: a getter cannot answer differently later.
  const { rows, cols, multiply, multiplyTranspose, normBound, _nativeRect } = op;
  if (typeof rows !== 'number' || typeof cols !== 'number' || typeof multiply !== 'function' || typeof multiplyTranspose !== 'function')
    throw new TypeError(`${fn}: an operator needs numeric rows, cols and multiply / multiplyTranspose methods`);
  if (_nativeRect !== undefined) {
    // The native part decides the shape; one that disagrees was forged or altered.
    const shape = callNative(() => native.rectangularShape(_nativeRect)) as { rows: number; cols: number };
    if (shape.rows !== rows || shape.cols !== cols)
      throw new TypeError(`${fn}: the operator says ${rows} x ${cols} but its native part is ${shape.rows} x ${shape.cols}`);
  }
  return {
    rows, cols, normBound, _nativeRect,
    multiply: (X, Y, c) => multiply.call(op, X, Y, c),
    multiplyTranspose: (X, Y, c) => multiplyTranspose.call(op, X, Y, c),
  };
}

/** The Gram operator of the solved side (P P^T for 'left', P^T P for 'right') as a JavaScript
 * operator, for JavaScript P. `sync` (svdsSync): P's products must return nothing; one that
 * returns a Promise is a TypeError, since the solver cannot wait for it. */
function gramOperator(P: RectangularOperator, side: 'left' | 'right', sync: boolean): SymmetricOperator & { products: number } {
  const n = side === 'left' ? P.rows : P.cols;
  const other = side === 'left' ? P.cols : P.rows;
  const first = (X: Float64Array, T: Float64Array, c: number) => (side === 'left' ? P.multiplyTranspose(X, T, c) : P.multiply(X, T, c));
  const second = (T: Float64Array, Y: Float64Array, c: number) => (side === 'left' ? P.multiply(T, Y, c) : P.multiplyTranspose(T, Y, c));
  const refusePromise = (r: unknown) => {
    if (r && typeof (r as Promise<void>).then === 'function')
      throw new TypeError('svdsSync: the operator returned a Promise; use svds (async) for asynchronous operators');
  };
  const g = {
    n,
    products: 0,
    normBound: P.normBound !== undefined ? P.normBound * P.normBound : undefined,
    multiply(X: Float64Array, Y: Float64Array, columns: number): void | Promise<void> {
      const T = new Float64Array(other * columns);
      if (sync) {
        refusePromise(first(X, T, columns));
        refusePromise(second(T, Y, columns));
        g.products += 2 * columns;
        return;
      }
      return (async () => {
        await first(X, T, columns);
        await second(T, Y, columns);
        g.products += 2 * columns;
      })();
    },
  };
  return g;
}


function fromNative(r: NativeSvds, k: number, signal?: AbortSignal): SvdsResult {
  const result: SvdsResult = {
    values: r.values,
    left: { data: r.left, rows: r.rows, cols: r.count },
    right: { data: r.right, rows: r.cols, cols: r.count },
    residuals: r.residuals,
    products: r.products,
    iterations: r.iterations,
    side: r.side,
  };
  if (r.status === 'aborted') throw abortError(signal);
  if (r.status === 'not-converged')
    throw new SpeclinError<SvdsResult>('ERR_NOT_CONVERGED', `svds: ${r.count} of ${k} singular triplets converged within ${r.iterations} iterations; the converged ones are in err.partial`, result);
  return result;
}

/** Triplets from the eigenpairs of the solved side's Gram matrix: the other side is one product
 * away (normalized columns), and one product back gives the residual ||P v - sigma u||. The two
 * products go through `apply`, which the async form awaits and the sync form calls directly. */
function* completeSteps(P: RectangularOperator, side: 'left' | 'right', e: EigshResult, products: number):
  Generator<{ transpose: boolean; X: Float64Array; Y: Float64Array; k: number }, SvdsResult, void> {
  const k = e.vectors.cols;
  const ns = side === 'left' ? P.rows : P.cols;
  const no = side === 'left' ? P.cols : P.rows;
  const values = new Float64Array(k);
  for (let q = 0; q < k; q++) values[q] = Math.sqrt(Math.max(e.values[q], 0));
  const U = e.vectors.data;
  const O = new Float64Array(no * k);
  const back = new Float64Array(ns * k);
  if (k > 0) {
    yield { transpose: side === 'left', X: U, Y: O, k };
    const norms = new Float64Array(k);
    for (let i = 0; i < no; i++) for (let q = 0; q < k; q++) norms[q] += O[i * k + q] ** 2;
    for (let q = 0; q < k; q++) norms[q] = Math.sqrt(norms[q]);
    for (let i = 0; i < no; i++) for (let q = 0; q < k; q++) O[i * k + q] = norms[q] > 0 ? O[i * k + q] / norms[q] : 0;
    yield { transpose: side !== 'left', X: O, Y: back, k };
  }
  const residuals = new Float64Array(k);
  for (let i = 0; i < ns; i++)
    for (let q = 0; q < k; q++) residuals[q] += (back[i * k + q] - values[q] * U[i * k + q]) ** 2;
  for (let q = 0; q < k; q++) residuals[q] = Math.sqrt(residuals[q]);
  const solved = { data: U, rows: ns, cols: k };
  const other = { data: O, rows: no, cols: k };
  return {
    values,
    left: side === 'left' ? solved : other,
    right: side === 'left' ? other : solved,
    residuals,
    products: products + 2 * k,
    iterations: e.iterations,
    side,
  };
}

async function complete(P: RectangularOperator, side: 'left' | 'right', e: EigshResult, products: number): Promise<SvdsResult> {
  const steps = completeSteps(P, side, e, products);
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    const { transpose, X, Y, k } = s.value;
    await (transpose ? P.multiplyTranspose(X, Y, k) : P.multiply(X, Y, k));
  }
}

function completeSync(P: RectangularOperator, side: 'left' | 'right', e: EigshResult, products: number): SvdsResult {
  const steps = completeSteps(P, side, e, products);
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    const { transpose, X, Y, k } = s.value;
    const r = transpose ? P.multiplyTranspose(X, Y, k) : P.multiply(X, Y, k);
    if (r && typeof (r as Promise<void>).then === 'function')
      throw new TypeError('svdsSync: the operator returned a Promise; use svds (async) for asynchronous operators');
  }
}

function checked(fn: string, P: RectangularOperator, options: SvdsOptions) {
  const side = svdsSide(P.rows, P.cols);
  const n = side === 'left' ? P.rows : P.cols;
  // Validation is eigsh's, on a stand-in of the solved side's size (products are never called).
  const { nativeOptions } = prepareEigsh(fn, { n, multiply() {}, normBound: P.normBound }, options as EigshOptions);
  return { side, nativeOptions };
}

/** svds, Promise form: native operators (a BipartiteGraph) run on a libuv worker. */
export async function svds(target: RectangularOperator | BipartiteLike, options: SvdsOptions): Promise<SvdsResult> {
  const P = resolve('svds', target);
  const { side, nativeOptions } = checked('svds', P, options);
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal);
  if (P._nativeRect !== undefined) {
    const token = native.eigshCancelToken();
    const onAbort = () => native.eigshCancel(token);
    signal?.addEventListener('abort', onAbort, { once: true });
    const relay = progressRelay(options.onProgress);
    try {
      const r = await callNativeAsync(() => native.svds(P._nativeRect, nativeOptions, relay.callback, token));
      if (r.status !== 'aborted') relay.settle({ iterations: r.iterations, converged: r.count, maxResidual: r.maxResidual });
      return fromNative(r, nativeOptions.k, signal);
    } finally {
      relay.settle();
      signal?.removeEventListener('abort', onAbort);
    }
  }
  const G = gramOperator(P, side, false);
  try {
    const e = await eigsh(G, options as EigshOptions);
    return await complete(P, side, e, G.products);
  } catch (err) {
    if (err instanceof SpeclinError && err.code === 'ERR_NOT_CONVERGED' && err.partial)
      throw new SpeclinError('ERR_NOT_CONVERGED', err.message.replace(/^eigsh/, 'svds'), await complete(P, side, err.partial as EigshResult, G.products));
    throw err;
  }
}

/** Synchronous svds; a JavaScript operator's products must be synchronous. */
export function svdsSync(target: RectangularOperator | BipartiteLike, options: SvdsOptions): SvdsResult {
  const P = resolve('svdsSync', target);
  const { side, nativeOptions } = checked('svdsSync', P, options);
  if (P._nativeRect !== undefined)
    return fromNative(callNative(() => native.svdsSync(P._nativeRect, nativeOptions)), nativeOptions.k);
  const G = gramOperator(P, side, true);
  try {
    return completeSync(P, side, eigshSync(G, options as EigshOptions), G.products);
  } catch (err) {
    if (err instanceof SpeclinError && err.code === 'ERR_NOT_CONVERGED' && err.partial)
      throw new SpeclinError('ERR_NOT_CONVERGED', err.message.replace(/^eigshSync/, 'svdsSync'), completeSync(P, side, err.partial as EigshResult, G.products));
    throw err;
  }
}

/** A dense matrix (rows x cols) as a native rectangular operator (small problems, tests). */
export function denseRectangularOperator(A: Matrix): RectangularOperator {
  const m = readMatrix('A', A);
  const handle = callNative(() => native.denseRectOperator(m));
  const { rows, cols } = m;
  const a = m.data instanceof Float64Array ? m.data.slice() : Float64Array.from(m.data);
  return {
    rows,
    cols,
    _nativeRect: handle,
    multiply(X: Float64Array, Y: Float64Array, columns: number) {
      Y.fill(0);
      for (let i = 0; i < rows; i++)
        for (let p = 0; p < cols; p++) for (let c = 0; c < columns; c++) Y[i * columns + c] += a[i * cols + p] * X[p * columns + c];
    },
    multiplyTranspose(X: Float64Array, Y: Float64Array, columns: number) {
      Y.fill(0);
      for (let i = 0; i < rows; i++)
        for (let p = 0; p < cols; p++) for (let c = 0; c < columns; c++) Y[p * columns + c] += a[i * cols + p] * X[i * columns + c];
    },
  };
}
