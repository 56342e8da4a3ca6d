import test from 'ava';
import {
  BipartiteGraph, Graph, closedFormOptimum, populationLoss, verifyEmbedding, verifyEmbeddingSync, type Matrix,
} from '../src/index.js';
import { knnGraph } from '../src/data/knn-graph.js';
import { loadMnist } from '../src/data/mnist.js';
import { python } from './helpers/python.js';
import { normalizedAdjacency, random, type DenseGraph } from './helpers/graphs.js';
import { randomMatrix, rng } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// numpy/scipy references; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

function toGraph(g: DenseGraph): Graph {
  return Graph.fromDense({ data: g.A, rows: g.n, cols: g.n });
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** A random nonnegative nLeft x nRight joint with about `density` of its entries stored, and
 * every row and column holding at least one (no isolated node). */
function randomJoint(nLeft: number, nRight: number, density: number, seed: number): Float64Array {
  const u = rng(seed);
  const P = new Float64Array(nLeft * nRight);
  for (let i = 0; i < nLeft; i++) for (let j = 0; j < nRight; j++) if (u() < density) P[i * nRight + j] = 0.2 + u();
  for (let i = 0; i < Math.max(nLeft, nRight); i++) P[(i % nLeft) * nRight + (i % nRight)] += 1;
  return P;
}

function bipartiteOf(P: Float64Array, nLeft: number, nRight: number): BipartiteGraph {
  const left: number[] = [], right: number[] = [], weight: number[] = [];
  for (let i = 0; i < nLeft; i++) for (let j = 0; j < nRight; j++) if (P[i * nRight + j] !== 0) { left.push(i); right.push(j); weight.push(P[i * nRight + j]); }
  return BipartiteGraph.fromEdges({ nLeft, nRight, left, right, weight: Float64Array.from(weight) });
}

/** ||M - F G^T||_F^2 for dense M (rows x cols) and F (rows x k), G (cols x k), all float64, by
 * the definition: the independent side of the Frobenius identity. */
function denseFrobeniusError(M: Float64Array, rows: number, cols: number, F: Float64Array, G: Float64Array, k: number): number {
  let s = 0;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let fg = 0;
      for (let q = 0; q < k; q++) fg += F[i * k + q] * G[j * k + q];
      s += (M[i * cols + j] - fg) ** 2;
    }
  return s;
}

function scaleRows(E: Matrix, p: ArrayLike<number>): Float64Array {
  const F = new Float64Array(E.rows * E.cols);
  for (let i = 0; i < E.rows; i++) for (let q = 0; q < E.cols; q++) F[i * E.cols + q] = Math.sqrt(p[i]) * E.data[i * E.cols + q];
  return F;
}

test('frobeniusError equals ||Ā - F Fᵀ||²_F computed densely (F = D^1/2 E), graph and bipartite', async (t) => {
  for (const [n, k, seed] of [[30, 4, 1], [45, 7, 2], [12, 12, 3]]) {
    const dg = random(n, 0.15, seed);
    const g = toGraph(dg);
    const E = randomMatrix(Float64Array, n, k, 10 + seed, 0.3);
    const v = await verifyEmbedding(g, E);
    const F = scaleRows(E, g.marginals);
    const want = denseFrobeniusError(normalizedAdjacency(dg), n, n, F, F, k);
    // The identity L = ||Ā - F Fᵀ||² - ||Ā||² is exact; both sides are float64 sums of O(n² k)
    // terms of size O(1), so they agree to ~1e-13 relative; 1e-10 leaves room.
    t.true(relative(v.frobeniusError, want) < 1e-10, `n=${n} k=${k}: ${v.frobeniusError} vs dense ${want}`);
  }
  const [nLeft, nRight, k] = [23, 17, 5];
  const P = randomJoint(nLeft, nRight, 0.2, 4);
  const g = bipartiteOf(P, nLeft, nRight);
  const Ex = randomMatrix(Float64Array, nLeft, k, 5, 0.4);
  const Et = randomMatrix(Float64Array, nRight, k, 6, 0.4);
  const v = await verifyEmbedding(g, Ex, Et);
  const dl = new Float64Array(nLeft), dr = new Float64Array(nRight);
  for (let i = 0; i < nLeft; i++) for (let j = 0; j < nRight; j++) { dl[i] += P[i * nRight + j]; dr[j] += P[i * nRight + j]; }
  const Pbar = P.map((w, e) => w / Math.sqrt(dl[Math.floor(e / nRight)] * dr[e % nRight]));
  const want = denseFrobeniusError(Pbar, nLeft, nRight, scaleRows(Ex, g.marginalsLeft), scaleRows(Et, g.marginalsRight), k);
  t.true(relative(v.frobeniusError, want) < 1e-10, `bipartite: ${v.frobeniusError} vs dense ${want}`);
});

