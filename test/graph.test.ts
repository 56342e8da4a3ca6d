import test from 'ava';
import {
  Graph, BipartiteGraph, stochasticBlockModel, setThreads, getThreads, setKernelPath,
} from '../src/index.js';
import { rng } from './helpers/random.js';
import { denseProduct, relativeMaxError } from './helpers/reference.js';
import { ringWithChords } from './helpers/graphs.js';
import { python } from './helpers/python.js';
import { gemmKernel, setGemmAvx512 } from '../src/gram.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// ---- dense references ------------------------------------------------------------------------

/** Dense n x n float64 adjacency from an edge list (duplicates summed). */
function denseOf(n: number, src: number[], dst: number[], w?: number[]): Float64Array {
  const A = new Float64Array(n * n);
  for (let k = 0; k < src.length; k++) A[src[k] * n + dst[k]] += w ? w[k] : 1;
  return A;
}

function denseFromGraph(g: Graph): Float64Array {
  const { indptr, indices, values } = g.toCSR();
  const A = new Float64Array(g.n * g.n);
  for (let i = 0; i < g.n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) A[i * g.n + indices[p]] = values[p];
  return A;
}

function rowSums(A: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i] += A[i * n + j];
  return d;
}

/** D^{-1/2} A D^{-1/2} X for dense A (n x n) and X (n x c). */
function normalizedProduct(A: Float64Array, n: number, X: ArrayLike<number>, c: number): Float64Array {
  const d = rowSums(A, n);
  const Y = new Float64Array(n * c);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = A[i * n + j] / Math.sqrt(d[i] * d[j]);
      if (a !== 0) for (let q = 0; q < c; q++) Y[i * c + q] += a * X[j * c + q];
    }
  return Y;
}

function randomVector(len: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = r() * 2 - 1;
  return x;
}

// ---- construction ---------------------------------------------------------------------------

test('fromEdges: CSR, degrees, marginals and totalWeight match a dense float64 reference', (t) => {
  const n = 30;
  const { src, dst, w } = ringWithChords(n, 80, 1, 3);
  const g = Graph.fromEdges({ n, src, dst, weight: new Float64Array(w) });
  const A = denseOf(n, src, dst, w);
  t.is(g.n, n);
  t.is(g.dtype, 'float64');
  // Duplicates are summed in float64, so the stored entries agree to rounding of the sums.
  t.true(relativeMaxError(denseFromGraph(g), A) < 1e-15);
  let nnz = 0;
  for (const a of A) if (a !== 0) nnz++;
  t.is(g.nnz, nnz);
  const d = rowSums(A, n);
  t.true(relativeMaxError(g.degrees, d) < 1e-14);
  const total = d.reduce((a, b) => a + b, 0);
  t.true(Math.abs(g.totalWeight - total) / total < 1e-14);
  t.true(relativeMaxError(g.marginals, Array.from(d, (x) => x / total)) < 1e-14);
  t.true(Math.abs(g.marginals.reduce((a, b) => a + b, 0) - 1) < 1e-14);
});

test('duplicates are summed, self-loops kept, rows sorted', (t) => {
  const g = Graph.fromEdges({ n: 3, src: [2, 0, 1, 0, 1, 1, 2], dst: [1, 1, 0, 1, 2, 1, 2], weight: [1, 2, 5, 3, 1, 4, 6] });
  const { indptr, indices, values } = g.toCSR();
  t.deepEqual(Array.from(indptr), [0, 1, 4, 6]);
  t.deepEqual(Array.from(indices), [1, 0, 1, 2, 1, 2]);
  t.deepEqual(Array.from(values), [5, 5, 4, 1, 1, 6]);  // A(0,1) = 2 + 3 = A(1,0) = 5
  t.deepEqual(Array.from(g.degrees), [5, 10, 7]);  // a self-loop counts once in its row
});

