// The 2-D picture of an embedding: its rows scaled to unit length (a spectral embedding's row
// norms mostly carry the node's degree, not its class), centred, and projected on the top two
// principal directions.
import { innerGramSync } from '../gram.js';
import type { Matrix } from '../types.js';
import { symmetricEigen } from '../dense.js';

export function principalPlane(E: Matrix, rows: Int32Array): { x: Float64Array; y: Float64Array } {
  const k = E.cols;
  const m = rows.length;
  const Y = new Float64Array(m * k);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += E.data[rows[r] * k + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < k; j++) Y[r * k + j] = E.data[rows[r] * k + j] * inv;
  }
  const mean = new Float64Array(k);
  for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) mean[j] += Y[r * k + j] / m;
  for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) Y[r * k + j] -= mean[j];
  const C = innerGramSync({ data: Y, rows: m, cols: k }, { data: Y, rows: m, cols: k }) as Matrix<Float64Array>;
  const { vectors } = symmetricEigen(C.data, k);
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  for (let r = 0; r < m; r++)
    for (let j = 0; j < k; j++) {
      x[r] += Y[r * k + j] * vectors[j * k + 0];
      y[r] += Y[r * k + j] * vectors[j * k + 1];
    }
  return { x, y };
}
