// The crashes and silent results of issue #10, each as a fixed case (fuzz/ finds their kind at
// random; these pin them down). Every one of the getter and Proxy cases was a SIGSEGV before: the
// native side took the data pointer, then a later getter detached or shrank the buffer.
import test from 'ava';
import {
  BipartiteGraph, Graph, crossGramSync, denseOperator, eigshSync, gram, gramSync, innerGramSync,
  populationLossSync, spectralLoss, spectralLossSync, svdsSync, topKSync,
} from '../src/index.js';
import { matmul64 } from './helpers/reference.js';

const detach = (buffer: ArrayBufferLike) => structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
const filled = (C: typeof Float32Array | typeof Float64Array, n: number, seed = 1) => {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 7.31 + i * 1.7);
  return a;
};
const ring = (n: number) => Graph.fromEdges({ n, src: Int32Array.from({ length: n }, (_, i) => i), dst: Int32Array.from({ length: n }, (_, i) => (i + 1) % n), symmetrize: 'max' });

test('a getter or Proxy that detaches an input while the arguments are read is a RangeError naming it, never a crash', (t) => {
  const rows = 500;
  const cols = 16;
  const detachOn = (data: Float32Array | Float64Array, key: string) => new Proxy({ data, rows, cols }, { get(o, k) { if (k === key) detach(data.buffer); return (o as Record<PropertyKey, unknown>)[k]; } });
  const cases: [string, () => unknown, RegExp][] = [
    ['gram: Z.batch detaches Z', () => { const d = filled(Float32Array, rows * cols); return gramSync({ data: d, rows, cols, get batch() { detach(d.buffer); return undefined; } } as never); }, /Z\.data has 0 elements/],
    ['crossGram: W.data detaches Z', () => { const Z = { data: filled(Float32Array, rows * cols), rows, cols }; const w = filled(Float32Array, rows * cols); return crossGramSync(Z, { get data() { detach(Z.data.buffer); return w; }, rows, cols }); }, /Z\.data (has 0 elements|was detached)/],
    ['innerGram: Proxy on W detaches Z', () => { const z = filled(Float64Array, rows * cols); return innerGramSync({ data: z, rows, cols }, new Proxy({ data: filled(Float64Array, rows * cols), rows, cols }, { get(o, k) { if (k === 'cols') detach(z.buffer); return (o as Record<PropertyKey, unknown>)[k]; } })); }, /Z\.data (has 0 elements|was detached)/],
    ['topK: keys getter detaches queries', () => { const q = filled(Float32Array, rows * cols); return topKSync({ data: q, rows, cols }, { get data() { detach(q.buffer); return filled(Float32Array, rows * cols); }, rows, cols }, 3); }, /queries\.data (has 0 elements|was detached)/],
    ['topK: k.valueOf detaches queries', () => { const q = filled(Float32Array, rows * cols); return topKSync({ data: q, rows, cols }, { data: filled(Float32Array, rows * cols), rows, cols }, { valueOf() { detach(q.buffer); return 3; } } as never); }, /k must be a number/],
    ['spectralLoss: options.mu getter detaches Z', () => { const Z = { data: filled(Float32Array, rows * cols), rows, cols }; return spectralLossSync(Z, { data: filled(Float32Array, rows * cols), rows, cols }, { get mu() { detach(Z.data.buffer); return undefined; } }); }, /Z\.data (has 0 elements|was detached)/],
    ['populationLoss: E.cols getter detaches E', () => { const d = filled(Float64Array, rows * 4); return populationLossSync(ring(rows), { data: d, rows, get cols() { detach(d.buffer); return 4; } }); }, /E\.data has 0 elements/],
    ['populationLoss: Proxy detaches E', () => populationLossSync(ring(rows), detachOn(filled(Float64Array, rows * cols), 'cols') as never), /E\.data has 0 elements/],
    ['Graph.fromDense: options getter detaches A', () => { const d = new Float64Array(300 * 300).fill(1); return Graph.fromDense({ data: d, rows: 300, cols: 300 }, { get isolated() { detach(d.buffer); return undefined; } }); }, /A\.data (has 0 elements|was detached)/],
    ['denseOperator: A.batch detaches A', () => { const d = new Float64Array(300 * 300).fill(1); return denseOperator({ data: d, rows: 300, get cols() { return 300; }, get batch() { detach(d.buffer); return undefined; } } as never); }, /A\.data has 0 elements/],
  ];
  for (const [what, call, message] of cases) {
    const err = t.throws(call, undefined, what);
    t.true(err instanceof RangeError || err instanceof TypeError, `${what}: ${err?.constructor.name} ${err?.message}`);
    t.regex(err?.message ?? '', message, what);
  }
});

