// The Gaussian-noise augmentation graph: adding N(0, sigma^2 I) noise to two inputs makes their
// chance of producing the same augmented view proportional to exp(-||x - x'||^2 / (4 sigma^2)).
// We keep each node's m nearest neighbours, found with the Gram kernels one block of rows at a
// time (d^2 = ||x||^2 + ||x'||^2 - 2 x.x', with x.x' from crossGram), so memory stays
// O(n m + block n); symmetrize by union; and take sigma from the median neighbour distance.
import { crossGramSync } from '../gram.js';
import { withSharedWebGpu } from '../gpu/shared.js';
import type { Matrix } from '../types.js';
import type { EdgeList } from './edge-list.js';

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

function squaredNorms(X: Matrix): Float64Array {
  const { rows: n, cols: d } = X;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] * X.data[i * d + j];
    norms[i] = s;
  }
  return norms;
}

/** A provider of X_block Y^T (crossGramSync by default). */
export type CrossGram = (block: Matrix, Y: Matrix) => Promise<Matrix>;

interface Selection {
  n: number;
  ny: number;
  d: number;
  m: number;
  same: boolean;
  block: number;
  norms: Float64Array;
  normsY: Float64Array;
  neighbours: Int32Array;
  distances2: Float64Array;
  bestD: Float64Array;
  bestI: Int32Array;
}

function prepare(X: Matrix, m: number, Y: Matrix, blockRows?: number): Selection {
  const { rows: n, cols: d } = X;
  const same = Y === X;
  const candidates = same ? n - 1 : Y.rows;
  if (Y.cols !== d) throw new RangeError(`both point sets need the same dimension, got ${d} and ${Y.cols}`);
  if (!Number.isInteger(m) || m < 1 || m > candidates) throw new RangeError(`m must be an integer from 1 to ${same ? 'n - 1' : "the other set's size"} = ${candidates}, got ${m}`);
  const norms = squaredNorms(X);
  const ny = Y.rows;
  return {
    n, ny, d, m, same,
    block: Math.max(1, Math.min(n, blockRows ?? Math.floor(4_000_000 / ny))),
    norms,
    normsY: same ? norms : squaredNorms(Y),
    neighbours: new Int32Array(n * m),
    distances2: new Float64Array(n * m),
    bestD: new Float64Array(m),
    bestI: new Int32Array(m),
  };
}

