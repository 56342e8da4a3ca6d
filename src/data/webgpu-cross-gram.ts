// The kNN graph's block products on the WebGPU backend: X is uploaded once and stays resident;
// each block of rows is uploaded, multiplied against it (crossGram) and its block x n product read
// back for the neighbour selection on the CPU. Only types come from the GPU module here, so the
// optional `webgpu` package loads only when a backend is created.
import type { WebGpuBackend } from '../gpu/backend.js';
import type { Matrix } from '../types.js';
import type { CrossGram } from './knn-graph.js';

export function webGpuCrossGram(backend: WebGpuBackend, X: Matrix): CrossGram {
  if (!(X.data instanceof Float32Array)) throw new TypeError('the WebGPU backend needs float32 points (X.data must be a Float32Array)');
  const resident = backend.upload(X);
  return async (block, Y) => {
    if (Y !== X) throw new RangeError('webGpuCrossGram multiplies against the X it was made for');
    const product = await backend.crossGram(block, resident);
    if (!('buffer' in product)) return product;
    try {
      return await backend.download(product);
    } finally {
      product.destroy();
    }
  };
}
