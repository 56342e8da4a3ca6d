// The Gram family as differentiable tfjs ops. With Y the output and dY its cotangent:
//   gram(Z) = Z Z^T:        dZ = (dY + dY^T) Z
//   crossGram(Z, W) = Z W^T: dZ = dY W,   dW = dY^T Z
//   innerGram(Z, W) = Z^T W: dZ = W dY^T, dW = Z dY
// The backward products run on the same kernels as the forward ones.
import * as tf from '@tensorflow/tfjs-core';
import { checkTensor2D } from './tensors.js';
import { kernelsFor } from './dispatch.js';

type Saved = tf.Tensor2D[];

/** z z^T for z of shape [n, k]: an [n, n] tensor. */
export function gram(z: tf.Tensor2D): tf.Tensor2D {
  const Z = checkTensor2D('gram', 'z', z);
  const op = tf.customGrad((a, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor2D]);
    return {
      value: kernelsFor().gram(a as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, [za]: tf.Tensor[]) => {
        const symmetric = tf.add(dy, tf.transpose(dy)) as tf.Tensor2D;
        // (dY + dY^T)^T Z = (dY + dY^T) Z: innerGram computes it without a transpose.
        return [kernelsFor().innerGram(symmetric, za as tf.Tensor2D)];
      },
    };
  });
  return op(Z) as tf.Tensor2D;
}

/** z w^T for z [n, k] and w [m, k]: an [n, m] tensor. */
export function crossGram(z: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const Z = checkTensor2D('crossGram', 'z', z);
  const W = checkTensor2D('crossGram', 'w', w);
  if (W.shape[1] !== Z.shape[1]) {
    throw new RangeError(`crossGram: w must have z's ${Z.shape[1]} columns, got shape [${W.shape.join(', ')}]`);
  }
  const op = tf.customGrad((a, b, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor2D, b as tf.Tensor2D]);
    return {
      value: kernelsFor().crossGram(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [za, wb] = saved as Saved;
        const k = kernelsFor();
        // dY W = dY (W^T)^T: transposing W (m x k) is cheaper than transposing dY (n x m).
        return [k.crossGram(dy as tf.Tensor2D, tf.transpose(wb)), k.innerGram(dy as tf.Tensor2D, za)];
      },
    };
  });
  return op(Z, W) as tf.Tensor2D;
}

/** z^T w for z [n, k1] and w [n, k2]: a [k1, k2] tensor (innerGram(z, z) computes one triangle). */
export function innerGram(z: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const Z = checkTensor2D('innerGram', 'z', z);
  const W = checkTensor2D('innerGram', 'w', w);
  if (W.shape[0] !== Z.shape[0]) {
    throw new RangeError(`innerGram: w must have z's ${Z.shape[0]} rows, got shape [${W.shape.join(', ')}]`);
  }
  // The same tensor twice reaches the kernel as one tensor, so that it computes one triangle.
  const same = Z === W;
  const op = tf.customGrad((a, b, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor2D, b as tf.Tensor2D]);
    const za = a as tf.Tensor2D;
    return {
      value: kernelsFor().innerGram(za, same ? za : (b as tf.Tensor2D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, ws] = saved as Saved;
        const k = kernelsFor();
        return [k.crossGram(ws, dy as tf.Tensor2D), k.crossGram(zs, tf.transpose(dy as tf.Tensor2D))];
      },
    };
  });
  return op(Z, W) as tf.Tensor2D;
}
