// `npm run bench -- torch`: forward + backward of the spectral contrastive loss (float32, mu = 1,
// off-diagonal negatives) in PyTorch, measured in one Python process (bench/peers/torch_loss.py, not torch.py: that name would shadow torch itself) so the
// comparison is like for like: speclin.torch.SpectralLoss (libspeclin through ctypes) against torch
// autograd of the reference D(z1, z2, mu) (a B x B matrix) and of torch's own O(B k^2) Gram form of
// the same loss. Needs a python3 with torch (python3 on PATH, else /usr/bin/python3).
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { runPeer, type Row, type SuiteOptions, type SuiteResult } from './lib/harness.js';

interface PeerRow { B: number; k: number; speclin_s: number; reference_s: number; gram_s: number; loss_rel_diff: number; grad_rel_diff: number }
interface PeerAnswer { torch: string; numpy: string; torch_threads: number; speclin_threads: number; rows: PeerRow[] }

const SHAPES: [number, number][] = [[4096, 128], [4096, 512], [1024, 2048]];

function pythonWithTorch(): string {
  for (const cmd of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(cmd, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return cmd;
  }
  throw new Error('bench torch: no python3 with torch and numpy (python3 on PATH, /usr/bin/python3); on Debian: apt-get install python3-torch');
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const python = pythonWithTorch();
  opts.log(`torch: timing speclin.torch, the reference D() and the Gram form with ${python}...`);
  const peer = runPeer<PeerAnswer>('torch_loss', { shapes: SHAPES, mu: 1, seed: 1, min_time: opts.quick ? 0.3 : 1.5 }, python);
  const rows: Row[] = [];
  const ref: string[] = [];
  const gram: string[] = [];
  let refMet = true;
  let gramMet = true;
  for (const p of peer.rows) {
    const vsRef = p.reference_s / p.speclin_s;
    const vsGram = p.gram_s / p.speclin_s;
    refMet &&= vsRef >= 10;
    gramMet &&= vsGram >= 1.5;
    ref.push(`(${p.B}, ${p.k}): ${vsRef.toFixed(1)}x`);
    gram.push(`(${p.B}, ${p.k}): ${vsGram.toFixed(2)}x`);
    rows.push({
      case: `forward+backward B=${p.B} k=${p.k} f32 mu=1`,
      'speclin ms': p.speclin_s * 1e3,
      'torch ref D() ms': p.reference_s * 1e3,
      'torch gram ms': p.gram_s * 1e3,
      'x vs ref': vsRef,
      'x vs gram': vsGram,
      'loss rel diff': p.loss_rel_diff,
      'grad rel diff': p.grad_rel_diff,
    });
  }
  return {
    suite: 'torch',
    environment: {
      python,
      torch: `${peer.torch} (${peer.torch_threads} threads)`,
      numpy: peer.numpy,
      'speclin threads': peer.speclin_threads,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      'load average at end': os.loadavg()[0].toFixed(2),
    },
    columns: ['speclin ms', 'torch ref D() ms', 'torch gram ms', 'x vs ref', 'x vs gram', 'loss rel diff', 'grad rel diff'],
    rows,
    targets: [
      { name: '>= 10x faster than torch autograd of the reference D() on every shape', met: refMet, detail: ref.join(', ') },
      { name: ">= 1.5x faster than torch autograd of the Gram form on every shape", met: gramMet, detail: gram.join(', ') },
    ],
  };
}
