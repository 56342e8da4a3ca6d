// topK on the WebGPU backend (topk.wgsl), run for real (on CI: Mesa's lavapipe): exact maximum
// inner product search against the CPU topK, ties, NaN and Infinity.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import test from 'ava';
import { topK as topKCpu, topKSync } from '../src/index.js';
import type { GpuMatrix } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { matmul64, relativeMaxError } from './helpers/reference.js';
import { f32 } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;

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
}