test('fromCSR and fromDense build the same graph as fromEdges', (t) => {
  const n = 12;
  const { src, dst, w } = ringWithChords(n, 20, 2, 3);
  const e = Graph.fromEdges({ n, src, dst, weight: w });
  const A = denseOf(n, src, dst, w);
  const dense = Graph.fromDense({ data: A, rows: n, cols: n });
  // CSR input with unsorted rows and duplicates: the edges as given, grouped by row.
  const order = src.map((_, k) => k).sort((a, b) => src[a] - src[b] || b - a);
  const indptr = new Int32Array(n + 1);
  for (const s of src) indptr[s + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const csr = Graph.fromCSR({ n, indptr, indices: order.map((k) => dst[k]), values: new Float64Array(order.map((k) => w[k])) });
  const viaBigInt = Graph.fromCSR({ n, indptr: BigInt64Array.from(indptr, (x) => BigInt(x)), indices: order.map((k) => dst[k]), values: order.map((k) => w[k]) });
  for (const g of [dense, csr, viaBigInt]) {
    t.true(relativeMaxError(denseFromGraph(g), denseFromGraph(e)) < 1e-15);
    t.true(relativeMaxError(g.degrees, e.degrees) < 1e-14);
  }
  const f32 = Graph.fromDense({ data: Float32Array.from(A), rows: n, cols: n });
  t.is(f32.dtype, 'float32');
  t.true(f32.toCSR().values instanceof Float32Array);
});

test('dtype follows the weights; without weights it is float64 unless dtype is given', (t) => {
  const edges = { n: 2, src: [0, 1], dst: [1, 0] };
  t.is(Graph.fromEdges(edges).dtype, 'float64');
  t.is(Graph.fromEdges({ ...edges, dtype: 'float32' }).dtype, 'float32');
  t.is(Graph.fromEdges({ ...edges, weight: new Float32Array([2, 2]) }).dtype, 'float32');
  t.is(Graph.fromEdges({ ...edges, weight: [2, 2] }).dtype, 'float64');
});

test("symmetrize: 'average' is (A + A^T)/2 and 'max' is max(A, A^T)", (t) => {
  const n = 3;
  const src = [0, 1, 1, 2], dst = [1, 0, 2, 0], w = [4, 2, 3, 1];
  const A = denseOf(n, src, dst, w);
  const avg = Graph.fromEdges({ n, src, dst, weight: w, symmetrize: true });
  const max = Graph.fromEdges({ n, src, dst, weight: w, symmetrize: 'max' });
  const wantAvg = new Float64Array(n * n), wantMax = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      wantAvg[i * n + j] = (A[i * n + j] + A[j * n + i]) / 2;
      wantMax[i * n + j] = Math.max(A[i * n + j], A[j * n + i]);
    }
  t.deepEqual(Array.from(denseFromGraph(avg)), Array.from(wantAvg));
  t.deepEqual(Array.from(denseFromGraph(max)), Array.from(wantMax));
  // 'average' keeps the total weight; 'max' of a one-direction list doubles it.
  t.is(avg.totalWeight, 10);
});

test('entries equal to rounding count as symmetric and are averaged to exact symmetry', (t) => {
  // 0.1 + 0.2 != 0.3 in float64, by one ulp: still symmetric.
  const g = Graph.fromEdges({ n: 2, src: [0, 0, 1], dst: [1, 1, 0], weight: [0.1, 0.2, 0.3] });
  const { values } = g.toCSR();
  t.is(values[0], values[1]);
});

test('components: count and labels match an independent union-find', (t) => {
  // Three components and a self-loop-only node: {0,1,2}, {3,4}, {5}, {6,7,8,9}
  const pairs = [[0, 1], [1, 2], [3, 4], [5, 5], [6, 7], [7, 8], [8, 9], [9, 6]];
  const src = pairs.flatMap(([u, v]) => (u === v ? [u] : [u, v]));
  const dst = pairs.flatMap(([u, v]) => (u === v ? [v] : [v, u]));
  const g = Graph.fromEdges({ n: 10, src, dst });
  const { count, labels } = g.components();
  const parent = Array.from({ length: 10 }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (const [u, v] of pairs) parent[find(u)] = find(v);
  const roots = new Set(parent.map((_, i) => find(i)));
  t.is(count, roots.size);
  t.is(count, 4);
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) t.is(labels[i] === labels[j], find(i) === find(j));
  t.deepEqual(Array.from(labels), [0, 0, 0, 1, 1, 2, 3, 3, 3, 3]);  // numbered by smallest node
});

