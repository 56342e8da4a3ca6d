// The population spectral loss of a whole embedding on a graph, as a differentiable tfjs op for
// full-batch training: L = -2 tr(E^T A E) + ||E^T D E||_F^2 (A scaled to sum 1, D its marginals),
// dL/dE = -4 A E + 4 D E (E^T D E), both from one kernel call in the forward pass.
import * as tf from '@tensorflow/tfjs-core';
import { Graph } from '../graph.js';
import { checkTensor2D } from './tensors.js';
import { kernelsFor } from './dispatch.js';

/** The loss of `embedding` (row i: node i's f(x), n x k float32) on `graph` (a speclin Graph of
 * n nodes), as a scalar tensor differentiable in the embedding. */
export function populationLoss(graph: Graph, embedding: tf.Tensor2D): tf.Scalar {
  if (!(graph instanceof Graph)) {
    throw new TypeError('populationLoss: graph must be a speclin Graph (Graph.fromEdges, Graph.fromCSR, ...)');
  }
  const E = checkTensor2D('populationLoss', 'embedding', embedding);
  if (E.shape[0] !== graph.n) {
    throw new RangeError(`populationLoss: embedding must have one row per node (${graph.n}), got shape [${E.shape.join(', ')}]`);
  }
  const kernels = kernelsFor();
  const op = tf.customGrad((e, save) => {
    const r = kernels.populationLoss(graph, e as tf.Tensor2D);
    (save as tf.GradSaveFunc)([r.grad]);
    return { value: r.loss, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [kernels.scale(dy, saved[0])] };
  });
  return op(E) as tf.Scalar;
}
