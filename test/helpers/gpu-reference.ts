// Inputs and float64 references shared by the WebGPU test files (gpu-*.test.ts): random CSR graphs
// with float32 weights, sparse products, the spectral loss written out from its definition, and
// the checks of eigenvectors. Naive loops, written for clarity, not speed.
//
// Tolerances: the GPU computes in float32 with fma; a dot product of length K accumulated in f32 has
// a relative error (to the sum of |terms|) below K * 2^-24 in the worst case and ~sqrt(K) * 2^-24 in
// practice; with K <= 300 and Gaussian data the max error relative to max |entry| stays below
// 2e-5, so tests use 1e-5..1e-4 relative-to-max (stated per test) against float64 references.
import type { WebGpuBackend } from '../../src/index.js';
import type { Matrix } from '../../src/types.js';
import { randomMatrix, rng } from './random.js';

/** Seeded float32 Gaussian data (the GPU computes in float32). */
export const f32 = (rows: number, cols: number, seed: number, scale = 1) => randomMatrix(Float32Array, rows, cols, seed, scale);

/** A backend result from typed-array inputs: a Matrix of float32. */
export const host = (m: unknown) => m as Matrix<Float32Array>;

/** The workgroup reductions a backend can run: both where the adapter has subgroups (the tests
 * switch `backend.reductions` between them), else the tree. */
export function reductionModes(gpu: WebGpuBackend): ('subgroups' | 'tree')[] {
  return gpu.info.features.includes('subgroups') ? ['subgroups', 'tree'] : ['tree'];
}

/** CSR arrays (float32 weights) of a graph given as one Map (column -> weight) per row. */
export function csrFromRows(rows: Map<number, number>[]) {
  const n = rows.length;
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [j, w] of [...rows[i]].sort((a, b) => a[0] - b[0])) {
      indices.push(j);
      values.push(w);
    }
    indptr[i + 1] = indices.length;
  }
  return { n, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}


/** A random symmetric graph with weights in (0.5, 1.5] and one hub row (so row lengths vary). */
export function randomGraph(n: number, meanDegree: number, seed: number, ring = false) {
  const u = rng(seed);
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const add = (i: number, j: number, w: number) => {
    rows[i].set(j, (rows[i].get(j) ?? 0) + w);
    if (i !== j) rows[j].set(i, (rows[j].get(i) ?? 0) + w);
  };
  for (let e = 0; e < (n * meanDegree) / 2; e++) add(Math.floor(u() * n), Math.floor(u() * n), 0.5 + u());
  for (let j = 1; j < n; j += 3) add(0, j, 1);
  // A ring leaves no node isolated (Graph refuses degree-zero nodes).
  if (ring) for (let i = 0; i < n; i++) add(i, (i + 1) % n, 0.25);
  return csrFromRows(rows);
}
/** CSR arrays with float32 weights, as the GPU backend takes them. */
export type Csr = ReturnType<typeof csrFromRows>;

/** Y = A X, or Ā X = D^-1/2 A D^-1/2 X (normalized), for X with `cols` columns, in float64. */
export function spmm64(g: Csr, x: ArrayLike<number>, cols: number, normalized: boolean): Float64Array {
  const deg = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg[i] += g.values[p];
  const d = (i: number) => (normalized ? (deg[i] > 0 ? 1 / Math.sqrt(deg[i]) : 0) : 1);
  const y = new Float64Array(g.n * cols);
  for (let i = 0; i < g.n; i++)
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      for (let c = 0; c < cols; c++) y[i * cols + c] += d(i) * g.values[p] * d(j) * x[j * cols + c];
    }
  return y;
}

