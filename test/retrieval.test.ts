// Retrieval metrics: precision@k, average precision, recall@1 and zero-shot accuracy against
// hand-computed cases and against numpy on random embeddings; the encoders' embed of new inputs.
import test from 'ava';
import { averagePrecision, indexKeys, precisionAtK, ranking, recallAt1, retrievalFigures, zeroShotAccuracy } from '../src/train/retrieval.js';
import { linearEncoder, mlpEncoder, tableEncoder } from '../src/train/encoders.js';
import { randomMatrix, uniform } from '../src/random.js';
import type { Matrix } from '../src/types.js';
import { python } from './helpers/python.js';
import { testNeeding } from './helpers/requirements.js';

const pyTest = testNeeding('python');

test('precisionAtK: hits in the top k over min(k, answers)', (t) => {
  const rel = (k: number) => [1, 4, 7].includes(k);
  t.is(precisionAtK([1, 2, 3, 4, 5], 5, rel, 3), 2 / 3);
  t.is(precisionAtK([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10, (k) => k % 2 === 0, 12), 5 / 10);
  t.is(precisionAtK([4, 1], 2, rel, 3), 1);
  t.throws(() => precisionAtK([1], 1, rel, 0), { instanceOf: RangeError, message: /at least one relevant key/ });
  t.throws(() => precisionAtK([1], 0, rel, 1), { instanceOf: RangeError, message: /k must be a positive integer/ });
});

test('averagePrecision: hand-computed rankings, ties to the lower index', (t) => {
  // Ranking 0, 1, 2, 3, 4; answers 0, 2, 4 at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / 3.
  t.true(Math.abs(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], (k) => k % 2 === 0, 3) - (1 + 2 / 3 + 3 / 5) / 3) < 1e-15);
  // All tied: the order is 0, 1, 2; answer 2 is third.
  t.is(averagePrecision([1, 1, 1], (k) => k === 2, 1), 1 / 3);
  t.deepEqual(Array.from(ranking([0.5, 2, 0.5, -Infinity, Infinity])), [4, 1, 0, 2, 3]);
  t.throws(() => ranking([0, NaN]), { instanceOf: RangeError, message: /NaN/ });
  t.throws(() => averagePrecision([1], () => true, 0), { instanceOf: RangeError });
});

test('recallAt1 and zeroShotAccuracy on a hand-made case, on keys and on their index', async (t) => {
  const images: Matrix = { data: Float64Array.from([1, 0, 0, 1, 1, 1]), rows: 3, cols: 2 };
  const classes: Matrix = { data: Float64Array.from([1, 0, 0, 1]), rows: 2, cols: 2 };
  const classIndex = await indexKeys(classes);
  for (const keys of [classes, classIndex]) {
    // Image 2 ties: the lower class index (0) wins, in topK's order and in the index's.
    t.is(await zeroShotAccuracy(images, keys, [0, 1, 0]), 1);
    t.is(await zeroShotAccuracy(images, keys, [0, 1, 1]), 2 / 3);
    t.is(await recallAt1(images, keys, (i, c) => c === 1), 1 / 3);
    await t.throwsAsync(() => zeroShotAccuracy(images, keys, [0, 1]), { instanceOf: RangeError, message: /labels must have length 3/ });
  }
  classIndex.dispose();
  await t.throwsAsync(() => recallAt1(images, { data: new Float64Array(3), rows: 1, cols: 3 }, () => true), { instanceOf: RangeError, message: /same width/ });
  await t.throwsAsync(() => indexKeys({ data: new Float64Array(0), rows: 0, cols: 2 }), { instanceOf: RangeError, message: /no keys/ });
  await t.throwsAsync(() => indexKeys(null as never), { instanceOf: TypeError, message: /keys must be a Matrix/ });
});

pyTest('retrievalFigures and recallAt1 equal numpy on random embeddings and relevance', async (t) => {
  const Q = randomMatrix(Float64Array, 23, 6, 1);
  const K = randomMatrix(Float64Array, 57, 6, 2);
  // Duplicate a key so that exact ties occur (rank by the lower index).
  K.data.copyWithin(5 * 6, 3 * 6, 4 * 6);
  const u = uniform(3);
  const rel: number[][] = Array.from({ length: 23 }, () => Array.from({ length: 57 }, () => (u() < 0.2 ? 1 : 0)));
  rel[4].fill(0); // a query without answers is skipped
  const want = python<{ p10: number; map: number; r1: number; n: number }>(
    `import sys, json, numpy as np
d = json.load(sys.stdin)
Q = np.array(d["Q"]).reshape(23, 6); K = np.array(d["K"]).reshape(57, 6); R = np.array(d["rel"])
S = Q @ K.T
p, ap = [], []
for q in range(23):
    if R[q].sum() == 0: continue
    order = np.lexsort((np.arange(57), -S[q]))
    hits = R[q][order]
    p.append(hits[:10].sum() / min(10, R[q].sum()))
    ranks = np.nonzero(hits)[0] + 1
    ap.append(np.mean(np.arange(1, len(ranks) + 1) / ranks))
top1 = np.array([np.lexsort((np.arange(23), -S[:, i]))[0] for i in range(57)])
r1 = np.mean([R[top1[i], i] for i in range(57)])
print(json.dumps({"p10": float(np.mean(p)), "map": float(np.mean(ap)), "r1": float(r1), "n": len(p)}))`,
    { Q: Array.from(Q.data), K: Array.from(K.data), rel },
  );
  // The keys as a matrix (an index built for the call) and as an index built once.
  const keyIndex = await indexKeys(K);
  for (const keys of [K, keyIndex]) {
    const got = await retrievalFigures(Q, keys, (q, k) => rel[q][k] === 1, 10);
    // Means of at most 23 ratios: equal up to float64 summation order (1e-14).
    t.is(got.queries, want.n);
    t.true(Math.abs(got.precisionAtK - want.p10) < 1e-14, `${got.precisionAtK} vs ${want.p10}`);
    t.true(Math.abs(got.meanAveragePrecision - want.map) < 1e-14, `${got.meanAveragePrecision} vs ${want.map}`);
    await t.throwsAsync(() => retrievalFigures(Q, keys, () => false), { instanceOf: RangeError, message: /no query has a relevant key/ });
  }
  keyIndex.dispose();
  // Image-to-text: keys search the queries.
  t.true(Math.abs((await recallAt1(K, Q, (k, q) => rel[q][k] === 1)) - want.r1) < 1e-14);
});

test('linear and MLP encoders embed new inputs exactly as their forward pass embeds their own', (t) => {
  const X = randomMatrix(Float32Array, 9, 5, 4);
  for (const enc of [linearEncoder({ features: X, dim: 3, seed: 1 }), mlpEncoder({ features: X, dim: 3, hidden: 7, seed: 1 })]) {
    const all = enc.forward().output;
    const again = enc.embed!(X);
    t.deepEqual(Array.from(again.data), Array.from(all.data), enc.kind);
    // A float64 input is rounded to the encoder's float32 first: the same rows give the same output.
    const wide = enc.embed!({ data: Float64Array.from(X.data), rows: 9, cols: 5 });
    t.deepEqual(Array.from(wide.data), Array.from(all.data));
    t.throws(() => enc.embed!({ data: new Float32Array(8), rows: 2, cols: 4 }), { instanceOf: RangeError, message: /5 columns/ });
  }
  t.is(tableEncoder({ n: 3, dim: 2 }).embed, undefined);
});
