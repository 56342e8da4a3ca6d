// The dense symmetric eigensolver of the TypeScript side (src/dense.ts), which runs the core's
// Householder + implicit QL solver (native/core/dense_eigen.cc). The references are independent of
// it: the defining identities S V = V Λ and V^T V = I checked with naive float64 loops, and, where
// the eigenvalues are known in closed form, the values themselves.
import test from 'ava';
import { symmetricEigen } from '../src/dense.js';
import { randomMatrix } from './helpers/random.js';

function symmetric(m: number, seed: number): Float64Array {
  const A = randomMatrix(Float64Array, m, m, seed).data;
  const S = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) S[i * m + j] = A[i * m + j] + A[j * m + i];
  return S;
}

for (const m of [1, 2, 7, 40]) {
  test(`S V = V Λ and V^T V = I, values descending (m = ${m})`, (t) => {
    const S = symmetric(m, 10 + m);
    const { values, vectors: V } = symmetricEigen(S, m);
    let norm = 0;
    for (const x of S) norm = Math.max(norm, Math.abs(x));
    // Backward stable: residuals ~ m * eps * ||S||; 1e-12 * ||S|| leaves a margin of ~100 at m = 40.
    for (let c = 0; c < m; c++) {
      if (c > 0) t.true(values[c] <= values[c - 1]);
      for (let i = 0; i < m; i++) {
        let sv = 0;
        for (let l = 0; l < m; l++) sv += S[i * m + l] * V[l * m + c];
        t.true(Math.abs(sv - values[c] * V[i * m + c]) <= 1e-12 * Math.max(norm, 1), `column ${c}, row ${i}`);
      }
      for (let d = 0; d < m; d++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += V[i * m + c] * V[i * m + d];
        t.true(Math.abs(dot - (c === d ? 1 : 0)) <= 1e-12);
      }
    }
  });
}

test('a path graph\'s Laplacian: eigenvalues 2 - 2 cos(π j / m), known in closed form', (t) => {
  const m = 12;
  const L = new Array<number>(m * m).fill(0);
  for (let i = 0; i < m; i++) {
    L[i * m + i] = i === 0 || i === m - 1 ? 1 : 2;
    if (i + 1 < m) L[i * m + i + 1] = L[(i + 1) * m + i] = -1;
  }
  const { values } = symmetricEigen(L, m); // a plain array is accepted too
  const want = Array.from({ length: m }, (_, j) => 2 - 2 * Math.cos((Math.PI * j) / m)).sort((a, b) => b - a);
  // ||L|| <= 4: absolute errors ~ 1e-15; 1e-13 allows for the order of the sweeps.
  for (let j = 0; j < m; j++) t.true(Math.abs(values[j] - want[j]) < 1e-13, `λ_${j}: ${values[j]} vs ${want[j]}`);
});

test('a NaN or an infinity gives NaN values and vectors (a diverged run reports NaN, not a throw)', (t) => {
  for (const bad of [NaN, Infinity]) {
    const S = symmetric(3, 5);
    S[4] = bad;
    const { values, vectors } = symmetricEigen(S, 3);
    t.true(values.every(Number.isNaN));
    t.true(vectors.every(Number.isNaN));
  }
});

test('S of the wrong length is a RangeError naming m * m', (t) => {
  t.throws(() => symmetricEigen(new Float64Array(5), 2), { instanceOf: RangeError, message: /m \* m = 4/ });
});
