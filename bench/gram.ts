// `npm run bench -- gram`: the Gram family in float32 against NumPy (OpenBLAS) measured in the
// same run, case by case (ours, then the peer, so that both see the same machine load):
//   Z W^T (crossGram) and Z Z^T (gram) at (B, k) = (4096, 128), (4096, 512), (2048, 2048);
//   a batch of 1024 products Z_b W_b^T of 64 x 32 matrices (NumPy: Z @ W.transpose(0, 2, 1));
//   gram(Z) against crossGram(Z, Z), which does twice the arithmetic.
// GFLOP/s counts 2 B^2 k for both Z W^T and Z Z^T (the full product's flops, as BLAS benchmarks
// do), so a Z Z^T that computes one triangle shows up as a higher rate.
import os from 'node:os';
import { crossGramSync, getKernelPath, getThreads, gramSync } from '../src/index.js';
import type { Batch } from '../src/index.js';
import { randomMatrix } from '../test/helpers/random.js';
import { runPeer, timeSync, type Row, type SuiteOptions, type SuiteResult } from './lib/harness.js';

interface PeerCase {
  kind: 'cross' | 'gram' | 'batch';
  B?: number;
  k?: number;
  batch?: number;
  m?: number;
  n?: number;
}
interface PeerAnswer {
  seconds: number;
  numpy: string;
  blas: string;
}

const SHAPES: [number, number][] = [[4096, 128], [4096, 512], [2048, 2048]];
const BATCH = { batch: 1024, m: 64, n: 64, k: 32 };

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const minTime = opts.quick ? 0.2 : 0.5;
  const maxTime = opts.quick ? 2 : 5;
  const time = (fn: () => unknown) => timeSync(fn, { minTime, maxTime });
  let numpy = '';
  let blas = '';
  const peer = (c: PeerCase): number => {
    const a = runPeer<PeerAnswer>('gram', { case: c, min_time: minTime, seed: 1 });
    numpy = a.numpy;
    blas = a.blas;
    return a.seconds;
  };
  const load = os.loadavg()[0];
  const rows: Row[] = [];
  const targets: NonNullable<SuiteResult['targets']> = [];
  const row = (name: string, flops: number, ours: { seconds: number; rme: number }, peerSeconds: number | null) => {
    const r: Row = {
      case: name,
      'speclin ms': ours.seconds * 1e3,
      'speclin GFLOP/s': flops / ours.seconds / 1e9,
      'rme %': ours.rme,
    };
    if (peerSeconds !== null) {
      r['numpy ms'] = peerSeconds * 1e3;
      r['numpy GFLOP/s'] = flops / peerSeconds / 1e9;
      r['x numpy'] = peerSeconds / ours.seconds;
    }
    rows.push(r);
    return peerSeconds === null ? 0 : peerSeconds / ours.seconds;
  };

  for (const [B, k] of SHAPES) {
    const Z = randomMatrix(Float32Array, B, k, 1);
    const W = randomMatrix(Float32Array, B, k, 2);
    const flops = 2 * B * B * k;
    opts.log(`gram: Z W^T ${B} x ${k}`);
    const cross = time(() => crossGramSync(Z, W));
    const crossRatio = row(`crossGram Z W^T B=${B} k=${k}`, flops, cross, peer({ kind: 'cross', B, k }));
    opts.log(`gram: Z Z^T ${B} x ${k}`);
    const g = time(() => gramSync(Z));
    const gramRatio = row(`gram Z Z^T B=${B} k=${k}`, flops, g, peer({ kind: 'gram', B, k }));
    opts.log(`gram: crossGram(Z, Z) ${B} x ${k}`);
    const same = time(() => crossGramSync(Z, Z));
    row(`crossGram(Z, Z) B=${B} k=${k}`, flops, same, null);
    targets.push({
      name: `Z W^T at (${B}, ${k}) >= 0.9x NumPy GFLOP/s`,
      met: crossRatio >= 0.9,
      detail: `${crossRatio.toFixed(2)}x`,
    });
    targets.push({
      name: `Z Z^T at (${B}, ${k}) >= 0.9x NumPy GFLOP/s`,
      met: gramRatio >= 0.9,
      detail: `${gramRatio.toFixed(2)}x`,
    });
    const half = same.seconds / g.seconds;
    targets.push({
      name: `gram(Z) >= 1.6x faster than crossGram(Z, Z) at (${B}, ${k})`,
      met: half >= 1.6,
      detail: `${half.toFixed(2)}x (${(g.seconds * 1e3).toFixed(1)} ms vs ${(same.seconds * 1e3).toFixed(1)} ms)`,
    });
  }

  {
    const { batch, m, n, k } = BATCH;
    const z = randomMatrix(Float32Array, batch * m, k, 3);
    const w = randomMatrix(Float32Array, batch * n, k, 4);
    const Z: Batch<Float32Array> = { data: z.data, rows: m, cols: k, batch };
    const W: Batch<Float32Array> = { data: w.data, rows: n, cols: k, batch };
    opts.log(`gram: batch of ${batch} products ${m}x${k} . (${n}x${k})^T`);
    const ours = time(() => crossGramSync(Z, W));
    const ratio = row(`crossGram batch ${batch} x ${m}x${k}`, 2 * batch * m * n * k, ours, peer({ kind: 'batch', ...BATCH }));
    targets.push({
      name: `batch of ${batch} ${m}x${k} products >= 2x NumPy's batched matmul`,
      met: ratio >= 2,
      detail: `${ratio.toFixed(2)}x`,
    });
  }

  return {
    suite: 'gram',
    environment: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      threads: getThreads(),
      kernel: getKernelPath(),
      numpy: `${numpy} (${blas})`,
      'load average at start': load.toFixed(2),
      node: process.version,
    },
    columns: ['speclin ms', 'speclin GFLOP/s', 'numpy ms', 'numpy GFLOP/s', 'x numpy', 'rme %'],
    rows,
    targets,
  };
}