pyTest('verifyEmbedding matches numpy/scipy: loss, optimum, gap, angles, Frobenius error and minimum', async (t) => {
  const n = 80, k = 5;
  const dg = random(n, 0.08, 21);
  const g = toGraph(dg);
  const E = randomMatrix(Float64Array, n, k, 22, 0.2);
  const ref = python<{ loss: number; optimum: number; angles: number[]; frob: number; frobMin: number; gapAtK: number }>(
    `import sys, json, numpy as np, scipy.linalg as sl
d = json.load(sys.stdin); n, k = d['n'], d['k']
A = np.array(d['A']).reshape(n, n); E = np.array(d['E']).reshape(n, k)
P = A / A.sum(); p = P.sum(1); s = 1 / np.sqrt(p)
Abar = s[:, None] * P * s[None, :]
w, V = np.linalg.eigh(Abar); w, V = w[::-1], V[:, ::-1]
loss = -2 * np.trace(E.T @ P @ E) + np.linalg.norm(E.T @ (p[:, None] * E)) ** 2
F = np.sqrt(p)[:, None] * E
print(json.dumps({'loss': loss, 'optimum': float(-(np.maximum(w[:k], 0) ** 2).sum()),
  'angles': np.degrees(sl.subspace_angles(F, V[:, :k])).tolist(),
  'frob': float(np.linalg.norm(Abar - F @ F.T) ** 2),
  'frobMin': float(np.linalg.norm(Abar) ** 2 - (np.maximum(w[:k], 0) ** 2).sum()),
  'gapAtK': float(w[k - 1] - w[k])}))`,
    { n, k, A: Array.from(dg.A), E: Array.from(E.data) },
  );
  const v = await verifyEmbedding(g, E);
  t.is(v.k, k);
  // populationLoss and numpy both sum O(nnz k) float64 terms: ~1e-14 relative; 1e-10 leaves room.
  t.true(relative(v.loss, ref.loss) < 1e-10, `loss ${v.loss} vs ${ref.loss}`);
  // Eigenvalues to the solver's tol = 1e-10 (residual bound); the optimum sums k squares of them.
  t.true(relative(v.optimum, ref.optimum) < 1e-9, `optimum ${v.optimum} vs ${ref.optimum}`);
  t.true(relative(v.relativeGap, (ref.loss - ref.optimum) / Math.abs(ref.optimum)) < 1e-8);
  t.true(relative(v.frobeniusError, ref.frob) < 1e-10, `frobeniusError ${v.frobeniusError} vs ${ref.frob}`);
  t.true(relative(v.frobeniusMinimum, ref.frobMin) < 1e-9, `frobeniusMinimum ${v.frobeniusMinimum} vs ${ref.frobMin}`);
  // Eigenvectors are accurate to residual / spectral gap at λ_k (1e-10 / gapAtK rad); the angles
  // move by at most that, and scipy's by ~1e-15. Asserted with the gap this graph has.
  t.true(ref.gapAtK > 1e-3, `gap at λ_k ${ref.gapAtK}`);
  const angleTol = (1e-10 / ref.gapAtK) * (180 / Math.PI) * 10;
  t.is(v.principalAnglesDeg.length, k);
  v.principalAnglesDeg.forEach((a, i) => t.true(Math.abs(a - ref.angles[i]) < angleTol, `angle ${i}: ${a} vs scipy ${ref.angles[i]}`));
  // Descending, as scipy.linalg.subspace_angles.
  for (let i = 1; i < k; i++) t.true(v.principalAnglesDeg[i - 1] >= v.principalAnglesDeg[i]);
  t.deepEqual(verifyEmbeddingSync(g, E), v);
});

