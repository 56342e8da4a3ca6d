// Dense float64 algebra on the small matrices of the TypeScript side (the training metrics' k x k
// problems, the probe's 100 x 100 kernel, the GPU eigensolver's projected matrix): cyclic Jacobi
// for symmetric eigenproblems and a Cholesky solve. Sizes here are tiny, so clarity wins over
// blocking.

/** Eigenvalues (descending) and eigenvectors (columns of `vectors`, row-major m x m) of the
 * symmetric m x m matrix S, by cyclic Jacobi rotations to machine precision. */
export function symmetricEigen(S: ArrayLike<number>, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(S);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const x = a[i * m + j] * a[i * m + j];
        total += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < m - 1; p++)
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p];
          const vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => a[j * m + j] - a[i * m + i]);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    values[dst] = a[src * m + src];
    for (let k = 0; k < m; k++) vectors[k * m + dst] = v[k * m + src];
  });
  return { values, vectors };
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
