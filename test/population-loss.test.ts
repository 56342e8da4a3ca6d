import test from 'ava';
import { Graph, BipartiteGraph, populationLoss, populationLossSync, stochasticBlockModel } from '../src/index.js';
import { randomMatrix, rng } from './helpers/random.js';
import { relativeMaxError } from './helpers/reference.js';
import { ringWithChords } from './helpers/graphs.js';
import { python } from './helpers/python.js';
import type { Matrix } from '../src/index.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

/** A connected random weighted graph as a dense float64 matrix and a Graph. */
function randomGraph(n: number, seed: number, dtype: 'float32' | 'float64' = 'float64') {
  const { A } = ringWithChords(n, 2 * n, seed);
  const data = dtype === 'float32' ? Float32Array.from(A) : A;
  const stored = Float64Array.from(data);  // the weights as the graph stores them
  return { A: stored, graph: Graph.fromDense({ data, rows: n, cols: n }) };
}

/** The definition, naively in float64: L = -2 tr(E^T Â E) + ||E^T D E||_F^2, Â = A / sum A. */
function referenceLoss(A: Float64Array, n: number, E: ArrayLike<number>, k: number): number {
  let total = 0;
  for (const a of A) total += a;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i] += A[i * n + j] / total;
  let trace = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = A[i * n + j] / total;
      if (a === 0) continue;
      for (let c = 0; c < k; c++) trace += E[i * k + c] * a * E[j * k + c];
    }
  let frob = 0;
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += E[i * k + a] * p[i] * E[i * k + b];
      frob += m * m;
    }
  return -2 * trace + frob;
}

test('populationLoss: value matches the dense definition, gradient matches central differences', (t) => {
  const n = 14, k = 3;
  const { A, graph } = randomGraph(n, 1);
  const E = randomMatrix(Float64Array, n, k, 2);
  const { loss, grad } = populationLossSync(graph, E);
  // one float64 evaluation against another: differences are rounding, ~1e-15 relative
  t.true(Math.abs(loss - referenceLoss(A, n, E.data, k)) <= 1e-13 * Math.abs(loss));
  t.is(grad.rows, n);
  t.is(grad.cols, k);
  t.true(grad.data instanceof Float64Array);
  // Central differences: truncation O(h^2 * third derivative) ~ 1e-10 for this quartic with h =
  // 1e-5, rounding ~ eps |L| / h ~ 1e-11: agreement to 1e-7 relative of the gradient's size.
  const h = 1e-5;
  const fd = new Float64Array(n * k);
  for (let q = 0; q < n * k; q++) {
    const plus = Float64Array.from(E.data), minus = Float64Array.from(E.data);
    plus[q] += h;
    minus[q] -= h;
    fd[q] = (referenceLoss(A, n, plus, k) - referenceLoss(A, n, minus, k)) / (2 * h);
  }
  t.true(relativeMaxError(grad.data, fd) < 1e-7);
});

pyTest('populationLoss equals ||Ā - F F^T||_F^2 - ||Ā||_F^2 with F = D^{1/2} E (numpy)', (t) => {
  // The identity of DESIGN.md, evaluated independently by numpy on the dense matrices.
  const n = 25, k = 4;
  const { A, graph } = randomGraph(n, 3);
  const E = randomMatrix(Float64Array, n, k, 4, 3);
  const want = python<number>(
    `import sys, json, numpy as np
r = json.load(sys.stdin); n, k = r['n'], r['k']
A = np.array(r['A']).reshape(n, n); A = A / A.sum()
p = A.sum(axis=1)
Abar = A / np.sqrt(np.outer(p, p))
F = np.sqrt(p)[:, None] * np.array(r['E']).reshape(n, k)
print(json.dumps(float(np.linalg.norm(Abar - F @ F.T) ** 2 - np.linalg.norm(Abar) ** 2)))`,
    { n, k, A: Array.from(A), E: Array.from(E.data) },
  );
  const { loss } = populationLossSync(graph, E);
  // the numpy form subtracts two O(||Ā||_F^2) quantities: 1e-12 relative covers the cancellation
  t.true(Math.abs(loss - want) <= 1e-12 * Math.max(1, Math.abs(want)));
});

