import test from 'ava';
import { Graph, eigsh, eigshSync, denseOperator, SpeclinError, setKernelPath, stochasticBlockModel } from '../src/index.js';
import type { EigshResult } from '../src/index.js';
import { python } from './helpers/python.js';
import { numpySymmetricEigenvalues } from './helpers/numpy.js';
import { rng } from './helpers/random.js';
import { orthonormalityError } from './helpers/reference.js';
import {
  complete, completeBipartite, jsOperator, normalizedAdjacency, path, random, ring, star, union,
  type DenseGraph,
} from './helpers/graphs.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// numpy (LAPACK syevd): the independent reference, all eigenvalues descending.
const referenceEigenvalues = (M: Float64Array, n: number) => numpySymmetricEigenvalues(M, n);

function matrixOf(g: DenseGraph) {
  return { data: normalizedAdjacency(g), rows: g.n, cols: g.n };
}

/** max_i ||M v_i - λ_i v_i|| recomputed here in float64, independent of the solver's report. */
function maxResidual(M: Float64Array, n: number, r: EigshResult): number {
  const k = r.vectors.cols;
  let worst = 0;
  for (let q = 0; q < k; q++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let p = 0; p < n; p++) a += M[i * n + p] * r.vectors.data[p * k + q];
      s += (a - r.values[q] * r.vectors.data[i * k + q]) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(s));
  }
  return worst;
}

const families: [string, DenseGraph][] = [
  ['ring', ring(40)],
  ['path', path(37)],
  ['complete', complete(25)],
  ['star', star(30)],
  ['complete bipartite', completeBipartite(12, 17)],
  ['disconnected', union(ring(20), complete(15), random(30, 0.2, 3))],
  ['random', random(120, 0.08, 7)],
];

for (const [name, g] of families) {
  for (const method of ['dense', 'lanczos'] as const) {
    pyTest(`${name} graph, ${method}: top-k eigenvalues match numpy.linalg.eigh, residuals below tol`, (t) => {
      const M = normalizedAdjacency(g);
      const want = referenceEigenvalues(M, g.n);
      const k = Math.min(6, g.n - 1);
      const tol = 1e-10;
      const r = eigshSync(denseOperator(matrixOf(g)), { k, tol, method, seed: 1, blockSize: method === 'lanczos' ? 4 : undefined });
      t.is(r.method, method);
      t.is(r.values.length, k);
      // |θ - λ| <= ||r|| for a symmetric matrix (Bauer-Fike), and ||r|| <= tol * ||Ā|| = 1e-10;
      // numpy's own error is ~1e-15. 1e-9 leaves a factor 10 for both.
      for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `λ_${i}: ${r.values[i]} vs ${want[i]}`);
      for (let i = 1; i < k; i++) t.true(r.values[i] <= r.values[i - 1]);
      for (const res of r.residuals) t.true(res <= tol);
      // The reported residuals are real: recomputed here with the matrix itself (1e-12 slack
      // for the different summation order).
      t.true(maxResidual(M, g.n, r) <= tol + 1e-12);
      t.true(orthonormalityError(r.vectors.data, r.vectors.rows, r.vectors.cols) < 1e-10);
    });
  }
}

test('full spectrum on the dense path: tr(Ā) = sum λ and ||Ā||_F^2 = sum λ^2', (t) => {
  for (const g of [random(90, 0.1, 11), union(star(10), path(12)), completeBipartite(7, 9)]) {
    const M = normalizedAdjacency(g);
    const r = eigshSync(denseOperator(matrixOf(g)), { k: g.n, method: 'dense' });
    let trace = 0, frob = 0, sum = 0, sumSq = 0;
    for (let i = 0; i < g.n; i++) trace += M[i * g.n + i];
    for (const a of M) frob += a * a;
    for (const l of r.values) { sum += l; sumSq += l * l; }
    // Both sides are O(n) float64 sums of O(1) terms after a backward-stable decomposition:
    // errors ~ n * 1e-16; 1e-11 is a safe margin.
    t.true(Math.abs(trace - sum) < 1e-11, `trace ${trace} vs ${sum}`);
    t.true(Math.abs(frob - sumSq) < 1e-11, `frobenius ${frob} vs ${sumSq}`);
    t.true(orthonormalityError(r.vectors.data, r.vectors.rows, r.vectors.cols) < 1e-12);
  }
});

