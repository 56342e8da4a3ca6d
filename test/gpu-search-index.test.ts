// createIndex({ backend: 'webgpu' }): the keys uploaded once and kept on the device, searched by
// gram.wgsl + topk.wgsl, run for real (on CI: Mesa's lavapipe). Against the naive float64 scan on
// integer data, where float32 is exact in any summation order (so equality is exact, ties by the
// lower index included), and against the CPU index for cosine.
// One device per process: every index here uses the process-wide shared device (src/gpu/shared.ts),
// and the tests run serially on it.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createIndex, disposeWebGpu, loadIndex, SpeclinError, type Matrix } from '../src/index.js';
import { testNeeding } from './helpers/requirements.js';
import { ints, naive } from './helpers/search-reference.js';

const gpuTest = testNeeding('webgpu');
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-gpu-search-'));
gpuTest.after.always(() => disposeWebGpu());

function concat(a: Matrix<Float32Array>, b: Matrix<Float32Array>): Matrix<Float32Array> {
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { data, rows: a.rows + b.rows, cols: a.cols };
}

gpuTest.serial('webgpu flat index: exactly the naive scan (ties by the lower index), before and after add', async (t) => {
  const K1 = ints(Float32Array, 1500, 24, 1);
  const K2 = ints(Float32Array, 400, 24, 2);
  const Q = ints(Float32Array, 70, 24, 3);
  const index = await createIndex(K1, { backend: 'webgpu' });
  t.is(index.backend, 'webgpu');
  try {
    let want = naive(Q, K1, 10);
    let r = await index.search(Q, 10);
    t.deepEqual(Array.from(r.indices), Array.from(want.indices));
    t.deepEqual(Array.from(r.scores), Array.from(want.scores));
    await index.add(K2);
    t.is(index.size, 1900);
    want = naive(Q, concat(K1, K2), 10);
    r = await index.search(Q, 10);
    t.deepEqual(Array.from(r.indices), Array.from(want.indices));
    // Device memory: rows of 24 floats (already a multiple of 4).
    t.is(index.memory().bytesPerKey, 24 * 4);
  } finally {
    index.dispose();
  }
});

gpuTest.serial('webgpu cosine: the CPU index\'s scores rank by rank, to the float32 bound', async (t) => {
  const K = ints(Float32Array, 600, 20, 11);
  const Q = ints(Float32Array, 30, 20, 12);
  for (const M of [K, Q]) for (let i = 0; i < M.rows; i++) M.data[i * 20] = M.data[i * 20] || 1;
  const [gpu, cpu] = [await createIndex(K, { metric: 'cosine', backend: 'webgpu' }), await createIndex(K, { metric: 'cosine' })];
  try {
    const [a, b] = [await gpu.search(Q, 8), await cpu.search(Q, 8)];
    // The same float32 unit rows on both; dots of length 20 summed in different orders differ by
    // at most 2 * 20 * 2^-24 for cosines of magnitude <= 1.
    for (let i = 0; i < a.scores.length; i++) t.true(Math.abs(a.scores[i] - b.scores[i]) <= 2 * 20 * 2 ** -24, `entry ${i}`);
  } finally {
    gpu.dispose();
    cpu.dispose();
  }
});

gpuTest.serial('webgpu index: save, then load on either backend, gives the same results', async (t) => {
  const K = ints(Float32Array, 800, 12, 21);
  const Q = ints(Float32Array, 25, 12, 22);
  const index = await createIndex(K, { backend: 'webgpu' });
  const p = path.join(dir, 'gpu-flat');
  try {
    await index.save(p);
    const want = await index.search(Q, 5);
    for (const backend of ['cpu', 'webgpu'] as const) {
      const back = await loadIndex(p, { backend });
      t.is(back.backend, backend);
      t.deepEqual((await back.search(Q, 5)).indices, want.indices, backend);
      back.dispose();
    }
  } finally {
    index.dispose();
  }
});