/** Keeps the m smallest distances of rows r0..r1, given C = X[r0:r1] Y^T. */
function selectBlock(s: Selection, C: Matrix, r0: number, r1: number): void {
  const { ny, m, norms, normsY, bestD, bestI } = s;
  for (let i = r0; i < r1; i++) {
    // A sorted insertion list of length m: m is small, so this beats a heap.
    let count = 0;
    const base = (i - r0) * ny;
    for (let j = 0; j < ny; j++) {
      if (s.same && j === i) continue;
      const d2 = Math.max(0, norms[i] + normsY[j] - 2 * C.data[base + j]);
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
    s.neighbours.set(bestI, i * m);
    s.distances2.set(bestD, i * m);
  }
}

function rowBlock(X: Matrix, r0: number, r1: number, d: number): Matrix {
  return { data: X.data.subarray(r0 * d, r1 * d), rows: r1 - r0, cols: d } as Matrix;
}

/** Each row of X's m nearest rows of Y (Y = X by default, then a row is not its own neighbour),
 * by Euclidean distance. Ties go to the lower index. */
export function nearestNeighbours(X: Matrix, m: number, blockRows?: number, onProgress?: (done: number, n: number) => void, Y: Matrix = X) {
  const s = prepare(X, m, Y, blockRows);
  if (s.same) return symmetricNeighbours(X, s, onProgress);
  for (let r0 = 0; r0 < s.n; r0 += s.block) {
    const r1 = Math.min(s.n, r0 + s.block);
    selectBlock(s, crossGramSync(rowBlock(X, r0, r1, s.d), Y) as Matrix, r0, r1);
    onProgress?.(r1, s.n);
  }
  return { neighbours: s.neighbours, distances2: s.distances2 };
}

/** The self case at half the products: block b computes X[r0:r1] X[r0:n]^T only, and each
 * distance d(i, j) with j beyond the block serves both row i and row j. Every row's candidates
 * then arrive in ascending index order (earlier blocks' rows first, then its own block's row of
 * products), so stable insertion keeps "ties go to the lower index", and d(i, j) = d(j, i)
 * exactly. */
function symmetricNeighbours(X: Matrix, s: Selection, onProgress?: (done: number, n: number) => void) {
  const { n, d, m, norms } = s;
  const D = s.distances2.fill(Infinity);
  const I = s.neighbours.fill(-1);
  const count = new Int32Array(n);
  // worst[i]: row i's current m-th smallest distance (Infinity until it has m): the fast reject.
  const worst = new Float64Array(n).fill(Infinity);
  const offer = (i: number, j: number, d2: number) => {
    if (d2 >= worst[i]) return;
    const base = i * m;
    let pos = count[i] < m ? count[i]++ : m - 1;
    while (pos > 0 && D[base + pos - 1] > d2) {
      D[base + pos] = D[base + pos - 1];
      I[base + pos] = I[base + pos - 1];
      pos--;
    }
    D[base + pos] = d2;
    I[base + pos] = j;
    if (count[i] === m) worst[i] = D[base + m - 1];
  };
  // Products per block: block x (n - r0), at most about 4M entries.
  for (let r0 = 0; r0 < n; ) {
    const width = n - r0;
    const r1 = Math.min(n, r0 + Math.max(1, Math.min(s.block, Math.floor(4_000_000 / width))));
    const C = crossGramSync(rowBlock(X, r0, r1, d), rowBlock(X, r0, n, d)) as Matrix;
    for (let i = r0; i < r1; i++) {
      const base = (i - r0) * width;
      const ni = norms[i];
      for (let j = r0; j < n; j++) {
        if (j === i) continue;
        const d2 = Math.max(0, ni + norms[j] - 2 * C.data[base + j - r0]);
        offer(i, j, d2);
        if (j >= r1) offer(j, i, d2);
      }
    }
    r0 = r1;
    onProgress?.(r1, n);
  }
  return { neighbours: I, distances2: D };
}

/** nearestNeighbours with the block products from `crossGram` (for example a GPU backend's),
 * the next block's product running while this one's neighbours are selected. */
export async function nearestNeighboursAsync(
  X: Matrix, m: number, crossGram: CrossGram,
  options: { blockRows?: number; onProgress?: (done: number, n: number) => void; Y?: Matrix } = {},
) {
  const Y = options.Y ?? X;
  const s = prepare(X, m, Y, options.blockRows);
  const product = (r0: number) => crossGram(rowBlock(X, r0, Math.min(s.n, r0 + s.block), s.d), Y);
  let pending = product(0);
  for (let r0 = 0; r0 < s.n; r0 += s.block) {
    const r1 = Math.min(s.n, r0 + s.block);
    const C = await pending;
    if (r1 < s.n) pending = product(r1);
    if (C.rows !== r1 - r0 || C.cols !== s.ny) throw new RangeError(`crossGram returned ${C.rows} x ${C.cols}, expected ${r1 - r0} x ${s.ny}`);
    selectBlock(s, C, r0, r1);
    options.onProgress?.(r1, s.n);
  }
  return { neighbours: s.neighbours, distances2: s.distances2 };
}

/** nearestNeighbours on the WebGPU backend (the process's shared device, as `backend: 'webgpu'`
 * calls use): the selection itself runs on the device, by topK. With queries [x_i, 1] and keys
 * [y_j, -|y_j|^2 / 2], topK's score is x_i.y_j - |y_j|^2 / 2 = (|x_i|^2 - d^2(i, j)) / 2, so its k
 * best are the k nearest, and its order (score descending, key index ascending) is the CPU
 * selection's (distance ascending, ties to the lower index). The keys are uploaded once; each
 * block of rows reads back only its indices and scores. Distances are |x_i|^2 - 2 score (float64
 * from the float32 score; clamped at 0). In the self case the row itself is among the m + 1 best
 * (its score is the largest unless another point ties or lies within rounding of it): it is
 * dropped, or the last of the m + 1 when it is not there. Float32 points only (WGSL has no f64). */
export async function nearestNeighboursOnWebGpu(
  X: Matrix, m: number, options: { blockRows?: number; onProgress?: (done: number, n: number) => void; Y?: Matrix } = {},
) {
  const Y = options.Y ?? X;
  for (const [name, M] of [['X', X], ['Y', Y]] as const) {
    if (!(M.data instanceof Float32Array)) throw new TypeError(`${name}: backend 'webgpu' needs float32 points (a Float32Array), got ${M.data?.constructor?.name}`);
  }
  const s = prepare(X, m, Y, options.blockRows);
  const { n, ny, d } = s;
  const take = s.same ? m + 1 : m;
  const augmented = (M: Matrix, rows: number, last: (i: number) => number) => {
    const data = new Float32Array(rows * (d + 1));
    for (let i = 0; i < rows; i++) {
      data.set(M.data.subarray(i * d, (i + 1) * d), i * (d + 1));
      data[i * (d + 1) + d] = last(i);
    }
    return { data, rows, cols: d + 1 };
  };
  const queries = augmented(X, n, () => 1);
  const keys = augmented(Y, ny, (j) => -s.normsY[j] / 2);
  return withSharedWebGpu(async (gpu) => {
    const resident = gpu.upload(keys);
    try {
      for (let r0 = 0; r0 < n; r0 += s.block) {
        const r1 = Math.min(n, r0 + s.block);
        const { indices, scores } = await gpu.topK({ data: queries.data.subarray(r0 * (d + 1), r1 * (d + 1)), rows: r1 - r0, cols: d + 1 }, resident, take);
        for (let i = r0; i < r1; i++) {
          const base = (i - r0) * take;
          let self = take - 1; // the entry left out: the row itself, else the last
          if (s.same) for (let r = 0; r < take; r++) if (indices[base + r] === i) self = r;
          let out = i * m;
          for (let r = 0; r < take; r++) {
            if (s.same && r === self) continue;
            s.neighbours[out] = indices[base + r];
            s.distances2[out++] = Math.max(0, s.norms[i] - 2 * scores[base + r]);
          }
        }
        options.onProgress?.(r1, n);
      }
    } finally {
      resident.destroy();
    }
    return { neighbours: s.neighbours, distances2: s.distances2 };
  });
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function checkPoints(X: Matrix): void {
  if (!X || !(X.data instanceof Float32Array || X.data instanceof Float64Array)) {
    throw new TypeError('X must be a Matrix with Float32Array or Float64Array data');
  }
}

/** Builds the symmetrized m-nearest-neighbour Gaussian-kernel graph of the rows of X. */
export function knnGraph(X: Matrix, options: KnnGraphOptions): KnnGraph {
  checkPoints(X);
  if (typeof options.m !== 'number') throw new TypeError('m must be a number');
  const { neighbours, distances2 } = nearestNeighbours(X, options.m, options.blockRows, options.onProgress);
  return graphFromNeighbours(X.rows, options.m, neighbours, distances2, options.sigma);
}

/** knnGraph with the neighbours found on the WebGPU backend (`backend: 'webgpu'`, by topK on the
 * device: nearestNeighboursOnWebGpu) or with the Gram blocks from a `crossGram` provider. */
export async function knnGraphAsync(X: Matrix, options: KnnGraphOptions & ({ backend: 'webgpu' } | { crossGram: CrossGram })): Promise<KnnGraph> {
  checkPoints(X);
  if (typeof options.m !== 'number') throw new TypeError('m must be a number');
  let found: { neighbours: Int32Array; distances2: Float64Array };
  if ('backend' in options) {
    if (options.backend !== 'webgpu') throw new RangeError(`backend must be 'webgpu' (knnGraph is the CPU form), got ${String(options.backend)}`);
    found = await nearestNeighboursOnWebGpu(X, options.m, options);
  } else {
    if (typeof options.crossGram !== 'function') throw new TypeError('crossGram must be a function (block, Y) => Promise<Matrix>');
    found = await nearestNeighboursAsync(X, options.m, options.crossGram, options);
  }
  return graphFromNeighbours(X.rows, options.m, found.neighbours, found.distances2, options.sigma);
}

function graphFromNeighbours(n: number, m: number, neighbours: Int32Array, distances2: Float64Array, sigmaOption?: number): KnnGraph {
  const sigma = sigmaOption ?? median(distances2.map(Math.sqrt));
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

export interface CrossKnnGraph {
  /** Entry e pairs left node src[e] with right node dst[e] (each pair once). */
  edges: EdgeList & { weight: Float64Array; nRight: number };
  sigma: number;
}

/**
 * The two-tower version: a bipartite graph between the rows of L (left, "images") and of R
 * (right, "texts"): each left row joined to its m nearest right rows and each right row to its m
 * nearest left rows (union), weights exp(-d^2 / (4 sigma^2)), sigma the median of those distances.
 */
export function crossKnnGraph(L: Matrix, R: Matrix, options: KnnGraphOptions): CrossKnnGraph {
  for (const [name, M] of [['L', L], ['R', R]] as const) {
    if (!M || !(M.data instanceof Float32Array || M.data instanceof Float64Array)) {
      throw new TypeError(`${name} must be a Matrix with Float32Array or Float64Array data`);
    }
  }
  const { m } = options;
  if (typeof m !== 'number') throw new TypeError('m must be a number');
  const nl = L.rows;
  const nr = R.rows;
  const fromLeft = nearestNeighbours(L, m, options.blockRows, options.onProgress, R);
  const fromRight = nearestNeighbours(R, m, options.blockRows, undefined, L);
  const d2 = new Map<number, number>();
  for (let i = 0; i < nl; i++) for (let r = 0; r < m; r++) d2.set(i * nr + fromLeft.neighbours[i * m + r], fromLeft.distances2[i * m + r]);
  for (let j = 0; j < nr; j++) for (let r = 0; r < m; r++) d2.set(fromRight.neighbours[j * m + r] * nr + j, fromRight.distances2[j * m + r]);
  const all = new Float64Array(nl * m + nr * m);
  all.set(fromLeft.distances2);
  all.set(fromRight.distances2, nl * m);
  const sigma = options.sigma ?? median(all.map(Math.sqrt));
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive, got ${sigma} (are the inputs all identical?)`);
  const keys = Float64Array.from(d2.keys()).sort();
  const src = new Int32Array(keys.length);
  const dst = new Int32Array(keys.length);
  const weight = new Float64Array(keys.length);
  const scale = 1 / (4 * sigma * sigma);
  keys.forEach((key, e) => {
    src[e] = Math.floor(key / nr);
    dst[e] = key - src[e] * nr;
    weight[e] = Math.exp(-d2.get(key)! * scale);
  });
  return { edges: { n: nl, nRight: nr, src, dst, weight }, sigma };
}
