// The known eigenvectors that eigsh and svds deflate, shared by the CPU (src/eigsh.ts) and
// WebGPU (src/gpu/eigsh.ts, src/gpu/svds.ts) solvers: a graph with c connected components has
// Ā's eigenvalue 1 exactly c times, with eigenvectors D^{1/2} 1_C.
import { native } from './native.js';
import { callNative } from './errors.js';
import type { FloatArray, Matrix } from './types.js';

/** Component labels 0, 1, ... (in order of each component's smallest node) of the graph on n nodes
 * whose edges are the CSR entries of nonzero weight, by the core's routine (the one a Graph's
 * components() runs). The pattern need not be symmetric: an entry joins its row and its column. */
export function componentLabels(
  n: number, indptr: ArrayLike<number>, indices: ArrayLike<number>, values?: ArrayLike<number>,
): Int32Array {
  // Uint32 indices (the GPU's) are read in place: a node count stays below 2^31.
  const int32 = (a: ArrayLike<number>) =>
    a instanceof Int32Array ? a : a instanceof Uint32Array ? new Int32Array(a.buffer, a.byteOffset, a.length) : Int32Array.from(a);
  const weights = values === undefined || values instanceof Float32Array || values instanceof Float64Array ? values : Float64Array.from(values);
  return callNative(() => native.csrComponents(n, int32(indptr), int32(indices), weights)).labels;
}

/** D^{1/2} 1_C / ||D^{1/2} 1_C|| per component of positive weight, as an n x c float64 block, from
 * any labels (equal labels: one component; columns in order of first appearance) and the weights
 * (degrees or marginals: the scale cancels). A component of zero weight (an isolated node without a
 * self-loop) has a zero operator there and no such vector. */
export function componentRows(labels: ArrayLike<number>, weight: ArrayLike<number>): Matrix<Float64Array> {
  const n = labels.length;
  const column = new Map<number, number>();
  const norm2: number[] = [];
  for (let i = 0; i < n; i++) {
    let c = column.get(labels[i]);
    if (c === undefined) {
      c = norm2.length;
      column.set(labels[i], c);
      norm2.push(0);
    }
    norm2[c] += weight[i];
  }
  const kept = norm2.map(() => -1);
  let cols = 0;
  norm2.forEach((s, c) => {
    if (s > 0) kept[c] = cols++;
  });
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const c = column.get(labels[i])!;
    if (kept[c] >= 0) data[i * cols + kept[c]] = Math.sqrt(weight[i]) / Math.sqrt(norm2[c]);
  }
  return { data, rows: n, cols };
}

export function takeColumns(data: FloatArray, n: number, cols: number, keep: number): Float64Array {
  const out = new Float64Array(n * keep);
  for (let i = 0; i < n; i++) for (let q = 0; q < keep; q++) out[i * keep + q] = data[i * cols + q];
  return out;
}
