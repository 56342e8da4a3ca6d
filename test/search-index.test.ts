// createIndex / loadIndex on the CPU against an independent reference: a naive float64 scan that
// scores every key and sorts by (score descending, index ascending).
// Exactness: keys and queries are small integers (or multiples of 1/8), so every dot product is an
// integer (a multiple of 1/64) below 2^24 and float32 computes it exactly in any summation order:
// the index must then equal the reference exactly, ties included. The cosine metric cannot be
// exact (unit rows are rounded), so it is checked to the float32 bound instead (see there).
import test from 'ava';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createIndex, loadIndex, setThreads, getThreads, SpeclinError, type Matrix, type TopKResult } from '../src/index.js';
import { normal, rng } from './helpers/random.js';
import { runFaissPython, testNeeding } from './helpers/requirements.js';
import { ints, naive } from './helpers/search-reference.js';
import { readNpy as loadNpy } from '../src/index.js';

type F = Float32Array | Float64Array;
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-search-index-'));

/** Keys around `centers` well separated clusters (multiples of 1/8: exact dot products), the
 * cluster of each row in `label`. */
function clustered(rows: number, cols: number, centers: number, seed: number, spread = 0.5): { m: Matrix<Float32Array>; label: Int32Array } {
  const u = rng(seed);
  const c = rng(1000 + centers);
  const C = Float64Array.from({ length: centers * cols }, () => 4 * (c() - 0.5));
  const data = new Float32Array(rows * cols);
  const label = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const l = Math.floor(u() * centers);
    label[i] = l;
    for (let j = 0; j < cols; j++) data[i * cols + j] = Math.round((C[l * cols + j] + spread * (u() - 0.5)) * 8) / 8;
  }
  return { m: { data, rows, cols }, label };
}

function concat<T extends F>(a: Matrix<T>, b: Matrix<T>): Matrix<T> {
  const data = new (a.data.constructor as { new (n: number): T })(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { data, rows: a.rows + b.rows, cols: a.cols };
}

function same(t: { deepEqual(a: unknown, b: unknown, m?: string): void }, got: TopKResult, want: { indices: Int32Array; scores: Float64Array }, what: string) {
  t.deepEqual(Array.from(got.indices), Array.from(want.indices), `${what}: indices`);
  t.deepEqual(Array.from(got.scores), Array.from(want.scores), `${what}: scores`);
}

/** Mean fraction of each row's reference top k that the result found. */
function recall(got: Int32Array, want: Int32Array, rows: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < rows; q++) {
    const s = new Set(want.subarray(q * k, q * k + k));
    for (let j = 0; j < k; j++) if (s.has(got[q * k + j])) hit++;
  }
  return hit / (rows * k);
}

for (const ctor of [Float32Array, Float64Array] as { new (n: number): F }[]) {
  const dtype = ctor === Float32Array ? 'float32' : 'float64';
  test(`flat ip (${dtype}): exactly the naive float64 scan, ties by the lower index, at 1 and 3 threads`, async (t) => {
    const before = getThreads();
    try {
      for (const [nk, d, k] of [[1, 3, 1], [50, 5, 50], [2500, 17, 10], [1300, 64, 7]] as const) {
        const K = ints(ctor, nk, d, nk + d);
        const Q = ints(ctor, 40, d, 7 * nk + d);
        const index = await createIndex(K);
        t.is(index.size, nk);
        t.is(index.dtype, dtype);
        const want = naive(Q, K, k);
        for (const threads of [1, 3]) {
          setThreads(threads);
          same(t, await index.search(Q, k), want, `${nk} keys x ${d}, k=${k}, ${threads} threads`);
        }
      }
    } finally {
      setThreads(before);
    }
  });
}

