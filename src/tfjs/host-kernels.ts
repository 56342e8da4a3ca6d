// The host path (tfjs-backend-cpu, -wasm, tfjs-node): dataSync gives the backend's float32 values
// (on cpu the backend's own array, no copy), speclin's Sync kernel reads them in place, and the
// result's Float32Array becomes the new tensor's storage (tf.tensor keeps a Float32Array as is on
// cpu; wasm copies it into its heap, which it must).
import * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from '../types.js';
import { spectralLossSync } from '../spectral-loss.js';
import { crossGramSync, gramSync, innerGramSync } from '../gram.js';
import { populationLossSync } from '../population-loss.js';
import type { TfjsKernels } from './kernels.js';

function read(t: tf.Tensor2D): Matrix<Float32Array> {
  return { data: t.dataSync() as Float32Array, rows: t.shape[0], cols: t.shape[1] };
}

function tensor(m: Matrix<Float32Array>): tf.Tensor2D {
  return tf.tensor2d(m.data, [m.rows, m.cols], 'float32');
}

export const hostKernels: TfjsKernels = {
  spectralLoss(z, w, options) {
    const r = spectralLossSync(read(z), read(w), options);
    return { loss: tf.scalar(r.loss, 'float32'), gradZ: tensor(r.gradZ), gradW: tensor(r.gradW) };
  },
  gram(a) {
    return tensor(gramSync(read(a)));
  },
  crossGram(a, b) {
    return tensor(crossGramSync(read(a), read(b)));
  },
  innerGram(a, b) {
    // The same tensor twice: pass the same Matrix, so that the kernel computes one triangle.
    const ma = read(a);
    return tensor(innerGramSync(ma, a === b ? ma : read(b)));
  },
  scale(dy, g) {
    // Reading the scalar dy is free here, and it is 1 under minimize, grads and variableGrads of
    // the loss itself: the saved gradient is then the answer (a clone shares its storage).
    // tf.mul broadcasting a scalar over B x k costs more on tfjs-backend-cpu than the loss kernel.
    const s = (dy.dataSync() as Float32Array)[0];
    if (s === 1) return tf.clone(g);
    const v = g.dataSync() as Float32Array;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] * s;
    return tf.tensor(out, g.shape, 'float32');
  },
  populationLoss(graph, e) {
    const r = populationLossSync(graph, read(e));
    return { loss: tf.scalar(r.loss, 'float32'), grad: tensor(r.grad) };
  },
};
