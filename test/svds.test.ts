import test from 'ava';
import { BipartiteGraph, SpeclinError, denseRectangularOperator, svds, svdsSide, svdsSync } from '../src/index.js';
import type { SvdsResult } from '../src/index.js';
import { numpySingularValues } from './helpers/numpy.js';
import { normal, rng } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');


/** A random matrix with a prescribed, well separated top of the spectrum. */
function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const g = normal(seed);
  return Float64Array.from({ length: rows * cols }, () => g());
}

/** max over triplets of ||P v - σ u|| and ||P^T u - σ v||, and the orthonormality errors. */
function check(P: Float64Array, rows: number, cols: number, r: SvdsResult) {
  const k = r.values.length;
  let res = 0;
  for (let q = 0; q < k; q++) {
    let a = 0, b = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += P[i * cols + j] * r.right.data[j * k + q];
      a += (s - r.values[q] * r.left.data[i * k + q]) ** 2;
    }
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += P[i * cols + j] * r.left.data[i * k + q];
      b += (s - r.values[q] * r.right.data[j * k + q]) ** 2;
    }
    res = Math.max(res, Math.sqrt(a), Math.sqrt(b));
  }
  let ortho = 0;
  for (const M of [r.left, r.right])
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let s = 0;
        for (let i = 0; i < M.rows; i++) s += M.data[i * k + a] * M.data[i * k + b];
        ortho = Math.max(ortho, Math.abs(s - (a === b ? 1 : 0)));
      }
  return { res, ortho };
}

for (const [rows, cols] of [[300, 420], [420, 300], [150, 150]]) {
  pyTest(`svds ${rows} x ${cols}: singular values match numpy, triplets are consistent`, async (t) => {
    const P = randomMatrix(rows, cols, rows + cols);
    const want = numpySingularValues(P, rows, cols);
    const k = 6;
    const tol = 1e-12;
    for (const r of [await svds(denseRectangularOperator({ data: P, rows, cols }), { k, tol }), svdsSync(denseRectangularOperator({ data: P, rows, cols }), { k, tol })]) {
      t.is(r.side, svdsSide(rows, cols));
      // The Gram eigenproblem is solved to tol relative to ||P||^2; σ = sqrt(λ) then carries a
      // relative error of about tol * ||P||^2 / σ^2 (σ_k^2 / σ_1^2 > 0.5 here): 1e-9 is ample.
      for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9 * want[0], `σ_${i}: ${r.values[i]} vs ${want[i]}`);
      const { res, ortho } = check(P, rows, cols, r);
      // Residuals of the triplets, ||P|| ~ 40: the Gram residual tol * ||P||^2 divided by σ.
      t.true(res < 1e-8 * want[0], `residual ${res}`);
      t.true(ortho < 1e-10, `orthogonality ${ortho}`);
      for (const x of r.residuals) t.true(x < 1e-8 * want[0]);
    }
  });
}

test('svds of a bipartite graph (native P̄) equals svds of the same P̄ as a JavaScript operator', async (t) => {
  const nl = 200, nr = 260;
  const u = rng(5);
  const left: number[] = [], right: number[] = [], weight: number[] = [];
  for (let i = 0; i < nl; i++) for (let j = 0; j < nr; j++) if (u() < 0.04 || j % nl === i) { left.push(i); right.push(j); weight.push(0.5 + u()); }
  const g = BipartiteGraph.fromEdges({ nLeft: nl, nRight: nr, left, right, weight });
  const P = g.normalized();
  const jsOp = {
    rows: nl, cols: nr, normBound: 1,
    multiply: (X: Float64Array, Y: Float64Array, c: number) => P.multiply(X, Y, c),
    multiplyTranspose: (X: Float64Array, Y: Float64Array, c: number) => P.multiplyTranspose(X, Y, c),
  };
  const a = await svds(g, { k: 5, tol: 1e-10 });
  const b = await svds(jsOp, { k: 5, tol: 1e-10 });
  const c = svdsSync(jsOp, { k: 5, tol: 1e-10 });
  t.true(Math.abs(a.values[0] - 1) < 1e-12, 'σ_1(P̄) = 1');
  for (let i = 0; i < 5; i++) {
    t.true(Math.abs(a.values[i] - b.values[i]) < 1e-9);
    t.true(Math.abs(b.values[i] - c.values[i]) < 1e-12);
  }
  t.true(a.products > 0 && b.products > 0);
  t.is(b.products, c.products, 'the sync and async Gram operators count the same products');
  // svdsSync cannot wait: an operator whose product returns a Promise is refused.
  const asyncOp = { ...jsOp, multiply: async (X: Float64Array, Y: Float64Array, c: number) => P.multiply(X, Y, c) };
  t.throws(() => svdsSync(asyncOp, { k: 5 }), { instanceOf: TypeError, message: /returned a Promise/ });
});

test('svds: errors, abort, and ERR_NOT_CONVERGED with the converged triplets', async (t) => {
  const P = randomMatrix(300, 320, 1);
  const op = denseRectangularOperator({ data: P, rows: 300, cols: 320 });
  t.throws(() => svdsSync(op, { k: 0 }), { instanceOf: RangeError, message: /k must be an integer from 1 to 300/ });
  t.throws(() => svdsSync(op, { k: 2, tol: 0 }), { instanceOf: RangeError, message: /tol/ });
  t.throws(() => svdsSync({ rows: 3 } as never, { k: 1 }), { instanceOf: TypeError, message: /multiplyTranspose/ });
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(svds(op, { k: 3, signal: controller.signal }), { name: 'AbortError' });
  const err = await t.throwsAsync(svds(op, { k: 40, tol: 1e-14, maxIterations: 5, method: 'lanczos' }), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_NOT_CONVERGED');
  const partial = (err as SpeclinError<SvdsResult>).partial!;
  t.true(partial.values.length < 40);
  t.is(partial.left.cols, partial.values.length);
});
