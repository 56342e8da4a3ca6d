// The known eigenvectors that eigsh and svds deflate, shared by the CPU (src/eigsh.ts) and
// WebGPU (src/gpu/eigsh.ts, src/gpu/svds.ts) solvers: a graph with c connected components has
// Ā's eigenvalue 1 exactly c times, with eigenvectors D^{1/2} 1_C.
import type { FloatArray, Matrix } from './types.js';

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