test("isolated: 'drop' removes degree-zero nodes and returns the index map", (t) => {
  const g = Graph.fromEdges({ n: 6, src: [1, 3, 3, 4], dst: [3, 1, 4, 3], weight: [2, 2, 1, 1], isolated: 'drop' });
  t.is(g.n, 3);
  t.deepEqual(Array.from(g.nodeMap!), [1, 3, 4]);
  t.deepEqual(Array.from(g.degrees), [2, 3, 1]);
  t.deepEqual(Array.from(denseFromGraph(g)), [0, 2, 0, 2, 0, 1, 0, 1, 0]);
  t.is(Graph.fromEdges({ n: 2, src: [0, 1], dst: [1, 0] }).nodeMap, undefined);
});

// ---- construction errors ----------------------------------------------------------------------

test('asymmetric input is a RangeError naming the first offending pair', (t) => {
  const err = t.throws(() => Graph.fromEdges({ n: 4, src: [0, 1, 2, 3, 2], dst: [1, 0, 3, 2, 1], weight: [1, 1, 1, 2, 1] }), {
    instanceOf: RangeError,
  });
  t.regex(err!.message, /A\(1, 2\) = 0 but A\(2, 1\) = 1/);
  t.is((err as RangeError & { code: string }).code, 'ERR_ASYMMETRIC');
  t.throws(() => Graph.fromEdges({ n: 2, src: [0, 1], dst: [1, 0], weight: [1, 1.5] }), { message: /A\(0, 1\) = 1 but A\(1, 0\) = 1.5/ });
});

test('degree-zero nodes are a RangeError naming them', (t) => {
  const err = t.throws(() => Graph.fromEdges({ n: 5, src: [0, 2], dst: [2, 0] }), { instanceOf: RangeError });
  t.regex(err!.message, /3 nodes have degree zero \(no edges\): 1, 3, 4/);
  t.is((err as RangeError & { code: string }).code, 'ERR_ISOLATED_NODES');
  t.throws(() => Graph.fromEdges({ n: 2, src: [0, 1], dst: [1, 0], weight: [0, 0], isolated: 'drop' }), { message: /no edges/ });
});

test('bad ids, weights, lengths and options: TypeError or RangeError naming the argument', (t) => {
  const ok = { n: 3, src: [0, 1, 1, 2], dst: [1, 0, 2, 1] };
  t.throws(() => Graph.fromEdges({ ...ok, n: 0 }), { instanceOf: RangeError, message: /n must be at least 1/ });
  t.throws(() => Graph.fromEdges({ ...ok, n: 2.5 }), { instanceOf: RangeError, message: /n must be a non-negative integer/ });
  t.throws(() => Graph.fromEdges({ ...ok, n: '3' as unknown as number }), { instanceOf: TypeError, message: /n must be a number/ });
  t.throws(() => Graph.fromEdges({ ...ok, n: 2 }), { instanceOf: RangeError, message: /src\[3\] = 2 is outside \[0, n = 2\)/ });
  t.throws(() => Graph.fromEdges({ ...ok, dst: [1, 0, 2, 7] }), { instanceOf: RangeError, message: /dst\[3\] = 7 is outside/ });
  t.throws(() => Graph.fromEdges({ ...ok, src: [0, 1, -1, 2] }), { instanceOf: RangeError, message: /src\[2\] = -1 is not a node id/ });
  t.throws(() => Graph.fromEdges({ ...ok, src: [0, 1, 1.5, 2] }), { instanceOf: RangeError, message: /src\[2\] = 1.5/ });
  t.throws(() => Graph.fromEdges({ ...ok, src: new Float64Array([0, 1, 1, 2]) as never }), { instanceOf: TypeError, message: /src must be/ });
  t.throws(() => Graph.fromEdges({ ...ok, dst: [1, 0, 2] }), { instanceOf: RangeError, message: /src has 4 entries but dst has 3/ });
  t.throws(() => Graph.fromEdges({ ...ok, weight: [1, 1, 1] }), { instanceOf: RangeError, message: /weight has 3 entries/ });
  t.throws(() => Graph.fromEdges({ ...ok, weight: [1, -2, 1, 1] }), { instanceOf: RangeError, message: /weight\[1\] = -2.* finite and >= 0/ });
  t.throws(() => Graph.fromEdges({ ...ok, weight: [1, 1, NaN, 1] }), { instanceOf: RangeError, message: /weight\[2\] = nan/ });
  t.throws(() => Graph.fromEdges({ ...ok, weight: new Float32Array([1, 1, 1, Infinity]) }), { instanceOf: RangeError, message: /weight\[3\] = inf/ });
  t.throws(() => Graph.fromEdges({ ...ok, weight: new Int32Array(4) as never }), { instanceOf: TypeError, message: /weight must be/ });
  t.throws(() => Graph.fromEdges({ ...ok, symmetrize: 'min' as never }), { instanceOf: RangeError, message: /symmetrize must be/ });
  t.throws(() => Graph.fromEdges({ ...ok, isolated: 'keep' as never }), { instanceOf: RangeError, message: /isolated must be/ });
  t.throws(() => Graph.fromEdges({ ...ok, dtype: 'float16' as never }), { instanceOf: RangeError, message: /dtype must be/ });
  t.throws(() => Graph.fromEdges(null as never), { instanceOf: TypeError });
});