pyTest('multiplicity: a graph with c components has eigenvalue 1 c times, and every copy is returned', (t) => {
  const g = union(random(80, 0.1, 1), random(90, 0.1, 2), random(70, 0.1, 3), ring(61));
  const M = normalizedAdjacency(g);
  const want = referenceEigenvalues(M, g.n);
  for (const method of ['lanczos', 'dense'] as const) {
    // A block Krylov space holds at most blockSize vectors of one eigenspace: blockSize >= the
    // multiplicity (4) is what makes every copy appear without deflation.
    const r = eigshSync(denseOperator(matrixOf(g)), { k: 6, tol: 1e-10, method, blockSize: method === 'lanczos' ? 4 : undefined });
    for (let i = 0; i < 4; i++) t.true(Math.abs(r.values[i] - 1) < 1e-9, `${method}: copy ${i} of 1 is ${r.values[i]}`);
    for (let i = 4; i < 6; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9);
    t.true(orthonormalityError(r.vectors.data, r.vectors.rows, r.vectors.cols) < 1e-10);
  }
});

pyTest('deflation: known vectors D^{1/2} 1_C are locked first and the rest is found in their complement', (t) => {
  const parts = [random(80, 0.1, 4), random(60, 0.15, 5), complete(40)];
  const g = union(...parts);
  const n = g.n;
  const M = normalizedAdjacency(g);
  const want = referenceEigenvalues(M, n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i] += g.A[i * n + j];
  const known = new Float64Array(n * 3);
  let off = 0;
  parts.forEach((p, c) => {
    let s = 0;
    for (let i = off; i < off + p.n; i++) s += d[i];
    for (let i = off; i < off + p.n; i++) known[i * 3 + c] = Math.sqrt(d[i] / s);
    off += p.n;
  });
  for (const method of ['lanczos', 'dense'] as const) {
    const r = eigshSync(denseOperator(matrixOf(g)), { k: 5, tol: 1e-10, method, deflate: { data: known, rows: n, cols: 3 } });
    for (let i = 0; i < 5; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `${method} λ_${i}`);
    // The first three columns span the given vectors (their order among the equal eigenvalues
    // is free): each known vector's projection on them has unit norm up to rounding.
    for (let c = 0; c < 3; c++) {
      let norm2 = 0;
      for (let q = 0; q < 3; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += r.vectors.data[i * 5 + q] * known[i * 3 + c];
        norm2 += dot * dot;
      }
      t.true(Math.abs(norm2 - 1) < 1e-12, `${method}: deflated vector ${c}`);
    }
  }
  // A vector that is not an eigenvector is refused.
  const bad = new Float64Array(n).fill(1);
  t.throws(() => eigshSync(denseOperator(matrixOf(g)), { k: 2, deflate: { data: bad, rows: n, cols: 1 } }), {
    instanceOf: RangeError, message: /not an eigenvector/,
  });
});

pyTest('bipartite graph: the eigenvalue -1 (the top of -Ā) is found', (t) => {
  const g = union(completeBipartite(9, 14), random(50, 0.1, 9));
  const M = normalizedAdjacency(g);
  const neg = M.map((x) => -x);
  const r = eigshSync(jsOperator(neg, g.n), { k: 2, tol: 1e-10, method: 'lanczos', blockSize: 2 });
  t.true(Math.abs(r.values[0] - 1) < 1e-9);
  const want = referenceEigenvalues(M, g.n);
  t.true(Math.abs(-r.values[1] - want[g.n - 2]) < 1e-9);
});

