// topK against a naive float64 sort of every score, on data with exact ties (small integers,
// whose products and sums are exact in float32 and float64) and on Gaussian data.
import test from 'ava';
import { crossGramSync, topK, topKSync, setThreads, getThreads } from '../src/index.js';
import type { FloatArray, Matrix } from '../src/index.js';
import { rng, randomMatrix } from './helpers/random.js';

/** Every score in float64, sorted by descending score then ascending index; the first k. */
function naiveTopK(Q: Matrix, K: Matrix, k: number) {
  const d = Q.cols;
  const indices: number[][] = [];
  const scores: number[][] = [];
  for (let q = 0; q < Q.rows; q++) {
    const all: { s: number; i: number }[] = [];
    for (let i = 0; i < K.rows; i++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += Q.data[q * d + p] * K.data[i * d + p];
      all.push({ s, i });
    }
    all.sort((a, b) => b.s - a.s || a.i - b.i);
    indices.push(all.slice(0, k).map((e) => e.i));
    scores.push(all.slice(0, k).map((e) => e.s));
  }
  return { indices, scores };
}

function integerMatrix<T extends FloatArray>(ctor: { new (n: number): T }, rows: number, cols: number, seed: number): Matrix<T> {
  const u = rng(seed);
  const data = new ctor(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(u() * 7) - 3;
  return { data, rows, cols };
}

// Sizes cross the 256-query and 1024-key tiles; k from 1 to every key.
const cases: [number, number, number, number][] = [
  [1, 1, 1, 1], [3, 10, 2, 10], [70, 2500, 4, 1], [70, 2500, 4, 37], [300, 1100, 3, 200], [5, 3000, 5, 3000],
];
const ctors: { new (n: number): FloatArray; name: string }[] = [Float32Array, Float64Array];
for (const ctor of ctors)
  for (const [nq, nk, d, k] of cases)
    test(`${ctor.name} integers ${nq}x${d} queries, ${nk} keys, k=${k}: exactly the naive sort, ties by lower index`, (t) => {
      const Q = integerMatrix(ctor, nq, d, nq * 7 + nk);
      const K = integerMatrix(ctor, nk, d, nk * 3 + d);
      const want = naiveTopK(Q, K, k);
      const before = getThreads();
      try {
        // 1 thread: query tiles only; 5 threads: key partitions merged (even on fewer cores).
        for (const threads of [1, 5]) {
          setThreads(threads);
          const r = topKSync(Q, K, k);
          t.true(r.indices instanceof Int32Array && r.scores instanceof ctor);
          t.is(r.rows, nq);
          t.is(r.k, k);
          // Integer scores are exact in either dtype, so equality is the right test.
          t.deepEqual(Array.from(r.indices), want.indices.flat(), `threads=${threads}`);
          t.deepEqual(Array.from(r.scores), want.scores.flat());
        }
      } finally {
        setThreads(before);
      }
    });

test('Gaussian data: the scores are the k largest within rounding, in descending order', (t) => {
  const nq = 50, nk = 4000, d = 64, k = 20;
  for (const ctor of ctors) {
    const Q = randomMatrix(ctor, nq, d, 1);
    const K = randomMatrix(ctor, nk, d, 2);
    const want = naiveTopK(Q, K, k);
    const r = topKSync(Q, K, k);
    // A score is a dot product of length d: its error is at most gamma_d sum |q_p k_p|
    // (Higham, Thm 3.5), below d u * ||q|| ||k|| ~ 64 * 2^-24 * 64 ~ 2.5e-4 in float32 for these
    // N(0,1) rows; 1e-3 absolute covers it in float32 and is generous in float64.
    const tol = ctor === Float32Array ? 1e-3 : 1e-10;
    for (let q = 0; q < nq; q++) {
      for (let j = 0; j < k; j++) {
        const i = r.indices[q * k + j];
        let s = 0;
        for (let p = 0; p < d; p++) s += Q.data[q * d + p] * K.data[i * d + p];
        t.true(Math.abs(r.scores[q * k + j] - s) <= tol, 'the score is the inner product of that key');
        t.true(Math.abs(r.scores[q * k + j] - want.scores[q][j]) <= tol, 'the j-th best score');
        if (j > 0) t.true(r.scores[q * k + j] <= r.scores[q * k + j - 1]);
      }
      t.is(new Set(Array.from(r.indices.subarray(q * k, q * k + k))).size, k, 'distinct keys');
    }
    // Continuous scores have no near-ties at this size: the selection is the reference's.
    t.deepEqual(Array.from(r.indices), want.indices.flat());
  }
});

/** The reference selection over given scores (nq x nk, row-major): NaN is never selected, the
 * rest sorted by descending score then ascending index (+Inf and -Inf as numbers); a row with
 * fewer than k such scores is filled with index -1 and score 0, as the WebGPU topK writes it. */
function naiveSelect(S: ArrayLike<number>, nq: number, nk: number, k: number) {
  const indices: number[] = [];
  const scores: number[] = [];
  for (let q = 0; q < nq; q++) {
    const kept: { s: number; i: number }[] = [];
    for (let i = 0; i < nk; i++) if (!Number.isNaN(S[q * nk + i])) kept.push({ s: S[q * nk + i], i });
    // Not b.s - a.s: Inf - Inf is NaN.
    kept.sort((a, b) => (a.s > b.s ? -1 : a.s < b.s ? 1 : a.i - b.i));
    for (let j = 0; j < k; j++) {
      indices.push(j < kept.length ? kept[j].i : -1);
      scores.push(j < kept.length ? kept[j].s : 0);
    }
  }
  return { indices, scores };
}

// Finite inputs can still give NaN, +Inf and -Inf scores: a query of entries near the largest
// float times keys of +-1 overflows within a few terms. The Gram kernel sums the depth in blocks
// of at most 512 (gram.cc's kc) and adds each block's sum to C, so a key that is +1 on its first
// half and -1 on its second gives +Inf + -Inf = NaN; all +1 gives +Inf and all -1 gives -Inf in
// any order. The scores topK ranks are crossGramSync's, bit for bit: each element of Q K^T is
// one micro-kernel call per depth block however the output is tiled (gram.cc), and topK only
// tiles the output.
const extremes = [
  { ctor: Float32Array, big: 3e38, tiny: 1e-30 },
  { ctor: Float64Array, big: 1e307, tiny: 1e-300 },
] as const;
const d = 4096;

function key<T extends FloatArray>(data: T, row: number, value: (p: number) => number) {
  for (let p = 0; p < d; p++) data[row * d + p] = value(p);
}
/** sign on the first half of the depth, -sign on the second: a NaN score (see above). */
const half = (sign: number) => (p: number) => (p < d / 2 ? sign : -sign);

for (const { ctor, big, tiny } of extremes)
  test(`${ctor.name}: NaN scores from finite inputs are never selected, +-Inf are ranked as numbers, as on the GPU`, async (t) => {
    // Query 0 is +big, query 1 -big (which swaps +Inf and -Inf), query 2 moderate (all finite).
    const Q = { data: new ctor(3 * d), rows: 3, cols: d };
    for (let p = 0; p < d; p++) [Q.data[p], Q.data[d + p], Q.data[2 * d + p]] = [big, -big, 1];
    const K = { data: new ctor(8 * d), rows: 8, cols: d };
    key(K.data, 0, half(1)); // NaN
    key(K.data, 1, () => 1); // +Inf
    key(K.data, 2, () => -1); // -Inf
    key(K.data, 3, () => tiny); // finite, positive
    key(K.data, 4, () => 1); // +Inf, tied with key 1
    key(K.data, 5, half(-1)); // NaN
    key(K.data, 6, () => -tiny); // finite, negative
    key(K.data, 7, () => -1); // -Inf, tied with key 2
    const S = crossGramSync(Q, K).data;
    t.true([0, 5, 8, 13].every((at) => Number.isNaN(S[at])), 'keys 0 and 5 score NaN for queries 0 and 1: the Gram kernel no longer sums the depth in blocks, so this test needs new inputs');
    t.deepEqual([S[1], S[2], S[9], S[10]], [Infinity, -Infinity, -Infinity, Infinity]);
    const want = naiveSelect(S, 3, 8, 8);
    // Written out as well, so the reference cannot share a mistake with the code.
    t.deepEqual(want.indices.slice(0, 8), [1, 4, 3, 6, 2, 7, -1, -1]);
    t.deepEqual(want.indices.slice(8, 16), [2, 7, 6, 3, 1, 4, -1, -1]);
    const before = getThreads();
    try {
      for (const threads of [1, 5]) {
        setThreads(threads);
        for (const k of [1, 3, 6, 7, 8]) {
          const r = topKSync(Q, K, k);
          const w = naiveSelect(S, 3, 8, k);
          t.deepEqual(Array.from(r.indices), w.indices, `k=${k}, threads=${threads}`);
          // Exact: the same scores, selected, not recomputed; Object.is tells 0 from -0 and NaN.
          t.deepEqual(Array.from(r.scores), w.scores, `k=${k}, threads=${threads}`);
        }
      }
    } finally {
      setThreads(before);
    }
    const p = await topK(Q, K, 8);
    t.deepEqual(Array.from(p.indices), want.indices);
    t.deepEqual(Array.from(p.scores), want.scores);
  });

test('NaN scores spread over key tiles and partitions: each partition skips them, the merge fills the rest with -1', (t) => {
  // 2100 keys are 3 tiles of 1024; at 5 threads one query tile is split into key partitions.
  for (const { ctor, big, tiny } of extremes) {
    const nk = 2100;
    const u = rng(17);
    const Q = { data: new ctor(2 * d), rows: 2, cols: d };
    for (let p = 0; p < d; p++) [Q.data[p], Q.data[d + p]] = [big, -big];
    const K = { data: new ctor(nk * d), rows: nk, cols: d };
    const kind: string[] = [];
    for (let i = 0; i < nk; i++) {
      const r = u();
      // 30% NaN, 5% +Inf, 5% -Inf (for query 0; swapped for query 1), the rest finite with ties
      // (small integer multiples of tiny).
      const m = Math.floor(u() * 7) - 3;
      const what = r < 0.3 ? 'nan' : r < 0.35 ? 'inf' : r < 0.4 ? '-inf' : 'finite';
      key(K.data, i, what === 'nan' ? half(m < 0 ? -1 : 1) : what === 'inf' ? () => 1 : what === '-inf' ? () => -1 : () => m * tiny);
      kind.push(what);
    }
    const S = crossGramSync(Q, K).data;
    t.true(kind.every((what, i) => (what === 'nan') === Number.isNaN(S[i])), 'the NaN keys, and only they, score NaN (see above)');
    const selectable = kind.filter((w) => w !== 'nan').length;
    const before = getThreads();
    try {
      for (const threads of [1, 5]) {
        setThreads(threads);
        for (const k of [1, 40, selectable, selectable + 1, nk]) {
          const r = topKSync(Q, K, k);
          const w = naiveSelect(S, 2, nk, k);
          t.deepEqual(Array.from(r.indices), w.indices, `${ctor.name} k=${k}, threads=${threads}`);
          t.deepEqual(Array.from(r.scores), w.scores, `${ctor.name} k=${k}, threads=${threads}`);
        }
      }
    } finally {
      setThreads(before);
    }
  }
});

test('the Promise form equals the Sync form', async (t) => {
  const Q = randomMatrix(Float32Array, 100, 16, 3);
  const K = randomMatrix(Float32Array, 2000, 16, 4);
  const s = topKSync(Q, K, 10);
  const p = await topK(Q, K, 10);
  t.deepEqual(p.indices, s.indices);
  t.deepEqual(p.scores, s.scores);
});

test('the Promise form copies its inputs: detaching them right after the call changes nothing', async (t) => {
  const Q = randomMatrix(Float64Array, 30, 8, 5);
  const K = randomMatrix(Float64Array, 500, 8, 6);
  const want = topKSync(Q, K, 7);
  const pending = topK(Q, K, 7);
  structuredClone(K.data.buffer, { transfer: [K.data.buffer] });
  t.is(K.data.length, 0, 'detached');
  const got = await pending;
  t.deepEqual(got.indices, want.indices);
  t.deepEqual(got.scores, want.scores);
});

test('bad input is named', async (t) => {
  const Q = randomMatrix(Float32Array, 3, 4, 1);
  const K = randomMatrix(Float32Array, 10, 4, 2);
  t.throws(() => topKSync(Q, K, 0), { instanceOf: RangeError, message: /k must be an integer >= 1/ });
  t.throws(() => topKSync(Q, K, 2.5), { instanceOf: RangeError, message: /k must be an integer/ });
  t.throws(() => topKSync(Q, K, 11), { instanceOf: RangeError, message: /exceeds the number of keys \(10\)/ });
  t.throws(() => topKSync(Q, K, '3' as unknown as number), { instanceOf: TypeError, message: /k must be a number/ });
  t.throws(() => topKSync(Q, randomMatrix(Float32Array, 10, 5, 2), 3), { instanceOf: RangeError, message: /same dimension/ });
  t.throws(() => topKSync(Q as Matrix, randomMatrix(Float64Array, 10, 4, 2), 3), { instanceOf: TypeError, message: /dtype/ });
  const bad = { data: Float32Array.from(K.data), rows: 10, cols: 4 };
  bad.data[4 * 7 + 2] = Number.NaN;
  t.throws(() => topKSync(Q, bad, 3), { instanceOf: RangeError, message: /keys row 7 contains NaN/ });
  await t.throwsAsync(topK(Q, bad, 3), { instanceOf: RangeError, message: /keys row 7/ });
  await t.throwsAsync(topK(Q, K, 0), { instanceOf: RangeError });
});
