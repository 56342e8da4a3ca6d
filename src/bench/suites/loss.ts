// spectralLoss (loss and both gradients, float32, mu = 1, off-diagonal negatives) against two
// NumPy formulations measured in the same run: the reference one (S = Z W^T, as the reference
// PyTorch code computes the loss, with the backward pass written out) and the Gram one (Z^T Z,
// W^T W), each the better of NumPy's default threads and one thread (speclin likewise takes the
// better of its default threads and one). Also the gram/pairwise crossover that 'auto' uses (not
// in quick runs), and exact topK against NumPy's matmul + argpartition.
// Both sides are compared by their mean call (benchmark.js on speclin's side).
// Flops: the gram algorithm 2 B k (k + 1) for the two Gram matrices and 4 B k^2 for the gradient
// products; the pairwise one 6 B^2 k (S and the two gradient products). Traffic: Z and W read,
// both gradients written.
import { getThreads, setThreads } from '../../runtime.js';
import { gaussian, randomMatrix } from '../../random.js';
import { spectralLossSync } from '../../spectral-loss.js';
import { topKSync } from '../../topk.js';
import type { Matrix } from '../../types.js';
import { timeSync, runPeer, type BenchCase, type Suite, type SuiteOptions, type SuiteResult } from '../harness.js';

interface PeerRow {
  B: number;
  k: number;
  reference_s: number;
  gram_s: number;
  gram_variant: string;
  reference_threads: string;
  gram_threads: string;
}
interface PeerAnswer {
  numpy: string;
  blas: string;
  rows: PeerRow[];
  topk: { seconds: number } | null;
}

/** The better of the pool's default thread count and one thread, as the peer is the better of
 * NumPy's default threads and one: on shared cores either side's threads can stall. Quick runs
 * time the default threads only, on both sides. */
function timeBest(fn: () => void, options: { minTime: number; maxTime: number; oneThreadToo: boolean }) {
  const before = getThreads();
  const all = timeSync(fn, options);
  if (!options.oneThreadToo) return { ...all, threads: 'default' };
  setThreads(1);
  try {
    const one = timeSync(fn, options);
    return one.seconds < all.seconds ? { ...one, threads: '1' } : { ...all, threads: 'default' };
  } finally {
    setThreads(before);
  }
}

const MU = 1;
const F32 = 4;

/** Pairs drawn like the peer's: w_i correlated with z_i, row norms uniform in [0.5, 1.5], so
 * mu = 1 clips about half of the rows. */
