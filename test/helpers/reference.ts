// Independent references: naive float64 loops, written for clarity, not speed.
import type { FloatArray } from '../../src/types.js';

/** C = op(A) op(B) in float64, A is ar x ac, B is br x bc, row-major. */
export function matmul64(
  A: ArrayLike<number>, ar: number, ac: number, ta: boolean,
  B: ArrayLike<number>, br: number, bc: number, tb: boolean,
): Float64Array {
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  if ((tb ? bc : br) !== k) throw new Error('matmul64: inner dimensions differ');
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = ta ? A[p * ac + i] : A[i * ac + p];
        const b = tb ? B[j * bc + p] : B[p * bc + j];
        s += a * b;
      }
      C[i * n + j] = s;
    }
  return C;
}

/** max |got - want| / (max |want| + tiny): one number to compare against a tolerance. */
export function relativeMaxError(got: FloatArray | ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / (scale + 1e-300);
}

/** Y = M X, or M^T X with `transpose`, for a dense rows x cols M and X with c columns (row-major),
 * in float64. */
export function denseProduct(M: ArrayLike<number>, rows: number, cols: number, X: ArrayLike<number>, c: number, transpose = false): Float64Array {
  return matmul64(M, rows, cols, transpose, X, transpose ? rows : cols, c, false);
}

/** The largest ratio |got[i] - want[i]| / bound(i): <= 1 means every entry is within its bound.
 * A zero bound demands an exact match; a NaN anywhere counts as Infinity. */
export function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number) => number): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const b = bound(i);
    const r = b === 0 ? (err === 0 ? 0 : Infinity) : err / b;
    worst = Number.isNaN(r) ? Infinity : Math.max(worst, r);
    if (worst === Infinity) return worst;
  }
  return worst;
}

/** max |Y^T Y - I| of the n x k row-major columns Y, in float64. */
export function orthonormalityError(Y: ArrayLike<number>, n: number, k: number): number {
  let worst = 0;
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Y[i * k + a] * Y[i * k + b];
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  return worst;
}
