// The WebGPU backend, run for real (on CI: Mesa's lavapipe). One device per process: Dawn's adapter
// gives one, and its Node binding polls on the main thread until the device is destroyed, so the
// backend is created once, every test runs serially on it, and it is disposed at the end.
//
// Tolerances: the GPU computes in float32 with fma; a dot product of length K accumulated in f32 has
// a relative error (to the sum of |terms|) below K * 2^-24 in the worst case and ~sqrt(K) * 2^-24 in
// practice; with K <= 300 and Gaussian data the max error relative to max |entry| stays below
// 2e-5, so tests use 1e-5..1e-4 relative-to-max (stated per test) against float64 references.
import test from 'ava';
import { createWebGpuBackend, crossGramSync, gramSync, innerGramSync, SpeclinError } from '../src/index.js';
import type { GpuMatrix, WebGpuBackend } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { randomMatrix } from './helpers/random.js';
import { matmul64, relativeMaxError } from './helpers/reference.js';

let backend: WebGpuBackend | undefined;
let openError: unknown;
try {
  backend = await createWebGpuBackend();
} catch (err) {
  openError = err;
}

test.after.always(() => backend?.dispose());

if (!backend) {
  // No adapter: one clear failure (CI installs lavapipe, so there this means a broken setup).
  test('a WebGPU adapter is available', (t) => {
    t.fail(`createWebGpuBackend() failed: ${(openError as Error)?.message ?? String(openError)}`);
  });
} else {
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

  test.serial('an output beyond maxStorageBufferBindingSize is a RangeError, and the device survives', async (t) => {
    const limit = gpu.info.limits.maxStorageBufferBindingSize;
    const n = Math.ceil(Math.sqrt(limit / 4)) + 8; // n x n float32 just over the limit
    const z = { data: new Float32Array(n * 4).fill(1), rows: n, cols: 4 };
    await t.throwsAsync(gpu.crossGram(z, z), { instanceOf: RangeError, message: /crossGram\(Z, W\) output.*maxStorageBufferBindingSize/ });
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

  // Kept last: it loses the device on purpose.
  test.serial('a lost device becomes SpeclinError ERR_DEVICE_LOST with its reason', async (t) => {
    gpu.runtime.ctx.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const err = await t.throwsAsync(gpu.gram(f32(3, 3, 1)), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_DEVICE_LOST');
    t.regex(err!.message, /destroyed/);
  });
}
