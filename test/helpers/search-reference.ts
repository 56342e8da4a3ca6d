// The independent reference of the search tests: a naive float64 scan that scores every key and
// sorts by (score descending, index ascending), and integer data on which float32 is exact.
import type { Matrix } from '../../src/index.js';
import { rng } from './random.js';

type F = Float32Array | Float64Array;

/** rows x cols of integers in [-r, r] (a few values: plenty of exact ties). */
export function ints<T extends F>(ctor: { new (n: number): T }, rows: number, cols: number, seed: number, r = 3): Matrix<T> {
  const u = rng(seed);
  const data = new ctor(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(u() * (2 * r + 1)) - r;
  return { data, rows, cols };
}

/** The reference: every score in float64, sorted by (score desc, index asc). */
export function naive(Q: Matrix, K: Matrix, k: number): { indices: Int32Array; scores: Float64Array } {
  const d = Q.cols;
  const indices = new Int32Array(Q.rows * k);
  const scores = new Float64Array(Q.rows * k);
  const s = new Float64Array(K.rows);
  const order = Array.from({ length: K.rows }, (_, j) => j);
  for (let q = 0; q < Q.rows; q++) {
    for (let j = 0; j < K.rows; j++) {
      let acc = 0;
      for (let c = 0; c < d; c++) acc += Q.data[q * d + c] * K.data[j * d + c];
      s[j] = acc;
    }
    order.sort((a, b) => s[b] - s[a] || a - b);
    for (let r = 0; r < k; r++) {
      indices[q * k + r] = order[r];
      scores[q * k + r] = s[order[r]];
    }
  }
  return { indices, scores };
}

