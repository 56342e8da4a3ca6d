// A seeded stochastic block model: the test and benchmark graph of the project (10 blocks,
// average degree 20, 80% of the edges inside blocks).
import { Graph } from './graph.js';
import type { Dtype } from './types.js';

export interface StochasticBlockModelOptions {
  n: number;
  /** Number of blocks (default 10). Node i belongs to block i % blocks, so that a block's nodes
   * are spread over the whole id range, as in a graph whose ids carry no locality. */
  blocks?: number;
  /** Expected degree of a node (default 20): n * averageDegree / 2 undirected edges are drawn. */
  averageDegree?: number;
  /** Fraction of edges with both ends in one block (default 0.8). */
  inside?: number;
  seed?: number;
  dtype?: Dtype;
}

/** splitmix32-style generator: fast, seeded, the same sequence on every machine. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** A random graph with `blocks` communities: each undirected edge (weight 1, duplicates summed,
 * no self-loops) joins two nodes of one block with probability `inside`, of two different blocks
 * otherwise. A node left without edges is joined to a random node of its block, so the graph has
 * no isolated nodes. Deterministic for a seed. */
export function stochasticBlockModel(options: StochasticBlockModelOptions): Graph {
  const { n, blocks = 10, averageDegree = 20, inside = 0.8, seed = 1, dtype = 'float64' } = options;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > n) throw new RangeError(`blocks must be an integer from 1 to n, got ${blocks}`);
  if (!(averageDegree > 0) || averageDegree > n - 1) throw new RangeError(`averageDegree must be in (0, n - 1], got ${averageDegree}`);
  if (!(inside >= 0 && inside <= 1)) throw new RangeError(`inside must be in [0, 1], got ${inside}`);
  if (blocks === 1 && inside < 1) throw new RangeError('with one block every edge is inside it: pass inside: 1');
  const random = generator(seed);
  const m = Math.round((n * averageDegree) / 2);
  // Block b holds nodes b, b + blocks, b + 2 blocks, ...: its size and its j-th member.
  const size = (b: number) => Math.floor((n - 1 - b) / blocks) + 1;
  const member = (b: number, j: number) => b + j * blocks;
  const src = new Int32Array(2 * m + 2 * n);
  const dst = new Int32Array(2 * m + 2 * n);
  const degree = new Int32Array(n);
  let e = 0;
  const add = (u: number, v: number) => {
    src[e] = u; dst[e] = v; e++;
    src[e] = v; dst[e] = u; e++;
    degree[u]++; degree[v]++;
  };
  for (let k = 0; k < m; k++) {
    const u = Math.floor(random() * n);
    const bu = u % blocks;
    let v: number;
    do {
      if (random() < inside) {
        v = member(bu, Math.floor(random() * size(bu)));
      } else {
        const bv = (bu + 1 + Math.floor(random() * (blocks - 1))) % blocks;
        v = member(bv, Math.floor(random() * size(bv)));
      }
    } while (v === u);
    add(u, v);
  }
  for (let u = 0; u < n; u++) {
    if (degree[u] > 0) continue;
    const b = u % blocks;
    let v = u;
    if (size(b) > 1) while (v === u) v = member(b, Math.floor(random() * size(b)));
    else while (v === u) v = Math.floor(random() * n);
    add(u, v);
  }
  const weight = dtype === 'float32' ? new Float32Array(e).fill(1) : new Float64Array(e).fill(1);
  return Graph.fromEdges({ n, src: src.subarray(0, e), dst: dst.subarray(0, e), weight });
}