/** Block-diagonal union of graphs: one connected component per part. */
export function disjointUnion(parts: Csr[]): Csr {
  const n = parts.reduce((s, g) => s + g.n, 0);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  let base = 0;
  for (const g of parts) {
    for (let i = 0; i < g.n; i++) {
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        indices.push(base + g.indices[p]);
        values.push(g.values[p]);
      }
      indptr[base + i + 1] = indices.length;
    }
    base += g.n;
  }
  return { n, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** ||Ā y - θ y|| / ||y|| of column c, in float64 on the host. */
export function trueResidual(g: Csr, Y: Float32Array, k: number, c: number, theta: number): number {
  const y = Float64Array.from({ length: g.n }, (_, i) => Y[i * k + c]);
  const Ay = spmm64(g, y, 1, true);
  let res = 0;
  let ny = 0;
  for (let i = 0; i < g.n; i++) {
    res += (Ay[i] - theta * y[i]) ** 2;
    ny += y[i] ** 2;
  }
  return Math.sqrt(res / ny);
}

/** Independent float64 reference of the spectral loss (DESIGN.md), clipping included. */
export function spectralLoss64(Z: Float32Array, W: Float32Array, B: number, k: number, mu: number | undefined, negatives: 'offdiagonal' | 'all') {
  const clip = (X: Float32Array) => {
    const x = Float64Array.from(X);
    const f = new Float64Array(B).fill(1);
    const norm = new Float64Array(B);
    for (let i = 0; i < B; i++) {
      let n2 = 0;
      for (let a = 0; a < k; a++) n2 += x[i * k + a] ** 2;
      norm[i] = Math.sqrt(n2);
      if (mu !== undefined && norm[i] >= Math.sqrt(mu)) f[i] = Math.sqrt(mu) / norm[i];
      for (let a = 0; a < k; a++) x[i * k + a] *= f[i];
    }
    return { x, f, norm, orig: X };
  };
  const cz = clip(Z);
  const cw = clip(W);
  const z = cz.x;
  const w = cw.x;
  const m = mu ?? 1;
  const cNeg = negatives === 'offdiagonal' ? 1 / (B * (B - 1)) : 1 / (B * B);
  let P = 0;
  let N = 0;
  const gz = new Float64Array(B * k);
  const gw = new Float64Array(B * k);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let sij = 0;
      for (let a = 0; a < k; a++) sij += z[i * k + a] * w[j * k + a];
      if (i === j) P += sij;
      if (i === j && negatives === 'offdiagonal') continue;
      N += sij * sij;
      for (let a = 0; a < k; a++) {
        gz[i * k + a] += (2 * cNeg * sij * w[j * k + a]) / m;
        gw[j * k + a] += (2 * cNeg * sij * z[i * k + a]) / m;
      }
    }
  for (let i = 0; i < B * k; i++) {
    gz[i] += (-2 / B) * w[i] / m;
    gw[i] += (-2 / B) * z[i] / m;
  }
  const back = (g: Float64Array, c: ReturnType<typeof clip>) => {
    for (let i = 0; i < B; i++) {
      if (c.f[i] === 1) continue;
      let ug = 0;
      for (let a = 0; a < k; a++) ug += (c.orig[i * k + a] / c.norm[i]) * g[i * k + a];
      for (let a = 0; a < k; a++) g[i * k + a] = c.f[i] * (g[i * k + a] - ug * (c.orig[i * k + a] / c.norm[i]));
    }
  };
  back(gz, cz);
  back(gw, cw);
  const positive = ((-2 / B) * P) / m;
  const negative = (cNeg * N) / m;
  return { loss: positive + negative, positive, negative, gradZ: gz, gradW: gw };
}

/** B x k float32 pairs for the spectral loss: rows of norm ~1 (so that mu = 1 clips about half of
 * them), W correlated with Z. */
export function lossPairs(B: number, k: number, seed: number) {
  // Rows of norm ~1 (so that mu = 1 clips about half of them), W correlated with Z.
  const Z = f32(B, k, seed, 1 / Math.sqrt(k));
  const noise = f32(B, k, seed + 1, 0.5 / Math.sqrt(k));
  const W = { data: Z.data.map((v, i) => v + noise.data[i]), rows: B, cols: k };
  return { Z, W };
}