test('fromCSR and fromDense errors', (t) => {
  const indices = new Int32Array([1, 0]);
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([0, 1]), indices }), { instanceOf: RangeError, message: /indptr has 2 entries but n \+ 1 = 3/ });
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([1, 1, 2]), indices }), { instanceOf: RangeError, message: /indptr\[0\] must be 0/ });
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([0, 2, 1]), indices }), { instanceOf: RangeError, message: /nondecreasing: indptr\[2\] = 1 < indptr\[1\] = 2/ });
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([0, 1, 3]), indices }), { instanceOf: RangeError, message: /indptr\[n\] = 3 but indices has 2/ });
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([0, 1, 2]), indices: new Int32Array([1, 2]) }), { instanceOf: RangeError, message: /indices\[1\] = 2 is outside/ });
  t.throws(() => Graph.fromCSR({ n: 2, indptr: new Int32Array([0, 1, 2]), indices, values: [1] }), { instanceOf: RangeError, message: /values has 1 entries/ });
  t.throws(() => Graph.fromDense({ data: new Float64Array(6), rows: 2, cols: 3 }), { instanceOf: RangeError, message: /A must be square/ });
  t.throws(() => Graph.fromDense({ data: new Float64Array([0, -1, -1, 0]), rows: 2, cols: 2 }), { instanceOf: RangeError, message: /A\[0\]\[1\] = -1/ });
  t.throws(() => Graph.fromDense({ data: new Float64Array(3), rows: 2, cols: 2 }), { instanceOf: RangeError, message: /A.data has 3 elements/ });
  t.throws(() => Graph.fromDense([1, 2] as never), { instanceOf: TypeError });
});

// ---- products -----------------------------------------------------------------------------------

