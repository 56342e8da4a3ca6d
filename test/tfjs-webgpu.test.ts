// speclin/tfjs on tfjs-backend-webgpu (on CI: Mesa's lavapipe): the WGSL kernels on tfjs's own
// device, reading its buffers. The cases of helpers/tfjs-cases.ts, a training step that maps no
// buffer for reading, the device left alive by a speclin backend that did not open it, and the
// backend-mismatch error. One device per process (Dawn polls on the main thread until it is
// destroyed): this file is the only one that opens tfjs's, and destroys it at the end.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { registerTfjsGradients, registerTfjsWebGpu } from '../examples/lib/tfjs-node.js';
import { createWebGpuBackend, type GpuMatrix } from '../src/gpu/backend.js';
import { SpeclinError } from '../src/errors.js';
import { crossGram, gram, innerGram, spectralLoss } from '../src/tfjs/index.js';
import { registerTfjsCases, rows } from './helpers/tfjs-cases.js';
import { checkCurves, trainTwice } from './helpers/tfjs-training.js';
import { missing, skipFileFor } from './helpers/requirements.js';

await registerTfjsGradients();

const absent = missing('webgpu');
if (absent !== undefined) {
  skipFileFor('webgpu', absent, 'the tfjs webgpu tests');
} else {
  await registerTfjsWebGpu();
  const use = async () => {
    if (tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
    await tf.ready();
  };
  await use();
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  test.after.always(() => device.destroy());

  // Small dimensions: lavapipe runs the kernels on the CPU.
  registerTfjsCases(test, 'webgpu', use, { B: 48, k: 12 });

  test.serial("webgpu: 200 training steps with speclin's op follow the same model trained with tfjs autograd", async (t) => {
    await use();
    checkCurves(t, await trainTwice(200));
  });

  test.serial('webgpu: a training step maps no buffer for reading (tfjs-core variables, and a tf.sequential model)', async (t) => {
    await use();
    let reads = 0;
    const proto = GPUBuffer.prototype as GPUBuffer & { mapAsync: GPUBuffer['mapAsync'] };
    const mapAsync = proto.mapAsync;
    proto.mapAsync = function (this: GPUBuffer, mode: number, ...rest: unknown[]) {
      if (mode & GPUMapMode.READ) reads++;
      return (mapAsync as (...a: unknown[]) => Promise<undefined>).call(this, mode, ...rest);
    } as GPUBuffer['mapAsync'];
    try {
      const w1 = tf.variable(rows(8, 16, 1));
      const w2 = tf.variable(rows(16, 8, 2));
      const x1 = rows(32, 8, 3);
      const x2 = tf.tidy(() => tf.add(x1, tf.mul(rows(32, 8, 4), 0.1))) as tf.Tensor2D;
      const encode = (x: tf.Tensor2D) => tf.matMul(tf.tanh(tf.matMul(x, w1)), w2) as tf.Tensor2D;
      const optimizer = tf.train.sgd(0.05);
      const loss = () => spectralLoss(encode(x1), encode(x2), { mu: 1 });
      const before = (await tf.tidy(loss).data())[0];
      reads = 0;
      for (let i = 0; i < 3; i++) tf.tidy(() => { optimizer.minimize(loss); });
      t.is(reads, 0, 'a training step read a buffer back');
      // The steps did train (one read, after counting).
      const after = (await tf.tidy(loss).data())[0];
      t.true(after < before, `loss ${before} -> ${after}`);
      tf.dispose([w1, w2, x1, x2]);
      optimizer.dispose();
      // The same with a tf.sequential model (tfjs-layers, as in examples/tfjs-mnist.ts) and Adam
      // over model.trainableWeights: layers add no readback either.
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ inputShape: [8], units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
          tfl.layers.dense({ units: 8, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
        ],
      });
      const weights = model.trainableWeights.map((v) => v.read() as tf.Variable);
      const adam = tf.train.adam(0.01);
      const y1 = rows(32, 8, 5);
      const y2 = tf.tidy(() => tf.add(y1, tf.mul(rows(32, 8, 6), 0.1))) as tf.Tensor2D;
      const layersLoss = () => spectralLoss(model.apply(y1) as tf.Tensor2D, model.apply(y2) as tf.Tensor2D);
      const start = (await tf.tidy(layersLoss).data())[0];
      reads = 0;
      for (let i = 0; i < 3; i++) tf.tidy(() => { adam.minimize(layersLoss, false, weights); });
      t.is(reads, 0, 'a tf.sequential training step read a buffer back');
      const end = (await tf.tidy(layersLoss).data())[0];
      t.true(end < start, `tf.sequential loss ${start} -> ${end}`);
      tf.dispose([y1, y2]);
      model.dispose();
      adam.dispose();
    } finally {
      proto.mapAsync = mapAsync;
    }
  });

  test.serial('webgpu: results are written into buffers tfjs allocated, not copied, where the column count is a multiple of 4', async (t) => {
    await use();
    // Device-side copies between storage buffers: uploads from the CPU (through MAP_WRITE staging
    // buffers) and the test's own reads (into MAP_READ ones) are not counted.
    const proto = GPUCommandEncoder.prototype as GPUCommandEncoder;
    const copy = proto.copyBufferToBuffer;
    let copies: GPUBuffer[] = [];
    proto.copyBufferToBuffer = function (this: GPUCommandEncoder, source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, ...rest: unknown[]) {
      if ((source.usage & GPUBufferUsage.MAP_WRITE) === 0 && (destination.usage & GPUBufferUsage.MAP_READ) === 0) copies.push(source);
      return (copy as (...a: unknown[]) => undefined).call(this, source, sourceOffset, destination, ...rest);
    } as GPUCommandEncoder['copyBufferToBuffer'];
    const count = async (f: () => tf.Tensor[]) => {
      copies = [];
      const out = f();
      for (const o of out) await o.data();
      const n = copies.length;
      tf.dispose(out);
      return n;
    };
    try {
      const z = rows(24, 8, 1);
      const w = rows(24, 8, 2);
      const grads = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => spectralLoss(a as tf.Tensor2D, b as tf.Tensor2D, { mu: 1 }))([z, w]);
      // The loss's partial sums (a few hundred bytes) are the one copy: tfjs reduces them into
      // the scalar. Both gradients, B x k each, are written in place.
      t.is(await count(grads), 1, 'spectralLoss forward and backward');
      t.is(await count(() => [gram(z), crossGram(z, w), innerGram(z, w)]), 0, 'the Gram products');
      // 6 columns: speclin's kernels read rows padded to 8 floats, tfjs's tensors are dense, so
      // each result is written padded and copied (then sliced) into the tensor.
      const z6 = rows(24, 6, 3);
      t.is(await count(() => [crossGram(z6, z6)]), 0, 'a 24 x 24 result of 6-column inputs');
      t.is(await count(() => [innerGram(z6, z6)]), 1, 'a 6 x 6 result');
      tf.dispose([z, w, z6]);
    } finally {
      proto.copyBufferToBuffer = copy;
    }
  });

  test.serial('webgpu: createWebGpuBackend({ device }) runs on tfjs\'s device and leaves it alive when disposed', async (t) => {
    await use();
    const speclin = await createWebGpuBackend({ device });
    const Z = { data: Float32Array.from({ length: 12 }, (_, i) => i / 7), rows: 3, cols: 4 };
    const G = (await speclin.gram(Z)) as { data: Float32Array };
    t.true(Math.abs(G.data[1] - (0 * 4 + 1 * 5 + 2 * 6 + 3 * 7) / 49) < 1e-6);
    speclin.dispose();
    // tfjs still computes on the device.
    t.deepEqual(Array.from(await tf.matMul(tf.eye(2), tf.ones([2, 2])).data()), [1, 1, 1, 1]);
  });

  test.serial('webgpu: WebGpuBackend.wrap reads an external buffer in place, frees nothing, and checks its layout', async (t) => {
    await use();
    const speclin = await createWebGpuBackend({ device });
    // 3 x 5 float32 with rows padded to 8 floats (cols rounded up to 4), as the kernels read them.
    const stride = 8;
    const host = new Float32Array(3 * stride);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) host[i * stride + j] = i + 0.25 * j;
    const buffer = device.createBuffer({ size: host.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    device.queue.writeBuffer(buffer, 0, host);
    try {
      const Z = speclin.wrap(buffer, { rows: 3, cols: 5 });
      const G = await speclin.download((await speclin.gram(Z)) as GpuMatrix);
      // Exact: small sums of multiples of 1/16.
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let want = 0;
          for (let c = 0; c < 5; c++) want += host[i * stride + c] * host[j * stride + c];
          t.is(G.data[i * 3 + j], want);
        }
      }
      Z.destroy();
      // The buffer is still the caller's: it can be wrapped and read again.
      const again = await speclin.download(speclin.wrap(buffer, { rows: 3, cols: 5, stride: 8 }));
      t.is(again.data[2 * 5 + 4], 2 + 0.25 * 4);
      t.throws(() => speclin.wrap(buffer, { rows: 3, cols: 5, stride: 5 }), { instanceOf: RangeError, message: /stride: .* rows of 8 floats/ });
      t.throws(() => speclin.wrap(buffer, { rows: 4, cols: 5 }), { instanceOf: RangeError, message: /needs 128 bytes, the buffer has 96/ });
      t.throws(() => speclin.wrap(buffer, { rows: 0, cols: 5 }), { instanceOf: RangeError, message: /rows/ });
      t.throws(() => speclin.wrap({} as GPUBuffer, { rows: 1, cols: 1 }), { instanceOf: TypeError, message: /buffer: expected a GPUBuffer/ });
      const uniform = device.createBuffer({ size: 96, usage: GPUBufferUsage.UNIFORM });
      t.throws(() => speclin.wrap(uniform, { rows: 3, cols: 5 }), { instanceOf: RangeError, message: /STORAGE/ });
      uniform.destroy();
    } finally {
      speclin.dispose();
      buffer.destroy();
    }
  });

  test.serial('webgpu: a second tfjs-backend-webgpu on another device computes there, and refuses the first one\'s tensors', async (t) => {
    // tfjs-backend-webgpu's WebGPUBackend on a device of its own, under another name: speclin
    // takes the webgpu path by what the backend is, and a tensor of the first device is refused
    // (tfjs would otherwise move it through the CPU).
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const adapter = await navigator.gpu.requestAdapter();
    const second = await adapter!.requestDevice();
    tf.registerBackend('webgpu-second', () => new WebGPUBackend(second));
    // tfjs registers kernels per backend name: the second one gets the webgpu kernels.
    const kernels = tf.getKernelsForBackend('webgpu').map((k) => ({ ...k, backendName: 'webgpu-second' }));
    for (const k of kernels) tf.registerKernel(k);
    try {
      await use();
      const z = rows(16, 8, 1, [0.5, 1.5]);
      const w = rows(16, 8, 2, [0.5, 1.5]);
      const here = (await spectralLoss(z, w, { mu: 1 }).data())[0];
      t.true(await tf.setBackend('webgpu-second'));
      t.throws(() => spectralLoss(z, w), { instanceOf: SpeclinError, message: /z lives on the 'webgpu' backend but the current backend is 'webgpu-second'/ });
      // The same values created on the second device: the same kernels, the same loss, bit for bit.
      const z2 = rows(16, 8, 1, [0.5, 1.5]);
      const w2 = rows(16, 8, 2, [0.5, 1.5]);
      const there = spectralLoss(z2, w2, { mu: 1 });
      const buffer = (tf.backend() as unknown as { tensorMap: { get(id: object): { resource: unknown } } }).tensorMap.get(there.dataId).resource;
      t.true(buffer instanceof GPUBuffer, 'the loss lives in a GPU buffer of the second backend');
      t.is((await there.data())[0], here);
      tf.dispose([z2, w2, there]);
      await use();
      tf.dispose([z, w]);
    } finally {
      for (const k of kernels) tf.unregisterKernel(k.kernelName, k.backendName);
      tf.removeBackend('webgpu-second');
      second.destroy();
    }
  });

  test.serial('webgpu: a tensor of the cpu backend is refused before any kernel runs', async (t) => {
    await tf.setBackend('cpu');
    const z = rows(8, 4, 1);
    await use();
    const w = rows(8, 4, 2);
    t.throws(() => spectralLoss(z, w), { instanceOf: SpeclinError, message: /z lives on the 'cpu' backend but the current backend is 'webgpu'/ });
    tf.dispose([w]);
  });
}
