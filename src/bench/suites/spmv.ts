// The graph's SpMV (A x in its dtype) and the normalized operator's products (Ā x and Ā X with 8
// columns, float64) against scipy.sparse's CSR products on the same stochastic block model graphs
// (10 blocks, average degree 20, 80% of the edges inside blocks), in the same run: n = 20 000 and
// 200 000 (quick: 20 000). Target (issue 4): SpMV at least 2x scipy's.
// Compulsory traffic (docs/bench.md): the CSR arrays (int64 row pointers, int32 column indices,
// values in the graph's dtype; Ā also reads d^-1/2), x read once, y written once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Graph } from '../../graph.js';
import { stochasticBlockModel } from '../../sbm.js';
import { bestOf, runPeer, type BenchCase, type Measured, type Suite, type SuiteOptions, type SuiteResult } from '../harness.js';

interface PeerResult { name: string; op: 'spmv' | 'normalized'; columns: number; seconds: number; best: number }
interface PeerAnswer { scipy: string; numpy: string; results: PeerResult[] }

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

/** Keeps the better of two measurements of one side (turns alternate with the peer). */
function better(a: Measured | undefined, b: Measured): Measured {
  return a ? { seconds: Math.min(a.seconds, b.seconds), meanSeconds: Math.min(a.meanSeconds ?? a.seconds, b.meanSeconds ?? b.seconds) } : b;
}

async function run(options: SuiteOptions): Promise<SuiteResult> {
  const sizes = options.quick ? [20_000] : [20_000, 200_000];
  const minTime = options.quick ? 0.05 : 0.3;
  const turns = options.quick ? 1 : 2;
  const withPeer = options.peers.has('scipy');
  const columns = [1, 8];
  const cases: BenchCase[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-spmv-'));
  let versions = '';
  try {
    for (const n of sizes) {
      for (const dtype of ['float64', 'float32'] as const) {
        const name = `sbm${n}_${dtype}`;
        options.log(`spmv: ${name}`);
        const g = stochasticBlockModel({ n, blocks: 10, averageDegree: 20, inside: 0.8, seed: 1, dtype });
        const nnz = g.toCSR().indices.length;
        const size = dtype === 'float32' ? 4 : 8;
        const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
        for (let i = 0; i < n; i++) x[i] = Math.sin(i);
        const op = g.normalized();
        const X = new Float64Array(n * 8).map((_, i) => Math.cos(i));
        const Y = new Float64Array(n * 8);
        const ours = new Map<string, Measured>();
        const measure = () => {
          ours.set('spmv/1', better(ours.get('spmv/1'), bestOf(() => g.spmv(x), minTime)));
          for (const c of columns) {
            const Xc = X.subarray(0, n * c), Yc = Y.subarray(0, n * c);
            ours.set(`normalized/${c}`, better(ours.get(`normalized/${c}`), bestOf(() => op.multiply(Xc, Yc, c), minTime)));
          }
        };
        const spec = exportGraph(dir, name, g);
        const theirs = new Map<string, Measured>();
        measure();
        for (let turn = 0; turn < turns && withPeer; turn++) {
          const peer = runPeer<PeerAnswer>('spmv', { graphs: [spec], columns, minTime });
          versions = `SciPy ${peer.scipy}, NumPy ${peer.numpy}`;
          for (const r of peer.results) {
            const key = `${r.op}/${r.columns}`;
            theirs.set(key, better(theirs.get(key), { seconds: r.best, meanSeconds: r.seconds }));
          }
          measure();
        }
        const csrBytes = (valueSize: number) => (n + 1) * 8 + nnz * 4 + nnz * valueSize;
        const list: [string, string, number, BenchCase['dtype'], number, number][] = [
          // [label, op, columns, dtype, read bytes, written bytes]
          [`A x (${dtype})`, 'spmv', 1, dtype, csrBytes(size) + n * size, n * size],
          ['Ā x (float64)', 'normalized', 1, 'float64', csrBytes(size) + n * 8 + n * 8, n * 8],
          ['Ā X, 8 columns (float64)', 'normalized', 8, 'float64', csrBytes(size) + n * 8 + 8 * n * 8, 8 * n * 8],
        ];
        for (const [label, opName, c, caseDtype, readBytes, writeBytes] of list) {
          const key = `${opName}/${c}`;
          const peer = theirs.get(key);
          cases.push({
            id: `${opName}/n=${n}/${dtype}/columns=${c}`,
            kernel: opName === 'spmv' ? 'A x' : c === 1 ? 'Ā x' : 'Ā X',
            label: `n=${n} ${dtype} graph: ${label}`,
            dtype: caseDtype,
            flops: 2 * nnz * c,
            readBytes,
            writeBytes,
            speclin: ours.get(key)!,
            peers: peer ? { scipy: peer } : {},
            metrics: { nnz },
          });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const targets = withPeer
    ? sizes.map((n) => {
        const single = cases.filter((c) => c.id.includes(`/n=${n}/`) && c.id.endsWith('columns=1'));
        const ratios = single.map((c) => ({ c, r: c.peers.scipy!.seconds / c.speclin.seconds }));
        return {
          name: `SpMV at least 2x scipy's, n = ${n}`,
          met: Math.min(...ratios.map((x) => x.r)) >= 2,
          detail: ratios.map((x) => `${x.c.label}: ${x.r.toFixed(2)}x`).join('; '),
        };
      })
    : [];
  return {
    suite: 'spmv',
    environment: {
      ...(versions ? { peer: versions } : {}),
      timing: `best and mean call of >= ${minTime} s per turn, ${turns + 1} turns alternating with the peer`,
    },
    cases,
    targets,
  };
}

export const spmv: Suite = { name: 'spmv', summary: 'sparse graph products A x, Ā x, Ā X against scipy.sparse', peers: ['scipy'], run };