for (const dtype of ['float64', 'float32'] as const) {
  const ctor = dtype === 'float32' ? Float32Array : Float64Array;
  // The stored weights are rounded to the dtype, so the reference uses the same rounded weights:
  // then float64 accumulation leaves only ~n eps64 differences in either dtype; spmv's float32
  // output is one rounding (2^-24 relative) on top.
  const tol = dtype === 'float32' ? 2e-7 : 1e-13;

  test(`spmv (${dtype}): A x and the block form match a dense reference`, (t) => {
    const n = 40;
    const { src, dst, w } = ringWithChords(n, 150, 3, 3);
    const weight = ctor.from(w);
    const g = Graph.fromEdges({ n, src, dst, weight });
    const A = denseOf(n, src, dst, Array.from(weight));
    const x = ctor.from(randomVector(n, 4));
    const y = g.spmv(x);
    t.true(y instanceof ctor);
    t.true(relativeMaxError(y, denseProduct(A, n, n, x, 1)) < tol);
    const X = ctor.from(randomVector(n * 5, 5));
    const Y = g.spmv({ data: X, rows: n, cols: 5 });
    t.is(Y.cols, 5);
    t.true(relativeMaxError(Y.data, denseProduct(A, n, n, X, 5)) < tol);
    t.throws(() => g.spmv(new (dtype === 'float32' ? Float64Array : Float32Array)(n) as never), { instanceOf: TypeError, message: /x must be a/ });
    t.throws(() => g.spmv(new ctor(n + 1)), { instanceOf: RangeError, message: /x has 41 elements/ });
  });

  test(`normalized (${dtype}): Ā X in float64 matches D^-1/2 A D^-1/2 X, one and several columns`, (t) => {
    const n = 50;
    const { src, dst, w } = ringWithChords(n, 200, 6, 3);
    const weight = ctor.from(w);
    const g = Graph.fromEdges({ n, src, dst, weight });
    // The reference is built from the stored weights: in float32 a duplicate's sum is rounded
    // once more when stored (checked against the summed input to float32 rounding here).
    const A = denseFromGraph(g);
    t.true(relativeMaxError(A, denseOf(n, src, dst, Array.from(weight))) < 1e-7);
    const op = g.normalized();
    t.is(op.n, n);
    t.is(g.normalized(), op);
    // every panel width: 16, 8, 4, 2, 1
    for (const c of [1, 2, 3, 13, 17, 40]) {
      const X = randomVector(n * c, 7 + c);
      const Y = new Float64Array(n * c);
      op.multiply(X, Y, c);
      // float64 products of the stored weights: agreement to ~1e-15 relative in either dtype
      t.true(relativeMaxError(Y, normalizedProduct(A, n, X, c)) < 1e-13, `columns ${c}`);
    }
    // D^{1/2} 1 is an eigenvector of Ā with eigenvalue 1
    const v = Float64Array.from(g.degrees, Math.sqrt);
    const Av = new Float64Array(n);
    op.multiply(v, Av, 1);
    t.true(relativeMaxError(Av, v) < 1e-14);
  });
}

test('float64 weights that are exact in float32 (stored compactly) give the same products as any others', (t) => {
  // Integer weights are stored as float32 internally (lossless); a weight of 0.1 forces the
  // full float64 storage. Both must match the dense reference to rounding.
  for (const w0 of [2, 0.1]) {
    const n = 20;
    const { src, dst, w } = ringWithChords(n, 60, 13, 3);
    const weight = w.map((x, k) => (k === 0 || k === 1 ? w0 : Math.round(x * 4)));
    weight[1] = weight[0];  // edge 0 is given both ways in ringWithChords (a ring edge)
    const g = Graph.fromEdges({ n, src, dst, weight: new Float64Array(weight) });
    const A = denseOf(n, src, dst, weight);
    t.deepEqual(Array.from(denseFromGraph(g)), Array.from(A));
    const x = randomVector(n, 14);
    t.true(relativeMaxError(g.spmv(x), denseProduct(A, n, n, x, 1)) < 1e-14);
    const Y = new Float64Array(n * 3), X = randomVector(n * 3, 15);
    g.normalized().multiply(X, Y, 3);
    t.true(relativeMaxError(Y, normalizedProduct(A, n, X, 3)) < 1e-14);
  }
});

test('normalized operator: bad arguments', (t) => {
  const g = Graph.fromEdges({ n: 3, src: [0, 1, 1, 2], dst: [1, 0, 2, 1] });
  const op = g.normalized();
  t.throws(() => op.multiply(new Float64Array(3), new Float64Array(6), 2), { instanceOf: RangeError, message: /X has 3 elements but 6/ });
  t.throws(() => op.multiply(new Float32Array(3) as never, new Float64Array(3), 1), { instanceOf: TypeError, message: /X must be a Float64Array/ });
  t.throws(() => op.multiply(new Float64Array(3), new Float64Array(3), 0), { instanceOf: RangeError, message: /columns must be at least 1/ });
  const x = new Float64Array(3);
  t.throws(() => op.multiply(x, x, 1), { instanceOf: RangeError, message: /different arrays/ });
});