test('each property is read once: a getter that answers a smaller view the second time changes nothing', (t) => {
  const data = filled(Float32Array, 12);
  let reads = 0;
  const Z = { get data() { reads++; return reads === 1 ? data : data.subarray(0, 1); }, rows: 4, cols: 3 };
  const got = gramSync(Z);
  t.is(reads, 1);
  // Z Z^T against a float64 loop; float32 products of 3 terms: 1e-6 relative is ample.
  const want = matmul64(data, 4, 3, false, data, 4, 3, true);
  for (let i = 0; i < 16; i++) t.true(Math.abs(got.data[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])));
});

test('a Promise call whose inputs are detached or overwritten before it settles computes on the inputs as given', async (t) => {
  const z = filled(Float64Array, 40, 1);
  const w = filled(Float64Array, 40, 2);
  const expected = spectralLossSync({ data: z.slice(), rows: 10, cols: 4 }, { data: w.slice(), rows: 10, cols: 4 });
  const pending = spectralLoss({ data: z, rows: 10, cols: 4 }, { data: w, rows: 10, cols: 4 });
  z.fill(Number.NaN);
  detach(w.buffer);
  t.is((await pending).loss, expected.loss);
  const big = filled(Float32Array, 64 * 8);
  const g = gram({ data: big, rows: 64, cols: 8 });
  detach(big.buffer);
  t.is((await g).data.length, 64 * 64);
});

test('SharedArrayBuffer views are accepted and give the same result as plain arrays', (t) => {
  const plain = filled(Float64Array, 12);
  const shared = new Float64Array(new SharedArrayBuffer(12 * 8));
  shared.set(plain);
  t.deepEqual(gramSync({ data: shared, rows: 4, cols: 3 }).data, gramSync({ data: plain, rows: 4, cols: 3 }).data);
  const src = new Int32Array(new SharedArrayBuffer(16));
  src.set([0, 1, 1, 2]);
  const dst = new Int32Array(new SharedArrayBuffer(16));
  dst.set([1, 0, 2, 1]);
  t.is(Graph.fromEdges({ n: 3, src, dst }).nnz, 4);
});

test('a Batch of one is a Matrix where a Matrix is expected; larger batches are a TypeError naming the argument', (t) => {
  const Z = { data: filled(Float32Array, 12), rows: 4, cols: 3 };
  const r = spectralLossSync({ ...Z, batch: 1 } as never, Z, { negatives: 'all' });
  t.is(r.loss, spectralLossSync(Z, Z, { negatives: 'all' }).loss);
  t.throws(() => spectralLossSync({ data: filled(Float32Array, 24), rows: 4, cols: 3, batch: 2 } as never, Z), { instanceOf: TypeError, message: /^Z must be a Matrix here, not a Batch \(batch = 2\)/ });
});

