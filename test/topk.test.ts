// topK against a naive float64 sort of every score, on data with exact ties (small integers,
// whose products and sums are exact in float32 and float64) and on Gaussian data.
import test from 'ava';
import { topK, topKSync, setThreads, getThreads } from '../src/index.js';
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
