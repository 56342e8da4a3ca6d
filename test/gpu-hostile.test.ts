// The WebGPU side of issue #10: small rings whose single-vector Lanczos exhausted its Krylov space
// (eigenvalues above 1 came back marked converged), the GPU graph upload's weight checks, and the
// CPU and GPU paths accepting the same matrix objects (one reader, src/matrix-argument.ts).
import test from 'ava';
import { Graph, createWebGpuBackend, disposeWebGpu, eigsh, gram, spectralLoss, type Matrix } from '../src/index.js';
import { testNeeding } from './helpers/requirements.js';

const gpuTest = testNeeding('webgpu');
test.after.always(() => disposeWebGpu());

gpuTest.serial('eigsh on rings of n = 6..32, k = 1..5, backend webgpu: the closed-form top-k, every residual measured', async (t) => {
  for (let n = 6; n <= 32; n += 2) {
    const g = Graph.fromEdges({ n, src: Int32Array.from({ length: n }, (_, i) => i), dst: Int32Array.from({ length: n }, (_, i) => (i + 1) % n), symmetrize: 'max' });
    // Ā = A / 2 of the ring: eigenvalues cos(2 pi j / n).
    const exact = Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * j) / n)).sort((a, b) => b - a);
    for (let k = 1; k <= 5; k++) {
      const r = await eigsh(g, { k, backend: 'webgpu' });
      // float32 products: eigenvalue error <= residual <= tol = 1e-5 (relative to ||Ā|| = 1).
      for (let q = 0; q < k; q++) t.true(Math.abs(r.values[q] - exact[q]) <= 1e-5, `n=${n} k=${k} pair ${q}: ${r.values[q]} vs ${exact[q]}`);
      t.is(r.converged, k);
      // The residuals reported are measured (float64, with the CPU operator): at most tol.
      for (const res of r.residuals) t.true(res <= 1e-5, `n=${n} k=${k}: residual ${res}`);
    }
  }
});

gpuTest.serial('the GPU graph upload refuses weights the CPU refuses: negative, NaN, infinite, or summing past float32', async (t) => {
  const gpu = await createWebGpuBackend();
  try {
    const base = { n: 2, indptr: [0, 1, 2], indices: [1, 0] };
    t.throws(() => gpu.uploadGraph({ ...base, values: [1, -1] }), { instanceOf: RangeError, message: /^graph\.values\[1\]: expected a finite weight >= 0/ });
    t.throws(() => gpu.uploadGraph({ ...base, values: [1, Number.NaN] }), { instanceOf: RangeError, message: /^graph\.values\[1\]/ });
    t.throws(() => gpu.uploadGraph({ ...base, values: [1, Infinity] }), { instanceOf: RangeError, message: /^graph\.values\[1\]/ });
    t.throws(() => gpu.uploadGraph({ ...base, values: [1, 1e300] }), { instanceOf: RangeError, message: /float32/ });
    t.throws(() => gpu.uploadGraph({ n: 1, indptr: [0, 2], indices: [0, 0], values: [3e38, 3e38] }), { instanceOf: RangeError, message: /degree overflows/ });
  } finally {
    gpu.dispose();
  }
});

gpuTest.serial('both backends accept the same matrix objects: getters, Proxies, batch: 1, SharedArrayBuffer views', async (t) => {
  const data = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const shared = new Float32Array(new SharedArrayBuffer(48));
  shared.set(data);
  const variants: [string, unknown][] = [
    ['getters', { get data() { return data; }, get rows() { return 4; }, get cols() { return 3; } }],
    ['a Proxy', new Proxy({ data, rows: 4, cols: 3 }, {})],
    ['batch: 1', { data, rows: 4, cols: 3, batch: 1 }],
    ['a SharedArrayBuffer view', { data: shared, rows: 4, cols: 3 }],
  ];
  for (const [what, Z] of variants) {
    const cpu = await gram(Z as Matrix<Float32Array>);
    const gpu = await gram(Z as Matrix<Float32Array>, { backend: 'webgpu' });
    t.is(gpu.rows, cpu.rows, what);
    t.is('batch' in gpu, 'batch' in cpu, what);
    // float32 sums of 3 products, both backends: 1e-6 of the largest entry.
    for (let i = 0; i < cpu.data.length; i++) t.true(Math.abs(gpu.data[i] - cpu.data[i]) <= 1e-6 * 3, `${what}: entry ${i}`);
    const lossCpu = await spectralLoss(Z as never, Z as never, { negatives: 'all' });
    const lossGpu = await spectralLoss(Z as never, Z as never, { negatives: 'all', backend: 'webgpu' });
    t.true(Math.abs(lossGpu.loss - lossCpu.loss) <= 1e-5 * (1 + Math.abs(lossCpu.loss)), what);
  }
  const huge = { data: new Float32Array(8).fill(3e38), rows: 4, cols: 2 };
  await t.throwsAsync(spectralLoss(huge, huge, { backend: 'webgpu' }), { instanceOf: RangeError, message: /overflow/ });
});
