// Sparse products on the WebGPU backend (spmv.wgsl), run for real (on CI: Mesa's lavapipe): A x
// and Ā x, one and several columns, every lane group, subgroup and tree reductions, against
// float64 loops and the CPU Graph products.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import test from 'ava';
import { createWebGpuBackend, Graph, SpeclinError } from '../src/index.js';
import { rng } from './helpers/random.js';
import { relativeMaxError } from './helpers/reference.js';
import { f32, host, csrFromRows, randomGraph, spmm64, reductionModes } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;
  const modes = reductionModes(gpu);

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

  test.serial('a resident GpuGraph: refused by another backend (even on the same device) and once destroyed', async (t) => {
    const g = randomGraph(20, 2, 1);
    const other = await createWebGpuBackend({ device: gpu.runtime.ctx.device });
    const resident = gpu.uploadGraph(g);
    await t.throwsAsync(other.spmv(resident, new Float32Array(20)), { instanceOf: TypeError, message: /^graph: this GpuGraph belongs to another WebGPU backend/ });
    t.true((await gpu.spmv(resident, new Float32Array(20))) instanceof Float32Array);
    resident.destroy();
    t.true(resident.isDestroyed);
    await t.throwsAsync(gpu.spmv(resident, new Float32Array(20)), { instanceOf: SpeclinError, message: /^graph: this GpuGraph was destroyed/ });
    other.dispose(); // leaves the shared device alive (a device passed in is the caller's)
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
      for (const mode of modes) {
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
    gpu.reductions = modes[0];
    t.deepEqual([...groups].sort((a, b) => a - b), [1, 2, 4, 8, 16, 32]);
    if (gpu.info.subgroupMinSize !== undefined) t.log(`subgroup sizes ${gpu.info.subgroupMinSize}..${gpu.info.subgroupMaxSize}`);
  });
}
