// The training loop's losses on the WebGPU backend: each minibatch's spectralLoss (Z and W, B x k,
// uploaded; gradZ and gradW read back for the encoders' backward passes on the CPU) and the
// population loss (and its gradient) on a graph uploaded once: a Graph (one tower) or a
// BipartiteGraph (two towers, CLIP). Only types come from the GPU module
// here, so the optional `webgpu` package loads only when a backend is created.
import type { WebGpuBackend, GpuGraph, GpuBipartiteGraph, MatrixOutput } from '../gpu/backend.js';
import type { BipartiteGraph, Graph } from '../graph.js';
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

/** Both losses on the device. On a BipartiteGraph (two towers) the graph is uploaded once as P and
 * P^T and populationLoss takes (Ex, Et), giving both towers' gradients. */
export function webGpuLossProvider(backend: WebGpuBackend, graph: Graph | BipartiteGraph): WebGpuLossProvider {
  const spectralLoss: LossProvider['spectralLoss'] = async (Z, W) => {
    const r = await backend.spectralLoss(toFloat32(Z), toFloat32(W));
    return { loss: r.loss, gradZ: like(Z, r.gradZ), gradW: like(W, r.gradW) };
  };
  if ('nLeft' in graph) {
    const pairs: GpuBipartiteGraph = backend.uploadBipartite(graph);
    return {
      onGpu: ['spectralLoss', 'populationLoss'],
      spectralLoss,
      async populationLoss(Ex, Et) {
        if (!Et) throw new TypeError('webGpuLossProvider: a BipartiteGraph needs both towers (Ex, Et)');
        const r = await backend.populationLoss(pairs, toFloat32(Ex), toFloat32(Et));
        return { loss: r.loss, gradLeft: like(Ex, r.gradLeft), gradRight: like(Et, r.gradRight) };
      },
      dispose: () => pairs.destroy(),
    };
  }
  const resident: GpuGraph = backend.uploadGraph({ n: graph.n, ...graph.toCSR() });
  return {
    onGpu: ['spectralLoss', 'populationLoss'],
    spectralLoss,
    async populationLoss(E, right) {
      if (right) throw new TypeError('webGpuLossProvider: a Graph has one tower; pass a BipartiteGraph for two');
      const r = await backend.populationLoss(resident, toFloat32(E));
      return { loss: r.loss, gradLeft: like(E, r.grad) };
    },
    dispose: () => resident.destroy(),
  };
}