pyTest('JavaScript operators (reverse communication) agree with native ones, sync and async', async (t) => {
  const g = random(150, 0.06, 21);
  const M = normalizedAdjacency(g);
  const want = referenceEigenvalues(M, g.n);
  const opts = { k: 5, tol: 1e-10, method: 'lanczos' as const, seed: 3 };
  const a = eigshSync(jsOperator(M, g.n, 1), opts);
  const b = await eigsh(jsOperator(M, g.n, 1), opts);
  const c = await eigsh(denseOperator(matrixOf(g)), opts);
  for (const r of [a, b, c]) for (let i = 0; i < 5; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9);
  // Same algorithm, same seed, same products up to summation order: same iteration count.
  t.is(a.matvecs, b.matvecs);
  // An async multiply (returning a Promise) is awaited.
  const asyncOp = { n: g.n, multiply: async (X: Float64Array, Y: Float64Array, cols: number) => jsOperator(M, g.n).multiply(X, Y, cols) };
  const d = await eigsh(asyncOp, opts);
  for (let i = 0; i < 5; i++) t.true(Math.abs(d.values[i] - want[i]) < 1e-9);
  t.throws(() => eigshSync(asyncOp, opts), { instanceOf: TypeError, message: /Promise/ });
});

test('deterministic for a seed: bit-identical values and vectors', async (t) => {
  const g = random(300, 0.03, 5);
  const op = denseOperator(matrixOf(g));
  const opts = { k: 4, tol: 1e-9, method: 'lanczos' as const, seed: 42 };
  const a = eigshSync(op, opts);
  const b = await eigsh(op, opts);
  t.deepEqual(Array.from(a.values), Array.from(b.values));
  t.deepEqual(Array.from(a.vectors.data), Array.from(b.vectors.data));
  t.is(a.matvecs, b.matvecs);
  const c = eigshSync(op, { ...opts, seed: 43 });
  // Another seed: another start, so another rounding path, but the same answer to tolerance.
  t.notDeepEqual(Array.from(a.vectors.data), Array.from(c.vectors.data));
  for (let i = 0; i < 4; i++) t.true(Math.abs(a.values[i] - c.values[i]) < 1e-8);
});

test('warm start from the previous eigenvectors needs fewer products', (t) => {
  const g = random(400, 0.02, 8);
  const op = denseOperator(matrixOf(g));
  const cold = eigshSync(op, { k: 4, tol: 1e-9, method: 'lanczos', blockSize: 4 });
  const warm = eigshSync(op, { k: 4, tol: 1e-9, method: 'lanczos', blockSize: 4, v0: cold.vectors });
  t.true(warm.matvecs < cold.matvecs / 2, `warm ${warm.matvecs} vs cold ${cold.matvecs}`);
  for (let i = 0; i < 4; i++) t.true(Math.abs(warm.values[i] - cold.values[i]) < 1e-8);
  // One vector works too.
  const one = cold.vectors.data.filter((_, i) => i % 4 === 0);
  const r = eigshSync(op, { k: 1, tol: 1e-9, method: 'lanczos', v0: one });
  t.true(Math.abs(r.values[0] - cold.values[0]) < 1e-8);
});

test('onProgress reports increasing iterations and the converged count', async (t) => {
  const g = random(300, 0.03, 2);
  const calls: [number, number, number][] = [];
  const r = await eigsh(denseOperator(matrixOf(g)), { k: 3, method: 'lanczos', blockSize: 2, onProgress: (i, c, m) => calls.push([i, c, m]) });
  t.true(calls.length > 1);
  for (let i = 1; i < calls.length; i++) t.true(calls[i][0] > calls[i - 1][0]);
  t.true(calls.every(([, c]) => c >= 0 && c <= 3));
  t.true(calls.at(-1)![0] <= r.iterations);
  const s: number[] = [];
  eigshSync(jsOperator(normalizedAdjacency(g), g.n), { k: 3, method: 'lanczos', blockSize: 2, onProgress: (i) => s.push(i) });
  t.true(s.length > 1);
});

