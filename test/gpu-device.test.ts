// The WebGPU device and the dispatcher, run for real (on CI: Mesa's lavapipe): the adapter's info
// and limits, uploads and downloads, buffers past the binding limit, rejected commands, a process
// that exits by itself, concurrent calls, grids split over x and y, split K, a lost device.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpeclinError } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { matmul64, relativeMaxError } from './helpers/reference.js';
import { f32, host, randomGraph, spmm64, spectralLoss64, lossPairs, reductionModes } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;
  const modes = reductionModes(gpu);

  test.serial('info names the adapter and the limits it was opened with', (t) => {
    t.is(typeof gpu.info.vendor, 'string');
    t.is(typeof gpu.info.architecture, 'string');
    t.is(typeof gpu.info.description, 'string');
    t.true(gpu.info.limits.maxStorageBufferBindingSize >= 1 << 27);
    t.true(gpu.info.limits.maxComputeWorkgroupStorageSize >= 16384);
    if (process.env.CI) t.true(modes.length === 2, 'lavapipe on CI offers subgroups, so both reduction paths run');
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
      const { Z: Zl, W: Wl } = lossPairs(1500, 5, 7); // row kernels: 6 workgroups of 256 rows
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
    // A long K: 1000 / 16 = 63 k-tiles. 2e-5: length-1000 float32 sums (see helpers/gpu-reference.ts).
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
