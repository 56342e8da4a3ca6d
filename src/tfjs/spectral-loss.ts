// spectralLoss as a differentiable tfjs op: the forward pass computes the loss and both gradients
// in one kernel call, keeps the gradients, and the backward pass only scales them by dy.
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralLossOptions } from '../spectral-loss.js';
import { checkLossOptions } from '../gpu/spectral-loss.js';
import type { GpuMatrix } from '../gpu/matrix.js';
import { checkTensor2D } from './tensors.js';
import { kernelsFor } from './dispatch.js';

export type { SpectralLossOptions } from '../spectral-loss.js';

/** The spectral contrastive loss of the B positive pairs (row i of z, row i of w), both B x k
 * float32, as a scalar tensor differentiable in z and w. Options as in speclin's spectralLoss:
 * `mu` (clip rows to norm sqrt(mu), divide by mu; omitted: neither), `negatives`
 * ('offdiagonal' default, or 'all'), `algorithm` ('auto', 'gram', 'pairwise'). */
export function spectralLoss(z: tf.Tensor2D, w: tf.Tensor2D, options: SpectralLossOptions = {}): tf.Scalar {
  const Z = checkTensor2D('spectralLoss', 'z', z);
  const W = checkTensor2D('spectralLoss', 'w', w);
  if (W.shape[0] !== Z.shape[0] || W.shape[1] !== Z.shape[1]) {
    throw new RangeError(`spectralLoss: w must have z's shape [${Z.shape.join(', ')}], got [${W.shape.join(', ')}]`);
  }
  // The options are checked here, before a kernel runs, by the rule both backends share.
  const shape = { rows: Z.shape[0], cols: Z.shape[1] } as GpuMatrix;
  checkLossOptions(shape, shape, options);
  const kernels = kernelsFor();
  const op = tf.customGrad((a, b, save) => {
    const r = kernels.spectralLoss(a as tf.Tensor2D, b as tf.Tensor2D, options);
    (save as tf.GradSaveFunc)([r.gradZ, r.gradW]);
    return {
      value: r.loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [kernels.scale(dy, saved[0]), kernels.scale(dy, saved[1])],
    };
  });
  return op(Z, W) as tf.Scalar;
}