test('products are identical for 1 and 2 threads and on the portable and AVX2 paths (to rounding)', (t) => {
  const g = stochasticBlockModel({ n: 3000, seed: 11 });
  const op = g.normalized();
  const X = randomVector(g.n * 4, 12);
  const run = (c: number) => { const Y = new Float64Array(g.n * c); op.multiply(X.subarray(0, g.n * c), Y, c); return Y; };
  const initial = getThreads();
  try {
    setThreads(1);
    const one = [run(1), run(4)];
    setThreads(2);
    const two = [run(1), run(4)];
    // each row is summed by one thread in a fixed order: bit-identical for any thread count
    t.deepEqual(Array.from(one[0]), Array.from(two[0]));
    t.deepEqual(Array.from(one[1]), Array.from(two[1]));
    setKernelPath('portable');
    const portable = run(1);
    // FMA and a different summation order: ~row length * eps64 relative
    t.true(relativeMaxError(portable, one[0]) < 1e-14);
  } finally {
    setKernelPath('auto');
    setThreads(initial);
  }
});

pyTest('Ā products of a 2000-node SBM match scipy, float64 and float32 graphs', (t) => {
  for (const dtype of ['float64', 'float32'] as const) {
    const g = stochasticBlockModel({ n: 2000, seed: 5, dtype });
    const { indptr, indices, values } = g.toCSR();
    const X = randomVector(g.n * 2, 9);
    const Y = new Float64Array(g.n * 2);
    g.normalized().multiply(X, Y, 2);
    const want = python<number[]>(
      `import sys, json, numpy as np, scipy.sparse as sp
r = json.load(sys.stdin)
A = sp.csr_matrix((np.array(r['v'], dtype=np.float64), np.array(r['i']), np.array(r['p'])), shape=(r['n'], r['n']))
d = np.asarray(A.sum(axis=1)).ravel()
s = sp.diags(1 / np.sqrt(d))
X = np.array(r['x']).reshape(r['n'], 2)
print(json.dumps((s @ A @ s @ X).ravel().tolist()))`,
      { n: g.n, p: Array.from(indptr), i: Array.from(indices), v: Array.from(values), x: Array.from(X) },
    );
    // both float64 over the same stored weights: rounding only
    t.true(relativeMaxError(Y, want) < 1e-13, dtype);
  }
});

// ---- bipartite -------------------------------------------------------------------------------