/** faiss IndexFlatIP's search of Q among K (Debian's python3-faiss), k results a query. */
function faissFlat(K: Matrix<Float32Array>, Q: Matrix<Float32Array>, k: number): { indices: number[][]; scores: number[][] } {
  const code = `import sys, json, numpy as np, faiss
d = json.load(sys.stdin)
K = np.array(d["K"], dtype=np.float32).reshape(-1, d["cols"]); Q = np.array(d["Q"], dtype=np.float32).reshape(-1, d["cols"])
index = faiss.IndexFlatIP(d["cols"]); index.add(K)
D, I = index.search(Q, d["k"])
print(json.dumps({"indices": I.tolist(), "scores": D.astype(float).tolist()}))`;
  const r = runFaissPython(['-c', code], { input: JSON.stringify({ K: Array.from(K.data), Q: Array.from(Q.data), cols: K.cols, k }), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Error(`faiss failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as { indices: number[][]; scores: number[][] };
}

const faissTest = testNeeding('faiss');

faissTest('flat ip equals faiss IndexFlatIP: integer keys (exact scores, ties to the lower index on our side)', async (t) => {
  // Integers in [-3, 3], 16 wide: every score is an integer below 2^24 (exact in float32 in both),
  // with many ties. faiss breaks ties its own way, so it is asked for its whole ranking (k = n):
  // re-sorted by (score descending, index ascending), its first k must be ours, scores and keys.
  const K = ints(Float32Array, 1500, 16, 81);
  const Q = ints(Float32Array, 30, 16, 82);
  const k = 10;
  const index = await createIndex(K);
  const got = await index.search(Q, k);
  const all = faissFlat(K, Q, K.rows);
  let tiedAtTheCut = 0;
  for (let q = 0; q < Q.rows; q++) {
    const order = all.indices[q].map((i, r) => ({ i, s: all.scores[q][r] })).sort((a, b) => b.s - a.s || a.i - b.i);
    t.deepEqual(Array.from(got.indices.subarray(q * k, q * k + k)), order.slice(0, k).map((e) => e.i), `query ${q}: keys`);
    t.deepEqual(Array.from(got.scores.subarray(q * k, q * k + k)), order.slice(0, k).map((e) => e.s), `query ${q}: scores`);
    if (order[k - 1].s === order[k].s) tiedAtTheCut++;
  }
  // The case that makes the tie rule matter is there: queries whose k-th score is shared beyond k.
  t.true(tiedAtTheCut > 0, 'some query has a tie across the k-th place');
});

faissTest('flat ip equals faiss IndexFlatIP: gaussian keys, the same keys and scores to the float32 bound', async (t) => {
  const g = normal(83);
  const rand = (rows: number, cols: number): Matrix<Float32Array> => ({ data: Float32Array.from({ length: rows * cols }, () => g()), rows, cols });
  const K = rand(2000, 32);
  const Q = rand(50, 32);
  const k = 10;
  const index = await createIndex(K);
  const got = await index.search(Q, k);
  const want = faissFlat(K, Q, k);
  const exact = naive(Q, K, K.rows);
  for (let q = 0; q < Q.rows; q++) {
    // Each float32 dot product of d terms is within d u sum|q_i k_i| <= d u |q| |k| of the exact one
    // (u = 2^-24), in any summation order: ours and faiss's differ by at most twice that.
    let qn = 0;
    for (let c = 0; c < K.cols; c++) qn += Q.data[q * K.cols + c] ** 2;
    for (let r = 0; r < k; r++) {
      const i = got.indices[q * k + r];
      let kn = 0;
      for (let c = 0; c < K.cols; c++) kn += K.data[i * K.cols + c] ** 2;
      const bound = 2 * K.cols * 2 ** -24 * Math.sqrt(qn * kn);
      t.true(Math.abs(got.scores[q * k + r] - want.scores[q][r]) <= bound, `query ${q} rank ${r}: ${got.scores[q * k + r]} vs faiss ${want.scores[q][r]}`);
      // The keys agree wherever the exact ranking leaves no doubt (no exact score within the bound).
      const clear = Math.abs(exact.scores[q * K.rows + r] - exact.scores[q * K.rows + r + 1]) > bound && (r === 0 || Math.abs(exact.scores[q * K.rows + r - 1] - exact.scores[q * K.rows + r]) > bound);
      if (clear) t.is(i, want.indices[q][r], `query ${q} rank ${r}: key`);
    }
  }
});

test('ivf with nprobe = nlist scans every list: exactly the naive scan; smaller nprobe keeps recall on clustered keys', async (t) => {
  const { m: K } = clustered(6000, 24, 40, 1);
  const { m: Q } = clustered(200, 24, 40, 2);
  const index = await createIndex(K, { kind: 'ivf', nlist: 40, nprobe: 3, seed: 5 });
  t.is(index.kind, 'ivf');
  t.is(index.nlist, 40);
  const k = 10;
  const want = naive(Q, K, k);
  same(t, await index.search(Q, k, { nprobe: 40 }), want, 'nprobe = nlist');
  // Each query's neighbours are in its own, well separated cluster, which k-means finds: a few
  // probed lists find nearly all of them (the bar is the 0.95).
  const r = await index.search(Q, k);
  t.true(recall(r.indices, want.indices, Q.rows, k) >= 0.95, `recall ${recall(r.indices, want.indices, Q.rows, k)}`);
  // The lists are split between threads by their work; the selection does not depend on it.
  const before = getThreads();
  try {
    for (const threads of [1, 3]) {
      setThreads(threads);
      t.deepEqual((await index.search(Q, k)).indices, r.indices, `${threads} threads`);
    }
  } finally {
    setThreads(before);
  }
  // Whatever ivf returns is a true score of the key it names, in the reference's order.
  for (let i = 0; i < r.indices.length; i++) {
    const q = Math.floor(i / k);
    let s = 0;
    for (let c = 0; c < K.cols; c++) s += Q.data[q * K.cols + c] * K.data[r.indices[i] * K.cols + c];
    t.is(r.scores[i], s);
  }
});

/** The saved centroids of an ivf index. */
async function centroidsOf(index: Awaited<ReturnType<typeof createIndex>>, name: string): Promise<Matrix> {
  const p = path.join(dir, name);
  await index.save(p);
  return loadNpy(path.join(p, 'centroids.npy'));
}

/** For each key, its best centroid by a float64 scan, and whether the best two are within `tol`. */
function assignments(K: Matrix, C: Matrix, tol: number) {
  const best = new Int32Array(K.rows);
  const close = new Uint8Array(K.rows);
  let objective = 0;
  for (let i = 0; i < K.rows; i++) {
    let [b, s1, s2] = [-1, -Infinity, -Infinity];
    for (let c = 0; c < C.rows; c++) {
      let s = 0;
      for (let j = 0; j < K.cols; j++) s += K.data[i * K.cols + j] * C.data[c * C.cols + j];
      if (s > s1) [b, s1, s2] = [c, s, s1];
      else if (s > s2) s2 = s;
    }
    best[i] = b;
    close[i] = s1 - s2 < tol ? 1 : 0;
    objective += s1;
  }
  return { best, close, objective };
}

test('ivf k-means: unit centroids; each key in the list of its best centroid; iterations improve the objective', async (t) => {
  const { m: K } = clustered(3000, 16, 12, 3, 1);
  const trained = await createIndex(K, { kind: 'ivf', nlist: 12, iterations: 20, seed: 1 });
  const C = await centroidsOf(trained, 'kmeans-20');
  for (let c = 0; c < C.rows; c++) {
    let n2 = 0;
    for (let j = 0; j < 16; j++) n2 += C.data[c * 16 + j] ** 2;
    // float32 rounding of each of 16 coordinates of a unit vector.
    t.true(Math.abs(Math.sqrt(n2) - 1) < 1e-6, `centroid ${c} norm ${Math.sqrt(n2)}`);
  }
  // The assignment step (cross_gram in float32) against a float64 argmax: scores of size ~10
  // from length-16 float32 dots agree to 1e-4, so only keys whose best two centroids are that
  // close may land elsewhere.
  const ref = assignments(K, C, 1e-4);
  const counts = new Array<number>(C.rows).fill(0);
  for (const b of ref.best) counts[b]++;
  const sizes = Array.from(trained.memory().listSizes!);
  const slack = ref.close.reduce((a, b) => a + b, 0);
  const off = sizes.reduce((a, s, c) => a + Math.abs(s - counts[c]), 0);
  t.true(off <= 2 * slack, `list sizes ${sizes} vs float64 argmax ${counts} (near ties ${slack})`);
  // Lloyd's iterations only raise the sum of each key's best inner product from the start's.
  const start = await centroidsOf(await createIndex(K, { kind: 'ivf', nlist: 12, iterations: 0, seed: 1 }), 'kmeans-0');
  t.true(ref.objective > assignments(K, start, 0).objective);
});

test('ivf training is deterministic for a seed', async (t) => {
  const { m: K } = clustered(4000, 16, 30, 4, 1.5);
  const centroids = async (seed: number) => {
    const p = path.join(dir, `seed-${seed}-${Math.random()}`);
    await (await createIndex(K, { kind: 'ivf', nlist: 25, seed })).save(p);
    return readFileSync(path.join(p, 'centroids.npy'));
  };
  t.deepEqual(await centroids(7), await centroids(7));
});

test('add: flat and ivf search the concatenation (ids continue), and a search issued after add sees it', async (t) => {
  const K1 = ints(Float32Array, 700, 12, 1);
  const K2 = ints(Float32Array, 300, 12, 2);
  const Q = ints(Float32Array, 30, 12, 3);
  const want = naive(Q, concat(K1, K2), 9);
  const flat = await createIndex(K1);
  const adding = flat.add(K2);
  same(t, await flat.search(Q, 9), want, 'flat after add');
  await adding;
  t.is(flat.size, 1000);
  const ivf = await createIndex(K1, { kind: 'ivf', nlist: 10 });
  await ivf.add(K2);
  t.is(ivf.size, 1000);
  same(t, await ivf.search(Q, 9, { nprobe: 10 }), want, 'ivf after add, every list');
});

test('cosine: scores are cosines of the rows, to the float32 bound', async (t) => {
  const K = ints(Float32Array, 800, 20, 11);
  const Q = ints(Float32Array, 25, 20, 12);
  // No zero rows (their cosine is undefined).
  for (const M of [K, Q]) for (let i = 0; i < M.rows; i++) M.data[i * 20] = M.data[i * 20] || 1;
  const unit = (M: Matrix) => {
    const out = new Float64Array(M.data.length);
    for (let i = 0; i < M.rows; i++) {
      let n2 = 0;
      for (let j = 0; j < M.cols; j++) n2 += M.data[i * M.cols + j] ** 2;
      for (let j = 0; j < M.cols; j++) out[i * M.cols + j] = M.data[i * M.cols + j] / Math.sqrt(n2);
    }
    return { data: out, rows: M.rows, cols: M.cols };
  };
  const k = 8;
  const S = naive(unit(Q), unit(K), K.rows);
  for (const kind of ['flat', 'ivf'] as const) {
    const index = await createIndex(K, { metric: 'cosine', kind, nlist: 8, nprobe: 8 });
    const r = await index.search(Q, k);
    for (let q = 0; q < Q.rows; q++) {
      const exact = new Map<number, number>();
      for (let j = 0; j < K.rows; j++) exact.set(S.indices[q * K.rows + j], S.scores[q * K.rows + j]);
      for (let j = 0; j < k; j++) {
        // Unit rows rounded to float32 and a length-20 float32 dot: within 20 * 2^-24 * 4 of
        // the true cosine (4: a generous factor for the rounding of both rows).
        const tol = 20 * 2 ** -24 * 4;
        const got = r.scores[q * k + j];
        t.true(Math.abs(got - exact.get(r.indices[q * k + j])!) <= tol, `${kind} q${q} rank ${j}`);
        // and the rank-j score is the reference's rank-j score, to the same bound.
        t.true(Math.abs(got - S.scores[q * K.rows + j]) <= 2 * tol, `${kind} q${q} rank ${j} vs reference`);
      }
    }
  }
});

test('save / load: the same keys, header and results, for flat ip, flat cosine and ivf', async (t) => {
  const K = ints(Float32Array, 900, 10, 21);
  K.data[0] = K.data[0] || 1;
  for (let i = 0; i < K.rows; i++) K.data[i * 10] = K.data[i * 10] || 2;
  const Q = ints(Float32Array, 40, 10, 22);
  for (const [name, options] of [
    ['flat-ip', {}],
    ['flat-cosine', { metric: 'cosine' }],
    ['ivf', { kind: 'ivf', nlist: 16, nprobe: 4, seed: 3 }],
  ] as const) {
    const index = await createIndex(K, options);
    const p = path.join(dir, name);
    await index.save(p);
    const header = JSON.parse(readFileSync(path.join(p, 'index.json'), 'utf8'));
    t.like(header, { format: 'speclin-index', version: 1, dim: 10, size: 900, dtype: 'float32' });
    const back = await loadIndex(p);
    t.is(back.metric, index.metric);
    t.is(back.kind, index.kind);
    t.is(back.nprobe, index.nprobe);
    const [a, b] = [await index.search(Q, 6), await back.search(Q, 6)];
    t.deepEqual(b.indices, a.indices, name);
    t.deepEqual(b.scores, a.scores, name);
    t.deepEqual(Array.from(back.memory().listSizes ?? []), Array.from(index.memory().listSizes ?? []), name);
  }
});

test('memory per key: d floats for flat; d floats and a 4-byte id for ivf', async (t) => {
  const K = ints(Float32Array, 2000, 64, 31);
  t.is((await createIndex(K)).memory().bytesPerKey, 64 * 4);
  const ivf = (await createIndex(K, { kind: 'ivf', nlist: 20 })).memory();
  t.is(ivf.bytesPerKey, 64 * 4 + 4);
});

test('abort: an aborted signal stops training and search with an AbortError', async (t) => {
  const K = ints(Float32Array, 500, 8, 41);
  const ac = new AbortController();
  ac.abort();
  await t.throwsAsync(createIndex(K, { kind: 'ivf', nlist: 5, signal: ac.signal }), { name: 'AbortError' });
  const index = await createIndex(K, { kind: 'ivf', nlist: 5 });
  await t.throwsAsync(index.search(K, 3, { signal: ac.signal }), { name: 'AbortError' });
});

test('bad input: clear errors naming what was expected', async (t) => {
  const K = ints(Float32Array, 20, 4, 51);
  const index = await createIndex(K);
  const ivf = await createIndex(K, { kind: 'ivf', nlist: 4 });
  const Q = ints(Float32Array, 3, 4, 52);
  await t.throwsAsync(index.search(ints(Float32Array, 3, 5, 1), 2), { instanceOf: RangeError, message: /queries have 5 columns but the index holds keys of dimension 4/ });
  await t.throwsAsync(index.search(Q, 21), { instanceOf: RangeError, message: /k = 21 exceeds the number of keys in the index \(20\)/ });
  await t.throwsAsync(index.search(Q, 0), { instanceOf: RangeError, message: /k must be an integer >= 1/ });
  // Beyond every integer type (the addon compares such a k as a number, never converting it).
  await t.throwsAsync(index.search(Q, Infinity), { instanceOf: RangeError, message: /k must be an integer >= 1, got Infinity/ });
  await t.throwsAsync(index.search(Q, 1e300), { instanceOf: RangeError, message: /k = 1e\+300 exceeds the number of keys/ });
  await t.throwsAsync(index.search(Q, 1.5), { instanceOf: RangeError });
  await t.throwsAsync(index.search(Q, '3' as unknown as number), { instanceOf: TypeError, message: /k must be a number/ });
  await t.throwsAsync(index.search(ints(Float64Array, 3, 4, 1), 2), { instanceOf: TypeError, message: /queries are float64 but the index holds float32/ });
  await t.throwsAsync(index.search({ data: new Float32Array(3), rows: 1, cols: 4 }, 1), { instanceOf: RangeError, message: /queries.data has 3 elements/ });
  await t.throwsAsync(index.add(ints(Float32Array, 2, 3, 1)), { instanceOf: RangeError, message: /keys have 3 columns but the index holds keys of dimension 4/ });
  await t.throwsAsync(ivf.search(Q, 2, { nprobe: 5 }), { instanceOf: RangeError, message: /nprobe must be an integer in \[1, 4\]/ });
  const nan = ints(Float32Array, 5, 4, 53);
  nan.data[13] = Number.NaN;
  await t.throwsAsync(createIndex(nan), { instanceOf: RangeError, message: /keys row 3 contains NaN or Infinity/ });
  await t.throwsAsync(index.search(nan, 2), { instanceOf: RangeError, message: /queries row 3 contains NaN or Infinity/ });
  await t.throwsAsync(ivf.search(nan, 2), { instanceOf: RangeError, message: /queries row 3 contains NaN or Infinity/ });
  await t.throwsAsync(createIndex(K, { kind: 'ivf', nlist: 21 }), { instanceOf: RangeError, message: /nlist = 21 exceeds the number of keys \(20\)/ });
  await t.throwsAsync(createIndex(K, { kind: 'hnsw' as 'flat' }), { instanceOf: RangeError, message: /options.kind must be 'flat' or 'ivf', got 'hnsw'/ });
  await t.throwsAsync(createIndex(K, { metric: 'l2' as 'ip' }), { instanceOf: RangeError, message: /options.metric must be 'ip' or 'cosine'/ });
  await t.throwsAsync(createIndex(K, { metric: 3 as unknown as 'ip' }), { instanceOf: TypeError });
  await t.throwsAsync(createIndex(new Float32Array(4) as unknown as Matrix), { instanceOf: TypeError, message: /keys must be a Matrix/ });
  const zero = ints(Float32Array, 3, 4, 54);
  zero.data.fill(0, 4, 8);
  await t.throwsAsync(createIndex(zero, { metric: 'cosine' }), { instanceOf: RangeError, message: /keys row 1 has norm 0/ });
  index.dispose();
  await t.throwsAsync(index.search(Q, 1), { instanceOf: SpeclinError, code: 'ERR_DISPOSED' });
});

test('bad files: another version, another format, truncated or mismatched keys, a missing index', async (t) => {
  const K = ints(Float32Array, 300, 8, 61);
  const p = path.join(dir, 'bad');
  await (await createIndex(K, { kind: 'ivf', nlist: 6 })).save(p);
  const headerFile = path.join(p, 'index.json');
  const header = readFileSync(headerFile, 'utf8');
  writeFileSync(headerFile, header.replace('"version": 1', '"version": 2'));
  await t.throwsAsync(loadIndex(p), { instanceOf: SpeclinError, code: 'ERR_INDEX_VERSION', message: /index format version 2; this speclin reads version 1/ });
  writeFileSync(headerFile, header.replace('"speclin-index"', '"faiss"'));
  await t.throwsAsync(loadIndex(p), { instanceOf: SpeclinError, code: 'ERR_MALFORMED_FILE', message: /expected "format": "speclin-index"/ });
  writeFileSync(headerFile, header.slice(0, 40));
  await t.throwsAsync(loadIndex(p), { instanceOf: SpeclinError, code: 'ERR_MALFORMED_FILE', message: /not JSON/ });
  writeFileSync(headerFile, header.replace('"size": 300', '"size": 301'));
  await t.throwsAsync(loadIndex(p), { instanceOf: SpeclinError, code: 'ERR_MALFORMED_FILE', message: /holds 300 x 8 float32 values but index.json announces 301 x 8 float32/ });
  writeFileSync(headerFile, header);
  const keysFile = path.join(p, 'keys.npy');
  truncateSync(keysFile, statSync(keysFile).size - 10);
  await t.throwsAsync(loadIndex(p), { instanceOf: SpeclinError, code: 'ERR_MALFORMED_FILE', message: /keys.npy.*truncated/ });
  await t.throwsAsync(loadIndex(path.join(dir, 'nothing-here')), { instanceOf: SpeclinError, code: 'ERR_READ_FILE', message: /index.json: cannot read the index header/ });
  await t.throwsAsync(loadIndex(3 as unknown as string), { instanceOf: TypeError });
});
