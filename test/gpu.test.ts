// The WebGPU backend, run for real (on CI: Mesa's lavapipe). One device per process: Dawn's adapter
// gives one, and its Node binding polls on the main thread until the device is destroyed, so the
// backend is created once, every test runs serially on it, and it is disposed at the end.
//
// Tolerances: the GPU computes in float32 with fma; a dot product of length K accumulated in f32 has
// a relative error (to the sum of |terms|) below K * 2^-24 in the worst case and ~sqrt(K) * 2^-24 in
// practice; with K <= 300 and Gaussian data the max error relative to max |entry| stays below
// 2e-5, so tests use 1e-5..1e-4 relative-to-max (stated per test) against float64 references.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossGramSync, eigsh as eigshCpu, gramSync, innerGramSync, Graph, populationLossSync, SpeclinError, topK as topKCpu, topKSync } from '../src/index.js';
import type { GpuMatrix } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { randomMatrix, rng } from './helpers/random.js';
import { matmul64, relativeMaxError } from './helpers/reference.js';
import { openTestBackend } from './helpers/webgpu.js';
import { python } from './helpers/python.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

/** CSR arrays (float32 weights) of a graph given as one Map (column -> weight) per row. */
function csrFromRows(rows: Map<number, number>[]) {
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

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;
  const reductionModes: ('subgroups' | 'tree')[] = gpu.info.features.includes('subgroups') ? ['subgroups', 'tree'] : ['tree'];
  const f32 = (rows: number, cols: number, seed: number, scale = 1) => randomMatrix(Float32Array, rows, cols, seed, scale);
  const host = (m: unknown) => m as Matrix<Float32Array>;

  test.serial('info names the adapter and the limits it was opened with', (t) => {
    t.is(typeof gpu.info.vendor, 'string');
    t.is(typeof gpu.info.architecture, 'string');
    t.is(typeof gpu.info.description, 'string');
    t.true(gpu.info.limits.maxStorageBufferBindingSize >= 1 << 27);
    t.true(gpu.info.limits.maxComputeWorkgroupStorageSize >= 16384);
    if (process.env.CI) t.true(reductionModes.length === 2, 'lavapipe on CI offers subgroups, so both reduction paths run');
  });

  test.serial('upload/download round-trips matrices whose rows are padded on the GPU', async (t) => {
    for (const [r, c] of [[5, 7], [3, 8], [1, 1], [33, 129]]) {
      const m = f32(r, c, r * 100 + c);
      const g = gpu.upload(m);
      t.is(g.rows, r);
      t.is(g.cols, c);
      t.is(g.dtype, 'float32');
      t.true(g.buffer.size >= r * c * 4);
      const back = await gpu.download(g);
      t.deepEqual(back.data, m.data, 'bit-exact copy');
      g.destroy();
    }
    const b = { ...f32(3 * 6, 5, 9), rows: 6, batch: 3 };
    const gb = gpu.upload(b);
    const back = (await gpu.download(gb)) as Matrix<Float32Array> & { batch?: number };
    t.is(back.batch, 3);
    t.deepEqual(back.data, b.data);
    gb.destroy();
  });

  test.serial('bad inputs: float64 is a TypeError, bad shapes RangeErrors naming the argument', async (t) => {
    const z64 = randomMatrix(Float64Array, 4, 3, 1);
    t.throws(() => gpu.upload(z64), { instanceOf: TypeError, message: /float32/ });
    await t.throwsAsync(gpu.crossGram(z64, z64), { instanceOf: TypeError, message: /^Z: .*float32/ });
    await t.throwsAsync(gpu.crossGram(f32(4, 3, 1), f32(4, 5, 2)), { instanceOf: RangeError, message: /^W: expected 3 columns/ });
    await t.throwsAsync(gpu.innerGram(f32(4, 3, 1), f32(5, 3, 2)), { instanceOf: RangeError, message: /^W: expected 4 rows/ });
    await t.throwsAsync(gpu.gram({ data: new Float32Array(5), rows: 2, cols: 3 }), { instanceOf: RangeError, message: /^Z\.data: expected 6/ });
    await t.throwsAsync(gpu.gram({ data: new Float32Array(0), rows: 0, cols: 3 }), { instanceOf: RangeError, message: /^Z\.rows/ });
  });

  test.serial('a buffer beyond maxStorageBufferBindingSize is a RangeError, a rejected command ERR_GPU_VALIDATION; the device survives', async (t) => {
    const limit = gpu.info.limits.maxStorageBufferBindingSize;
    const n = Math.ceil(Math.sqrt(limit / 4)) + 8; // n x n float32 just over the limit
    const z = { data: new Float32Array(n * 4).fill(1), rows: n, cols: 4 };
    await t.throwsAsync(gpu.crossGram(z, z), { instanceOf: RangeError, message: /crossGram\(Z, W\) output.*maxStorageBufferBindingSize/ });
    // The pairwise loss's B x B matrix S is checked the same way, and the message names the way out.
    const B = n;
    const zb = { data: new Float32Array(B * 2).fill(0.01), rows: B, cols: 2 };
    await t.throwsAsync(gpu.spectralLoss(zb, zb, { algorithm: 'pairwise' }), { instanceOf: RangeError, message: /S = Z W\^T.*use algorithm 'gram'/ });
    const viaGram = await gpu.spectralLoss(zb, zb, { algorithm: 'gram' });
    t.true(Number.isFinite(viaGram.loss));
    // A command WebGPU rejects becomes ERR_GPU_VALIDATION, and the device stays usable.
    const { ctx } = gpu.runtime;
    const buf = ctx.storage('scratch', 64);
    const err = await t.throwsAsync(ctx.submit((enc) => enc.copyBufferToBuffer(buf, 0, buf, 0, 16)), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_GPU_VALIDATION');
    buf.destroy();
    const small = f32(9, 4, 3);
    const c = host(await gpu.crossGram(small, small));
    t.true(relativeMaxError(c.data, matmul64(small.data, 9, 4, false, small.data, 9, 4, true)) < 1e-5);
  });

  // Shapes that are not multiples of the 64 x 64 x 16 tiling, in every dimension.
  const shapes: [number, number, number][] = [[67, 129, 45], [257, 33, 70], [1, 5, 3], [130, 64, 64]];

  test.serial('crossGram, innerGram and gram match float64 references and the CPU API', async (t) => {
    for (const [r, c, r2] of shapes) {
      const Z = f32(r, c, r + c);
      const W = f32(r2, c, r2 + 7);
      const V = f32(r, r2, r * 3 + 1);
      // 1e-5 relative to the largest entry: K <= 257 float32 fma terms of Gaussian data (see top).
      const cross = host(await gpu.crossGram(Z, W));
      t.true(relativeMaxError(cross.data, matmul64(Z.data, r, c, false, W.data, r2, c, true)) < 1e-5, `crossGram ${r}x${c}x${r2}`);
      t.true(relativeMaxError(cross.data, crossGramSync(Z, W).data) < 1e-5);
      const inner = host(await gpu.innerGram(Z, V));
      t.is(inner.rows, c);
      t.is(inner.cols, r2);
      t.true(relativeMaxError(inner.data, matmul64(Z.data, r, c, true, V.data, r, r2, false)) < 1e-5, `innerGram ${r}x${c}x${r2}`);
      t.true(relativeMaxError(inner.data, innerGramSync(Z, V).data) < 1e-5);
      const g = host(await gpu.gram(Z));
      t.true(relativeMaxError(g.data, matmul64(Z.data, r, c, false, Z.data, r, c, true)) < 1e-5, `gram ${r}x${c}`);
      t.true(relativeMaxError(g.data, gramSync(Z).data) < 1e-5);
      const zz = host(await gpu.innerGram(Z, Z));
      t.true(relativeMaxError(zz.data, matmul64(Z.data, r, c, true, Z.data, r, c, false)) < 1e-5, `innerGram(Z, Z) ${r}x${c}`);
      // The mirrored triangle is the same float32 values, so the result is exactly symmetric.
      for (const [m, n] of [[g, r], [zz, c]] as const)
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (m.data[i * n + j] !== m.data[j * n + i]) return t.fail(`asymmetric at ${i},${j}`);
    }
  });

  test.serial('GPU-resident inputs give GPU-resident outputs; batches multiply entry by entry', async (t) => {
    const Z = f32(70, 20, 1);
    const W = f32(40, 20, 2);
    const gz = gpu.upload(Z);
    const out = (await gpu.crossGram(gz, W)) as GpuMatrix;
    t.is(out.constructor.name, 'GpuMatrix');
    t.is(out.rows, 70);
    t.is(out.cols, 40);
    const back = await gpu.download(out);
    t.true(relativeMaxError(back.data, matmul64(Z.data, 70, 20, false, W.data, 40, 20, true)) < 1e-5);
    out.destroy();
    gz.destroy();
    await t.throwsAsync(gpu.gram(gz), { instanceOf: SpeclinError, message: /destroyed/ });

    const batch = 3;
    const Zb = { ...f32(batch * 33, 17, 5), rows: 33, batch };
    const Wb = { ...f32(batch * 33, 9, 6), rows: 33, batch };
    const ib = (await gpu.innerGram(Zb, Wb)) as Matrix<Float32Array> & { batch?: number };
    t.is(ib.batch, batch);
    const gb = (await gpu.gram(Zb)) as Matrix<Float32Array> & { batch?: number };
    for (let b = 0; b < batch; b++) {
      const z = Zb.data.subarray(b * 33 * 17, (b + 1) * 33 * 17);
      const w = Wb.data.subarray(b * 33 * 9, (b + 1) * 33 * 9);
      t.true(relativeMaxError(ib.data.subarray(b * 17 * 9, (b + 1) * 17 * 9), matmul64(z, 33, 17, true, w, 33, 9, false)) < 1e-5);
      t.true(relativeMaxError(gb.data.subarray(b * 33 * 33, (b + 1) * 33 * 33), matmul64(z, 33, 17, false, z, 33, 17, true)) < 1e-5);
    }
  });

  /** Independent float64 reference of the spectral loss (DESIGN.md), clipping included. */
  function spectralLoss64(Z: Float32Array, W: Float32Array, B: number, k: number, mu: number | undefined, negatives: 'offdiagonal' | 'all') {
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

  const pairs = (B: number, k: number, seed: number) => {
    // Rows of norm ~1 (so that mu = 1 clips about half of them), W correlated with Z.
    const Z = f32(B, k, seed, 1 / Math.sqrt(k));
    const noise = f32(B, k, seed + 1, 0.5 / Math.sqrt(k));
    const W = { data: Z.data.map((v, i) => v + noise.data[i]), rows: B, cols: k };
    return { Z, W };
  };

  test.serial('the float64 reference gradient agrees with central differences of its loss (clipping included)', (t) => {
    const B = 5;
    const k = 3;
    const { Z, W } = pairs(B, k, 11);
    for (const mu of [undefined, 0.8]) {
      const ref = spectralLoss64(Z.data, W.data, B, k, mu, 'offdiagonal');
      for (const idx of [0, 4, 8, 14]) {
        const h = 1e-3; // float32 storage limits the step; the check is of the formula, to 1e-4
        const zp = Float32Array.from(Z.data);
        const zm = Float32Array.from(Z.data);
        zp[idx] += h;
        zm[idx] -= h;
        const hp = zp[idx] - Z.data[idx];
        const hm = Z.data[idx] - zm[idx];
        const fd = (spectralLoss64(zp, W.data, B, k, mu, 'offdiagonal').loss - spectralLoss64(zm, W.data, B, k, mu, 'offdiagonal').loss) / (hp + hm);
        t.true(Math.abs(fd - ref.gradZ[idx]) < 1e-4 * Math.max(1, Math.abs(ref.gradZ[idx])), `mu ${mu} idx ${idx}: fd ${fd} vs ${ref.gradZ[idx]}`);
      }
    }
  });

  test.serial('spectralLoss: both algorithms, both negatives, with and without mu, both reduction paths', async (t) => {
    for (const [B, k] of [[67, 33], [130, 9]] as const) {
      const { Z, W } = pairs(B, k, B + k);
      for (const mode of reductionModes) {
        gpu.reductions = mode;
        for (const algorithm of ['pairwise', 'gram'] as const)
          for (const negatives of ['offdiagonal', 'all'] as const)
            for (const mu of [undefined, 1]) {
              const what = `${B}x${k} ${algorithm} ${negatives} mu=${mu} ${mode}`;
              const ref = spectralLoss64(Z.data, W.data, B, k, mu, negatives);
              const got = await gpu.spectralLoss(Z, W, { algorithm, negatives, mu });
              // Scalars: float32 products of length k, compensated sums; 1e-5 of the terms' size.
              const size = Math.abs(ref.positive) + Math.abs(ref.negative);
              t.true(Math.abs(got.loss - ref.loss) < 1e-5 * size, `${what}: loss ${got.loss} vs ${ref.loss}`);
              t.true(Math.abs(got.positive - ref.positive) < 1e-5 * size, `${what}: positive`);
              t.true(Math.abs(got.negative - ref.negative) < 1e-5 * size, `${what}: negative`);
              // Gradients: two float32 products in sequence (lengths k, then B or k); 1e-4 of max.
              t.true(relativeMaxError(host(got.gradZ).data, ref.gradZ) < 1e-4, `${what}: gradZ ${relativeMaxError(host(got.gradZ).data, ref.gradZ)}`);
              t.true(relativeMaxError(host(got.gradW).data, ref.gradW) < 1e-4, `${what}: gradW`);
            }
      }
    }
    gpu.reductions = reductionModes[0];
  });

  test.serial('spectralLoss on GPU-resident inputs keeps the gradients on the GPU; bad options are RangeErrors', async (t) => {
    const { Z, W } = pairs(40, 6, 3);
    const gz = gpu.upload(Z);
    const gw = gpu.upload(W);
    const r = await gpu.spectralLoss(gz, gw, { mu: 1 });
    t.is(r.gradZ.constructor.name, 'GpuMatrix');
    const ref = spectralLoss64(Z.data, W.data, 40, 6, 1, 'offdiagonal');
    t.true(relativeMaxError((await gpu.download(r.gradW as GpuMatrix)).data, ref.gradW) < 1e-4);
    (r.gradZ as GpuMatrix).destroy();
    (r.gradW as GpuMatrix).destroy();
    await t.throwsAsync(gpu.spectralLoss(gz, gw, { mu: -1 }), { instanceOf: RangeError, message: /^options\.mu/ });
    await t.throwsAsync(gpu.spectralLoss(gz, gw, { negatives: 'none' as 'all' }), { instanceOf: RangeError, message: /^options\.negatives/ });
    await t.throwsAsync(gpu.spectralLoss(gz, f32(40, 5, 1)), { instanceOf: RangeError, message: /^W: expected 40 x 6/ });
    await t.throwsAsync(gpu.spectralLoss(f32(1, 4, 1), f32(1, 4, 2)), { instanceOf: RangeError, message: /at least 2 rows/ });
    gz.destroy();
    gw.destroy();
  });

  /** A random symmetric graph with weights in (0.5, 1.5] and one hub row (so row lengths vary). */
  function randomGraph(n: number, meanDegree: number, seed: number, ring = false) {
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
  type Csr = ReturnType<typeof randomGraph>;

  function spmm64(g: Csr, x: ArrayLike<number>, cols: number, normalized: boolean): Float64Array {
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

  test.serial('spmv: A x and the normalized product, vectors and several columns, lane groups from 2 to 32 lanes', async (t) => {
    for (const [n, meanDegree] of [[301, 1.5], [257, 6], [190, 70]]) {
      const g = randomGraph(n, meanDegree, n);
      const gg = gpu.uploadGraph(g);
      t.log(`n ${n}, mean row length ${(g.indices.length / n).toFixed(1)}, ${gg.group} lanes per row`);
      const x = f32(n, 1, 5).data;
      for (const normalized of [false, true]) {
        // 1e-5 relative to max: float32 sums of at most ~200 positive-weighted terms.
        const y = (await gpu.spmv(gg, x, { normalized })) as Float32Array;
        t.true(y instanceof Float32Array && y.length === n);
        t.true(relativeMaxError(y, spmm64(g, x, 1, normalized)) < 1e-5, `n ${n} normalized ${normalized}`);
        const X = f32(n, 5, 6);
        const Y = host(await gpu.spmv(g, X, { normalized }));
        t.true(relativeMaxError(Y.data, spmm64(g, X.data, 5, normalized)) < 1e-5, `n ${n} 5 columns`);
      }
      gg.destroy();
    }
    const g = randomGraph(20, 2, 1);
    // A Graph object (src/graph.ts) is accepted through its n and toCSR().
    const x20 = f32(20, 1, 9).data;
    const viaToCsr = (await gpu.spmv({ n: 20, toCSR: () => ({ indptr: Float64Array.from(g.indptr), indices: g.indices, values: g.values }) }, x20)) as Float32Array;
    t.true(relativeMaxError(viaToCsr, spmm64(g, x20, 1, false)) < 1e-5);
    await t.throwsAsync(gpu.spmv(g, new Float32Array(19)), { instanceOf: RangeError, message: /^x: expected 20 rows/ });
    await t.throwsAsync(gpu.spmv({ ...g, indices: g.indices.map((v, i) => (i === 3 ? 20 : v)) }, new Float32Array(20)), { instanceOf: RangeError, message: /^graph\.indices\[3\]/ });
    await t.throwsAsync(gpu.spmv({ ...g, indptr: g.indptr.subarray(1) }, new Float32Array(20)), { instanceOf: RangeError, message: /^graph\.indptr/ });
  });

  test.serial('spmv lane groups of 1 to 32 lanes, subgroup and tree reductions, against the CPU Graph products', async (t) => {
    // Symmetric graphs with every node paired to a neighbour (Graph refuses isolated nodes), random
    // edges up to a target mean row length, and a hub row longer than any group; n is a multiple
    // of neither 256 nor the WG_SIZE / GROUP rows a workgroup takes.
    const makeGraph = (n: number, meanRow: number, seed: number) => {
      const u = rng(seed);
      const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
      const add = (i: number, j: number, w: number) => {
        rows[i].set(j, (rows[i].get(j) ?? 0) + w);
        if (i !== j) rows[j].set(i, (rows[j].get(i) ?? 0) + w);
      };
      for (let i = 0; i < n; i += 2) add(i, (i + 1) % n, 1);
      for (let j = 2; j < n; j += 4) add(0, j, 0.75);
      while (rows.reduce((s, r) => s + r.size, 0) < meanRow * n) add(Math.floor(u() * n), Math.floor(u() * n), 0.5 + u());
      return csrFromRows(rows);
    };
    const groups = new Set<number>();
    for (const [n, meanRow, want] of [[301, 1.3, 1], [257, 3, 2], [333, 5, 4], [411, 11, 8], [263, 21, 16], [199, 45, 32]]) {
      const csr = makeGraph(n, meanRow, n + meanRow);
      const graph = Graph.fromCSR({ n, indptr: csr.indptr, indices: csr.indices, values: Float64Array.from(csr.values) });
      const gg = gpu.uploadGraph(csr);
      t.is(gg.group, want, `n ${n}: mean row length ${(csr.indices.length / n).toFixed(2)}`);
      groups.add(gg.group);
      const x = f32(n, 1, n).data;
      const x64 = Float64Array.from(x);
      const cpuA = graph.spmv(x64) as Float64Array;
      const cpuNorm = new Float64Array(n);
      graph.normalized().multiply(x64, cpuNorm, 1);
      const deg = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let p = csr.indptr[i]; p < csr.indptr[i + 1]; p++) deg[i] += csr.values[p];
      for (const mode of reductionModes) {
        gpu.reductions = mode;
        for (const normalized of [false, true]) {
          const y = (await gpu.spmv(gg, x, { normalized })) as Float32Array;
          const want64 = normalized ? cpuNorm : cpuA;
          // Per row, the float32 dot-product bound: |error| <= (len + 4) u sum_j |a_ij d_i d_j x_j|
          // (u = 2^-24; len roundings in the row's sum however the lanes split it, four more for the
          // float32 degrees' scalings). A lane's partial lost or counted twice breaks it by a whole
          // term, far above this bound.
          let worst = 0;
          for (let i = 0; i < n; i++) {
            let magnitude = 0;
            for (let p = csr.indptr[i]; p < csr.indptr[i + 1]; p++) {
              const j = csr.indices[p];
              const scale = normalized ? 1 / Math.sqrt(deg[i] * deg[j]) : 1;
              magnitude += Math.abs(csr.values[p] * scale * x[j]);
            }
            const len = csr.indptr[i + 1] - csr.indptr[i];
            worst = Math.max(worst, Math.abs(y[i] - want64[i]) / ((len + 4) * 2 ** -24 * magnitude));
          }
          t.true(worst <= 1, `n ${n}, ${gg.group} lanes, ${mode}, normalized ${normalized}: error ${worst.toFixed(2)} of the bound`);
        }
      }
      gg.destroy();
    }
    gpu.reductions = reductionModes[0];
    t.deepEqual([...groups].sort((a, b) => a - b), [1, 2, 4, 8, 16, 32]);
    if (gpu.info.subgroupMinSize !== undefined) t.log(`subgroup sizes ${gpu.info.subgroupMinSize}..${gpu.info.subgroupMaxSize}`);
  });

  test.serial('populationLoss matches the float64 formula, and its gradient', async (t) => {
    // n k = 900 floats: one workgroup of partial sums; n k = 24000: 24 of them (two regions).
    for (const [mode, n, k] of reductionModes.flatMap((m) => [[m, 150, 6], [m, 3000, 8]] as const)) {
      gpu.reductions = mode;
      const g = randomGraph(n, 5, 21);
      const E = f32(g.n, k, 22, 3);
      let total = 0;
      for (const w of g.values) total += w;
      const deg = new Float64Array(g.n);
      for (let i = 0; i < g.n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg[i] += g.values[p];
      const AE = spmm64(g, E.data, k, false).map((v) => v / total);
      let trace = 0;
      for (let i = 0; i < g.n * k; i++) trace += E.data[i] * AE[i];
      const M = new Float64Array(k * k);
      for (let i = 0; i < g.n; i++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) M[a * k + b] += (deg[i] / total) * E.data[i * k + a] * E.data[i * k + b];
      let norm2 = 0;
      for (const v of M) norm2 += v * v;
      const grad = new Float64Array(g.n * k);
      for (let i = 0; i < g.n; i++)
        for (let a = 0; a < k; a++) {
          let s = 0;
          for (let b = 0; b < k; b++) s += E.data[i * k + b] * M[b * k + a];
          grad[i * k + a] = -4 * AE[i * k + a] + 4 * (deg[i] / total) * s;
        }
      const r = await gpu.populationLoss(g, E);
      // 1e-5 of the terms' size: float32 products, compensated reductions.
      t.true(Math.abs(r.loss - (-2 * trace + norm2)) < 1e-5 * (2 * Math.abs(trace) + norm2), `${mode}: ${r.loss} vs ${-2 * trace + norm2}`);
      t.true(relativeMaxError(host(r.grad).data, grad) < 1e-4, `${mode}: grad`);
    }
    gpu.reductions = reductionModes[0];
  });

  test.serial('a speclin Graph on the GPU: spmv and populationLoss agree with the CPU API', async (t) => {
    const csr = randomGraph(400, 6, 51, true);
    const graph = Graph.fromCSR({ n: csr.n, indptr: csr.indptr, indices: csr.indices, values: Float64Array.from(csr.values) });
    const x = f32(csr.n, 1, 52).data;
    // 1e-5 relative to max: float32 sums of short rows against the CPU's float64 graph products.
    const cpuY = graph.spmv(Float64Array.from(x)) as Float64Array;
    t.true(relativeMaxError((await gpu.spmv(graph, x)) as Float32Array, cpuY) < 1e-5);
    const E = f32(csr.n, 5, 53, 2);
    const cpu = populationLossSync(graph, { data: Float64Array.from(E.data), rows: csr.n, cols: 5 });
    const got = await gpu.populationLoss(graph, E);
    // The loss to 1e-5 of |loss| plus its terms' size (float32 products, compensated sums).
    t.true(Math.abs(got.loss - cpu.loss) < 1e-5 * (Math.abs(cpu.loss) + 1), `${got.loss} vs ${cpu.loss}`);
    t.true(relativeMaxError(host(got.grad).data, cpu.grad.data) < 1e-4);
  });

  test.serial('topK: exact maximum inner product search, ties to the lower index', async (t) => {
    const nq = 37;
    const nk = 301;
    const d = 19;
    const Q = f32(nq, d, 31);
    const K = f32(nk, d, 32);
    // Key 200 duplicates key 100: equal float32 scores, so 100 must come first wherever both rank.
    K.data.copyWithin(200 * d, 100 * d, 101 * d);
    const k = 7;
    const r = await gpu.topK(Q, K, k);
    t.is(r.indices.length, nq * k);
    const S = matmul64(Q.data, nq, d, false, K.data, nk, d, true);
    for (let q = 0; q < nq; q++) {
      const order = Array.from({ length: nk }, (_, j) => j).sort((a, b) => S[q * nk + b] - S[q * nk + a] || a - b);
      for (let r2 = 0; r2 < k; r2++) {
        const j = r.indices[q * k + r2];
        // Scores agree with float64 to 1e-5 of the row's largest |score| (length-19 f32 dots);
        // the rank-r2 score must equal the reference's rank-r2 score to that tolerance.
        const tol = 1e-5 * Math.abs(S[q * nk + order[0]]);
        t.true(Math.abs(r.scores[q * k + r2] - S[q * nk + j]) <= tol);
        t.true(Math.abs(r.scores[q * k + r2] - S[q * nk + order[r2]]) <= tol, `query ${q} rank ${r2}`);
        if (r2 > 0) t.true(r.scores[q * k + r2] <= r.scores[q * k + r2 - 1]);
      }
      const seen = new Set(Array.from(r.indices.subarray(q * k, q * k + k)));
      t.is(seen.size, k, 'no key twice');
      if (seen.has(200)) t.true(seen.has(100) && [...r.indices.subarray(q * k, q * k + k)].indexOf(100) < [...r.indices.subarray(q * k, q * k + k)].indexOf(200));
    }
    // Queries split into chunks whose score rows fit one binding: lowering the binding limit the
    // backend reads makes 45 queries x 50 keys (208 bytes a row) take chunks of 19, 19 and 7.
    const limits = gpu.info.limits;
    const saved = limits.maxStorageBufferBindingSize;
    const Qc = f32(45, 5, 41);
    const Kc = f32(50, 5, 42);
    let chunked;
    limits.maxStorageBufferBindingSize = 4096;
    try {
      chunked = await gpu.topK(Qc, Kc, 3);
    } finally {
      limits.maxStorageBufferBindingSize = saved;
    }
    const whole = await gpu.topK(Qc, Kc, 3);
    t.deepEqual(chunked.indices, whole.indices);
    t.deepEqual(chunked.scores, whole.scores);
    const Sc = matmul64(Qc.data, 45, 5, false, Kc.data, 50, 5, true);
    for (let q = 0; q < 45; q++) {
      const row = Array.from(Sc.subarray(q * 50, q * 50 + 50));
      t.is(chunked.indices[q * 3], row.indexOf(Math.max(...row)), `query ${q}`);
    }

    const dup = { data: new Float32Array(4 * 3).fill(1), rows: 4, cols: 3 };
    const tie = await gpu.topK(f32(1, 3, 1), dup, 4);
    t.deepEqual([...tie.indices], [0, 1, 2, 3]);
    await t.throwsAsync(gpu.topK(Q, K, nk + 1), { instanceOf: RangeError, message: /^k: expected an integer in \[1, 301\]/ });
    await t.throwsAsync(gpu.topK(Q, f32(5, d + 1, 1), 1), { instanceOf: RangeError, message: /^keys: expected 19 columns/ });
  });

  test.serial('topK: NaN or Infinity in the queries or keys is the CPU topK\'s RangeError, typed arrays and GpuMatrix alike', async (t) => {
    // Columns 6 (rows padded to 8 on the GPU, the padding must not count) and 9 (3 vec4s a row).
    for (const d of [6, 9]) {
      const Q = f32(23, d, 51);
      const K = f32(70, d, 52);
      const poison = (m: Matrix<Float32Array>, at: [number, number][], value: number) => {
        const data = Float32Array.from(m.data);
        for (const [r, c] of at) data[r * d + c] = value;
        return { data, rows: m.rows, cols: m.cols };
      };
      const cases: [string, Matrix<Float32Array>, Matrix<Float32Array>, RegExp][] = [
        ['NaN in keys row 7', Q, poison(K, [[7, d - 1]], NaN), /^topK: keys row 7 contains NaN or Infinity$/],
        // The first bad row is named, whatever order the device's invocations ran in.
        ['-Infinity in keys rows 69 and 3', Q, poison(K, [[69, 0], [3, 2]], -Infinity), /^topK: keys row 3 contains NaN or Infinity$/],
        // The queries are checked before the keys, as on the CPU.
        ['Infinity in queries row 22, NaN in keys row 0', poison(Q, [[22, 4]], Infinity), poison(K, [[0, 0]], NaN), /^topK: queries row 22 contains NaN or Infinity$/],
        ['NaN in queries rows 5 and 0', poison(Q, [[5, 1], [0, d - 1]], NaN), K, /^topK: queries row 0 contains NaN or Infinity$/],
      ];
      for (const [what, q, k, message] of cases) {
        t.throws(() => topKSync(q, k, 4), { instanceOf: RangeError, message }, `CPU sync, ${what}, d ${d}`);
        await t.throwsAsync(topKCpu(q, k, 4), { instanceOf: RangeError, message }, `CPU, ${what}, d ${d}`);
        await t.throwsAsync(gpu.topK(q, k, 4), { instanceOf: RangeError, message }, `GPU typed arrays, ${what}, d ${d}`);
        const gq = gpu.upload(q);
        const gk = gpu.upload(k);
        try {
          await t.throwsAsync(gpu.topK(gq, gk, 4), { instanceOf: RangeError, message }, `GPU GpuMatrix, ${what}, d ${d}`);
          await t.throwsAsync(gpu.topK(gq, k, 4), { instanceOf: RangeError, message }, `GPU mixed, ${what}, d ${d}`);
        } finally {
          gq.destroy();
          gk.destroy();
        }
      }
      // Finite inputs pass the check on both backends and select the same keys (the scores are
      // float32 dot products of length <= 9 of N(0,1) data; no near-ties at this seed, so the
      // orders agree exactly).
      const cpu = topKSync(Q, K, 4);
      const gq = gpu.upload(Q);
      const onGpu = await gpu.topK(gq, K, 4);
      gq.destroy();
      t.deepEqual(onGpu.indices, cpu.indices, `d ${d}`);
      t.true(relativeMaxError(onGpu.scores, cpu.scores) < 1e-5);
    }
    // Query chunks (a lowered binding limit: 45 queries in chunks of 19, 19, 7): a bad row in the
    // last chunk, and in the keys, are still found, and by the one readback of the indices.
    const limits = gpu.info.limits;
    const saved = limits.maxStorageBufferBindingSize;
    const Qc = f32(45, 5, 41);
    Qc.data[44 * 5 + 3] = NaN;
    limits.maxStorageBufferBindingSize = 4096;
    try {
      await t.throwsAsync(gpu.topK(Qc, f32(50, 5, 42), 3), { instanceOf: RangeError, message: /^topK: queries row 44 contains NaN or Infinity$/ });
    } finally {
      limits.maxStorageBufferBindingSize = saved;
    }
    t.throws(() => topKSync(Qc, f32(50, 5, 42), 3), { instanceOf: RangeError, message: /^topK: queries row 44 contains NaN or Infinity$/ });
    // Finite inputs whose dot product is NaN: with K = 8192 and one output tile the GEMM splits K
    // into slices, the first half's slices overflow to +Inf and the second half's to -Inf, and
    // their sum is NaN. That score is never selected: with k = every key its slot is index -1.
    const dk = 8192;
    const keys3 = new Float32Array(3 * dk);
    for (let j = 0; j < dk; j++) [keys3[j], keys3[dk + j], keys3[2 * dk + j]] = [j < dk / 2 ? 1 : -1, 1e-30, 2e-30];
    const q3 = { data: new Float32Array(dk).fill(3e38), rows: 1, cols: dk };
    const overflow = await gpu.topK(q3, { data: keys3, rows: 3, cols: dk }, 3);
    t.deepEqual([...overflow.indices], [2, 1, -1]);
    // The CPU's blocked GEMM makes the same NaN (+Inf from the first half's depth blocks, -Inf from
    // the second's), and skips it the same way: the same indices, and the same score 0 in the -1 slot.
    const cpuOverflow = topKSync(q3, { data: keys3, rows: 3, cols: dk }, 3);
    t.deepEqual(cpuOverflow.indices, overflow.indices);
    t.is(overflow.scores[2], 0);
    t.is(cpuOverflow.scores[2], 0);
    // Two sums of 8192 equal positive float32 terms (3e38 x 1e-30 and x 2e-30) in different orders:
    // each within (n - 1) u ~ 4.9e-4 of the exact value (Higham, Thm 3.5), so 1e-3 apart at most.
    for (const j of [0, 1]) t.true(Math.abs(overflow.scores[j] - cpuOverflow.scores[j]) <= 1e-3 * cpuOverflow.scores[j], `slot ${j}`);
    // +Inf and -Inf scores are ranked as numbers on both backends, ties by the lower index; NaN
    // (keys 0 and 5, halves of opposite signs) never. Query 1 is the negated query 0.
    const q2 = { data: new Float32Array(2 * dk), rows: 2, cols: dk };
    q2.data.fill(3e38, 0, dk).fill(-3e38, dk);
    const pattern = [(j: number) => (j < dk / 2 ? 1 : -1), () => 1, () => -1, () => 1e-30, () => 1, (j: number) => (j < dk / 2 ? -1 : 1), () => -1e-30, () => -1];
    const keys8 = { data: new Float32Array(8 * dk), rows: 8, cols: dk };
    pattern.forEach((value, i) => { for (let j = 0; j < dk; j++) keys8.data[i * dk + j] = value(j); });
    const infGpu = await gpu.topK(q2, keys8, 8);
    const infCpu = topKSync(q2, keys8, 8);
    t.deepEqual([...infGpu.indices], [1, 4, 3, 6, 2, 7, -1, -1, 2, 7, 6, 3, 1, 4, -1, -1]);
    t.deepEqual(infCpu.indices, infGpu.indices);
    for (const j of [0, 1, 4, 5, 8, 9, 12, 13, 6, 7, 14, 15]) t.is(infGpu.scores[j], infCpu.scores[j], `slot ${j}: +-Inf or the 0 of index -1, exactly`);
    // The failed calls freed what they made: the backend still answers correctly.
    const after = await gpu.topK(f32(3, 4, 1), f32(9, 4, 2), 2);
    t.deepEqual(after.indices, topKSync(f32(3, 4, 1), f32(9, 4, 2), 2).indices);
  });

  pyTest.serial('eigsh on the GPU: top eigenpairs of the normalized graph against numpy and scipy', async (t) => {
    // Every mode runs the smaller case (the norms use workgroup_sum); the first also the larger.
    const cases = reductionModes.flatMap((mode, i) => (i === 0 ? [[300, 6, 4, mode], [150, 3, 3, mode]] : [[150, 3, 3, mode]]) as [number, number, number, 'subgroups' | 'tree'][]);
    for (const [n, meanDegree, k, mode] of cases) {
      gpu.reductions = mode;
      const g = randomGraph(n, meanDegree, n + 1);
      // Dense float64 reference by numpy: the spectrum of D^-1/2 A D^-1/2.
      const dense = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) dense[i][g.indices[p]] = g.values[p];
      const want = python<number[]>(
        'import json,sys,numpy as np\nA=np.array(json.load(sys.stdin))\nd=A.sum(1)\ns=np.where(d>0,1/np.sqrt(d),0)\n' +
          'w=np.linalg.eigvalsh(s[:,None]*A*s[None,:])\nprint(json.dumps(sorted(w.tolist(),reverse=True)))',
        dense,
      );
      const r = await gpu.eigsh(g, { k, tol: 1e-5, seed: 1 });
      t.true(r.converged);
      t.is(r.vectors.rows, n);
      t.is(r.vectors.cols, k);
      // Eigenvalues of a norm-1 operator from float32 Lanczos: 1e-5 absolute (the residual tolerance
      // bounds the eigenvalue error by the residual for a symmetric matrix).
      for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-5, `n ${n}: value ${i}: ${r.values[i]} vs ${want[i]}`);
      // Each Ritz pair's true residual ||Ā y - θ y|| / ||y||, in float64 on the host: the float32
      // vectors are accurate to ~1e-6 per entry, so 1e-4 bounds it with room.
      const deg = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg[i] += g.values[p];
      for (let c = 0; c < k; c++) {
        const y = Float64Array.from({ length: n }, (_, i) => r.vectors.data[i * k + c]);
        const Ay = spmm64(g, y, 1, true);
        let res = 0;
        let ny = 0;
        for (let i = 0; i < n; i++) {
          res += (Ay[i] - r.values[c] * y[i]) ** 2;
          ny += y[i] ** 2;
        }
        t.true(Math.sqrt(res / ny) < 1e-4, `n ${n}: residual of pair ${c}: ${Math.sqrt(res / ny)}`);
      }
      t.log(`n ${n}, k ${k}, ${mode}: ${r.iterations} restarts, ${r.matvecs} products`);
    }
    gpu.reductions = reductionModes[0];

    // A graph with basis rows longer than one basis_dots chunk (8192 floats): scipy's eigsh as the
    // reference, and the true residuals in float64 as above.
    const big = randomGraph(9000, 4, 77);
    const ref = python<number[]>(
      'import json,sys,numpy as np,scipy.sparse as sp,scipy.sparse.linalg as sl\nd=json.load(sys.stdin)\n' +
        "A=sp.csr_matrix((np.array(d['values']),np.array(d['indices']),np.array(d['indptr'])),shape=(d['n'],d['n']))\n" +
        'deg=np.asarray(A.sum(1)).ravel()\ns=sp.diags(np.where(deg>0,1/np.sqrt(deg),0))\n' +
        "w=sl.eigsh(s@A@s,k=3,which='LA',tol=1e-12)[0]\nprint(json.dumps(sorted(w.tolist(),reverse=True)))",
      { n: big.n, indptr: Array.from(big.indptr), indices: Array.from(big.indices), values: Array.from(big.values) },
    );
    // Many components (isolated pairs) here: deflation alone would answer (three copies of 1, no
    // Lanczos step), so deflate: false keeps this a test of Lanczos over long rows.
    const rb = await gpu.eigsh(big, { k: 3, tol: 1e-5, seed: 2, deflate: false });
    for (let i = 0; i < 3; i++) t.true(Math.abs(rb.values[i] - ref[i]) < 1e-5, `n 9000: value ${i}: ${rb.values[i]} vs ${ref[i]}`);
    for (let c = 0; c < 3; c++) {
      const y = Float64Array.from({ length: big.n }, (_, i) => rb.vectors.data[i * 3 + c]);
      const Ay = spmm64(big, y, 1, true);
      let res = 0;
      let ny = 0;
      for (let i = 0; i < big.n; i++) {
        res += (Ay[i] - rb.values[c] * y[i]) ** 2;
        ny += y[i] ** 2;
      }
      t.true(Math.sqrt(res / ny) < 1e-4, `n 9000: residual of pair ${c}: ${Math.sqrt(res / ny)}`);
    }
    t.log(`n 9000, k 3: ${rb.iterations} restarts, ${rb.matvecs} products`);
    const locked = await gpu.eigsh(big, { k: 3 });
    t.deepEqual([locked.iterations, locked.matvecs], [0, 3]);
    for (let i = 0; i < 3; i++) t.true(Math.abs(locked.values[i] - ref[i]) < 1e-6, `n 9000, deflated: value ${i}: ${locked.values[i]}`);

    const g = randomGraph(50, 4, 2);
    await t.throwsAsync(gpu.eigsh(g, { k: 50 }), { instanceOf: RangeError, message: /^options\.k/ });
    await t.throwsAsync(gpu.eigsh(g, { k: 2, tol: 1e-9 }), { instanceOf: RangeError, message: /^options\.tol/ });
    const err = await t.throwsAsync(gpu.eigsh(randomGraph(120, 8, 3), { k: 3, maxIterations: 1, ncv: 5 }), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_NOT_CONVERGED');
    t.truthy((err as SpeclinError).partial);
  });

  /** Block-diagonal union of graphs: one connected component per part. */
  function disjointUnion(parts: Csr[]): Csr {
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

  /** max |Y^T Y - I| of the n x k row-major float32 columns, in float64. */
  function orthonormalityError(Y: Float32Array, n: number, k: number): number {
    let worst = 0;
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Y[i * k + a] * Y[i * k + b];
        worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
      }
    return worst;
  }

  /** ||Ā y - θ y|| / ||y|| of column c, in float64 on the host. */
  function trueResidual(g: Csr, Y: Float32Array, k: number, c: number, theta: number): number {
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

  test.serial('eigsh on the GPU deflates the connected components: every copy of 1, the CPU eigsh\'s pairs', async (t) => {
    // Three components of 37, 101 and 75 nodes (no size a multiple of the workgroup size 256 or of
    // the 64-float row padding): Ā has the eigenvalue 1 three times, then the components' own
    // second eigenvalues.
    const sizes = [37, 101, 75];
    const g = disjointUnion(sizes.map((n, i) => randomGraph(n, 4, 40 + i, true)));
    const n = g.n;
    const deg = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg[i] += g.values[p];
    // The component vectors D^{1/2} 1_C / ||.||, in float64, to check that each copy of 1 is there.
    const componentVectors: Float64Array[] = [];
    let start = 0;
    for (const size of sizes) {
      const u = new Float64Array(n);
      let s = 0;
      for (let i = start; i < start + size; i++) s += deg[i];
      for (let i = start; i < start + size; i++) u[i] = Math.sqrt(deg[i] / s);
      componentVectors.push(u);
      start += size;
    }
    const cpuGraph = Graph.fromCSR({ n, indptr: g.indptr, indices: g.indices, values: Float64Array.from(g.values) });
    const cpu = await eigshCpu(cpuGraph, { k: 5, tol: 1e-12 });
    t.deepEqual([...cpu.values.subarray(0, 3)].map((v) => Math.abs(v - 1) < 1e-12), [true, true, true]);
    t.true(cpu.values[3] < 1 - 1e-2, 'a spectral gap below the copies of 1');

    const resident = gpu.uploadGraph(g);
    try {
      // The host CSR arrays (components by union-find on the host), the resident graph (its arrays
      // read back once) and a speclin Graph (its cached components()) give the same deflation.
      for (const [what, input] of [['CSR arrays', g], ['resident GpuGraph', resident], ['Graph', cpuGraph]] as const) {
        const r = await gpu.eigsh(input, { k: 5, tol: 1e-5, seed: 3 });
        t.true(r.converged, what);
        t.deepEqual([r.vectors.rows, r.vectors.cols], [n, 5]);
        // Every copy of 1: a locked vector's Rayleigh quotient in float64 from its float32 entries
        // and the float32 product (a few 1e-8 each, relative): 1e-6.
        for (let i = 0; i < 3; i++) t.true(Math.abs(r.values[i] - 1) < 1e-6, `${what}: value ${i}: ${r.values[i]}`);
        // The Lanczos pairs in the complement: 1e-5 absolute (the residual tolerance bounds the
        // eigenvalue error of a norm-1 symmetric operator), against the CPU to 1e-12.
        for (let i = 3; i < 5; i++) t.true(Math.abs(r.values[i] - cpu.values[i]) < 1e-5, `${what}: value ${i}: ${r.values[i]} vs ${cpu.values[i]}`);
        // Orthonormal columns: float32 vectors (2^-24 per entry), the Lanczos ones combined from
        // ~20 basis rows orthogonalized twice against the locked ones: 1e-5 bounds |Y^T Y - I|.
        const orth = orthonormalityError(r.vectors.data, n, 5);
        t.true(orth < 1e-5, `${what}: |Y^T Y - I| = ${orth}`);
        // True residuals, as in the test above: 1e-4 (tol 1e-5 plus float32 rounding of y).
        for (let c = 0; c < 5; c++) {
          const res = trueResidual(g, r.vectors.data, 5, c, r.values[c]);
          t.true(res < 1e-4, `${what}: residual of pair ${c}: ${res}`);
          t.true(r.residuals[c] < 1e-4, `${what}: reported residual ${c}: ${r.residuals[c]}`);
        }
        // Each component's vector lies in the span of the three returned copies of 1 (to 1e-6).
        for (const [q, u] of componentVectors.entries()) {
          let proj = 0;
          for (let c = 0; c < 3; c++) {
            let d = 0;
            for (let i = 0; i < n; i++) d += u[i] * r.vectors.data[i * 5 + c];
            proj += d * d;
          }
          t.true(Math.sqrt(proj) > 1 - 1e-6, `${what}: component ${q} projects to ${Math.sqrt(proj)}`);
        }
        t.log(`${what}: k 5, 3 components: ${r.iterations} restarts, ${r.matvecs} products`);
      }

      // Basis rows longer than one basis_dots chunk (8192 floats) with locked rows in the basis:
      // two components of 4999 and 4200 nodes, k = 4 (two locked, two from Lanczos), against the
      // CPU eigsh with the tolerances above.
      const long = disjointUnion([randomGraph(4999, 6, 91, true), randomGraph(4200, 6, 92, true)]);
      const longCpu = await eigshCpu(Graph.fromCSR({ n: long.n, indptr: long.indptr, indices: long.indices, values: Float64Array.from(long.values) }), { k: 4, tol: 1e-12 });
      const rl = await gpu.eigsh(long, { k: 4, tol: 1e-5, seed: 4 });
      for (let i = 0; i < 4; i++) {
        t.true(Math.abs(rl.values[i] - longCpu.values[i]) < (i < 2 ? 1e-6 : 1e-5), `n 9199: value ${i}: ${rl.values[i]} vs ${longCpu.values[i]}`);
        t.true(trueResidual(long, rl.vectors.data, 4, i, rl.values[i]) < 1e-4, `n 9199: residual ${i}`);
      }
      t.true(orthonormalityError(rl.vectors.data, long.n, 4) < 1e-5);
      t.log(`n 9199, 2 components, k 4: ${rl.iterations} restarts, ${rl.matvecs} products`);

      // k = 2 < c: two copies of 1, no Lanczos step (two checking products only).
      const two = await gpu.eigsh(resident, { k: 2 });
      t.deepEqual([two.iterations, two.matvecs, two.vectors.cols], [0, 2, 2]);
      for (let c = 0; c < 2; c++) {
        t.true(Math.abs(two.values[c] - 1) < 1e-6, `k 2: value ${c}: ${two.values[c]}`);
        t.true(trueResidual(g, two.vectors.data, 2, c, two.values[c]) < 1e-6);
      }
      t.true(orthonormalityError(two.vectors.data, n, 2) < 1e-6);

      // A stored zero weight couples nothing: two triangles joined by a 0-weight pair are two
      // components (two copies of 1, no Lanczos step), from CSR arrays and from a resident graph.
      const triangles = [[1, 2], [0, 2], [0, 1, 3], [2, 4, 5], [3, 5], [3, 4]].map((nb, i) => new Map(nb.map((j) => [j, (i === 2 && j === 3) || (i === 3 && j === 2) ? 0 : 1] as [number, number])));
      const tri = csrFromRows(triangles);
      const triResident = gpu.uploadGraph(tri);
      for (const input of [tri, triResident]) {
        const r = await gpu.eigsh(input, { k: 2 });
        t.deepEqual([r.iterations, r.matvecs], [0, 2]);
        t.true(r.values.every((v) => Math.abs(v - 1) < 1e-6), `zero-weight pair: ${r.values}`);
      }
      triResident.destroy();

      // The component vectors given explicitly (as float64 columns): the same pairs.
      const block = new Float64Array(n * 3);
      componentVectors.forEach((u, q) => u.forEach((x, i) => (block[i * 3 + q] = x)));
      const given = await gpu.eigsh(resident, { k: 5, tol: 1e-5, seed: 3, deflate: { data: block, rows: n, cols: 3 } });
      for (let i = 0; i < 5; i++) t.true(Math.abs(given.values[i] - cpu.values[i]) < 1e-5, `given block: value ${i}: ${given.values[i]}`);

      // A column that is not an eigenvector is a RangeError naming it (column 1: the sum of two
      // component vectors plus a bump is far from any eigenvector).
      const bad = block.slice();
      for (let i = 0; i < n; i++) bad[i * 3 + 1] += bad[i * 3 + 2] + (i === 50 ? 0.3 : 0);
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: bad, rows: n, cols: 3 } }), { instanceOf: RangeError, message: /^options\.deflate: column 1 is not an eigenvector/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: new Float64Array(n * 2), rows: n, cols: 2 } }), { instanceOf: RangeError, message: /^options\.deflate: column 0 is zero/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: block, rows: n - 1, cols: 3 } }), { instanceOf: RangeError, message: /^options\.deflate: expected n = 213 rows/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, normalized: false, deflate: true }), { instanceOf: TypeError, message: /^options\.deflate/ });

      // deflate: false is the single-vector solver alone (the solver as it was before deflation):
      // it sees the eigenspace of 1 only through the start vector's projection and float32 rounding
      // noise, so whether and when further copies appear is not guaranteed. What holds: true
      // eigenpairs (each value within 1e-5 of one of the CPU's top 10, residuals below 1e-4).
      const cpu10 = await eigshCpu(cpuGraph, { k: 10, tol: 1e-12 });
      const plain = await gpu.eigsh(resident, { k: 3, tol: 1e-5, seed: 3, deflate: false });
      t.true(plain.iterations > 0);
      for (let c = 0; c < 3; c++) {
        t.true(cpu10.values.some((v) => Math.abs(v - plain.values[c]) < 1e-5), `deflate false: value ${c}: ${plain.values[c]}`);
        t.true(trueResidual(g, plain.vectors.data, 3, c, plain.values[c]) < 1e-4);
      }
      t.log(`deflate false: values ${[...plain.values].map((v) => v.toFixed(8))}, ${plain.iterations} restarts, ${plain.matvecs} products`);
    } finally {
      resident.destroy();
    }
  });

  test.serial('a process that used the backend and disposed it exits by itself, cleanly', (t) => {
    // A separate process with its own device (one device per process still holds). It guards
    // against a hang (Dawn's binding polling on the main thread) and a crash at exit (as when Dawn's
    // instance was collected before the device: a segfault in ProcessEvents, fixed in device.ts).
    // It also opens its device without the 'subgroups' feature: reductions are then the tree,
    // and asking for subgroups is a RangeError.
    const code =
      "import { createWebGpuBackend } from './src/gpu/backend.ts';" +
      'const b = await createWebGpuBackend({ disableSubgroups: true });' +
      'const r = await b.gram({ data: new Float32Array(12).fill(1), rows: 3, cols: 4 });' +
      "let refused = false; try { b.reductions = 'subgroups'; } catch (e) { refused = e instanceof RangeError; }" +
      "process.stdout.write(`${r.data[0]} ${b.reductions} ${refused}`);" +
      'b.dispose();';
    const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {
      cwd: path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    t.is(r.signal, null, 'not killed by the 60 s timeout');
    t.is(r.status, 0, r.stderr);
    t.is(r.stdout, '4 tree true');
  });

  test.serial('concurrent calls on one backend each get their own correct result', async (t) => {
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => [f32(20 + i * 13, 11, 100 + i), f32(9 + i, 11, 200 + i)] as const);
    const results = await Promise.all(inputs.map(([Z, W]) => gpu.crossGram(Z, W)));
    results.forEach((c, i) => {
      const [Z, W] = inputs[i];
      t.true(relativeMaxError(host(c).data, matmul64(Z.data, Z.rows, 11, false, W.data, W.rows, 11, true)) < 1e-5);
    });
    // A failing call among them rejects alone.
    const mixed = await Promise.allSettled([gpu.gram(inputs[0][0]), gpu.crossGram(inputs[0][0], f32(3, 4, 1)), gpu.gram(inputs[1][0])]);
    t.deepEqual(mixed.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  });

  test.serial('grids split over x and y when workgroups exceed the per-dimension limit; long K, split K', async (t) => {
    // Lowering the limit the dispatcher reads sends every kernel through the 2-D grid path that
    // real sizes take past 65535 workgroups (which would need buffers beyond lavapipe's 128 MiB).
    const limits = gpu.info.limits;
    const saved = limits.maxComputeWorkgroupsPerDimension;
    limits.maxComputeWorkgroupsPerDimension = 5;
    try {
      const Z = f32(300, 70, 1);
      const W = f32(200, 70, 2);
      const c = host(await gpu.crossGram(Z, W)); // 5 x 4 tiles -> a 5 x 4 grid
      t.true(relativeMaxError(c.data, matmul64(Z.data, 300, 70, false, W.data, 200, 70, true)) < 1e-5);
      const g = host(await gpu.gram(Z)); // 15 upper tiles
      t.true(relativeMaxError(g.data, matmul64(Z.data, 300, 70, false, Z.data, 300, 70, true)) < 1e-5);
      const graph = randomGraph(1500, 3, 4); // > 3 workgroups of rows
      const x = f32(1500, 1, 5).data;
      t.true(relativeMaxError((await gpu.spmv(graph, x, { normalized: true })) as Float32Array, spmm64(graph, x, 1, true)) < 1e-5);
      const X = f32(1500, 3, 6);
      t.true(relativeMaxError(host(await gpu.spmv(graph, X)).data, spmm64(graph, X.data, 3, false)) < 1e-5);
      const { Z: Zl, W: Wl } = pairs(1500, 5, 7); // row kernels: 6 workgroups of 256 rows
      const ref = spectralLoss64(Zl.data, Wl.data, 1500, 5, 1, 'offdiagonal');
      const got = await gpu.spectralLoss(Zl, Wl, { algorithm: 'gram', mu: 1 });
      t.true(Math.abs(got.loss - ref.loss) < 1e-5 * (Math.abs(ref.positive) + Math.abs(ref.negative)));
      t.true(relativeMaxError(host(got.gradZ).data, ref.gradZ) < 1e-4);
      const tk = await gpu.topK(f32(10, 4, 8), f32(50, 4, 9), 2); // 10 query workgroups
      const S = matmul64(f32(10, 4, 8).data, 10, 4, false, f32(50, 4, 9).data, 50, 4, true);
      for (let q = 0; q < 10; q++) t.is(tk.indices[q * 2], S.subarray(q * 50, q * 50 + 50).indexOf(Math.max(...S.subarray(q * 50, q * 50 + 50))));
      // Past limit^2 workgroups the dispatch is refused with a RangeError before anything is
      // submitted, and the error scopes stay balanced (the next call works).
      await t.throwsAsync(gpu.crossGram(f32(64 * 6, 4, 1), f32(64 * 5, 4, 2)), { instanceOf: RangeError, message: /exceeds this adapter's limits/ });
    } finally {
      limits.maxComputeWorkgroupsPerDimension = saved;
    }
    // A long K: 1000 / 16 = 63 k-tiles. 2e-5: length-1000 float32 sums (see the top of the file).
    const A = f32(67, 1000, 10);
    const Bm = f32(33, 1000, 11);
    t.true(relativeMaxError(host(await gpu.crossGram(A, Bm)).data, matmul64(A.data, 67, 1000, false, Bm.data, 33, 1000, true)) < 2e-5);
    // Few output tiles and K >= 4096 take the split-K path (slices of >= 2048 added in a fixed
    // order). 5e-5: length-20000 float32 sums of Gaussian data, sqrt(K) 2^-24 ~ 1e-5 in practice.
    const tall = f32(5000, 7, 12);
    const zz = host(await gpu.innerGram(tall, tall));
    t.true(relativeMaxError(zz.data, matmul64(tall.data, 5000, 7, true, tall.data, 5000, 7, false)) < 5e-5, 'innerGram(Z, Z), K = 5000');
    for (let i = 0; i < 7; i++) for (let j = 0; j < i; j++) t.is(zz.data[i * 7 + j], zz.data[j * 7 + i]);
    const tall2 = f32(5000, 70, 13);
    t.true(relativeMaxError(host(await gpu.innerGram(tall, tall2)).data, matmul64(tall.data, 5000, 7, true, tall2.data, 5000, 70, false)) < 5e-5, 'innerGram, K = 5000');
    const wide = f32(3, 20000, 14);
    const wide2 = f32(5, 20000, 15);
    t.true(relativeMaxError(host(await gpu.crossGram(wide, wide2)).data, matmul64(wide.data, 3, 20000, false, wide2.data, 5, 20000, true)) < 5e-5, 'crossGram, K = 20000');
    t.true(relativeMaxError(host(await gpu.gram(wide)).data, matmul64(wide.data, 3, 20000, false, wide.data, 3, 20000, true)) < 5e-5, 'gram, K = 20000');
    const tb = { ...f32(2 * 4500, 6, 16), rows: 4500, batch: 2 };
    const ibt = host(await gpu.innerGram(tb, tb));
    for (let b = 0; b < 2; b++) {
      const z = tb.data.subarray(b * 4500 * 6, (b + 1) * 4500 * 6);
      t.true(relativeMaxError(ibt.data.subarray(b * 36, (b + 1) * 36), matmul64(z, 4500, 6, true, z, 4500, 6, false)) < 5e-5, `batch ${b}, K = 4500`);
    }
    // Deterministic: the same call twice gives the same bits.
    t.deepEqual(host(await gpu.innerGram(tall, tall)).data, zz.data);
  });

  // Kept last: it loses the device on purpose.
  test.serial('a lost device becomes SpeclinError ERR_DEVICE_LOST with its reason', async (t) => {
    gpu.runtime.ctx.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const err = await t.throwsAsync(gpu.gram(f32(3, 3, 1)), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_DEVICE_LOST');
    t.regex(err!.message, /destroyed/);
  });
}