function pairs(B: number, k: number, seed: number): { Z: Matrix<Float32Array>; W: Matrix<Float32Array> } {
  const Z = randomMatrix(Float32Array, B, k, seed);
  const W = randomMatrix(Float32Array, B, k, seed + 1);
  const u = gaussian(seed + 2);
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

function lossFlops(B: number, k: number, algorithm: string): number {
  return algorithm === 'gram' ? 2 * B * k * (k + 1) + 4 * B * k * k : 6 * B * B * k;
}

async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const minTime = opts.quick ? 0.05 : 0.5;
  const maxTime = opts.quick ? 0.3 : 4;
  const oneThreadToo = !opts.quick;
  const shapes: [number, number][] = opts.quick ? [[512, 128], [1024, 128]] : [[512, 128], [4096, 128], [4096, 512], [1024, 2048]];
  const topkShape: [number, number, number, number] = opts.quick ? [100, 20_000, 64, 10] : [1000, 100_000, 64, 10];
  let peer: PeerAnswer | undefined;
  if (opts.peers.has('numpy')) {
    opts.log('loss: timing the NumPy peers...');
    peer = runPeer<PeerAnswer>('loss', { shapes, mu: MU, seed: 1, min_time: minTime, min_calls: opts.quick ? 2 : 5, one_thread_too: oneThreadToo, topk: topkShape });
  }
  const cases: BenchCase[] = [];
  const targets: NonNullable<SuiteResult['targets']> = [];
  const gramDetail: string[] = [];
  let allGram = true;
  for (const [B, k] of shapes) {
    opts.log(`loss: ${B} x ${k}`);
    const { Z, W } = pairs(B, k, 7);
    const algorithm = spectralLossSync(Z, W, { mu: MU }).algorithm;
    const ours = timeBest(() => spectralLossSync(Z, W, { mu: MU }), { minTime, maxTime, oneThreadToo });
    const p = peer?.rows.find((x) => x.B === B && x.k === k);
    cases.push({
      id: `spectralLoss/B=${B}/k=${k}`,
      kernel: 'spectralLoss',
      label: `spectralLoss B=${B} k=${k} (${algorithm})`,
      dtype: 'float32',
      flops: lossFlops(B, k, algorithm),
      readBytes: 2 * B * k * F32,
      writeBytes: 2 * B * k * F32,
      speclin: { seconds: ours.seconds },
      peers: p ? { 'numpy reference': { seconds: p.reference_s }, 'numpy gram': { seconds: p.gram_s } } : {},
      metrics: {
        algorithm,
        'speclin threads': ours.threads,
        'rme %': ours.rme,
        ...(p ? { 'numpy threads (reference/gram)': `${p.reference_threads}/${p.gram_threads}` } : {}),
      },
    });
    // The same call writing into gradients it reuses (options.out), as a training loop would:
    // no new result arrays, so no page faults when V8 hands their memory back between calls.
    const out = { gradZ: { data: new Float32Array(B * k), rows: B, cols: k }, gradW: { data: new Float32Array(B * k), rows: B, cols: k } };
    const reused = timeBest(() => spectralLossSync(Z, W, { mu: MU, out }), { minTime, maxTime, oneThreadToo });
    cases.push({
      id: `spectralLoss/B=${B}/k=${k}/out`,
      kernel: 'spectralLoss',
      label: `spectralLoss B=${B} k=${k} (${algorithm}, options.out)`,
      dtype: 'float32',
      flops: lossFlops(B, k, algorithm),
      readBytes: 2 * B * k * F32,
      writeBytes: 2 * B * k * F32,
      speclin: { seconds: reused.seconds },
      peers: p ? { 'numpy gram': { seconds: p.gram_s } } : {},
      metrics: { algorithm, 'speclin threads': reused.threads, 'rme %': reused.rme },
    });
    if (p) {
      const vsRef = p.reference_s / ours.seconds;
      const vsGram = p.gram_s / ours.seconds;
      if (B === 4096 && k === 128)
        targets.push({
          name: '>= 10x faster than the NumPy reference formulation at (4096, 128)',
          met: vsRef >= 10,
          detail: `${vsRef.toFixed(1)}x (${(ours.seconds * 1e3).toFixed(1)} ms vs ${(p.reference_s * 1e3).toFixed(1)} ms)`,
        });
      // Issue 13: 2x at (4096, 128) and (4096, 512), 1.2x elsewhere.
      const goal = B === 4096 && (k === 128 || k === 512) ? 2 : 1.2;
      allGram &&= vsGram >= goal;
      gramDetail.push(`(${B}, ${k}): ${vsGram.toFixed(2)}x (goal ${goal}x; ${(p.gram_s / reused.seconds).toFixed(2)}x with options.out)`);
    }
  }
  if (peer) targets.push({ name: ">= 2x faster than NumPy's Gram formulation at (4096, 128) and (4096, 512), >= 1.2x on the other shapes", met: allGram, detail: gramDetail.join(', ') });

  if (!opts.quick) {
    // The crossover of 'auto': both algorithms at k = 256 over B / k from 1/4 to 2.
    const k = 256;
    for (const B of [64, 128, 192, 256, 384, 512]) {
      const { Z, W } = pairs(B, k, 11);
      const g = timeSync(() => spectralLossSync(Z, W, { mu: MU, algorithm: 'gram' }), { minTime: minTime / 2, maxTime: 2 });
      const q = timeSync(() => spectralLossSync(Z, W, { mu: MU, algorithm: 'pairwise' }), { minTime: minTime / 2, maxTime: 2 });
      const chosen = spectralLossSync(Z, W, { mu: MU }).algorithm;
      for (const [algorithm, t] of [['gram', g], ['pairwise', q]] as const)
        cases.push({
          id: `crossover/${algorithm}/B=${B}/k=${k}`,
          kernel: `spectralLoss ${algorithm}`,
          label: `crossover B=${B} k=${k}: ${algorithm}${chosen === algorithm ? " ('auto' picks it)" : ''}`,
          dtype: 'float32',
          flops: lossFlops(B, k, algorithm),
          readBytes: 2 * B * k * F32,
          writeBytes: 2 * B * k * F32,
          speclin: { seconds: t.seconds },
          peers: {},
          metrics: { faster: g.seconds <= q.seconds ? 'gram' : 'pairwise', auto: chosen },
        });
    }
  }

  const [nq, nk, d, kk] = topkShape;
  opts.log(`topK: ${nq} x ${nk} x ${d}`);
  const Q = randomMatrix(Float32Array, nq, d, 3);
  const K = randomMatrix(Float32Array, nk, d, 4);
  const t = timeBest(() => topKSync(Q, K, kk), { minTime, maxTime, oneThreadToo });
  cases.push({
    id: `topK/q=${nq}/n=${nk}/d=${d}/k=${kk}`,
    kernel: 'topK',
    label: `topK ${nq} queries × ${nk} keys × ${d}, k=${kk}`,
    dtype: 'float32',
    flops: 2 * nq * nk * d,
    readBytes: (nq + nk) * d * F32,
    writeBytes: nq * kk * 8,
    speclin: { seconds: t.seconds },
    peers: peer?.topk ? { 'numpy matmul+argpartition': { seconds: peer.topk.seconds } } : {},
    metrics: { 'speclin threads': t.threads, 'rme %': t.rme },
  });

  return {
    suite: 'loss',
    environment: {
      ...(peer ? { peer: `NumPy ${peer.numpy} (${peer.blas})` } : {}),
      timing: `mean call (benchmark.js on speclin's side, >= ${minTime} s), ${oneThreadToo ? 'each side the better of its default threads and one' : 'default threads'}`,
    },
    cases,
    targets,
  };
}

export const loss: Suite = { name: 'loss', summary: 'the spectral contrastive loss with gradients, and topK, against NumPy', peers: ['numpy'], run };
