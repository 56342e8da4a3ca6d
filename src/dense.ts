// Dense float64 algebra on the small matrices of the TypeScript side (the training metrics' k x k
// problems, the probe's 100 x 100 kernel, the GPU eigensolver's projected matrix): the symmetric
// eigenproblem through the core's solver, and a Cholesky solve. Sizes here are tiny, so clarity
// wins over blocking in the solve.
import { native } from './native.js';
import { callNative } from './errors.js';

/** Eigenvalues (descending) and eigenvectors (columns of `vectors`, row-major m x m) of the
 * symmetric m x m matrix S, by the core's Householder tridiagonalization and implicit QL
 * (native/core/dense_eigen.cc, the solver of eigsh's projected problems too). A NaN or an infinity
 * in S gives NaN values and vectors, so that a diverged training run reports NaN metrics rather
 * than stopping. */
export function symmetricEigen(S: ArrayLike<number>, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = S instanceof Float64Array ? S : Float64Array.from(S);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) return { values: new Float64Array(m).fill(NaN), vectors: new Float64Array(m * m).fill(NaN) };
  }
  return callNative(() => native.symmetricEigen(a, m));
}

/** Solves S X = B for symmetric positive definite S (m x m) and B (m x c), by Cholesky. Throws a
 * RangeError when S is not numerically positive definite. */
export function choleskySolve(S: ArrayLike<number>, m: number, B: ArrayLike<number>, c: number): Float64Array {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j <= i; j++) {
      let s = S[i * m + j];
      for (let k = 0; k < j; k++) s -= L[i * m + k] * L[j * m + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError('the matrix is not positive definite');
        L[i * m + i] = Math.sqrt(s);
      } else L[i * m + j] = s / L[j * m + j];
    }
  const X = Float64Array.from(B);
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < m; i++) {
      let s = X[i * c + col];
      for (let k = 0; k < i; k++) s -= L[i * m + k] * X[k * c + col];
      X[i * c + col] = s / L[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = X[i * c + col];
      for (let k = i + 1; k < m; k++) s -= L[k * m + i] * X[k * c + col];
      X[i * c + col] = s / L[i * m + i];
    }
  }
  return X;
}
