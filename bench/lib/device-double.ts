// A host double of a device for eigsh's device basis (options.deviceBasis; the protocol of
// EigshRequestKind in native/core/eigsh.h, which the WebGPU backend answers in src/gpu/eigsh.ts):
// the basis as rows of Float64Array or Float32Array (the precision a device would store), dot
// products and norms accumulated in float64. Used by test/eigsh-device-basis.test.ts (the solver's
// device side without a GPU) and bench/eigs-basis-precision.ts (what a float32 basis costs).
import { native } from '../../src/native.js';
import type { NativeDeviceRequest, NativeDeviceRestart, NativeEigshOptions, NativeEigshResult } from '../../src/native-addon.js';

export type BasisStorage = Float64ArrayConstructor | Float32ArrayConstructor;

export interface DoubleSolve {
  result: NativeEigshResult;
  /** The request kinds the solver made. */
  kinds: Set<string>;
}

/** Solves for the top eigenpairs of the n x n operator `product` (y = A x) with the solver's
 * basis kept here, stored as `storage`. */
export function solveWithDeviceDouble(
  n: number, product: (x: Float64Array) => Float64Array, options: NativeEigshOptions, storage: BasisStorage = Float64Array,
  /** Called with each request, the solver and the double's answer, before the answer is given. */
  beforeReply?: (request: NativeDeviceRequest, solver: unknown, Y: Float64Array, X?: Float64Array) => void,
): DoubleSolve {
  type Row = Float64Array | Float32Array;
  const store = (v: ArrayLike<number>): Row => storage.from(v);
  const column = (X: Float64Array, cols: number, q: number) => Float64Array.from({ length: n }, (_, i) => X[i * cols + q]);
  const block = (rows: ArrayLike<number>[]) => {
    const out = new Float64Array(n * rows.length);
    rows.forEach((r, q) => {
      for (let i = 0; i < n; i++) out[i * rows.length + q] = r[i];
    });
    return out;
  };
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  const V: Row[] = [];
  let ritz: Row[] = [];
  const combine = (first: number, active: number, coef: Float64Array, cols: number) =>
    Array.from({ length: cols }, (_, q) => {
      const v = new Float64Array(n);
      for (let r = 0; r < active; r++) {
        const c = coef[r * cols + q];
        const row = V[first + r];
        for (let i = 0; i < n; i++) v[i] += c * row[i];
      }
      return store(v);
    });
  const restart = (r: NativeDeviceRestart) => {
    const kept = combine(r.first, r.active, r.keep, r.kept);
    const rows = [...r.lock.map((q) => ritz[q]), ...kept, V[r.residual]];
    rows.forEach((v, q) => (V[r.first + q] = v));
  };
  const kinds = new Set<string>();
  const solver = native.eigshSolverNew(n, { ...options, deviceBasis: true });
  let req: NativeDeviceRequest | null = native.eigshDeviceStep(solver);
  while (req) {
    const current: NativeDeviceRequest = req;
    kinds.add(current.kind);
    let Y: Float64Array;
    let X: Float64Array | undefined;
    switch (current.kind) {
      case 'product':
      case 'lock': {
        const cols = current.columns;
        const xs = Array.from({ length: cols }, (_, q) => column(current.X, cols, q));
        // A locked column's product is the stored vector's, as on a device.
        if (current.kind === 'lock') xs.forEach((x, q) => (V[q] = store(x)));
        Y = block(xs.map((x, q) => product(current.kind === 'lock' ? Float64Array.from(V[q]) : x)));
        break;
      }
      case 'extend': {
        if (current.restart) restart(current.restart);
        if (current.start) V[current.column] = store(column(current.start, 1, 0));
        const reply: number[] = [];
        for (let j = current.column; j < current.column + current.steps; j++) {
          const y = product(Float64Array.from(V[j]));
          const h = new Float64Array(j + 1);
          // Classical Gram-Schmidt, twice, against the whole basis.
          for (let pass = 0; pass < 2; pass++) {
            const c = V.slice(0, j + 1).map((row) => dot(row, y));
            for (let r = 0; r <= j; r++) {
              h[r] += c[r];
              const row = V[r];
              for (let i = 0; i < n; i++) y[i] -= c[r] * row[i];
            }
          }
          const beta = Math.sqrt(dot(y, y));
          V[j + 1] = store(y.map((x) => x / beta));
          reply.push(...h, beta);
        }
        Y = Float64Array.from(reply);
        break;
      }
      case 'verify':
        ritz = combine(current.first, current.active, current.ritz, current.columns);
        Y = block(ritz.map((x) => product(Float64Array.from(x))));
        X = block(ritz);
        break;
      case 'collect':
        if (current.restart) restart(current.restart);
        Y = block(V.slice(0, current.columns));
        break;
    }
    beforeReply?.(current, solver, Y, X);
    req = native.eigshDeviceStep(solver, Y, X);
  }
  return { result: native.eigshSolverResult(solver, false), kinds };
}
