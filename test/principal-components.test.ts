// Principal components against numpy's eigendecomposition of the covariance, and the projection
// against its definition (X - mean) V^T.
import test from 'ava';
import { fitPrincipalComponents, projectOnComponents } from '../src/data/principal-components.js';
import { randomMatrix } from '../src/random.js';
import { python } from './helpers/python.js';
import { testNeeding } from './helpers/requirements.js';

const pyTest = testNeeding('python');

// Both solvers: the dense one (d a large part of the columns) and Lanczos (d <= columns / 4).
for (const [cols, d] of [[7, 3], [40, 5]] as const) {
  pyTest(`fitPrincipalComponents (${d} of ${cols} columns): the covariance eigenpairs numpy finds`, (t) => {
    const rows = 90;
    // Columns with distinct scales, so that the leading eigenvalues are well separated.
    const X = randomMatrix(Float64Array, rows, cols, 5);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) X.data[i * cols + j] = X.data[i * cols + j] * (1 + 0.5 * j) + 0.3 * j;
    const pc = fitPrincipalComponents(X, d);
    const want = python<{ values: number[]; vectors: number[][]; kept: number }>(
      `import sys, json, numpy as np
d = json.load(sys.stdin); X = np.array(d["X"]).reshape(d["rows"], d["cols"])
C = np.cov(X, rowvar=False); w, V = np.linalg.eigh(C); o = np.argsort(-w)[:d["d"]]
print(json.dumps({"values": w[o].tolist(), "vectors": V[:, o].T.tolist(), "kept": float(w[o].sum() / w.sum())}))`,
      { X: Array.from(X.data), rows, cols, d },
    );
    for (let c = 0; c < d; c++) {
      // Eigenvalues: LAPACK and the dense solver agree to ~1e-13 relative; Lanczos stops at a
      // residual of 1e-10 of the trace, which bounds the eigenvalue error by about that.
      t.true(Math.abs(pc.variances[c] - want.values[c]) < 1e-9 * want.values[0], `value ${c}: ${pc.variances[c]} vs ${want.values[c]}`);
      // Eigenvectors up to sign; the leading gaps here are a few % of λ_1, so a residual of 1e-10
      // moves a vector by ~1e-8 at most.
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += pc.directions.data[c * cols + j] * want.vectors[c][j];
      t.true(Math.abs(Math.abs(dot) - 1) < 1e-8, `vector ${c}: |dot| = ${Math.abs(dot)}`);
    }
    t.true(Math.abs(pc.keptVariance - want.kept) < 1e-9);
  });
}

test('projectOnComponents: (X - mean) V^T, in float32', (t) => {
  const X = randomMatrix(Float32Array, 20, 5, 8);
  const pc = fitPrincipalComponents(X, 2);
  const Y = projectOnComponents(pc, X);
  t.deepEqual([Y.rows, Y.cols], [20, 2]);
  for (let i = 0; i < 20; i++)
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += (X.data[i * 5 + j] - pc.mean[j]) * pc.directions.data[c * 5 + j];
      // float64 products rounded once to float32: relative 1e-6 of the row's scale.
      t.true(Math.abs(Y.data[i * 2 + c] - s) < 1e-6 * (1 + Math.abs(s)), `${i},${c}`);
    }
  // Coordinates of the fitted rows are centred.
  for (let c = 0; c < 2; c++) {
    let m = 0;
    for (let i = 0; i < 20; i++) m += Y.data[i * 2 + c];
    t.true(Math.abs(m / 20) < 1e-6);
  }
  t.throws(() => projectOnComponents(pc, randomMatrix(Float32Array, 2, 4, 1)), { instanceOf: RangeError, message: /5 columns/ });
  t.throws(() => fitPrincipalComponents(X, 6), { instanceOf: RangeError, message: /d must be an integer from 1 to 5/ });
  t.throws(() => fitPrincipalComponents({ data: new Float32Array(5), rows: 1, cols: 5 }, 1), { instanceOf: RangeError, message: /at least 2 rows/ });
});