test('populationLoss: float32 graph and float32 E (float64 inside, gradient rounded once)', (t) => {
  const n = 30, k = 5;
  const { A, graph } = randomGraph(n, 5, 'float32');
  t.is(graph.dtype, 'float32');
  const E64 = randomMatrix(Float64Array, n, k, 6);
  const E32 = { data: Float32Array.from(E64.data), rows: n, cols: k };
  const r64 = populationLossSync(graph, { data: Float64Array.from(E32.data), rows: n, cols: k });
  const r32 = populationLossSync(graph, E32);
  t.true(r32.grad.data instanceof Float32Array);
  // E32 widened exactly: the loss is the same float64 computation
  t.is(r32.loss, r64.loss);
  t.true(Math.abs(r32.loss - referenceLoss(A, n, E32.data, k)) <= 1e-13 * Math.abs(r32.loss));
  // the only difference is the final rounding of each gradient entry to float32
  t.true(relativeMaxError(r32.grad.data, r64.grad.data) < 2 ** -23);
});

test('populationLoss: the Promise form equals the Sync form and copies E before returning', async (t) => {
  const g = stochasticBlockModel({ n: 4000, seed: 8 });
  const E = randomMatrix(Float64Array, g.n, 8, 9, 0.1);
  const want = populationLossSync(g, E);
  const pending = populationLoss(g, E);
  E.data.fill(1e6);  // must not affect the call already made
  const got = await pending;
  t.is(got.loss, want.loss);
  t.deepEqual(Array.from(got.grad.data), Array.from(want.grad.data));
  await t.throwsAsync(populationLoss(g, { data: new Float64Array(8), rows: 1, cols: 8 }), { instanceOf: RangeError, message: /E has 1 rows but the graph has n = 4000/ });
});

test('populationLoss: argument errors', (t) => {
  const { graph } = randomGraph(5, 10);
  t.throws(() => populationLossSync(graph, { data: new Float64Array(12), rows: 4, cols: 3 }), { instanceOf: RangeError, message: /E has 4 rows/ });
  t.throws(() => populationLossSync(graph, { data: new Float64Array(14), rows: 5, cols: 3 }), { instanceOf: RangeError, message: /E.data has 14 elements/ });
  t.throws(() => populationLossSync(graph, new Float64Array(5) as never), { instanceOf: TypeError, message: /E must be a Matrix/ });
  t.throws(() => populationLossSync({} as never, { data: new Float64Array(5), rows: 5, cols: 1 }), { instanceOf: TypeError, message: /Graph or a BipartiteGraph/ });
});

// ---- bipartite (CLIP) ---------------------------------------------------------------------------

function referenceBipartiteLoss(P: Float64Array, nl: number, nr: number, Ex: ArrayLike<number>, Et: ArrayLike<number>, k: number): number {
  let total = 0;
  for (const a of P) total += a;
  const px = new Float64Array(nl), pt = new Float64Array(nr);
  for (let i = 0; i < nl; i++) for (let j = 0; j < nr; j++) { px[i] += P[i * nr + j] / total; pt[j] += P[i * nr + j] / total; }
  let trace = 0;
  for (let i = 0; i < nl; i++)
    for (let j = 0; j < nr; j++) for (let c = 0; c < k; c++) trace += Ex[i * k + c] * (P[i * nr + j] / total) * Et[j * k + c];
  const gramOf = (E: ArrayLike<number>, p: Float64Array, rows: number) => {
    const M = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let i = 0; i < rows; i++) M[a * k + b] += E[i * k + a] * p[i] * E[i * k + b];
    return M;
  };
  const Mx = gramOf(Ex, px, nl), Mt = gramOf(Et, pt, nr);
  let inner = 0;
  for (let q = 0; q < k * k; q++) inner += Mx[q] * Mt[q];
  return -2 * trace + inner;
}

