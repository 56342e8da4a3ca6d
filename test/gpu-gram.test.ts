// The gram family on the WebGPU backend (gram.wgsl's GEMM), run for real (on CI: Mesa's lavapipe):
// crossGram, innerGram and gram against float64 references and the CPU API, GPU-resident inputs,
// batches, bad inputs.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { crossGramSync, gramSync, innerGramSync, SpeclinError } from '../src/index.js';
import type { GpuMatrix } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { randomMatrix } from './helpers/random.js';
import { matmul64, relativeMaxError } from './helpers/reference.js';
import { f32, host } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;

  test.serial('bad inputs: float64 is a TypeError, bad shapes RangeErrors naming the argument', async (t) => {
    const z64 = randomMatrix(Float64Array, 4, 3, 1);
    t.throws(() => gpu.upload(z64), { instanceOf: TypeError, message: /float32/ });
    await t.throwsAsync(gpu.crossGram(z64, z64), { instanceOf: TypeError, message: /^Z: .*float32/ });
    await t.throwsAsync(gpu.crossGram(f32(4, 3, 1), f32(4, 5, 2)), { instanceOf: RangeError, message: /^W: expected 3 columns/ });
    await t.throwsAsync(gpu.innerGram(f32(4, 3, 1), f32(5, 3, 2)), { instanceOf: RangeError, message: /^W: expected 4 rows/ });
    await t.throwsAsync(gpu.gram({ data: new Float32Array(5), rows: 2, cols: 3 }), { instanceOf: RangeError, message: /^Z\.data has 5 elements but 2 x 3 = 6 were expected/ });
    await t.throwsAsync(gpu.gram({ data: new Float32Array(0), rows: 0, cols: 3 }), { instanceOf: RangeError, message: /^Z must have at least one row and one column, got 0 x 3/ });
  });

  test.serial('host matrices are read as the CPU API reads them: the same objects are accepted, each field read once', async (t) => {
    const Z = f32(6, 5, 3);
    const want = gramSync(Z);
    // A Float32Array of another realm (a worker's, a vm context's): not an instance of this realm's.
    const foreign = runInNewContext('new Float32Array(30)') as Float32Array;
    foreign.set(Z.data);
    t.false(foreign instanceof Float32Array);
    t.deepEqual(gramSync({ data: foreign, rows: 6, cols: 5 }).data, want.data);
    // 1e-5: K = 5 float32 fma terms (helpers/gpu-reference.ts).
    t.true(relativeMaxError(host(await gpu.gram({ data: foreign, rows: 6, cols: 5 })).data, want.data) < 1e-5);
    // Getters that answer differently on a second read: the reader reads each once.
    let reads = 0;
    const shifty = { get data() { return reads++ === 0 ? Z.data : new Float32Array(1); }, rows: 6, cols: 5 };
    t.true(relativeMaxError(host(await gpu.gram(shifty)).data, want.data) < 1e-5);
    t.is(reads, 1);
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
}
