// The population spectral contrastive loss of an embedding over a whole graph, and its gradient:
// the quantity that training minimizes and whose minimum closedFormOptimum gives in closed form.
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import { BipartiteGraph, Graph } from './graph.js';
import type { FloatArray, Matrix } from './types.js';

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
    return callNative(() => native.populationLossBipartiteSync(graph, E, Et));
  }
  if (!(graph instanceof Graph)) throw new TypeError('populationLoss: graph must be a Graph or a BipartiteGraph');
  return callNative(() => native.populationLossSync(graph, E));
}

/** Promise form: E is copied, the work runs off the main thread; the graph is shared, not copied. */
export function populationLoss<T extends FloatArray>(graph: Graph, E: Matrix<T>): Promise<PopulationLossResult<T>>;
export function populationLoss<T extends FloatArray>(graph: BipartiteGraph, Ex: Matrix<T>, Et: Matrix<T>): Promise<BipartitePopulationLossResult<T>>;
export function populationLoss<T extends FloatArray>(
  graph: Graph | BipartiteGraph, E: Matrix<T>, Et?: Matrix<T>,
): Promise<PopulationLossResult<T> | BipartitePopulationLossResult<T>> {
  return callNativeAsync(async () => {
    if (graph instanceof BipartiteGraph) {
      if (Et === undefined) throw new TypeError('populationLoss(bipartite, Ex, Et): Et is missing');
      return native.populationLossBipartite(graph, E, Et);
    }
    if (!(graph instanceof Graph)) throw new TypeError('populationLoss: graph must be a Graph or a BipartiteGraph');
    return native.populationLoss(graph, E);
  });
}