test('BipartiteGraph: marginals and P̄ products match dense references', (t) => {
  const nl = 7, nr = 5;
  const r = rng(21);
  const left: number[] = [], right: number[] = [], w: number[] = [];
  for (let i = 0; i < nl; i++) { left.push(i); right.push(i % nr); w.push(1 + r()); }
  for (let j = 0; j < nr; j++) { left.push((j * 3) % nl); right.push(j); w.push(r()); }
  for (let k = 0; k < 12; k++) { left.push(Math.floor(r() * nl)); right.push(Math.floor(r() * nr)); w.push(r() * 2); }
  const b = BipartiteGraph.fromEdges({ nLeft: nl, nRight: nr, left, right, weight: w });
  t.is(b.nLeft, nl);
  t.is(b.nRight, nr);
  const P = new Float64Array(nl * nr);
  for (let k = 0; k < left.length; k++) P[left[k] * nr + right[k]] += w[k];
  const dl = new Float64Array(nl), dr = new Float64Array(nr);
  for (let i = 0; i < nl; i++) for (let j = 0; j < nr; j++) { dl[i] += P[i * nr + j]; dr[j] += P[i * nr + j]; }
  const total = dl.reduce((a, b2) => a + b2, 0);
  t.true(relativeMaxError(b.degreesLeft, dl) < 1e-14);
  t.true(relativeMaxError(b.degreesRight, dr) < 1e-14);
  t.true(relativeMaxError(b.marginalsLeft, Array.from(dl, (x) => x / total)) < 1e-14);
  t.true(relativeMaxError(b.marginalsRight, Array.from(dr, (x) => x / total)) < 1e-14);
  const Pbar = new Float64Array(nl * nr), PbarT = new Float64Array(nr * nl);
  for (let i = 0; i < nl; i++)
    for (let j = 0; j < nr; j++) {
      Pbar[i * nr + j] = P[i * nr + j] / Math.sqrt(dl[i] * dr[j]);
      PbarT[j * nl + i] = Pbar[i * nr + j];
    }
  const op = b.normalized();
  t.is(op.rows, nl);
  t.is(op.cols, nr);
  const X = randomVector(nr * 3, 22), Y = new Float64Array(nl * 3);
  op.multiply(X, Y, 3);
  t.true(relativeMaxError(Y, denseProduct(Pbar, nl, nr, X, 3)) < 1e-14);
  const U = randomVector(nl * 2, 23), V = new Float64Array(nr * 2);
  op.multiplyTranspose(U, V, 2);
  t.true(relativeMaxError(V, denseProduct(PbarT, nr, nl, U, 2)) < 1e-14);
  // sqrt(p_t) is the top right singular vector: P̄ D_t^{1/2} 1 = D_x^{1/2} 1
  const u = Float64Array.from(dr, Math.sqrt), out = new Float64Array(nl);
  op.multiply(u, out, 1);
  t.true(relativeMaxError(out, Array.from(dl, Math.sqrt)) < 1e-14);
  t.throws(() => op.multiply(new Float64Array(nl), new Float64Array(nl), 1), { instanceOf: RangeError, message: /X has 7 elements but 5/ });
  const csr = b.toCSR();
  t.is(csr.indptr.length, nl + 1);
});

test('BipartiteGraph: isolated nodes, drop, float32 and argument errors', (t) => {
  const err = t.throws(() => BipartiteGraph.fromEdges({ nLeft: 3, nRight: 3, left: [0, 2], right: [0, 0] }), { instanceOf: RangeError });
  t.regex(err!.message, /1 left node\(s\) have degree zero: 1; 2 right node\(s\) have degree zero: 1, 2/);
  const b = BipartiteGraph.fromEdges({ nLeft: 3, nRight: 3, left: [0, 2], right: [0, 2], isolated: 'drop', dtype: 'float32' });
  t.is(b.dtype, 'float32');
  t.deepEqual(Array.from(b.nodeMapLeft!), [0, 2]);
  t.deepEqual(Array.from(b.nodeMapRight!), [0, 2]);
  t.throws(() => BipartiteGraph.fromEdges({ nLeft: 2, nRight: 2, left: [0, 2], right: [0, 1] }), { instanceOf: RangeError, message: /left\[1\] = 2 is outside \[0, nLeft = 2\)/ });
  t.throws(() => BipartiteGraph.fromEdges({ nLeft: 2, nRight: 2, left: [0, 1], right: [0] }), { instanceOf: RangeError, message: /left has 2 entries but right has 1/ });
  const g = Graph.fromEdges({ n: 2, src: [0, 1], dst: [1, 0] });
  // a bipartite handle where a Graph is expected is a TypeError, not a misread pointer
  t.throws(() => Graph.prototype.components.call(b as never), { instanceOf: TypeError, message: /must be a Graph/ });
  t.throws(() => BipartiteGraph.prototype.toCSR.call(g as never), { instanceOf: TypeError, message: /must be a BipartiteGraph/ });
});

// ---- the SBM generator --------------------------------------------------------------------------

