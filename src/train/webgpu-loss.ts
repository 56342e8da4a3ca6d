// The training loop's losses on the WebGPU backend: each minibatch's spectralLoss (Z and W, B x k,
// uploaded; gradZ and gradW read back for the encoders' backward passes on the CPU) and the
// population loss (and its gradient) on a graph uploaded once. Only types come from the GPU module
// here, so the optional `webgpu` package loads only when a backend is created.
import type { WebGpuBackend, GpuGraph, MatrixOutput } from '../gpu/backend.js';
import type { Graph } from '../graph.js';
import type { FloatArray, Matrix } from '../types.js';
import type { LossProvider } from './loop.js';

export interface WebGpuLossProvider extends LossProvider {
  /** Frees the uploaded graph (the backend itself stays with its owner). */
  dispose(): void;
}

/** The GPU computes in float32: a float64 embedding is rounded for the upload, and the gradients
 * come back in the embedding's dtype so that the encoder's backward pass sees what it gave. */
function toFloat32(M: Matrix): Matrix<Float32Array> {
  return M.data instanceof Float32Array ? (M as Matrix<Float32Array>) : { data: Float32Array.from(M.data), rows: M.rows, cols: M.cols };
}

function like(M: Matrix, g: MatrixOutput): Matrix {
  if ('buffer' in g) throw new TypeError('the WebGPU backend kept a host input on the GPU');
  return M.data instanceof Float32Array ? g : { data: Float64Array.from(g.data) as FloatArray, rows: g.rows, cols: g.cols };
}

/** Both losses on the device; one-tower graphs only (the backend's
 * populationLoss has no bipartite form). */
export function webGpuLossProvider(backend: WebGpuBackend, graph: Graph): WebGpuLossProvider {
  const resident: GpuGraph = backend.uploadGraph({ n: graph.n, ...graph.toCSR() });
  return {
    onGpu: ['spectralLoss', 'populationLoss'],
    async spectralLoss(Z, W) {
      const r = await backend.spectralLoss(toFloat32(Z), toFloat32(W));
      return { loss: r.loss, gradZ: like(Z, r.gradZ), gradW: like(W, r.gradW) };
    },
    async populationLoss(E, right) {
      if (right) throw new TypeError('webGpuLossProvider: the WebGPU populationLoss takes one tower (a Graph), not two');
      const r = await backend.populationLoss(resident, toFloat32(E));
      return { loss: r.loss, gradLeft: like(E, r.grad) };
    },
    dispose: () => resident.destroy(),
  };
}
