// Principal angles between column spans: how far a learned embedding's subspace span(D^{1/2} E)
// is from the optimal one, span(U_k). The loss is invariant to rotations of E and so are these
// angles, while they also see directions the loss barely weighs (eigenvalues near λ_k).
import { crossGramSync, innerGramSync } from './gram.js';
import { symmetricEigen } from './dense.js';
import type { Matrix } from './types.js';

function toFloat64(M: Matrix): Matrix<Float64Array> {
  return M.data instanceof Float64Array ? (M as Matrix<Float64Array>) : { data: Float64Array.from(M.data), rows: M.rows, cols: M.cols };
}

/** One pass of Gram-eigen orthonormalization: Q = F V Λ^{-1/2} over the directions whose singular
 * value is above 1e-10 of the largest (the others are numerically absent). */
function orthonormalPass(F: Matrix<Float64Array>): Matrix<Float64Array> {
  const k = F.cols;
  if (k === 0) return F;
  const G = innerGramSync(F, F) as Matrix<Float64Array>;
  const { values, vectors } = symmetricEigen(G.data, k);
  const keep: number[] = [];
  for (let j = 0; j < k; j++) if (values[j] > 1e-20 * Math.max(values[0], 1e-300)) keep.push(j);
  const r = keep.length;
  // Q = F M with M = V_keep Λ_keep^{-1/2} (k x r), as the native F (Mᵀ)ᵀ: the O(n k r) product
  // is the whole cost of this function.
  const Mt = new Float64Array(r * k);
  for (let c = 0; c < r; c++) {
    const j = keep[c];
    const scale = 1 / Math.sqrt(values[j]);
    for (let l = 0; l < k; l++) Mt[c * k + l] = vectors[l * k + j] * scale;
  }
  if (r === 0) return { data: new Float64Array(0), rows: F.rows, cols: 0 };
  return crossGramSync(F, { data: Mt, rows: r, cols: k }) as Matrix<Float64Array>;
}

/** Orthonormal basis (n x r, float64) of F's column span. The Gram route loses orthogonality in
 * proportion to cond(F)^2, so a second pass restores it to rounding level (the first pass leaves
 * a basis with condition number near 1 whatever F's was, up to cond(F) ~ 1e8). */
export function orthonormalBasis(F: Matrix): Matrix<Float64Array> {
  return orthonormalPass(orthonormalPass(toFloat64(F)));
}

/** F = D^{1/2} E in float64: row i scaled by sqrt(p_i). */
export function scaledRows(E: Matrix, marginals: ArrayLike<number>): Matrix<Float64Array> {
  const { rows: n, cols: k } = E;
  const F = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(marginals[i]);
    for (let j = 0; j < k; j++) F[i * k + j] = s * E.data[i * k + j];
  }
  return { data: F, rows: n, cols: k };
}

/**
 * The principal angles, in degrees and in descending order (largest first, as
 * scipy.linalg.subspace_angles), between span(P) and span(R), seen from R: one angle per dimension
 * of span(R), each R direction's angle to span(P). Where span(P) has fewer dimensions than span(R),
 * the directions it lacks count as 90 degrees. Any bases; orthonormalized here.
 *
 * With Q, U orthonormal bases of P and R, N = Q^T U and S = U - Q N (the part of U outside
 * span(P)), the cosines are the singular values of N and the sines those of S, with shared right
 * singular vectors v_i (N^T N + S^T S = I). The v_i come from the eigenvectors of S^T S; each angle
 * is then atan2(||S v_i||, ||N v_i||), both norms taken of vectors, not read off squared
 * eigenvalues: an eigenvalue near 0 of a Gram matrix is known only to ~1e-16 absolute, which
 * would leave a sine or cosine of 1e-9 with no correct digit, while the norm of S v_i is off by
 * only (error of v_i) x (the other singular values), second order. So angles near 0 and near 90
 * degrees both keep their accuracy (arccos of a cosine near 1, or asin of a sine near 1, would not).
 * Limit: several angles all below ~1e-8 rad (squared sines within 1e-16 of each other) share their
 * v_i, so each comes out somewhere within that cluster's range.
 */
export function principalAnglesBetween(P: Matrix, R: Matrix): Float64Array {
  if (P.rows !== R.rows) throw new RangeError(`both bases need the same number of rows, got ${P.rows} and ${R.rows}`);
  const Q = orthonormalBasis(P);
  const U = orthonormalBasis(R);
  const n = U.rows, r = Q.cols, u = U.cols;
  if (u === 0) return new Float64Array(0);
  if (r === 0) return new Float64Array(u).fill(90);
  const N = innerGramSync(Q, U) as Matrix<Float64Array>;
  const Nt = new Float64Array(u * r);
  for (let l = 0; l < r; l++) for (let b = 0; b < u; b++) Nt[b * r + l] = N.data[l * u + b];
  const QN = crossGramSync(Q, { data: Nt, rows: u, cols: r }) as Matrix<Float64Array>;
  const S = Float64Array.from(U.data);
  for (let e = 0; e < S.length; e++) S[e] -= QN.data[e];
  const Smat = { data: S, rows: n, cols: u };
  const { vectors } = symmetricEigen(innerGramSync(Smat, Smat).data, u);
  // Vt's row i is v_i (a column of `vectors`): S V = crossGram(S, Vt); N V (r x u) is small.
  const Vt = new Float64Array(u * u);
  for (let i = 0; i < u; i++) for (let j = 0; j < u; j++) Vt[i * u + j] = vectors[j * u + i];
  const SV = crossGramSync(Smat, { data: Vt, rows: u, cols: u }).data;
  const angles = new Float64Array(u);
  for (let i = 0; i < u; i++) {
    let s2 = 0;
    for (let row = 0; row < n; row++) s2 += SV[row * u + i] ** 2;
    let c2 = 0;
    for (let l = 0; l < r; l++) {
      let x = 0;
      for (let b = 0; b < u; b++) x += N.data[l * u + b] * vectors[b * u + i];
      c2 += x * x;
    }
    angles[i] = (Math.atan2(Math.sqrt(s2), Math.sqrt(c2)) * 180) / Math.PI;
  }
  angles.sort().reverse();
  return angles;
}
