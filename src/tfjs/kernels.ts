// What each path (host: the C++ kernels; webgpu: the WGSL kernels on tfjs's device) provides:
// forward products and the loss with its gradients, as new tensors on the current backend.
// The differentiable ops (spectral-loss.ts, gram.ts, population-loss.ts) are written once on top.
import type * as tf from '@tensorflow/tfjs-core';
import type { Graph } from '../graph.js';
import type { SpectralLossOptions } from '../spectral-loss.js';

export interface LossWithGradients {
  loss: tf.Scalar;
  gradZ: tf.Tensor2D;
  gradW: tf.Tensor2D;
}

export interface TfjsKernels {
  /** The minibatch loss of the pairs (z_i, w_i) and d loss / d z, d loss / d w. */
  spectralLoss(z: tf.Tensor2D, w: tf.Tensor2D, options: SpectralLossOptions): LossWithGradients;
  /** a a^T. */
  gram(a: tf.Tensor2D): tf.Tensor2D;
  /** a b^T. */
  crossGram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D;
  /** a^T b. */
  innerGram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D;
  /** dy * g for the scalar cotangent dy of a loss: the backward pass of the losses. */
  scale(dy: tf.Tensor, g: tf.Tensor): tf.Tensor;
  /** The population loss of an embedding on a graph and its gradient. */
  populationLoss(graph: Graph, e: tf.Tensor2D): { loss: tf.Scalar; grad: tf.Tensor2D };
}
