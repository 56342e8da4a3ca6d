// Small graphs as dense adjacency matrices, and their normalized adjacency Ā = D^{-1/2} A D^{-1/2}
// computed naively in float64: the independent side of the eigensolver tests.
import { numpyNormalizedEigenvalues } from './numpy.js';
import { rng } from './random.js';

export interface DenseGraph {
  n: number;
  A: Float64Array; // n x n, symmetric, weights >= 0
}

function empty(n: number): DenseGraph {
  return { n, A: new Float64Array(n * n) };
}

function edge(g: DenseGraph, i: number, j: number, w = 1): void {
  g.A[i * g.n + j] += w;
  if (i !== j) g.A[j * g.n + i] += w;
}

export function ring(n: number): DenseGraph {
  const g = empty(n);
  for (let i = 0; i < n; i++) edge(g, i, (i + 1) % n);
  return g;
}

export function path(n: number): DenseGraph {
  const g = empty(n);
  for (let i = 0; i + 1 < n; i++) edge(g, i, i + 1);
  return g;
}

export function complete(n: number): DenseGraph {
  const g = empty(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edge(g, i, j);
  return g;
}

export function star(n: number): DenseGraph {
  const g = empty(n);
  for (let i = 1; i < n; i++) edge(g, 0, i);
  return g;
}

/** Complete bipartite K_{a,b}: Ā has eigenvalues 1 and -1 and zeros. */
export function completeBipartite(a: number, b: number): DenseGraph {
  const g = empty(a + b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) edge(g, i, a + j);
  return g;
}

/** Erdős–Rényi G(n, p) with random weights in [0.5, 1.5), plus a ring so it is connected. */
export function random(n: number, p: number, seed: number): DenseGraph {
  const u = rng(seed);
  const g = ring(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (u() < p) edge(g, i, j, 0.5 + u());
  return g;
}

/** Disjoint union: eigenvalue 1 of Ā once per part. */
export function union(...parts: DenseGraph[]): DenseGraph {
  const n = parts.reduce((s, g) => s + g.n, 0);
  const g = empty(n);
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) for (let j = 0; j < p.n; j++) g.A[(off + i) * n + off + j] = p.A[i * p.n + j];
    off += p.n;
  }
  return g;
}

export function normalizedAdjacency(g: DenseGraph): Float64Array {
  const { n, A } = g;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i] += A[i * n + j];
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = A[i * n + j] / Math.sqrt(d[i] * d[j]);
  return out;
}

/** A JavaScript operator over a dense matrix: no native part, so eigsh drives it by reverse
 * communication. */
export function jsOperator(M: Float64Array, n: number, normBound?: number) {
  return {
    n,
    normBound,
    multiply(X: Float64Array, Y: Float64Array, columns: number) {
      Y.fill(0);
      for (let i = 0; i < n; i++)
        for (let p = 0; p < n; p++) {
          const a = M[i * n + p];
          if (a === 0) continue;
          for (let c = 0; c < columns; c++) Y[i * columns + c] += a * X[p * columns + c];
        }
    },
  };
}

/** The optimum -sum_{i<=k} max(λ_i, 0)^2 of a graph given by its stored entries, computed
 * independently of speclin: numpy's dense eigvalsh of D^-1/2 A D^-1/2. */
export function numpyOptimum(n: number, k: number, edges: { src: ArrayLike<number>; dst: ArrayLike<number>; weight: ArrayLike<number> }): number {
  const A = new Float64Array(n * n);
  for (let e = 0; e < edges.src.length; e++) A[edges.src[e] * n + edges.dst[e]] += edges.weight[e];
  return -numpyNormalizedEigenvalues(A, n).slice(0, k).reduce((s, w) => s + Math.max(w, 0) ** 2, 0);
}

/** A connected random weighted graph: a ring (weights in [0.5, 1.5)) plus `chords` random node
 * pairs (weights in [0, chordScale); self-loops and repeats possible), as an edge list that gives
 * each edge both ways and as a dense float64 matrix (repeats summed). */
export function ringWithChords(n: number, chords: number, seed: number, chordScale = 1) {
  const r = rng(seed);
  const src: number[] = [], dst: number[] = [], w: number[] = [];
  const A = new Float64Array(n * n);
  const add = (u: number, v: number, x: number) => {
    src.push(u); dst.push(v); w.push(x); A[u * n + v] += x;
    if (u !== v) { src.push(v); dst.push(u); w.push(x); A[v * n + u] += x; }
  };
  for (let i = 0; i < n; i++) add(i, (i + 1) % n, 0.5 + r());
  for (let k = 0; k < chords; k++) add(Math.floor(r() * n), Math.floor(r() * n), r() * chordScale);
  return { src, dst, w, A };
}
