// The population spectral contrastive loss of an embedding over a whole graph, and its gradient:
// the quantity that training minimizes and whose minimum closedFormOptimum gives in closed form.
import { native } from './native.js';
import { SpeclinError, callNative, callNativeAsync } from './errors.js';
import { BipartiteGraph, Graph, bipartiteHandle, graphHandle } from './graph.js';
import type { FloatArray, Matrix } from './types.js';
import { readBackend, runOnWebGpu, type BackendOption } from './gpu/shared.js';
import { readMatrix } from './matrix-argument.js';

export interface PopulationLossResult<T extends FloatArray = FloatArray> {
  /** -2 tr(E^T A E) + ||E^T D E||_F^2 with A scaled to sum 1, D = diag(marginals); float64. */
  loss: number;
  /** -4 A E + 4 D E (E^T D E), n x k in E's dtype. */
  grad: Matrix<T>;
}

export interface BipartitePopulationLossResult<T extends FloatArray = FloatArray> {
  /** -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F with P scaled to sum 1. */
  loss: number;
  /** -2 P Et + 2 Dx Ex (Et^T Dt Et), nLeft x k. */
  gradLeft: Matrix<T>;
  /** -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex), nRight x k. */
  gradRight: Matrix<T>;
}

/** The loss of embedding E (row i: node i's f(x)), computed in O(nnz k + n k^2) in float64;
 * the gradient is returned in E's dtype. For a BipartiteGraph pass (Ex, Et). */
export function populationLossSync<T extends FloatArray>(graph: Graph, E: Matrix<T>): PopulationLossResult<T>;
export function populationLossSync<T extends FloatArray>(graph: BipartiteGraph, Ex: Matrix<T>, Et: Matrix<T>): BipartitePopulationLossResult<T>;
export function populationLossSync<T extends FloatArray>(
  graph: Graph | BipartiteGraph, E: Matrix<T>, Et?: Matrix<T>,
): PopulationLossResult<T> | BipartitePopulationLossResult<T> {
  if (graph instanceof BipartiteGraph) {
    if (Et === undefined) throw new TypeError('populationLoss(bipartite, Ex, Et): Et is missing');
    return callNative(() => native.populationLossBipartiteSync(bipartiteHandle(graph), readMatrix('Ex', E), readMatrix('Et', Et)));
  }
  if (!(graph instanceof Graph)) throw new TypeError('populationLoss: graph must be a Graph or a BipartiteGraph');
  return callNative(() => native.populationLossSync(graphHandle(graph), readMatrix('E', E)));
}

/** Promise form: E is copied, the work runs off the main thread; the graph is shared, not copied.
 * With { backend: 'webgpu' } (a Graph and a float32 E) it runs on the GPU: the graph's CSR arrays
 * are uploaded for the call, the loss comes back as a number and the gradient as a float32 Matrix. */
export function populationLoss<T extends FloatArray>(graph: Graph, E: Matrix<T>, options?: BackendOption): Promise<PopulationLossResult<T>>;
export function populationLoss<T extends FloatArray>(graph: BipartiteGraph, Ex: Matrix<T>, Et: Matrix<T>, options?: BackendOption): Promise<BipartitePopulationLossResult<T>>;
export function populationLoss<T extends FloatArray>(
  graph: Graph | BipartiteGraph, E: Matrix<T>, EtOrOptions?: Matrix<T> | BackendOption, bipartiteOptions?: BackendOption,
): Promise<PopulationLossResult<T> | BipartitePopulationLossResult<T>> {
  return callNativeAsync(async () => {
    if (graph instanceof BipartiteGraph) {
      const Et = EtOrOptions as Matrix<T> | undefined;
      if (Et === undefined) throw new TypeError('populationLoss(bipartite, Ex, Et): Et is missing');
      if (readBackend('populationLoss', bipartiteOptions) === 'webgpu') {
        throw new SpeclinError('ERR_WEBGPU_UNSUPPORTED', "populationLoss: backend 'webgpu' takes a Graph; a BipartiteGraph runs on the CPU (backend 'cpu')");
      }
      return native.populationLossBipartite(bipartiteHandle(graph), readMatrix('Ex', E), readMatrix('Et', Et));
    }
    if (!(graph instanceof Graph)) throw new TypeError('populationLoss: graph must be a Graph or a BipartiteGraph');
    const handle = graphHandle(graph);
    const e = readMatrix('E', E);
    if (readBackend('populationLoss', EtOrOptions) === 'cpu') return native.populationLoss(handle, e);
    // The CPU's rule (native/addon/population_loss.cc): a non-finite E, or a loss that overflows,
    // is a RangeError rather than a NaN.
    const bad = e.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new RangeError(`populationLoss: E contains ${Number.isNaN(e.data[bad]) ? 'NaN' : 'Infinity'} at row ${Math.floor(bad / e.cols)}, column ${bad % e.cols}; a non-finite embedding would make the loss NaN`);
    return runOnWebGpu('populationLoss', { E: e }, async (gpu, m) => {
      const r = await gpu.populationLoss(graph, m.E);
      if (!Number.isFinite(r.loss)) throw new RangeError('populationLoss: the embedding is finite, but the loss overflows float32; scale the embedding down');
      // runOnWebGpu has rejected a float64 E: T is Float32Array here.
      return { loss: r.loss, grad: r.grad as Matrix<T> };
    });
  });
}