pyTest('bipartite verifyEmbedding matches numpy/scipy: two-tower loss, σ, angles of both towers, P̄ Frobenius identity', async (t) => {
  const [nLeft, nRight, k] = [50, 36, 4];
  const P = randomJoint(nLeft, nRight, 0.12, 31);
  const g = bipartiteOf(P, nLeft, nRight);
  const Ex = randomMatrix(Float64Array, nLeft, k, 32, 0.3);
  const Et = randomMatrix(Float32Array, nRight, k, 33, 0.3);
  const ref = python<{ loss: number; optimum: number; left: number[]; right: number[]; frob: number; frobMin: number; sigma: number[] }>(
    `import sys, json, numpy as np, scipy.linalg as sl
d = json.load(sys.stdin); m, n, k = d['m'], d['n'], d['k']
P = np.array(d['P']).reshape(m, n); P = P / P.sum(); px, pt = P.sum(1), P.sum(0)
Ex = np.array(d['Ex']).reshape(m, k); Et = np.array(d['Et']).reshape(n, k)
Pbar = P / np.sqrt(np.outer(px, pt))
U, sig, Vt = np.linalg.svd(Pbar)
loss = -2 * np.trace(Ex.T @ P @ Et) + np.sum((Ex.T @ (px[:, None] * Ex)) * (Et.T @ (pt[:, None] * Et)))
Fx = np.sqrt(px)[:, None] * Ex; Ft = np.sqrt(pt)[:, None] * Et
print(json.dumps({'loss': loss, 'optimum': float(-(sig[:k] ** 2).sum()), 'sigma': sig[:k + 1].tolist(),
  'left': np.degrees(sl.subspace_angles(Fx, U[:, :k])).tolist(), 'right': np.degrees(sl.subspace_angles(Ft, Vt[:k].T)).tolist(),
  'frob': float(np.linalg.norm(Pbar - Fx @ Ft.T) ** 2), 'frobMin': float(np.linalg.norm(Pbar) ** 2 - (sig[:k] ** 2).sum())}))`,
    { m: nLeft, n: nRight, k, P: Array.from(P), Ex: Array.from(Ex.data), Et: Array.from(Et.data) },
  );
  const v = await verifyEmbedding(g, Ex, Et);
  // Tolerances as in the single-graph test: float64 sums (1e-10), singular values to tol 1e-10.
  t.true(relative(v.loss, ref.loss) < 1e-10, `loss ${v.loss} vs ${ref.loss}`);
  t.true(relative(v.optimum, ref.optimum) < 1e-9, `optimum ${v.optimum} vs ${ref.optimum}`);
  v.singularValues.forEach((s, i) => t.true(Math.abs(s - ref.sigma[i]) < 1e-9));
  t.true(relative(v.frobeniusError, ref.frob) < 1e-10);
  t.true(relative(v.frobeniusMinimum, ref.frobMin) < 1e-9);
  const gapAtK = ref.sigma[k - 1] - ref.sigma[k];
  t.true(gapAtK > 1e-3, `gap at σ_k ${gapAtK}`);
  // Singular vectors from the Gram operator P P^T: accurate to residual / (σ_k² - σ_{k+1}²).
  const angleTol = (1e-10 / (gapAtK * ref.sigma[k - 1])) * (180 / Math.PI) * 10;
  for (const [side, got, want] of [['left', v.principalAnglesDegLeft, ref.left], ['right', v.principalAnglesDegRight, ref.right]] as const) {
    t.is(got.length, k);
    got.forEach((a, i) => t.true(Math.abs(a - want[i]) < angleTol, `${side} angle ${i}: ${a} vs scipy ${want[i]}`));
  }
  const opt = await closedFormOptimum(g, k);
  const atOpt = await verifyEmbedding(g, opt.left, opt.right);
  t.true(Math.abs(atOpt.relativeGap) < 1e-8, `gap at the optimum ${atOpt.relativeGap}`);
  t.true(Math.max(...atOpt.principalAnglesDegLeft, ...atOpt.principalAnglesDegRight) < 1e-4);
  t.true(relative(atOpt.frobeniusError, atOpt.frobeniusMinimum) < 1e-8);
});

// The demo's kind of graph: the kNN augmentation graph of a few hundred MNIST digits (the Lanczos
// path of eigsh: n > 256).
const mnistGraphOnce = (async () => {
  const digits = await loadMnist({ n: 400, seed: 3 });
  const knn = knnGraph(digits.images, { m: 10 });
  return Graph.fromEdges({ n: 400, src: knn.edges.src, dst: knn.edges.dst, weight: knn.edges.weight });
})();

