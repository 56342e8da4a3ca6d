// How close a learned embedding is to the closed-form one, beyond the loss value: the largest
// principal angle between span(D^{1/2} E) and the span of Ā's top-k eigenvectors. The loss is
// invariant to rotations of E, and so is this angle, while it also sees directions the loss
// barely weighs (eigenvalues near λ_k).
import { innerGramSync } from '../gram.js';
import type { Matrix } from '../types.js';
import { symmetricEigen } from '../dense.js';

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

/** F = D^{1/2} E in float64. */
function scaledRows(E: Matrix, marginals: ArrayLike<number>): Matrix<Float64Array> {
  const { rows: n, cols: k } = E;
  const F = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(marginals[i]);
    for (let j = 0; j < k; j++) F[i * k + j] = s * E.data[i * k + j];
  }
  return { data: F, rows: n, cols: k };
}

/** The largest principal angle, in degrees, between the column spans of P and R (both n x ., any
 * basis; orthonormalized here). 90 when P has a smaller rank than R. Computed from sin^2 (the
 * largest eigenvalue of I - N^T N, N = Q_P^T Q_R), which stays accurate for small angles where
 * arccos would not. */
export function maxPrincipalAngleBetween(P: Matrix, R: Matrix): number {
  if (P.rows !== R.rows) throw new RangeError(`both bases need the same number of rows, got ${P.rows} and ${R.rows}`);
  const toF64 = (M: Matrix): Matrix<Float64Array> => (M.data instanceof Float64Array ? (M as Matrix<Float64Array>) : { data: Float64Array.from(M.data), rows: M.rows, cols: M.cols });
  const Q = orthonormalBasis(toF64(P));
  const U = orthonormalBasis(toF64(R));
  const r = Q.cols;
  const u = U.cols;
  if (r < u) return 90;
  if (u === 0) return 0;
  // With r >= u the largest angle is the one seen from R's side.
  const N = innerGramSync(Q, U) as Matrix<Float64Array>;
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

/**
 * The largest principal angle, in degrees, between span(D^{1/2} E) (E n x k, the learned f rows;
 * p the marginals) and span(U) (n x k, Ā's top-k eigenvectors).
 */
export function maxPrincipalAngleDeg(E: Matrix, marginals: ArrayLike<number>, U: Matrix): number {
  if (marginals.length !== E.rows) throw new RangeError(`marginals must have length ${E.rows}, got ${marginals.length}`);
  if (U.rows !== E.rows) throw new RangeError(`U must have ${E.rows} rows, got ${U.rows}`);
  return maxPrincipalAngleBetween(scaledRows(E, marginals), U);
}

/** The same angle between two embeddings of one node set: span(D^{1/2} E) against
 * span(D^{1/2} E*), for optima given as embeddings (the two-tower case). */
export function maxPrincipalAngleToEmbedding(E: Matrix, marginals: ArrayLike<number>, Estar: Matrix): number {
  if (marginals.length !== E.rows || Estar.rows !== E.rows) throw new RangeError('E, Estar and marginals must cover the same nodes');
  return maxPrincipalAngleBetween(scaledRows(E, marginals), scaledRows(Estar, marginals));
}

/** (loss - optimum) / |optimum|: the gap the targets are stated in. */
export function relativeGap(loss: number, optimum: number): number {
  return (loss - optimum) / Math.abs(optimum);
}
