// `npm run bench -- tfjs`: one training step's loss and gradients (forward and backward) inside
// TensorFlow.js, speclin/tfjs's spectralLoss against tfjs autograd of the reference formula
// (HaoChen et al.'s D(z, w, mu), test/helpers/tfjs-cases.ts), at (B, k) = (4096, 128) and
// (1024, 512), mu = 1, on tfjs-backend-cpu, -wasm and -webgpu, all in this run.
//
// A step is tf.grads of the loss with respect to z and w; on webgpu it ends by reading both
// gradients (the only way to wait for the device), on both sides alike. Peak memory is tfjs's own
// count (tf.profile's peakBytes): it includes speclin's result tensors but not the temporaries
// speclin allocates outside tfjs (the C++ kernel's k x k Gram matrices; on the GPU the clipped
// copies, the k x k Grams and the partial sums, a few B x k buffers).
//
// SPECLIN_TFJS_BACKENDS=webgpu (a comma list) limits the backends: bench/gpu-device.sh runs only
// webgpu on a real GPU. The reference takes tens of seconds per step on cpu at (4096, 128), so it
// runs once (twice without --quick) after no warm-up, under tf.profile for its peak memory;
// speclin's op runs 5 times after one warm-up (the best is kept), then once under tf.profile.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { spectralLoss } from '../src/tfjs/index.js';
import { referenceD, rows } from '../test/helpers/tfjs-cases.js';
import { registerTfjsGradients, registerTfjsWebGpu } from '../examples/lib/tfjs-node.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';

const SHAPES: [number, number][] = [[4096, 128], [1024, 512]];
const MU = 1;

type Loss = (z: tf.Tensor2D, w: tf.Tensor2D) => tf.Scalar;

/** One forward and backward step; resolves when the gradients exist (webgpu: are readable). */
async function step(loss: Loss, z: tf.Tensor2D, w: tf.Tensor2D, gpu: boolean): Promise<void> {
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor2D, b as tf.Tensor2D))([z, w]);
  if (gpu) await Promise.all(grads.map((g) => g.data()));
  tf.dispose(grads);
}

async function seconds(fn: () => Promise<void>, reps: number, warmup: boolean): Promise<number> {
  if (warmup) await fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

async function peakBytes(fn: () => Promise<void>): Promise<number> {
  const info = await tf.profile(fn);
  return info.peakBytes;
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  await registerTfjsGradients();
  const wanted = (process.env.SPECLIN_TFJS_BACKENDS ?? 'cpu,wasm,webgpu').split(',').map((s) => s.trim());
  const rowsOut: Row[] = [];
  const targets: NonNullable<SuiteResult['targets']> = [];
  const environment: Record<string, string | number> = {
    cpus: os.cpus().length,
    'load average at start': os.loadavg().map((v) => v.toFixed(2)).join(' '),
    tfjs: tf.version_core,
  };
  let webgpuDevice: GPUDevice | undefined;
  for (const backend of wanted) {
    if (backend === 'webgpu') {
      try {
        await registerTfjsWebGpu();
        if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend(webgpu) failed');
      } catch (err) {
        opts.log(`tfjs: no webgpu backend (${(err as Error).message}); skipped`);
        environment.webgpu = `not measured: ${(err as Error).message}`;
        continue;
      }
      webgpuDevice = (tf.backend() as unknown as { device: GPUDevice }).device;
      const info = (webgpuDevice as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
      environment.webgpu = info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'unknown adapter';
    } else {
      await tf.setBackend(backend);
    }
    await tf.ready();
    const gpu = backend === 'webgpu';
    for (const [B, k] of SHAPES) {
      opts.log(`tfjs: ${backend} (${B}, ${k})`);
      // Rows of norm 0.5 .. 1.5: mu = 1 clips half of them.
      const z = rows(B, k, 11, [0.5, 1.5]);
      const w = rows(B, k, 12, [0.5, 1.5]);
      const ours: Loss = (a, b) => spectralLoss(a, b, { mu: MU });
      const reference: Loss = (a, b) => referenceD(a, b, MU, 'offdiagonal');
      const speclinSeconds = await seconds(() => step(ours, z, w, gpu), 5, true);
      const speclinPeak = await peakBytes(() => step(ours, z, w, gpu));
      opts.log(`tfjs: ${backend} (${B}, ${k}): speclin ${(speclinSeconds * 1e3).toFixed(1)} ms; timing the reference...`);
      // The reference's runs are both timed and profiled: each takes seconds to minutes, next to
      // which the profiler's bookkeeping per kernel is small.
      let referenceSeconds = Infinity;
      let referencePeak = 0;
      for (let i = 0; i < (opts.quick ? 1 : 2); i++) {
        const t0 = performance.now();
        referencePeak = Math.max(referencePeak, await peakBytes(() => step(reference, z, w, gpu)));
        referenceSeconds = Math.min(referenceSeconds, (performance.now() - t0) / 1000);
      }
      tf.dispose([z, w]);
      const speedup = referenceSeconds / speclinSeconds;
      opts.log(`tfjs: ${backend} (${B}, ${k}): tfjs autograd ${(referenceSeconds * 1e3).toFixed(1)} ms, ${speedup.toFixed(1)}x; peak ${(speclinPeak / 2 ** 20).toFixed(1)} vs ${(referencePeak / 2 ** 20).toFixed(1)} MB; load ${os.loadavg()[0].toFixed(1)}`);
      rowsOut.push({
        case: `${backend} (${B}, ${k})`,
        'speclin ms': speclinSeconds * 1e3,
        'tfjs autograd ms': referenceSeconds * 1e3,
        'x tfjs': speedup,
        'speclin peak MB': speclinPeak / 2 ** 20,
        'tfjs peak MB': referencePeak / 2 ** 20,
      });
      const goal = gpu ? 3 : 20;
      targets.push({
        name: `${backend} (${B}, ${k}): at least ${goal}x tfjs autograd${gpu ? ' (on a GPU; lavapipe runs on the CPU and is not GPU speed)' : ''}`,
        met: speedup >= goal,
        detail: `${speedup.toFixed(1)}x`,
      });
    }
  }
  environment['load average at end'] = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  // Dawn polls on the main thread until the device is destroyed.
  webgpuDevice?.destroy();
  return {
    suite: 'tfjs',
    environment,
    columns: ['speclin ms', 'tfjs autograd ms', 'x tfjs', 'speclin peak MB', 'tfjs peak MB'],
    rows: rowsOut,
    targets,
  };
}
