// How close a learned embedding is to the closed-form one, beyond the loss value: the largest
// principal angle between span(D^{1/2} E) and the span of Ā's top-k eigenvectors
// (src/principal-angles.ts computes all of them).
import type { Matrix } from '../types.js';
import { principalAnglesBetween, scaledRows } from '../principal-angles.js';

/** The largest principal angle, in degrees, between the column spans of P and R (both n x ., any
 * basis; orthonormalized here). 90 when P has a smaller rank than R. */
export function maxPrincipalAngleBetween(P: Matrix, R: Matrix): number {
  return principalAnglesBetween(P, R)[0] ?? 0;
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
