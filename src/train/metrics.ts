// How close a learned embedding is to the closed-form one, beyond the loss value: the largest
// principal angle between span(D^{1/2} E) and the span of Ā's top-k eigenvectors. The loss is
// invariant to rotations of E, and so is this angle, while it also sees directions the loss
// barely weighs (eigenvalues near λ_k).
import { innerGramSync } from '../gram.js';
import type { Matrix } from '../types.js';
import { symmetricEigen } from './small-dense.js';

/** Orthonormal basis (n x r, float64) of the column span of F, dropping directions whose singular
 * value is below 1e-10 of the largest (numerically absent). */
function orthonormalBasis(F: Matrix<Float64Array>): Matrix<Float64Array> {
  const k = F.cols;
  const G = innerGramSync(F, F) as Matrix<Float64Array>;
  const { values, vectors } = symmetricEigen(G.data, k);
  const keep: number[] = [];
  for (let j = 0; j < k; j++) if (values[j] > 1e-20 * Math.max(values[0], 1e-300)) keep.push(j);
  const r = keep.length;
  const Q = new Float64Array(F.rows * r);
  for (let i = 0; i < F.rows; i++)
    for (let c = 0; c < r; c++) {
      const j = keep[c];
      let s = 0;
      for (let l = 0; l < k; l++) s += F.data[i * k + l] * vectors[l * k + j];
      Q[i * r + c] = s / Math.sqrt(values[j]);
    }
  return { data: Q, rows: F.rows, cols: r };
}

/**
 * The largest principal angle, in degrees, between span(D^{1/2} E) (E n x k, the learned f rows;
 * p the marginals) and span(U) (U n x k with orthonormal columns, Ā's top-k eigenvectors).
 * 90 when D^{1/2} E has rank below U's column count. Computed from sin^2 (the largest eigenvalue
 * of I - M^T M, M = U^T Q), which stays accurate for small angles where arccos would not.
 */
export function maxPrincipalAngleDeg(E: Matrix, marginals: ArrayLike<number>, U: Matrix): number {
  const { rows: n, cols: k } = E;
  if (marginals.length !== n) throw new RangeError(`marginals must have length ${n}, got ${marginals.length}`);
  if (U.rows !== n) throw new RangeError(`U must have ${n} rows, got ${U.rows}`);
  const F = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(marginals[i]);
    for (let j = 0; j < k; j++) F[i * k + j] = s * E.data[i * k + j];
  }
  const Q = orthonormalBasis({ data: F, rows: n, cols: k });
  const r = Q.cols;
  if (r < U.cols) return 90;
  const U64 = U.data instanceof Float64Array ? (U as Matrix<Float64Array>) : { data: Float64Array.from(U.data), rows: U.rows, cols: U.cols };
  // With r >= U.cols the largest angle is the one seen from U's side: sin^2 = max eig of I - N^T N,
  // N = Q^T U (r x u).
  const N = innerGramSync(Q, U64) as Matrix<Float64Array>;
  const u = U.cols;
  const S = new Float64Array(u * u);
  for (let a = 0; a < u; a++)
    for (let b = 0; b < u; b++) {
      let s = 0;
      for (let l = 0; l < r; l++) s += N.data[l * u + a] * N.data[l * u + b];
      S[a * u + b] = (a === b ? 1 : 0) - s;
    }
  const { values } = symmetricEigen(S, u);
  const sin2 = Math.min(1, Math.max(0, values[0]));
  return (Math.asin(Math.sqrt(sin2)) * 180) / Math.PI;
}

/** (loss - optimum) / |optimum|: the gap the targets are stated in. */
export function relativeGap(loss: number, optimum: number): number {
  return (loss - optimum) / Math.abs(optimum);
}
