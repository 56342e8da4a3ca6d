// `npm run bench -- search [--quick]`: createIndex against Debian's python3-faiss (IndexFlatIP,
// IndexIVFFlat; /usr/bin/python3, which has it, not the first python3 on PATH) and NumPy (matmul +
// argpartition, python3 on PATH), all with speclin's thread count, on the same keys in the same
// run: 1 000 000 keys of dimension 64 (random, and clustered around 1 000 centres), 10 000 queries,
// k = 10 (--quick: 50 000 keys, 1 000 queries).
// Values are multiples of 1/8 below 8 in magnitude: every score is then a multiple of 1/64 below
// 2^16 and float32 computes it exactly in any summation order, so speclin's and faiss's flat
// results can be compared for exact equality, ties included (each breaks them by the lower index).
// Each flat search is one call over all the queries (tens of seconds on 2 cores); ivf's recall@10
// is measured against the exact result, at each nprobe, on both sides.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIndex } from '../src/search/search-index.js';
import { getThreads } from '../src/runtime.js';
import { gaussian, uniform } from '../src/random.js';
import { writeNpy } from '../src/npy.js';
import type { Matrix } from '../src/types.js';
import { peerEnvironment } from '../src/bench/harness.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';

interface FaissAnswer {
  version: string;
  threads: number;
  flat: { seconds: number; indices: number[][]; scores: number[][] };
  ivf: { train_seconds: number; bytes_per_key: number; queries: number; runs: { nprobe: number; seconds: number; indices: number[][] }[] };
}
interface NumpyAnswer { version: string; threads: number; queries: number; seconds: number }

const peerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', 'search_peers.py');
const FAISS_PYTHON = '/usr/bin/python3';