// Serial: progress (and so the abort) reaches the main thread only while it is free, which
// concurrent synchronous tests would prevent.
test.serial('an AbortSignal stops the solver: native and JavaScript operators', async (t) => {
  const g = ring(1000); // gaps ~ 1e-5: tens of thousands of products, far more than 3 steps
  const M = normalizedAdjacency(g);
  for (const op of [denseOperator(matrixOf(g)), jsOperator(M, g.n)]) {
    const controller = new AbortController();
    let seen = 0;
    const p = eigsh(op, {
      k: 8, tol: 1e-12, method: 'lanczos', signal: controller.signal,
      onProgress: (i) => { seen = i; if (i >= 3) controller.abort(); },
    });
    const err = await t.throwsAsync(p, { name: 'AbortError' });
    t.is((err as Error & { code: string }).code, 'ABORT_ERR');
    t.true(seen >= 3);
  }
  const pre = AbortSignal.abort();
  await t.throwsAsync(eigsh(denseOperator(matrixOf(g)), { k: 2, signal: pre }), { name: 'AbortError' });
  t.throws(() => eigshSync(denseOperator(matrixOf(g)), { k: 2, signal: pre }), { name: 'AbortError' });
});

test('not converged within maxIterations: ERR_NOT_CONVERGED carrying the converged pairs', async (t) => {
  // Spectrum: 1 and 0.5 well apart, then a cluster 0.4 - 1e-6 i that 20 block steps cannot
  // resolve to 1e-10: the first two converge, the other eight do not.
  const n = 300;
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) M[i * n + i] = i === 0 ? 1 : i === 1 ? 0.5 : 0.4 - 1e-6 * i;
  const A = { data: M, rows: n, cols: n };
  const tol = 1e-10;
  const opts = { k: 10, tol, method: 'lanczos' as const, maxIterations: 20, blockSize: 4 };
  for (const run of [() => Promise.resolve().then(() => eigshSync(denseOperator(A), opts)), () => eigsh(denseOperator(A), opts)]) {
    const err = await t.throwsAsync(run(), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_NOT_CONVERGED');
    const partial = (err as SpeclinError<EigshResult>).partial!;
    t.true(partial.converged >= 2 && partial.converged < 10, `${partial.converged} converged`);
    t.is(partial.values.length, partial.converged);
    t.is(partial.vectors.cols, partial.converged);
    t.true(Math.abs(partial.values[0] - 1) < 1e-9 && Math.abs(partial.values[1] - 0.5) < 1e-9);
    t.true(maxResidual(M, n, partial) <= tol + 1e-12);
    t.is(partial.iterations, 20);
  }
});

pyTest('larger sparse problem through a JavaScript CSR operator, against scipy eigsh', (t) => {
  // A 3000-node random geometric-like graph: a ring plus random chords.
  const n = 3000;
  const u = rng(99);
  const rows: number[][] = Array.from({ length: n }, () => []);
  const add = (i: number, j: number) => { rows[i].push(j); rows[j].push(i); };
  for (let i = 0; i < n; i++) add(i, (i + 1) % n);
  for (let e = 0; e < 6 * n; e++) { const i = Math.floor(u() * n), j = Math.floor(u() * n); if (i !== j) add(i, j); }
  const deg = rows.map((r) => r.length);
  const op = {
    n,
    normBound: 1,
    multiply(X: Float64Array, Y: Float64Array, c: number) {
      Y.fill(0);
      for (let i = 0; i < n; i++) for (const j of rows[i]) { const w = 1 / Math.sqrt(deg[i] * deg[j]); for (let q = 0; q < c; q++) Y[i * c + q] += w * X[j * c + q]; }
    },
  };
  const r = eigshSync(op, { k: 5, tol: 1e-10 });
  t.is(r.method, 'lanczos');
  const src: number[] = [], dst: number[] = [];
  rows.forEach((r, i) => r.forEach((j) => { src.push(i); dst.push(j); }));
  const want = python<number[]>(
    'import sys, json, numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sl\n' +
      'd = json.load(sys.stdin); n = d["n"]\n' +
      'A = sp.coo_matrix((np.ones(len(d["s"])), (d["s"], d["t"])), shape=(n, n)).tocsr()\n' +
      'dg = np.asarray(A.sum(1)).ravel(); Dm = sp.diags(1/np.sqrt(dg)); M = Dm @ A @ Dm\n' +
      'w = sl.eigsh(M, k=5, which="LA", tol=1e-13)[0]\n' +
      'print(json.dumps(sorted(w.tolist(), reverse=True)))',
    { n, s: src, t: dst },
  );
  for (let i = 0; i < 5; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `${r.values[i]} vs ${want[i]}`);
});

