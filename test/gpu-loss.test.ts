// The losses on the WebGPU backend, run for real (on CI: Mesa's lavapipe): the spectral loss (both
// algorithms, both negatives, with and without mu, both reduction paths) and the population loss,
// against float64 references written from the definitions and the CPU API.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import test from 'ava';
import { Graph, populationLossSync } from '../src/index.js';
import type { GpuMatrix } from '../src/index.js';
import { relativeMaxError } from './helpers/reference.js';
import { f32, host, randomGraph, spmm64, spectralLoss64, lossPairs, reductionModes } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;
  const modes = reductionModes(gpu);

  test.serial('the float64 reference gradient agrees with central differences of its loss (clipping included)', (t) => {
    const B = 5;
    const k = 3;
    const { Z, W } = lossPairs(B, k, 11);
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
      const { Z, W } = lossPairs(B, k, B + k);
      for (const mode of modes) {
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
    gpu.reductions = modes[0];
  });

  test.serial('spectralLoss on GPU-resident inputs keeps the gradients on the GPU; bad options are RangeErrors', async (t) => {
    const { Z, W } = lossPairs(40, 6, 3);
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

  test.serial('populationLoss matches the float64 formula, and its gradient', async (t) => {
    // n k = 900 floats: one workgroup of partial sums; n k = 24000: 24 of them (two regions).
    for (const [mode, n, k] of modes.flatMap((m) => [[m, 150, 6], [m, 3000, 8]] as const)) {
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
    gpu.reductions = modes[0];
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
}
