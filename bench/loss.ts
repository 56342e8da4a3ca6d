// `npm run bench -- loss`: spectralLoss (loss + both gradients, float32, mu = 1, off-diagonal
// negatives) against two NumPy formulations measured in the same run: the reference one
// (S = Z W^T, as the reference PyTorch code computes the loss, with the backward pass written
// out) and the Gram one (Z^T Z, W^T W). Also the gram/pairwise crossover that 'auto' uses, and
// exact topK against NumPy's argpartition.
import os from 'node:os';
import { getKernelPath, getThreads, spectralLossSync, topKSync } from '../src/index.js';
import type { Matrix } from '../src/index.js';
import { normal, randomMatrix } from '../test/helpers/random.js';
import { runPeer, timeSync, type Row, type SuiteOptions, type SuiteResult } from './lib/harness.js';

interface PeerRow {
  B: number;
  k: number;
  reference_s: number;
  gram_s: number;
  gram_variant: string;
  loss_ref: number;
  loss_gram: number;
}
interface PeerAnswer {
  numpy: string;
  blas: string;
  rows: PeerRow[];
  topk: { seconds: number } | null;
}

const SHAPES: [number, number][] = [[512, 128], [4096, 128], [4096, 512], [1024, 2048]];
const MU = 1;

/** Pairs drawn like the peer's: w_i correlated with z_i, row norms uniform in [0.5, 1.5], so
 * mu = 1 clips about half of the rows. */
function pairs(B: number, k: number, seed: number): { Z: Matrix<Float32Array>; W: Matrix<Float32Array> } {
  const Z = randomMatrix(Float32Array, B, k, seed);
  const W = randomMatrix(Float32Array, B, k, seed + 1);
  const u = normal(seed + 2);
  for (let i = 0; i < B * k; i++) W.data[i] = 0.6 * Z.data[i] + 0.4 * W.data[i];
  for (const X of [Z, W])
    for (let i = 0; i < B; i++) {
      let n2 = 0;
      for (let j = 0; j < k; j++) n2 += X.data[i * k + j] ** 2;
      const f = (1 + 0.5 * Math.tanh(u())) / Math.sqrt(n2);
      for (let j = 0; j < k; j++) X.data[i * k + j] *= f;
    }
  return { Z, W };
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const minTime = opts.quick ? 0.2 : 0.5;
  const topkShape: [number, number, number, number] = opts.quick ? [200, 100_000, 64, 10] : [1000, 100_000, 64, 10];
  opts.log('loss: timing the NumPy peers...');
  const peer = runPeer<PeerAnswer>('loss', { shapes: SHAPES, mu: MU, seed: 1, min_time: minTime, topk: topkShape });
  const rows: Row[] = [];
  const targets: SuiteResult['targets'] = [];
  let allGram = true;
  const gramDetail: string[] = [];
  for (const [B, k] of SHAPES) {
    opts.log(`loss: ${B} x ${k}`);
    const { Z, W } = pairs(B, k, 7);
    const r = spectralLossSync(Z, W, { mu: MU });
    const ours = timeSync(() => spectralLossSync(Z, W, { mu: MU }), { minTime, maxTime: opts.quick ? 2 : 4 });
    const p = peer.rows.find((x) => x.B === B && x.k === k)!;
    const vsRef = p.reference_s / ours.seconds;
    const vsGram = p.gram_s / ours.seconds;
    rows.push({
      case: `spectralLoss B=${B} k=${k} f32`,
      'speclin ms': ours.seconds * 1e3,
      algorithm: r.algorithm,
      'numpy ref ms': p.reference_s * 1e3,
      'numpy gram ms': p.gram_s * 1e3,
      'x vs ref': vsRef,
      'x vs gram': vsGram,
      'rme %': ours.rme,
    });
    if (B === 4096 && k === 128)
      targets.push({
        name: '>= 10x faster than the NumPy reference formulation at (4096, 128)',
        met: vsRef >= 10,
        detail: `${vsRef.toFixed(1)}x (${(ours.seconds * 1e3).toFixed(1)} ms vs ${(p.reference_s * 1e3).toFixed(1)} ms)`,
      });
    allGram &&= vsGram >= 1.2;
    gramDetail.push(`(${B}, ${k}): ${vsGram.toFixed(2)}x`);
  }
  targets.push({ name: ">= 1.2x faster than NumPy's Gram formulation on every shape", met: allGram, detail: gramDetail.join(', ') });

  // The crossover of 'auto': both algorithms at k = 256 over B / k from 1/4 to 2.
  const k = 256;
  for (const B of [64, 128, 192, 256, 384, 512]) {
    const { Z, W } = pairs(B, k, 11);
    const g = timeSync(() => spectralLossSync(Z, W, { mu: MU, algorithm: 'gram' }), { minTime: minTime / 2, maxTime: 2 });
    const q = timeSync(() => spectralLossSync(Z, W, { mu: MU, algorithm: 'pairwise' }), { minTime: minTime / 2, maxTime: 2 });
    rows.push({
      case: `crossover B=${B} k=${k}`,
      'gram ms': g.seconds * 1e3,
      'pairwise ms': q.seconds * 1e3,
      algorithm: spectralLossSync(Z, W, { mu: MU }).algorithm,
      faster: g.seconds <= q.seconds ? 'gram' : 'pairwise',
    });
  }

  if (peer.topk) {
    const [nq, nk, d, kk] = topkShape;
    opts.log(`topK: ${nq} x ${nk} x ${d}`);
    const Q = randomMatrix(Float32Array, nq, d, 3);
    const K = randomMatrix(Float32Array, nk, d, 4);
    const t = timeSync(() => topKSync(Q, K, kk), { minTime, maxTime: opts.quick ? 2 : 6 });
    rows.push({
      case: `topK ${nq} queries x ${nk} keys x ${d} k=${kk} f32`,
      'speclin ms': t.seconds * 1e3,
      'numpy ref ms': peer.topk.seconds * 1e3,
      'x vs ref': peer.topk.seconds / t.seconds,
      'rme %': t.rme,
    });
  }

  return {
    suite: 'loss',
    environment: {
      threads: getThreads(),
      kernels: getKernelPath(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      numpy: `${peer.numpy} (${peer.blas})`,
      'load average at end': os.loadavg()[0].toFixed(2),
    },
    columns: ['speclin ms', 'algorithm', 'numpy ref ms', 'numpy gram ms', 'x vs ref', 'x vs gram', 'gram ms', 'pairwise ms', 'faster', 'rme %'],
    rows,
    targets,
  };
}
