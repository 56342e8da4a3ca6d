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
