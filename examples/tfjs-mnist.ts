// A tf.sequential MLP encoder of MNIST pixels (TensorFlow.js layers) trained with speclin's spectral
// loss, checked against the closed-form optimum. docs/tfjs.md walks through it.
//
//   node --import tsx examples/tfjs-mnist.ts [--backend cpu|wasm|webgpu] [--n 3000] [--steps 600] [--out tfjs-mnist-loss.svg]
//
// The positive pairs are the edges of the demo's augmentation graph (the Gaussian kNN graph of the
// pixels, src/data/knn-graph.ts), drawn with probability proportional to their weight; the same
// graph's top eigenpairs give the optimum of the population loss, which training approaches.
// test/tfjs-mnist-example.test.ts runs this file with few digits and steps and checks the gap.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Graph, closedFormOptimum, populationLossSync } from '../src/index.js';
import { spectralLoss, populationLoss } from '../src/tfjs/index.js';
import { loadMnist, MNIST_PIXELS } from '../src/data/mnist.js';
import { knnGraph } from '../src/data/knn-graph.js';
import { PairSampler } from '../src/train/sampler.js';
import { lineChart } from '../src/report/svg.js';
import { registerTfjsGradients, registerTfjsWebGpu } from './lib/tfjs-node.js';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    n: { type: 'string', default: '3000' },
    k: { type: 'string', default: '8' },
    steps: { type: 'string', default: '600' },
    batch: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.003' },
    seed: { type: 'string', default: '1' },
    every: { type: 'string', default: '100' },
    out: { type: 'string', default: 'tfjs-mnist-loss.svg' },
  },
});
const n = Number(flags.n);
const k = Number(flags.k);
const steps = Number(flags.steps);
const batch = Number(flags.batch);
const hidden = Number(flags.hidden);
const seed = Number(flags.seed);
const every = Number(flags.every);

await registerTfjsGradients();
if (flags.backend === 'webgpu') await registerTfjsWebGpu();
await tf.setBackend(flags.backend!);
await tf.ready();
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

// The data, the augmentation graph and its closed-form optimum (speclin's main entry).
const digits = await loadMnist({ n, seed });
const knn = knnGraph(digits.images, { m: 10 });
const graph = Graph.fromEdges({ n, src: knn.edges.src, dst: knn.edges.dst, weight: knn.edges.weight });
const optimum = await closedFormOptimum(graph, k, { seed });
console.log(`${n} digits, ${knn.edges.src.length} graph entries; optimum ${optimum.loss.toFixed(5)} (top eigenvalues ${Array.from(optimum.eigenvalues.slice(0, 4), (v) => v.toFixed(3)).join(', ')}, ...) [${elapsed()}]`);

// The encoder: 784 -> hidden (tanh) -> k dense layers, seeded Glorot initialization.
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ inputShape: [MNIST_PIXELS], units: hidden, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
    tfl.layers.dense({ units: k, kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
  ],
});
const encode = (x: tf.Tensor2D) => model.apply(x) as tf.Tensor2D;
// What the optimizer updates: the model's own variables (a LayerVariable's read() is its tf.Variable).
const weights = model.trainableWeights.map((v) => v.read() as tf.Variable);
const pixels = tf.tensor2d(digits.images.data, [n, MNIST_PIXELS]);

// Full-batch population loss of the current embedding, on the backend (speclin/tfjs's op).
const population = async () => {
  const l = tf.tidy(() => populationLoss(graph, encode(pixels)));
  const v = (await l.data())[0];
  l.dispose();
  return v;
};
const relativeGap = (loss: number) => (loss - optimum.loss) / Math.abs(optimum.loss);

const sampler = new PairSampler(knn.edges, seed);
const optimizer = tf.train.adam(Number(flags.lr));
const minibatch: [number, number][] = [];
const populationCurve: [number, number][] = [[0, await population()]];
console.log(`step 0: population loss ${populationCurve[0][1].toFixed(5)}, relative gap ${(100 * relativeGap(populationCurve[0][1])).toFixed(2)}% [${elapsed()}]`);
for (let step = 1; step <= steps; step++) {
  const { anchors, positives } = sampler.pairs(batch);
  const cost = tf.tidy(() =>
    optimizer.minimize(
      () => {
        const z = encode(tf.gather(pixels, tf.tensor1d(anchors, 'int32')) as tf.Tensor2D);
        const w = encode(tf.gather(pixels, tf.tensor1d(positives, 'int32')) as tf.Tensor2D);
        // Pairs (z_i, w_i); the other rows of the batch are the negatives: an unbiased estimate of
        // the population loss, with no clipping (mu omitted).
        return spectralLoss(z, w);
      },
      true,
      weights,
    )!,
  );
  // Read for the curve; the step itself reads nothing back (on webgpu a test counts it).
  minibatch.push([step, (await cost.data())[0]]);
  cost.dispose();
  if (step % every === 0 || step === steps) {
    populationCurve.push([step, await population()]);
    console.log(`step ${step}: minibatch loss ${minibatch[step - 1][1].toFixed(4)}, population loss ${populationCurve.at(-1)![1].toFixed(5)} [${elapsed()}]`);
  }
}

// The check: the learned embedding's population loss, in float64 by speclin's CPU kernel, against
// the closed-form optimum (the minimum over every n x k embedding: the gap is never negative).
const embedding = tf.tidy(() => encode(pixels));
const E = { data: (await embedding.data()) as Float32Array, rows: n, cols: k };
const final = populationLossSync(graph, E).loss;
console.log(`final population loss ${final.toFixed(5)}, optimum ${optimum.loss.toFixed(5)}, relative gap ${(100 * relativeGap(final)).toFixed(2)}% [${elapsed()}, backend ${tf.getBackend()}]`);

writeFileSync(
  flags.out!,
  lineChart({
    series: [
      { name: 'minibatch loss', points: minibatch, color: '#9ecae1', width: 1 },
      { name: 'population loss', points: populationCurve, color: '#1f77b4', width: 2 },
      { name: 'closed-form optimum', points: [[0, optimum.loss], [steps, optimum.loss]], color: '#d62728', dashed: true },
    ],
    xLabel: 'step',
    yLabel: 'loss',
  }),
);
console.log(`loss curve: ${flags.out}`);
tf.dispose([embedding, pixels]);
model.dispose();
optimizer.dispose();
if (flags.backend === 'webgpu') (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