test('on an MNIST kNN graph: agrees with populationLoss and closedFormOptimum; the optimum itself has gap ~0 and angles ~0', async (t) => {
  const mnistGraph = await mnistGraphOnce;
  const k = 8;
  const opt = await closedFormOptimum(mnistGraph, k);
  const v = await verifyEmbedding(mnistGraph, opt.embedding);
  t.is(v.loss, (await populationLoss(mnistGraph, opt.embedding)).loss);
  // The same solver with the same defaults and seed: the same eigenvalues up to rounding.
  t.true(relative(v.optimum, opt.loss) < 1e-12, `${v.optimum} vs ${opt.loss}`);
  t.deepEqual(v.eigenvalues.map((x) => +x.toFixed(12)), Array.from(opt.eigenvalues, (x) => +x.toFixed(12)));
  // populationLoss(E*) equals the closed form to the eigen-residuals squared, ~1e-16 relative to
  // |L*| ~ 8; 1e-9 leaves room for the float64 sums.
  t.true(Math.abs(v.relativeGap) < 1e-9, `gap ${v.relativeGap}`);
  // D^1/2 E* = U_k Λ^1/2 spans exactly span(U_k): only rounding remains (1e-4 degrees is loose).
  t.is(v.principalAnglesDeg.length, k);
  t.true(Math.max(...v.principalAnglesDeg) < 1e-4, `${v.principalAnglesDeg}`);
  t.true(relative(v.frobeniusError, v.frobeniusMinimum) < 1e-8, `${v.frobeniusError} vs ${v.frobeniusMinimum}`);
  t.true(v.frobeniusMinimum > 0);

  // The loss and the angles do not see rotations: E* Q for an orthogonal Q (a Givens rotation
  // of columns 0 and 1) gives the same numbers.
  const R = Float64Array.from(opt.embedding.data);
  const [c, s] = [Math.cos(0.7), Math.sin(0.7)];
  for (let i = 0; i < 400; i++) {
    const a = R[i * k], b = R[i * k + 1];
    R[i * k] = c * a - s * b;
    R[i * k + 1] = s * a + c * b;
  }
  const rotated = await verifyEmbedding(mnistGraph, { data: R, rows: 400, cols: k });
  t.true(Math.abs(rotated.loss - v.loss) < 1e-12 * Math.abs(v.loss));
  t.true(Math.max(...rotated.principalAnglesDeg) < 1e-4);

  // float32 storage of E* (as a PyTorch trainer would save it): gap of the order of float32's
  // rounding, 1e-7 relative per entry, so well below 1e-5.
  const v32 = await verifyEmbedding(mnistGraph, { data: Float32Array.from(opt.embedding.data), rows: 400, cols: k });
  t.true(Math.abs(v32.relativeGap) < 1e-5, `float32 gap ${v32.relativeGap}`);
  t.true(Math.max(...v32.principalAnglesDeg) < 0.05);

  // A random embedding is far from the optimum on every count.
  const random = await verifyEmbedding(mnistGraph, randomMatrix(Float64Array, 400, k, 5, 1));
  t.true(random.relativeGap > 1, `random gap ${random.relativeGap}`);
  t.true(random.principalAnglesDeg[0] > 60, `random largest angle ${random.principalAnglesDeg[0]}`);
  // ||Ā||² (a sum over all 400 eigenvalues) dominates both Frobenius figures; their difference is
  // the loss gap.
  t.true(random.frobeniusError - random.frobeniusMinimum > 0.5 * Math.abs(random.optimum));
});