test('stochasticBlockModel: seeded, average degree and inside fraction as asked, no isolated nodes', (t) => {
  const n = 5000, blocks = 10;
  const g = stochasticBlockModel({ n, blocks, averageDegree: 20, inside: 0.8, seed: 3 });
  const h = stochasticBlockModel({ n, blocks, averageDegree: 20, inside: 0.8, seed: 3 });
  const other = stochasticBlockModel({ n, blocks, averageDegree: 20, inside: 0.8, seed: 4 });
  t.deepEqual(Array.from(g.toCSR().indices), Array.from(h.toCSR().indices));
  t.notDeepEqual(Array.from(g.degrees), Array.from(other.degrees));
  // 50 000 edges: the edge count is exact (duplicates summed keep the total weight)
  t.is(g.totalWeight, n * 20);
  const { indptr, indices, values } = g.toCSR();
  let inside = 0;
  for (let i = 0; i < n; i++)
    for (let p = indptr[i]; p < indptr[i + 1]; p++) if (i % blocks === indices[p] % blocks) inside += values[p];
  // binomial with 50 000 trials: standard deviation 0.0018, so 0.01 is > 5 sigma
  t.true(Math.abs(inside / g.totalWeight - 0.8) < 0.01);
  t.true(g.degrees.every((d) => d > 0));
  t.is(g.components().count, 1);
  t.throws(() => stochasticBlockModel({ n: 1 }), { instanceOf: RangeError });
  t.throws(() => stochasticBlockModel({ n: 10, inside: 2 }), { instanceOf: RangeError });
});


test('the one-column SpMV kernels (AVX-512 where the CPU has it, AVX2, portable) agree with a float64 loop on rows of every tail length', (t) => {
  // Rows of 0 to 40 stored entries exercise every masked tail of the 8- and 16-wide AVX-512 loop
  // and of the AVX2 loop; float32 and float64 graphs and float32 and float64 vectors take the
  // four instantiations of the kernels.
  const n = 400, src: number[] = [], dst: number[] = [], weight: number[] = [];
  const r = rng(21);
  for (let i = 0; i < n; i++) {
    const len = i % 41;
    for (let q = 0; q < len; q++) { src.push(i); dst.push(Math.floor(r() * n)); weight.push(1 + Math.floor(r() * 8) / 4); }
  }
  const kernels = gemmKernel() === 'avx512' ? ['avx512', 'avx2', 'portable'] : gemmKernel() === 'avx2' ? ['avx2', 'portable'] : ['portable'];
  try {
    for (const dtype of ['float64', 'float32'] as const) {
      // the weights' array type decides the graph's dtype (multiples of 1/4: exact in float32)
      const w = dtype === 'float64' ? new Float64Array(weight) : new Float32Array(weight);
      const g = Graph.fromEdges({ n, src, dst, weight: w, symmetrize: true, isolated: 'drop' });
      t.is(g.dtype, dtype);
      const csr = g.toCSR();
      // x rounded to float32 up front, so that the float64 reference multiplies the same numbers
      const x64 = Float64Array.from(Float32Array.from({ length: g.n }, () => r() - 0.5));
      const exact = new Float64Array(g.n);
      for (let i = 0; i < g.n; i++) for (let p = csr.indptr[i]; p < csr.indptr[i + 1]; p++) exact[i] += csr.values[p] * x64[csr.indices[p]];
      for (const kernel of kernels) {
        setGemmAvx512(kernel === 'avx512');
        setKernelPath(kernel === 'portable' ? 'portable' : 'auto');
        // The kernels sum at most 80 products (symmetrized rows) in float64 in different orders:
        // ~80 eps64 relative; a float32 graph's result is then rounded once to float32 (2^-24).
        const y = dtype === 'float64' ? g.spmv(x64) : Float64Array.from(g.spmv(Float32Array.from(x64)));
        t.true(relativeMaxError(y, exact) < (dtype === 'float64' ? 1e-13 : 1.2e-7), `${dtype} ${kernel}`);
      }
    }
  } finally {
    setGemmAvx512(true);
    setKernelPath('auto');
  }
});

test('components are computed once per graph, and each call returns its own labels', (t) => {
  const g = Graph.fromEdges({ n: 5, src: [0, 1, 3, 4], dst: [1, 0, 4, 3], isolated: 'drop' });
  const first = g.components();
  t.is(first.count, 2);
  first.labels.fill(7);
  t.deepEqual(Array.from(g.components().labels), [0, 0, 1, 1]);
});