gpuTest.serial('webgpu index: bad input as on the CPU', async (t) => {
  const K = ints(Float32Array, 20, 4, 31);
  const index = await createIndex(K, { backend: 'webgpu' });
  try {
    await t.throwsAsync(index.search(ints(Float32Array, 2, 5, 1), 2), { instanceOf: RangeError, message: /queries have 5 columns but the index holds keys of dimension 4/ });
    await t.throwsAsync(index.search(ints(Float32Array, 2, 4, 1), 21), { instanceOf: RangeError, message: /k = 21 exceeds the number of keys in the index \(20\)/ });
    const nan = ints(Float32Array, 3, 4, 2);
    nan.data[5] = Number.NaN;
    await t.throwsAsync(index.search(nan, 2), { instanceOf: RangeError, message: /queries row 1 contains NaN or Infinity/ });
    await t.throwsAsync(createIndex(ints(Float64Array, 5, 4, 3), { backend: 'webgpu' }), { instanceOf: TypeError, message: /float64/ });
  } finally {
    index.dispose();
  }
  await t.throwsAsync(index.search(ints(Float32Array, 2, 4, 1), 2), { instanceOf: SpeclinError, code: 'ERR_DISPOSED' });
});

gpuTest.serial('webgpu ivf: the CPU ivf\'s lists and exactly its results at every nprobe, before and after add, and after save and load', async (t) => {
  // Keys around 12 centres (integers: every key-query score is exact in float32, so the device's
  // sums and the CPU's GEMM agree to the bit, ties included). The lists are the CPU's (built there
  // with the same seed); the probes come from the same centroids by the same rule.
  const centres = ints(Float32Array, 12, 16, 40, 6);
  const around = (rows: number, seed: number): Matrix<Float32Array> => {
    const noise = ints(Float32Array, rows, 16, seed, 2);
    for (let i = 0; i < rows; i++) for (let j = 0; j < 16; j++) noise.data[i * 16 + j] += centres.data[(i % 12) * 16 + j];
    return noise;
  };
  const K1 = around(2400, 41);
  const K2 = around(500, 42);
  const Q = around(60, 43);
  const options = { kind: 'ivf' as const, nlist: 24, nprobe: 3, seed: 5 };
  const gpu = await createIndex(K1, { ...options, backend: 'webgpu' });
  const cpu = await createIndex(K1, options);
  const p = path.join(dir, 'gpu-ivf');
  try {
    t.is(gpu.kind, 'ivf');
    t.deepEqual(gpu.memory().listSizes, cpu.memory().listSizes, 'the same lists');
    const compare = async (what: string, k: number, nprobe: number, a = gpu, b = cpu) => {
      const [x, y] = [await a.search(Q, k, { nprobe }), await b.search(Q, k, { nprobe })];
      t.deepEqual(Array.from(x.indices), Array.from(y.indices), `${what}: indices, k ${k}, nprobe ${nprobe}`);
      t.deepEqual(Array.from(x.scores), Array.from(y.scores), `${what}: scores, k ${k}, nprobe ${nprobe}`);
      return x;
    };
    for (const nprobe of [1, 3, 24]) await compare('created', 10, nprobe);
    // One list holds about 100 keys: k = 300 with nprobe 1 leaves slots at -1 (score 0), as on the CPU.
    const short = await compare('short lists', 300, 1);
    t.true(Array.from(short.indices).includes(-1));
    // Every list probed: the naive scan's exact top k.
    const all = await gpu.search(Q, 10, { nprobe: 24 });
    t.deepEqual(Array.from(all.indices), Array.from(naive(Q, K1, 10).indices));
    await Promise.all([gpu.add(K2), cpu.add(K2)]);
    t.is(gpu.size, 2900);
    t.deepEqual(gpu.memory().listSizes, cpu.memory().listSizes, 'the same lists after add');
    await compare('after add', 10, 3);
    // Device memory per key: 16 floats and a 4-byte id.
    t.is(gpu.memory().bytesPerKey, 16 * 4 + 4);
    await gpu.save(p);
    const back = await loadIndex(p, { backend: 'webgpu' });
    try {
      t.is(back.kind, 'ivf');
      await compare('loaded', 10, 3, back);
    } finally {
      back.dispose();
    }
    const nan = around(3, 44);
    nan.data[20] = Number.POSITIVE_INFINITY;
    await t.throwsAsync(gpu.search(nan, 2), { instanceOf: RangeError, message: /^search: queries row 1 contains NaN or Infinity$/ });
    await t.throwsAsync(createIndex(ints(Float64Array, 50, 4, 3), { kind: 'ivf', backend: 'webgpu' }), { instanceOf: TypeError, message: /float64/ });
  } finally {
    gpu.dispose();
    cpu.dispose();
  }
});
