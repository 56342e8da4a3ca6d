// `npm run bench -- spmv`: the graph's SpMV (A x in its dtype) and the normalized operator's
// products (Ā x and Ā X with 8 columns, float64) against scipy.sparse's CSR products on the same
// stochastic block model graphs (10 blocks, average degree 20, 80% of edges inside blocks),
// measured in the same run. Target (issue 4): SpMV at least 2x scipy's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getThreads, getKernelPath, stochasticBlockModel } from '../src/index.js';
import type { Graph } from '../src/index.js';
import { runPeer, type Row, type SuiteOptions, type SuiteResult } from './lib/harness.js';

interface PeerResult { name: string; op: 'spmv' | 'normalized'; columns: number; seconds: number; best: number }
interface PeerAnswer { scipy: string; numpy: string; results: PeerResult[] }

/** Best and mean seconds per call over at least `minTime` seconds (and 5 calls), after a warm-up.
 * The best is the figure compared: on a shared machine it is the time the code needs when it
 * gets the cores, while the mean mostly measures the neighbours. */
function time(fn: () => void, minTime: number): { best: number; mean: number } {
  fn();
  let best = Infinity, total = 0, reps = 0;
  while (total < minTime || reps < 5) {
    const t0 = process.hrtime.bigint();
    fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
    total += dt;
    reps++;
  }
  return { best, mean: total / reps };
}

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The graph's CSR arrays as raw files, so that scipy multiplies exactly the same matrix. */
function exportGraph(dir: string, name: string, g: Graph) {
  const { indptr, indices, values } = g.toCSR();
  const file = (part: string) => path.join(dir, `${name}.${part}.bin`);
  writeFileSync(file('indptr'), bytes(indptr));
  writeFileSync(file('indices'), bytes(indices));
  writeFileSync(file('values'), bytes(values));
  writeFileSync(file('degrees'), bytes(g.degrees));
  return { name, n: g.n, dtype: g.dtype, indptr: file('indptr'), indices: file('indices'), values: file('values'), degrees: file('degrees') };
}

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const sizes = options.quick ? [20_000] : [20_000, 200_000];
  const minTime = options.quick ? 0.1 : 0.3;
  const columns = [1, 8];
  const rows: Row[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-spmv-'));
  const ratios: { n: number; op: string; ratio: number }[] = [];
  let versions = '';
  try {
    for (const n of sizes) {
      for (const dtype of ['float64', 'float32'] as const) {
        const name = `sbm${n}_${dtype}`;
        options.log(`spmv: ${name}`);
        const g = stochasticBlockModel({ n, blocks: 10, averageDegree: 20, inside: 0.8, seed: 1, dtype });
        const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
        for (let i = 0; i < n; i++) x[i] = Math.sin(i);
        const op = g.normalized();
        const X = new Float64Array(n * 8).map((_, i) => Math.cos(i));
        const Y = new Float64Array(n * 8);
        const ours = new Map<string, { best: number; mean: number }>();
        const keep = (key: string, t: { best: number; mean: number }) => {
          const prev = ours.get(key);
          ours.set(key, prev ? { best: Math.min(prev.best, t.best), mean: Math.min(prev.mean, t.mean) } : t);
        };
        const measure = () => {
          keep('spmv/1', time(() => g.spmv(x), minTime));
          for (const c of columns) {
            const Xc = X.subarray(0, n * c), Yc = Y.subarray(0, n * c);
            keep(`normalized/${c}`, time(() => op.multiply(Xc, Yc, c), minTime));
          }
        };
        // Alternating turns, speclin / scipy / speclin / scipy / speclin, each side keeping its
        // best: the machine is shared and its load changes from second to second.
        const spec = exportGraph(dir, name, g);
        const peerBest = new Map<string, PeerResult>();
        measure();
        for (let turn = 0; turn < 2; turn++) {
          const peer = runPeer<PeerAnswer>('spmv', { graphs: [spec], columns, minTime });
          versions = `scipy ${peer.scipy}, numpy ${peer.numpy}`;
          for (const r of peer.results) {
            const key = `${r.op}/${r.columns}`;
            const prev = peerBest.get(key);
            peerBest.set(key, prev ? { ...r, best: Math.min(prev.best, r.best), seconds: Math.min(prev.seconds, r.seconds) } : r);
          }
          measure();
        }
        const cases: [string, string, number][] = [
          [`A x (${dtype})`, 'spmv', 1],
          ['Ā x (float64)', 'normalized', 1],
          ['Ā X, 8 columns (float64)', 'normalized', 8],
        ];
        for (const [label, opName, c] of cases) {
          const theirs = peerBest.get(`${opName}/${c}`)!;
          const mine = ours.get(`${opName}/${c}`)!;
          // scipy's spmv on a float32 graph is float32 x float32; Ā is float64 in both libraries.
          rows.push({
            case: `n=${n} ${dtype} graph: ${label}`,
            'speclin ms': mine.best * 1e3,
            'scipy ms': theirs.best * 1e3,
            speedup: theirs.best / mine.best,
            'speclin mean ms': mine.mean * 1e3,
            'scipy mean ms': theirs.seconds * 1e3,
          });
          if (c === 1) ratios.push({ n, op: `${label}, ${dtype} graph`, ratio: theirs.best / mine.best });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const targets = sizes.map((n) => {
    const mine = ratios.filter((r) => r.n === n);
    const worst = Math.min(...mine.map((r) => r.ratio));
    return {
      name: `SpMV at least 2x scipy's, n = ${n}`,
      met: worst >= 2,
      detail: mine.map((r) => `${r.op}: ${r.ratio.toFixed(2)}x`).join('; '),
    };
  });
  return {
    suite: 'spmv',
    environment: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      timing: 'best call of >= minTime s per turn, 3 alternating turns (ms columns); means beside',
      'speclin threads': getThreads(),
      'kernel path': getKernelPath(),
      'load average (1 min)': os.loadavg()[0].toFixed(2),
      peer: versions,
    },
    columns: ['speclin ms', 'scipy ms', 'speedup', 'speclin mean ms', 'scipy mean ms'],
    rows,
    targets,
  };
}