test('bad options are clear TypeErrors and RangeErrors naming the option', (t) => {
  const g = random(30, 0.2, 1);
  const op = denseOperator(matrixOf(g));
  t.throws(() => eigshSync(op, { k: 0 }), { instanceOf: RangeError, message: /k must be an integer from 1 to 30/ });
  t.throws(() => eigshSync(op, { k: 31 }), { instanceOf: RangeError, message: /k must be an integer from 1 to 30/ });
  t.throws(() => eigshSync(op, { k: 1.5 }), { instanceOf: RangeError, message: /k must be/ });
  t.throws(() => eigshSync(op, { k: '2' as unknown as number }), { instanceOf: TypeError, message: /k must be a number/ });
  t.throws(() => eigshSync(op, { k: 2, tol: 0 }), { instanceOf: RangeError, message: /tol must be a positive/ });
  t.throws(() => eigshSync(op, { k: 2, tol: -1 }), { instanceOf: RangeError, message: /tol/ });
  t.throws(() => eigshSync(op, { k: 2, tol: NaN }), { instanceOf: RangeError, message: /tol/ });
  t.throws(() => eigshSync(op, { k: 2, blockSize: 0 }), { instanceOf: RangeError, message: /blockSize/ });
  t.throws(() => eigshSync(op, { k: 2, blockSize: 100 }), { instanceOf: RangeError, message: /blockSize/ });
  t.throws(() => eigshSync(op, { k: 2, maxIterations: 0 }), { instanceOf: RangeError, message: /maxIterations/ });
  t.throws(() => eigshSync(op, { k: 2, v0: new Float64Array(29) }), { instanceOf: RangeError, message: /v0 has 29 elements/ });
  t.throws(() => eigshSync(op, { k: 2, v0: { data: new Float64Array(60), rows: 20, cols: 3 } }), { instanceOf: RangeError, message: /v0 must have n = 30 rows/ });
  t.throws(() => eigshSync(op, { k: 2, v0: [1, 2] as unknown as Float64Array }), { instanceOf: TypeError, message: /v0/ });
  t.throws(() => eigshSync(op, { k: 2, blockSize: 2, v0: new Float64Array(90) }), { instanceOf: RangeError, message: /v0 has 3 columns, more than blockSize/ });
  t.throws(() => eigshSync(op, { k: 2, deflate: true }), { instanceOf: TypeError, message: /deflate: true needs a Graph/ });
  t.throws(() => eigshSync(op, { k: 2, method: 'qr' as never }), { instanceOf: RangeError, message: /method/ });
  t.throws(() => eigshSync({ n: 3 } as never, { k: 1 }), { instanceOf: TypeError, message: /multiply/ });
  t.throws(() => eigshSync(op, undefined as never), { instanceOf: TypeError, message: /options/ });
  t.throws(() => eigshSync(op, { k: 20, blockSize: 8, method: 'lanczos' }), { instanceOf: RangeError, message: /Lanczos basis/ });
  t.throws(() => denseOperator({ data: new Float64Array([1, 2, 3, 4]), rows: 2, cols: 2 }), { instanceOf: RangeError, message: /not symmetric/ });
  // A JavaScript operator that writes NaN is caught, not propagated.
  const nanOp = { n: 30, multiply: (_X: Float64Array, Y: Float64Array) => { Y.fill(NaN); } };
  t.throws(() => eigshSync(nanOp, { k: 2, method: 'lanczos' }), { instanceOf: RangeError, message: /NaN/ });
});

pyTest('a float32 Graph: Lanczos vectors and results are float64, eigenvalues match numpy on the same weights', async (t) => {
  const dg = random(400, 0.03, 31);
  const A32 = Float32Array.from(dg.A);
  const g = Graph.fromDense({ data: A32, rows: dg.n, cols: dg.n });
  const r = await eigsh(g, { k: 6, tol: 1e-10 });
  t.true(r.values instanceof Float64Array && r.vectors.data instanceof Float64Array);
  // Reference on the float32 weights widened to float64: Ā's products take float64 blocks and
  // the solver converges to tol = 1e-10 on them, so the eigenvalues of the stored (float32)
  // graph agree to the float64 tolerance (1e-9: Bauer-Fike bound plus numpy's own error).
  const want = referenceEigenvalues(normalizedAdjacency({ n: dg.n, A: Float64Array.from(A32) }), dg.n);
  for (let i = 0; i < 6; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `λ_${i}: ${r.values[i]} vs ${want[i]}`);
  for (const x of r.residuals) t.true(x <= 1e-10);
});

