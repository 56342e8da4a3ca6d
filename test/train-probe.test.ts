import test from 'ava';
import { probeAccuracy, probeOnSplit, probeSplit } from '../src/train/probe.js';
import { maxPrincipalAngleDeg } from '../src/train/metrics.js';
import { symmetricEigen } from '../src/dense.js';
import { python } from './helpers/python.js';
import { numpySymmetricEigenvalues } from './helpers/numpy.js';
import { normal, randomMatrix } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

test('the probe split takes exactly perClass examples of each class, seeded', (t) => {
  const labels = Array.from({ length: 300 }, (_, i) => i % 3);
  const s = probeSplit(labels, 10, 5);
  t.is(s.train.length, 30);
  t.is(s.test.length, 270);
  for (const c of [0, 1, 2]) t.is(Array.from(s.train).filter((i) => labels[i] === c).length, 10);
  t.deepEqual(probeSplit(labels, 10, 5), s);
});

pyTest('probe predictions equal numpy ridge regression on the same preprocessing', (t) => {
  const n = 120;
  const d = 9;
  const X = randomMatrix(Float64Array, n, d, 3);
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  for (let i = 0; i < n; i++) X.data[i * d + labels[i]] += 3;
  const split = probeSplit(labels, 5, 1);
  const got = probeOnSplit(X, labels, split, 1e-2);
  // The same model in numpy, in the primal: normalize rows, centre on the training mean, ridge
  // with lambda = 1e-2 * mean squared training norm, intercept = mean target.
  const want = python<number>(
    `import sys, json, numpy as np
d = json.load(sys.stdin); X = np.array(d['X']).reshape(${n}, ${d}); y = np.array(d['y'])
tr = np.array(d['train']); te = np.array(d['test'])
X = X / np.linalg.norm(X, axis=1, keepdims=True)
mu = X[tr].mean(0); A = X[tr] - mu; B = X[te] - mu
Y = np.eye(4)[y[tr]]; ym = Y.mean(0); Y = Y - ym
lam = 1e-2 * (A * A).sum() / len(tr)
W = np.linalg.solve(A.T @ A + lam * np.eye(${d}), A.T @ Y)
pred = (B @ W + ym).argmax(1)
print(json.dumps(float((pred == y[te]).mean())))`,
    { X: Array.from(X.data), y: labels, train: Array.from(split.train), test: Array.from(split.test) },
  );
  t.is(got, want);
  t.true(got > 0.5, 'the planted class signal is learnable');
  t.true(probeAccuracy(X, labels, { perClass: 5, seed: 1 }) === got);
});

pyTest('largest principal angle matches scipy.linalg.subspace_angles', (t) => {
  const n = 40;
  const k = 3;
  const g = normal(11);
  const p = Float64Array.from({ length: n }, () => 0.5 + Math.abs(g()));
  const total = p.reduce((s, v) => s + v, 0);
  for (let i = 0; i < n; i++) p[i] /= total;
  const E = randomMatrix(Float64Array, n, k, 12);
  const ref = python<{ U: number[]; angle: number }>(
    `import sys, json, numpy as np, scipy.linalg as sl
d = json.load(sys.stdin); E = np.array(d['E']).reshape(${n}, ${k}); p = np.array(d['p'])
rng = np.random.default_rng(0)
U, _ = np.linalg.qr(np.sqrt(p)[:, None] * E + 0.3 * rng.standard_normal((${n}, ${k})))
ang = sl.subspace_angles(np.sqrt(p)[:, None] * E, U).max()
print(json.dumps({'U': U.ravel().tolist(), 'angle': float(np.degrees(ang))}))`,
    { E: Array.from(E.data), p: Array.from(p) },
  );
  const got = maxPrincipalAngleDeg(E, p, { data: Float64Array.from(ref.U), rows: n, cols: k });
  // Both work from orthonormal bases in float64; 1e-8 degrees is far above their rounding.
  t.true(Math.abs(got - ref.angle) < 1e-8, `${got} vs ${ref.angle}`);
  // Identical spans (up to an invertible mix of columns) give angle 0.
  const F = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) F[i * k + j] = Math.sqrt(p[i]) * E.data[i * k + j];
  const Q = python<number[]>(
    `import sys, json, numpy as np
F = np.array(json.load(sys.stdin)).reshape(${n}, ${k}); Q, _ = np.linalg.qr(F); print(json.dumps(Q.ravel().tolist()))`,
    Array.from(F),
  );
  t.true(maxPrincipalAngleDeg(E, p, { data: Float64Array.from(Q), rows: n, cols: k }) < 1e-5);
});

pyTest('the dense symmetric eigensolver matches numpy.linalg.eigh', (t) => {
  const m = 7;
  const A = randomMatrix(Float64Array, m, m, 4).data;
  const S = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) S[i * m + j] = A[i * m + j] + A[j * m + i];
  const { values } = symmetricEigen(S, m);
  const want = numpySymmetricEigenvalues(S, m);
  // The solver is backward stable: eigenvalue errors ~ 1e-16 * ||S|| (~10 here).
  for (let i = 0; i < m; i++) t.true(Math.abs(values[i] - want[i]) < 1e-12);
});

test('a probe with nothing left to evaluate is a RangeError', (t) => {
  const X = randomMatrix(Float64Array, 6, 2, 1);
  t.throws(() => probeAccuracy(X, [0, 0, 1, 1, 2, 2], { perClass: 2 }), { instanceOf: RangeError, message: /no examples left to evaluate/ });
});