test('bipartite populationLoss: value and both gradients against the definition', async (t) => {
  const nl = 9, nr = 6, k = 3;
  const r = rng(31);
  const left: number[] = [], right: number[] = [], w: number[] = [];
  for (let i = 0; i < nl; i++) { left.push(i); right.push(i % nr); w.push(0.5 + r()); }
  for (let q = 0; q < 20; q++) { left.push(Math.floor(r() * nl)); right.push(Math.floor(r() * nr)); w.push(r()); }
  const b = BipartiteGraph.fromEdges({ nLeft: nl, nRight: nr, left, right, weight: w });
  const P = new Float64Array(nl * nr);
  for (let q = 0; q < left.length; q++) P[left[q] * nr + right[q]] += w[q];
  const Ex = randomMatrix(Float64Array, nl, k, 32), Et = randomMatrix(Float64Array, nr, k, 33);
  const res = populationLossSync(b, Ex, Et);
  const L = (x: ArrayLike<number>, y: ArrayLike<number>) => referenceBipartiteLoss(P, nl, nr, x, y, k);
  t.true(Math.abs(res.loss - L(Ex.data, Et.data)) <= 1e-13 * Math.abs(res.loss));
  // central differences, as in the symmetric case (same step, same justification)
  const h = 1e-5;
  const fdOf = (which: 'x' | 't') => {
    const base = which === 'x' ? Ex.data : Et.data;
    const fd = new Float64Array(base.length);
    for (let q = 0; q < base.length; q++) {
      const plus = Float64Array.from(base), minus = Float64Array.from(base);
      plus[q] += h; minus[q] -= h;
      fd[q] = which === 'x' ? (L(plus, Et.data) - L(minus, Et.data)) / (2 * h) : (L(Ex.data, plus) - L(Ex.data, minus)) / (2 * h);
    }
    return fd;
  };
  t.true(relativeMaxError(res.gradLeft.data, fdOf('x')) < 1e-7);
  t.true(relativeMaxError(res.gradRight.data, fdOf('t')) < 1e-7);
  t.is(res.gradLeft.rows, nl);
  t.is(res.gradRight.rows, nr);
  const async = await populationLoss(b, Ex, Et);
  t.is(async.loss, res.loss);
  t.deepEqual(Array.from(async.gradRight.data), Array.from(res.gradRight.data));
  t.throws(() => populationLossSync(b, Ex, randomMatrix(Float64Array, nr, k + 1, 1)), { instanceOf: RangeError, message: /same dimension k/ });
  t.throws(() => populationLossSync(b, Ex, randomMatrix(Float32Array, nr, k, 1) as never), { instanceOf: TypeError, message: /same dtype/ });
  t.throws(() => populationLossSync(b, Et, Ex), { instanceOf: RangeError, message: /Ex has 6 rows but the graph has nLeft = 9/ });
  t.throws(() => (populationLossSync as unknown as (g: BipartiteGraph, e: Matrix) => unknown)(b, Ex), { instanceOf: TypeError, message: /Et is missing/ });
});

test('bipartite form on the symmetric case: L(E, E) is the graph loss and the gradients add up', (t) => {
  // With P = A (symmetric) and Ex = Et = E the two forms are the same function of E, and the
  // chain rule gives grad = gradLeft + gradRight.
  const n = 12, k = 2;
  const { A, graph } = randomGraph(n, 40);
  const src: number[] = [], dst: number[] = [], w: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (A[i * n + j] !== 0) { src.push(i); dst.push(j); w.push(A[i * n + j]); }
  const b = BipartiteGraph.fromEdges({ nLeft: n, nRight: n, left: src, right: dst, weight: w });
  const E = randomMatrix(Float64Array, n, k, 41);
  const sym = populationLossSync(graph, E);
  const bip = populationLossSync(b, E, E);
  t.true(Math.abs(sym.loss - bip.loss) <= 1e-14 * Math.abs(sym.loss) + 1e-16);
  const sum = bip.gradLeft.data.map((x, q) => x + bip.gradRight.data[q]);
  t.true(relativeMaxError(sum, sym.grad.data) < 1e-14);
});
