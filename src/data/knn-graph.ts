// The Gaussian-noise augmentation graph: adding N(0, sigma^2 I) noise to two inputs makes their
// chance of producing the same augmented view proportional to exp(-||x - x'||^2 / (4 sigma^2)).
// We keep each node's m nearest neighbours, found with the Gram kernels one block of rows at a
// time (d^2 = ||x||^2 + ||x'||^2 - 2 x.x', with x.x' from crossGram), so memory stays
// O(n m + block n); symmetrize by union; and take sigma from the median neighbour distance.
import { crossGramSync } from '../gram.js';
import type { Matrix } from '../types.js';
import type { EdgeList } from '../train/sampler.js';

export interface KnnGraphOptions {
  /** Neighbours kept per node (before symmetrization). */
  m: number;
  /** Kernel width; by default the median distance from a node to its m neighbours. */
  sigma?: number;
  /** Rows per crossGram block (default: about 4M distances per block). */
  blockRows?: number;
  /** Called after each block with the rows done so far. */
  onProgress?: (rowsDone: number, n: number) => void;
}

export interface KnnGraph {
  /** Symmetric: every edge appears in both directions, each with the same weight. */
  edges: EdgeList & { weight: Float64Array };
  /** The kernel width used. */
  sigma: number;
  /** neighbours[i * m + r] is node i's r-th nearest neighbour (ascending distance), before
   * symmetrization; distances2 holds the squared distances. */
  neighbours: Int32Array;
  distances2: Float64Array;
  m: number;
}

/** Each row's m nearest other rows by Euclidean distance. Ties go to the lower index. */
export function nearestNeighbours(X: Matrix, m: number, blockRows?: number, onProgress?: (done: number, n: number) => void) {
  const { rows: n, cols: d } = X;
  if (!Number.isInteger(m) || m < 1 || m >= n) throw new RangeError(`m must be an integer from 1 to n - 1 = ${n - 1}, got ${m}`);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] * X.data[i * d + j];
    norms[i] = s;
  }
  const block = Math.max(1, Math.min(n, blockRows ?? Math.floor(4_000_000 / n)));
  const neighbours = new Int32Array(n * m);
  const distances2 = new Float64Array(n * m);
  const bestD = new Float64Array(m);
  const bestI = new Int32Array(m);
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    const rows = { data: X.data.subarray(r0 * d, r1 * d), rows: r1 - r0, cols: d } as Matrix;
    const C = crossGramSync(rows, X) as Matrix;
    for (let i = r0; i < r1; i++) {
      // A sorted insertion list of length m: m is small, so this beats a heap.
      let count = 0;
      const base = (i - r0) * n;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d2 = Math.max(0, norms[i] + norms[j] - 2 * C.data[base + j]);
        if (count === m && d2 >= bestD[m - 1]) continue;
        let pos = count < m ? count++ : m - 1;
        while (pos > 0 && bestD[pos - 1] > d2) {
          bestD[pos] = bestD[pos - 1];
          bestI[pos] = bestI[pos - 1];
          pos--;
        }
        bestD[pos] = d2;
        bestI[pos] = j;
      }
      neighbours.set(bestI, i * m);
      distances2.set(bestD, i * m);
    }
    onProgress?.(r1, n);
  }
  return { neighbours, distances2 };
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Builds the symmetrized m-nearest-neighbour Gaussian-kernel graph of the rows of X. */
export function knnGraph(X: Matrix, options: KnnGraphOptions): KnnGraph {
  if (!X || !(X.data instanceof Float32Array || X.data instanceof Float64Array)) {
    throw new TypeError('X must be a Matrix with Float32Array or Float64Array data');
  }
  const { m } = options;
  if (typeof m !== 'number') throw new TypeError('m must be a number');
  const n = X.rows;
  const { neighbours, distances2 } = nearestNeighbours(X, m, options.blockRows, options.onProgress);
  const sigma = options.sigma ?? median(distances2.map(Math.sqrt));
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive, got ${sigma} (are the inputs all identical?)`);
  // Union symmetrization: an edge exists when either end lists the other. Both directions are
  // written, sorted by (src, dst), and duplicates (mutual neighbours) dropped.
  const count = n * m;
  const keys = new Float64Array(2 * count);
  const d2ByKey = new Map<number, number>();
  for (let i = 0; i < n; i++)
    for (let r = 0; r < m; r++) {
      const j = neighbours[i * m + r];
      const e = i * m + r;
      keys[2 * e] = i * n + j;
      keys[2 * e + 1] = j * n + i;
      d2ByKey.set(Math.min(i, j) * n + Math.max(i, j), distances2[e]);
    }
  keys.sort();
  let unique = 0;
  for (let e = 0; e < keys.length; e++) if (e === 0 || keys[e] !== keys[e - 1]) keys[unique++] = keys[e];
  const src = new Int32Array(unique);
  const dst = new Int32Array(unique);
  const weight = new Float64Array(unique);
  const scale = 1 / (4 * sigma * sigma);
  for (let e = 0; e < unique; e++) {
    const i = Math.floor(keys[e] / n);
    const j = keys[e] - i * n;
    src[e] = i;
    dst[e] = j;
    weight[e] = Math.exp(-d2ByKey.get(Math.min(i, j) * n + Math.max(i, j))! * scale);
  }
  return { edges: { n, src, dst, weight }, sigma, neighbours, distances2, m };
}