function runPeer<T>(python: string, request: unknown): T {
  const r = spawnSync(python, [peerScript], { input: JSON.stringify(request), encoding: 'utf8', env: peerEnvironment(), maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`bench search: ${python} ${peerScript}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`bench search: the ${(request as { peer: string }).peer} peer failed (${python}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}

/** n x d values, multiples of 1/8 clamped to (-8, 8): N(0, 1) (random) or one of `centres`
 * N(0, 1) centres plus N(0, 0.5^2) noise (clustered). */
function data(n: number, d: number, seed: number, centres?: Float64Array): Matrix<Float32Array> {
  const g = gaussian(seed);
  const u = uniform(seed + 1000);
  const out = new Float32Array(n * d);
  const nc = centres ? centres.length / d : 0;
  for (let i = 0; i < n; i++) {
    const c = centres ? Math.min(nc - 1, Math.floor(u() * nc)) : 0;
    for (let j = 0; j < d; j++) {
      const v = centres ? centres[c * d + j] + 0.5 * g() : g();
      out[i * d + j] = Math.max(-63, Math.min(63, Math.round(v * 8))) / 8;
    }
  }
  return { data: out, rows: n, cols: d };
}

function recallAt(got: ArrayLike<number> | number[][], exact: Int32Array, rows: number, k: number): number {
  const flatGot = Array.isArray(got) ? (got as number[][]).flat() : Array.from(got as ArrayLike<number>);
  let hit = 0;
  for (let q = 0; q < rows; q++) {
    const s = new Set(exact.subarray(q * k, q * k + k));
    for (let j = 0; j < k; j++) if (s.has(flatGot[q * k + j])) hit++;
  }
  return hit / (rows * k);
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const [n, nq, d, k] = opts.quick ? [50_000, 1_000, 64, 10] : [1_000_000, 10_000, 64, 10];
  const nlist = opts.quick ? 128 : 1024;
  const nprobes = [1, 2, 4, 8, 16, 32];
  const numpyQueries = opts.quick ? 200 : 1_000;
  const threads = getThreads();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-search-'));
  const rows: Row[] = [];
  const targets: NonNullable<SuiteResult['targets']> = [];
  const versions: Record<string, string> = {};
  const loads: string[] = [];
  const load = () => os.loadavg()[0].toFixed(1);
  try {
    const cg = gaussian(99);
    const centres = Float64Array.from({ length: 1000 * d }, () => cg());
    for (const kind of ['random', 'clustered'] as const) {
      const K = data(n, d, kind === 'random' ? 1 : 3, kind === 'random' ? undefined : centres);
      const Q = data(nq, d, kind === 'random' ? 2 : 4, kind === 'random' ? undefined : centres);
      const keysFile = path.join(tmp, `${kind}-keys.npy`);
      const queriesFile = path.join(tmp, `${kind}-queries.npy`);
      await writeNpy(keysFile, K);
      await writeNpy(queriesFile, Q);
      const request = { keys: keysFile, queries: queriesFile, k, threads, nlist, nprobes, numpy_queries: numpyQueries, ivf_queries: nq };

      opts.log(`search ${kind}: speclin flat (${n} keys, ${nq} queries; load ${load()})`);
      loads.push(load());
      const flat = await createIndex(K);
      let t0 = performance.now();
      const exact = await flat.search(Q, k);
      const flatSeconds = (performance.now() - t0) / 1e3;
      const flatBytes = flat.memory().bytesPerKey;
      flat.dispose();

      opts.log(`search ${kind}: faiss flat and ivf (${FAISS_PYTHON}; load ${load()})`);
      const faiss = runPeer<FaissAnswer>(FAISS_PYTHON, { ...request, peer: 'faiss' });
      versions.faiss = `${faiss.version} (${faiss.threads} threads)`;
      opts.log(`search ${kind}: numpy (python3 on PATH, ${numpyQueries} queries; load ${load()})`);
      const numpy = runPeer<NumpyAnswer>('python3', { ...request, peer: 'numpy' });
      versions.numpy = `${numpy.version} (${numpy.threads} threads)`;

      // faiss's (index, score) pairs are checked against the exact scores (computed here in
      // float64: the data make them exact), then compared with speclin's rank by rank.
      let sameIndices = 0;
      let sameScores = 0;
      let tiesOnly = 0;
      let faissTrue = true;
      for (let q = 0; q < nq; q++) {
        let okIndices = true;
        let okScores = true;
        for (let j = 0; j < k; j++) {
          const i = faiss.flat.indices[q][j];
          let s = 0;
          for (let c = 0; c < d; c++) s += Q.data[q * d + c] * K.data[i * d + c];
          faissTrue &&= s === faiss.flat.scores[q][j];
          okIndices &&= i === exact.indices[q * k + j];
          okScores &&= faiss.flat.scores[q][j] === exact.scores[q * k + j];
        }
        sameIndices += okIndices ? 1 : 0;
        sameScores += okScores ? 1 : 0;
        // Rank-wise equal scores with other indices: those keys tie.
        tiesOnly += !okIndices && okScores ? 1 : 0;
      }
      const ratio = faiss.flat.seconds / flatSeconds;
      rows.push({
        case: `${kind} flat`, 'speclin qps': nq / flatSeconds, 'faiss qps': nq / faiss.flat.seconds,
        'numpy qps': numpy.queries / numpy.seconds, 'x faiss': ratio, 'recall@10': 1,
        'faiss recall@10': recallAt(faiss.flat.indices, exact.indices, nq, k),
        'rows equal to faiss': `${sameIndices}/${nq}`, 'bytes/key': flatBytes, 'faiss bytes/key': d * 4,
      });
      targets.push({
        name: `${kind} flat: >= 1.2x faiss IndexFlatIP's queries per second`, met: ratio >= 1.2,
        detail: `${ratio.toFixed(2)}x (${flatSeconds.toFixed(1)} s vs ${faiss.flat.seconds.toFixed(1)} s for ${nq} queries)`,
      });
      targets.push({
        name: `${kind} flat: exactly faiss's results, ties broken by the lower index (every score equal rank by rank; other indices only where keys tie)`,
        met: faissTrue && sameScores === nq,
        detail: `scores equal in ${sameScores} of ${nq} rows; indices equal in ${sameIndices}; the other ${tiesOnly} differ only between keys of equal score ` +
          `(faiss does not order ties by the lower index)${faissTrue ? '' : "; some of faiss's scores are not the exact scores of its indices"}`,
      });

      opts.log(`search ${kind}: speclin ivf (nlist ${nlist}; load ${load()})`);
      t0 = performance.now();
      const ivf = await createIndex(K, { kind: 'ivf', nlist });
      const trainSeconds = (performance.now() - t0) / 1e3;
      const ivfBytes = ivf.memory().bytesPerKey;
      let oursAt95: { nprobe: number; qps: number; recall: number } | undefined;
      let theirsAt95: { nprobe: number; qps: number; recall: number } | undefined;
      for (const run of faiss.ivf.runs) {
        const nprobe = run.nprobe;
        await ivf.search(Q.rows > 100 ? { data: Q.data.subarray(0, 100 * d), rows: 100, cols: d } : Q, k, { nprobe }); // warm-up, as the peer
        let seconds = Infinity;
        let r = exact;
        for (let rep = 0; rep < 3; rep++) {
          t0 = performance.now();
          r = await ivf.search(Q, k, { nprobe });
          seconds = Math.min(seconds, (performance.now() - t0) / 1e3);
        }
        const recall = recallAt(r.indices, exact.indices, nq, k);
        const faissRecall = recallAt(run.indices, exact.indices, nq, k);
        rows.push({
          case: `${kind} ivf nprobe=${nprobe}`, 'speclin qps': nq / seconds, 'faiss qps': nq / run.seconds,
          'x faiss': run.seconds / seconds, 'recall@10': recall, 'faiss recall@10': faissRecall,
          'bytes/key': ivfBytes, 'faiss bytes/key': faiss.ivf.bytes_per_key,
          ...(nprobe === faiss.ivf.runs[0].nprobe ? { 'train s': trainSeconds, 'faiss train s': faiss.ivf.train_seconds } : {}),
        });
        if (!oursAt95 && recall >= 0.95) oursAt95 = { nprobe, qps: nq / seconds, recall };
        if (!theirsAt95 && faissRecall >= 0.95) theirsAt95 = { nprobe, qps: nq / run.seconds, recall: faissRecall };
      }
      ivf.dispose();
      if (kind === 'clustered') {
        const met = Boolean(oursAt95 && theirsAt95 && oursAt95.qps >= theirsAt95.qps);
        targets.push({
          name: "clustered ivf: >= faiss IndexIVFFlat's queries per second at recall@10 >= 0.95 (each side's smallest such nprobe)",
          met,
          detail: oursAt95 && theirsAt95
            ? `speclin ${oursAt95.qps.toFixed(0)} qps (nprobe ${oursAt95.nprobe}, recall ${oursAt95.recall.toFixed(3)}) vs faiss ${theirsAt95.qps.toFixed(0)} qps (nprobe ${theirsAt95.nprobe}, recall ${theirsAt95.recall.toFixed(3)}): ${(oursAt95.qps / theirsAt95.qps).toFixed(2)}x; memory per key ${ivfBytes} B vs ${faiss.ivf.bytes_per_key} B`
            : `recall 0.95 not reached by ${oursAt95 ? 'faiss' : 'speclin'} at nprobe <= ${nprobes.at(-1)}`,
        });
      }
      loads.push(load());
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    suite: 'search',
    environment: {
      keys: `${n} x ${d} float32`, queries: nq, k, nlist, 'speclin threads': threads,
      faiss: versions.faiss ?? 'not run', numpy: versions.numpy ?? 'not run', 'numpy queries': numpyQueries,
      cpu: os.cpus()[0]?.model ?? 'unknown', 'load average (1 min) at each step': loads.join(', '),
    },
    columns: ['speclin qps', 'faiss qps', 'numpy qps', 'x faiss', 'recall@10', 'faiss recall@10', 'rows equal to faiss', 'bytes/key', 'faiss bytes/key', 'train s', 'faiss train s'],
    rows,
    targets,
  };
}