test('forged native handles are TypeErrors, never a crash or a computation on another object', (t) => {
  const g = ring(6);
  const b = BipartiteGraph.fromEdges({ nLeft: 3, nRight: 3, left: [0, 1, 2, 0], right: [0, 1, 2, 1] });
  const op = g.normalized();
  const forged: [string, () => unknown][] = [
    ['Object.create(Graph.prototype)', () => populationLossSync(Object.create(Graph.prototype), { data: new Float64Array(6), rows: 6, cols: 1 })],
    ['a spread copy of a Graph', () => populationLossSync({ ...g } as Graph, { data: new Float64Array(6), rows: 6, cols: 1 })],
    ['a borrowed method', () => Graph.prototype.toCSR.call({ n: 6 } as Graph)],
    ['an operator with another n', () => eigshSync({ n: 9, multiply() {}, _native: op._native }, { k: 1 })],
    ['a Graph handle as _native', () => eigshSync({ n: 6, multiply() {}, _native: Graph.handleOf(g) }, { k: 1 })],
    ['a rectangular handle as _native', () => eigshSync({ n: 3, multiply() {}, _native: b.normalized()._nativeRect }, { k: 1 })],
    ['a symmetric handle as _nativeRect', () => svdsSync({ rows: 6, cols: 6, multiply() {}, multiplyTranspose() {}, _nativeRect: op._native }, { k: 1 })],
    ['a plain object as _native', () => eigshSync({ n: 6, multiply() {}, _native: { pointer: 1 } }, { k: 1 })],
  ];
  for (const [what, call] of forged) t.throws(call, { instanceOf: TypeError }, what);
});

test('spectralLoss on finite inputs near the float32 limit is a RangeError, not Infinity or NaN', async (t) => {
  const Z = { data: new Float32Array(8).fill(3e38), rows: 4, cols: 2 };
  t.throws(() => spectralLossSync(Z, Z), { instanceOf: RangeError, message: /^spectralLoss: Z and W are finite, but the loss overflows/ });
  await t.throwsAsync(spectralLoss(Z, Z), { instanceOf: RangeError, message: /overflow/ });
  // float64: the gradient -4/B W + ... overflows where the loss (float64 sums of squares) may not.
  const big = { data: new Float64Array(8).fill(1e160), rows: 4, cols: 2 };
  t.throws(() => spectralLossSync(big, big), { instanceOf: RangeError, message: /overflow/ });
  // mu clips the rows: the same inputs are then fine.
  t.true(Number.isFinite(spectralLossSync(Z, Z, { mu: 1 }).loss));
});

test('weights whose degrees overflow are a RangeError at construction', (t) => {
  t.throws(() => Graph.fromEdges({ n: 2, src: [0, 0, 1, 1], dst: [1, 1, 0, 0], weight: [1e308, 1e308, 1e308, 1e308] }), { instanceOf: RangeError, message: /^the weights at node 0 sum to inf/ });
  t.throws(() => Graph.fromEdges({ n: 2, src: [0, 0, 1, 1], dst: [1, 1, 0, 0], weight: new Float32Array([3e38, 3e38, 3e38, 3e38]) }), { instanceOf: RangeError, message: /overflows/ });
  t.throws(() => BipartiteGraph.fromEdges({ nLeft: 1, nRight: 2, left: [0, 0], right: [0, 1], weight: [1e308, 1e308] }), { instanceOf: RangeError, message: /overflows/ });
  t.true(Graph.fromEdges({ n: 2, src: [0, 1], dst: [1, 0], weight: [1e307, 1e307] }).totalWeight > 0);
});

test('populationLoss with NaN or Infinity in E is a RangeError naming the entry (the fuzz found a quiet NaN loss)', (t) => {
  const g = ring(3);
  for (const C of [Float32Array, Float64Array]) {
    const E = { data: new C([0.1, Number.NaN, 0.3]), rows: 3, cols: 1 };
    t.throws(() => populationLossSync(g, E), { instanceOf: RangeError, message: /^populationLoss: E contains NaN at row 1, column 0/ });
    t.throws(() => populationLossSync(g, { data: new C([0.1, 0.2, Infinity]), rows: 3, cols: 1 }), { instanceOf: RangeError, message: /E contains Infinity at row 2/ });
  }
  const b = BipartiteGraph.fromEdges({ nLeft: 2, nRight: 2, left: [0, 1], right: [0, 1] });
  t.throws(() => populationLossSync(b, { data: new Float64Array([1, 2]), rows: 2, cols: 1 }, { data: new Float64Array([Number.NaN, 1]), rows: 2, cols: 1 }), { instanceOf: RangeError, message: /Et contains NaN/ });
  // float32 gradients of a finite but huge E overflow float32.
  t.throws(() => populationLossSync(g, { data: new Float32Array([3e38, 3e38, 3e38]), rows: 3, cols: 1 }), { instanceOf: RangeError, message: /overflows/ });
});
