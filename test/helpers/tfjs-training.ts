// One small encoder trained twice from the same seed on the same batches: once with speclin's
// spectralLoss op, once with tfjs autograd of the reference D(z, w, mu). The loss curves of the
// two runs are what the training tests compare.
import type { ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import { spectralLoss } from '../../src/tfjs/index.js';
import { normal } from './random.js';
import { referenceD } from './tfjs-cases.js';

const inputDim = 8;
const hidden = 16;
const k = 4;
const batch = 32;

/** Seeded float32 data: `count` normal values times `scale`. */
function seeded(count: number, seed: number, scale = 1): Float32Array {
  const g = normal(seed);
  return Float32Array.from({ length: count }, () => g() * scale);
}

/** The two loss curves, step by step (the loss before each step's update). */
export async function trainTwice(steps: number): Promise<{ mine: number[]; reference: number[] }> {
  // 4 clusters of points in 8 dimensions; a positive pair is two noisy views of one point.
  const centers = seeded(4 * inputDim, 1, 2);
  const run = async (loss: (z: tf.Tensor2D, w: tf.Tensor2D) => tf.Scalar) => {
    const w1 = tf.variable(tf.tensor2d(seeded(inputDim * hidden, 2, 1 / Math.sqrt(inputDim)), [inputDim, hidden]));
    const b1 = tf.variable(tf.zeros([hidden]));
    const w2 = tf.variable(tf.tensor2d(seeded(hidden * k, 3, 1 / Math.sqrt(hidden)), [hidden, k]));
    const encode = (x: tf.Tensor2D) => tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2) as tf.Tensor2D;
    const optimizer = tf.train.sgd(0.1);
    const curve: number[] = [];
    for (let s = 0; s < steps; s++) {
      const g = normal(1000 + s);
      const base = new Float32Array(batch * inputDim);
      const v1 = new Float32Array(batch * inputDim);
      const v2 = new Float32Array(batch * inputDim);
      for (let i = 0; i < batch; i++) {
        const c = Math.floor((g() * 1e6) % 4 + 4) % 4;
        for (let j = 0; j < inputDim; j++) base[i * inputDim + j] = centers[c * inputDim + j] + 0.5 * g();
        for (let j = 0; j < inputDim; j++) {
          v1[i * inputDim + j] = base[i * inputDim + j] + 0.2 * g();
          v2[i * inputDim + j] = base[i * inputDim + j] + 0.2 * g();
        }
      }
      const cost = tf.tidy(() => {
        const x1 = tf.tensor2d(v1, [batch, inputDim]);
        const x2 = tf.tensor2d(v2, [batch, inputDim]);
        return optimizer.minimize(() => loss(encode(x1), encode(x2)), true)!;
      });
      curve.push((await cost.data())[0]);
      cost.dispose();
    }
    tf.dispose([w1, b1, w2]);
    optimizer.dispose();
    return curve;
  };
  return {
    mine: await run((z, w) => spectralLoss(z, w, { mu: 1 })),
    reference: await run((z, w) => referenceD(z, w, 1, 'offdiagonal')),
  };
}

/** Both runs start from the same weights and see the same batches; they differ only by the
 * rounding of two float32 computations of the same gradient, which SGD on a smooth loss does not
 * amplify over 200 small steps. Observed gaps are ~1e-6; 1e-3 relative to the loss's range still
 * fails a wrong gradient (a factor 2 or a missing term moves the curve by O(1)). */
export function checkCurves(t: ExecutionContext, { mine, reference }: { mine: number[]; reference: number[] }): void {
  const range = Math.max(...reference) - Math.min(...reference);
  for (let i = 0; i < mine.length; i++) {
    t.true(Math.abs(mine[i] - reference[i]) <= 1e-3 * range, `step ${i}: ${mine[i]} vs ${reference[i]}`);
  }
  t.true(reference[reference.length - 1] < reference[0] - 0.5 * range, 'the model did not train');
}