test('options.k: the optimum of another dimension; a k beyond the embedding\'s columns counts the missing directions as 90°', async (t) => {
  const mnistGraph = await mnistGraphOnce;
  const opt = await closedFormOptimum(mnistGraph, 3);
  const wider = await verifyEmbedding(mnistGraph, opt.embedding, { k: 5 });
  t.is(wider.k, 5);
  t.is(wider.principalAnglesDeg.length, 5);
  t.true(Math.abs(wider.principalAnglesDeg[0] - 90) < 1e-6 && Math.abs(wider.principalAnglesDeg[1] - 90) < 1e-6, `${wider.principalAnglesDeg}`);
  t.true(Math.max(...wider.principalAnglesDeg.slice(2)) < 1e-4, `${wider.principalAnglesDeg}`);
  // The 5-dimensional optimum is lower, so a 3-dimensional optimum has a positive gap to it.
  const five = await closedFormOptimum(mnistGraph, 5);
  t.true(relative(wider.optimum, five.loss) < 1e-12);
  t.true(wider.relativeGap > 0);
  const narrower = await verifyEmbedding(mnistGraph, five.embedding, { k: 3 });
  t.is(narrower.principalAnglesDeg.length, 3);
  t.true(Math.max(...narrower.principalAnglesDeg) < 1e-4);
  t.true(narrower.relativeGap < 0, 'more dimensions than the optimum compared with go below it');
  // The zero embedding spans nothing: every angle is 90°, and its loss is 0 (gap exactly 1).
  const zero = await verifyEmbedding(mnistGraph, { data: new Float32Array(400 * 4), rows: 400, cols: 4 });
  t.deepEqual(zero.principalAnglesDeg, [90, 90, 90, 90]);
  t.is(zero.loss, 0);
  t.is(zero.relativeGap, 1);
});

test('bad inputs: wrong row count, NaN or infinite rows (named), k out of range, wrong types', async (t) => {
  const g = toGraph(random(20, 0.2, 40));
  const E = randomMatrix(Float64Array, 20, 3, 41);
  await t.throwsAsync(verifyEmbedding(g, randomMatrix(Float64Array, 19, 3, 1)), { instanceOf: RangeError, message: /^E has 19 rows; expected 20 \(one per node of the graph\)/ });
  const withNaN = { ...E, data: Float64Array.from(E.data) };
  withNaN.data[7 * 3 + 2] = NaN;
  withNaN.data[12 * 3] = NaN;
  await t.throwsAsync(verifyEmbedding(g, withNaN), { instanceOf: RangeError, message: /^E: row 7 \(0-based\) holds NaN at column 2; expected finite values in every row/ });
  const withInf = { ...E, data: Float32Array.from(E.data) };
  withInf.data[4] = -Infinity;
  t.throws(() => verifyEmbeddingSync(g, withInf), { instanceOf: RangeError, message: /^E: row 1 \(0-based\) holds -Infinity/ });
  await t.throwsAsync(verifyEmbedding(g, E, { k: 21 }), { instanceOf: RangeError, message: /options\.k must be an integer from 1 to n = 20; got 21/ });
  await t.throwsAsync(verifyEmbedding(g, E, { k: 2.5 }), { instanceOf: RangeError, message: /options\.k/ });
  await t.throwsAsync(verifyEmbedding(g, randomMatrix(Float64Array, 20, 21, 2)), { instanceOf: RangeError, message: /k \(the embedding's columns\) must be an integer from 1 to n = 20; got 21/ });
  await t.throwsAsync(verifyEmbedding(g, { data: [1, 2], rows: 20, cols: 3 } as unknown as Matrix), { instanceOf: TypeError, message: /E must be a Matrix/ });
  await t.throwsAsync(verifyEmbedding({} as Graph, E), { instanceOf: TypeError });

  const P = randomJoint(10, 8, 0.3, 42);
  const b = bipartiteOf(P, 10, 8);
  const Ex = randomMatrix(Float64Array, 10, 2, 3), Et = randomMatrix(Float64Array, 8, 2, 4);
  await t.throwsAsync(verifyEmbedding(b, Ex, undefined as unknown as Matrix), { instanceOf: TypeError, message: /Et .* is missing/ });
  await t.throwsAsync(verifyEmbedding(b, Ex, randomMatrix(Float64Array, 9, 2, 5)), { instanceOf: RangeError, message: /^Et has 9 rows; expected 8 \(one per right node of the graph\)/ });
  await t.throwsAsync(verifyEmbedding(b, Ex, randomMatrix(Float64Array, 8, 3, 5)), { instanceOf: RangeError, message: /same number of columns; got 2 and 3/ });
  await t.throwsAsync(verifyEmbedding(b, Ex, Et, { k: 9 }), { instanceOf: RangeError, message: /options\.k must be an integer from 1 to min\(nLeft, nRight\) = 8; got 9/ });
  // The valid call works, so the errors above come from the checks, not from the graph.
  t.true(Number.isFinite((await verifyEmbedding(b, Ex, Et)).loss));
});