test('the native result carries its profile: phase times and the basis traffic of the solve', async (t) => {
  const g = stochasticBlockModel({ n: 3000, blocks: 5, averageDegree: 10, inside: 0.8, seed: 2 });
  for (const projection of ['lagged', 'two-pass'] as const) {
    const r = await eigsh(g, { k: 4, tol: 1e-8, projection });
    const p = r.profile!;
    t.truthy(p);
    for (const [key, v] of Object.entries(p)) t.true(Number.isFinite(v) && v >= 0, `${projection}: ${key} = ${v}`);
    // Every block step projects one block against the whole basis (full reorthogonalization), plus
    // the start block after the deflated component vector. The lagged projection sweeps the basis
    // once per block (twice more where it falls back); two passes sweep it two or three times
    // (the third only for the blocks counted in secondPasses).
    t.true(p.blocks >= r.iterations, `${projection}: ${p.blocks} blocks for ${r.iterations} iterations`);
    t.is(p.fullProjections, p.blocks);
    if (projection === 'two-pass') t.true(p.basisPasses >= 2 * p.blocks + p.secondPasses);
    else t.true(p.basisPasses >= p.blocks);
    t.true(p.basisVectorsRead >= p.basisPasses);
    // The native driver times the operator; a solve of 3000 nodes takes some of it.
    t.true(p.products > 0);
  }
});

test('projection: the lagged sweep and two passes give the same pairs; the lagged one reads the basis about half as often', async (t) => {
  const g = stochasticBlockModel({ n: 4000, blocks: 8, averageDegree: 12, inside: 0.8, seed: 5 });
  const n = g.n, k = 8, tol = 1e-10;
  const lagged = await eigsh(g, { k, tol, projection: 'lagged' });
  const twoPass = await eigsh(g, { k, tol, projection: 'two-pass' });
  setKernelPath('portable');
  let portable: EigshResult;
  try {
    portable = await eigsh(g, { k, tol });
  } finally {
    setKernelPath('auto');
  }
  for (const [name, r] of [['lagged', lagged], ['two-pass', twoPass], ['lagged, portable kernels', portable]] as const) {
    // Residuals recomputed here with the graph's own product: each pair within tol.
    const Y = new Float64Array(n * k);
    g.normalized().multiply(r.vectors.data, Y, k);
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (Y[i * k + q] - r.values[q] * r.vectors.data[i * k + q]) ** 2;
      t.true(Math.sqrt(s) <= tol * 1.01, `${name}: residual ${q} = ${Math.sqrt(s)}`);
    }
    // Locked Ritz vectors of a basis kept orthonormal to working precision: the few 1e-15 of
    // rounding per inner product, with room for k = 8 columns of n = 4000 rows.
    t.true(orthonormalityError(r.vectors.data, n, k) < 1e-12, `${name}: orthonormality ${orthonormalityError(r.vectors.data, n, k)}`);
    // Each value is within its residual (tol) of an eigenvalue of the symmetric Ā: two solves
    // agree to 2 tol.
    for (let q = 0; q < k; q++) t.true(Math.abs(r.values[q] - twoPass.values[q]) <= 2 * tol, `${name}: λ_${q}`);
  }
  // One sweep of the basis per block step instead of two: at most 3/4 of the columns read.
  t.true(lagged.profile!.basisVectorsRead <= 0.75 * twoPass.profile!.basisVectorsRead,
    `${lagged.profile!.basisVectorsRead} against ${twoPass.profile!.basisVectorsRead} basis columns`);
  t.throws(() => eigshSync(g, { k, projection: 'one-pass' as 'lagged' }), { instanceOf: RangeError, message: /projection/ });
});
