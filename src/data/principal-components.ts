// Principal components of a data matrix: the top-d eigenvectors of the covariance of its rows,
// fitted once (on training rows) and then applied to any row as a fixed linear map. The image
// tower of `speclin clip` reads pixels through it: a linear first stage that keeps most of the
// pixels' variance in a tenth of their width, so each training step costs a fraction as much.
import { crossGramSync, innerGramSync } from '../gram.js';
import { symmetricEigen } from '../dense.js';
import { eigshSync } from '../eigsh.js';
import type { Matrix } from '../types.js';

export interface PrincipalComponents {
  /** The fitted rows' mean (length cols). */
  mean: Float64Array;
  /** The directions, d x cols, row c the c-th eigenvector of the covariance (descending). */
  directions: Matrix<Float64Array>;
  /** Their covariance eigenvalues (descending), and the fraction of the total variance they keep. */
  variances: Float64Array;
  keptVariance: number;
}

export function fitPrincipalComponents(X: Matrix, d: number): PrincipalComponents {
  if (!X || !(X.data instanceof Float32Array || X.data instanceof Float64Array)) throw new TypeError('X must be a Matrix with Float32Array or Float64Array data');
  const { rows, cols } = X;
  if (X.data.length !== rows * cols) throw new RangeError(`X.data has length ${X.data.length}, expected rows * cols = ${rows * cols}`);
  if (!Number.isInteger(d) || d < 1 || d > cols) throw new RangeError(`d must be an integer from 1 to ${cols} (the columns), got ${d}`);
  if (rows < 2) throw new RangeError(`principal components need at least 2 rows, got ${rows}`);
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += X.data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const centred = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) centred[i * cols + j] = X.data[i * cols + j] - mean[j];
  const C = innerGramSync({ data: centred, rows, cols }, { data: centred, rows, cols }) as Matrix<Float64Array>;
  let trace = 0;
  for (let j = 0; j < cols; j++) trace += C.data[j * cols + j];
  const { values, vectorOf } = topEigenpairs(C.data, cols, d, trace);
  const directions = new Float64Array(d * cols);
  const variances = new Float64Array(d);
  let kept = 0;
  for (let c = 0; c < d; c++) {
    variances[c] = values[c] / (rows - 1);
    kept += Math.max(values[c], 0);
    directions.set(vectorOf(c), c * cols);
  }
  return { mean, directions: { data: directions, rows: d, cols }, variances, keptVariance: trace > 0 ? kept / trace : 0 };
}

/**
 * The top d eigenpairs of the symmetric m x m matrix C (trace `trace`, positive semidefinite):
 * Lanczos (eigsh) on C / trace, whose norm is at most 1 as eigsh's tolerance assumes, when d is a
 * small part of m (for 64 of 784 it is about 3 times faster than the dense solve); the dense
 * solve otherwise.
 */
function topEigenpairs(C: Float64Array, m: number, d: number, trace: number): { values: Float64Array; vectorOf: (c: number) => Float64Array } {
  if (4 * d > m || !(trace > 0)) {
    // symmetricEigen: values descending, column c of the row-major vectors the c-th eigenvector.
    const { values, vectors } = symmetricEigen(C, m);
    return { values, vectorOf: (c) => Float64Array.from({ length: m }, (_, j) => vectors[j * m + c]) };
  }
  const scaled = Float64Array.from(C, (x) => x / trace);
  const operator = {
    n: m,
    multiply(X: Float64Array, Y: Float64Array, columns: number) {
      // Y = S X for symmetric S: the rows of Y are the rows of S against the columns of X.
      const Xt = new Float64Array(columns * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < columns; j++) Xt[j * m + i] = X[i * columns + j];
      Y.set((crossGramSync({ data: scaled, rows: m, cols: m }, { data: Xt, rows: columns, cols: m }) as Matrix<Float64Array>).data);
    },
  };
  const r = eigshSync(operator, { k: d, tol: 1e-10, seed: 1 });
  const values = Float64Array.from(r.values, (v) => v * trace);
  return { values, vectorOf: (c) => Float64Array.from({ length: m }, (_, j) => r.vectors.data[j * d + c]) };
}

/** (X - mean) directions^T: each row's coordinates along the components, in float32 (computed as
 * X directions^T - mean directions^T, one crossGram in float64). */
export function projectOnComponents(pc: PrincipalComponents, X: Matrix): Matrix<Float32Array> {
  const { cols } = pc.directions;
  if (!X || !(X.data instanceof Float32Array || X.data instanceof Float64Array)) throw new TypeError('X must be a Matrix with Float32Array or Float64Array data');
  if (X.cols !== cols) throw new RangeError(`X must have ${cols} columns (the fitted data's), got ${X.cols}`);
  const d = pc.directions.rows;
  const wide = X.data instanceof Float64Array ? X : { data: Float64Array.from(X.data), rows: X.rows, cols };
  const P = crossGramSync(wide, pc.directions) as Matrix<Float64Array>;
  const shift = crossGramSync({ data: pc.mean, rows: 1, cols }, pc.directions) as Matrix<Float64Array>;
  const out = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) for (let c = 0; c < d; c++) out[i * d + c] = P.data[i * d + c] - shift.data[c];
  return { data: out, rows: X.rows, cols: d };
}
