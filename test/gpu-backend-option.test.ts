// The Promise forms of the CPU API with { backend: 'webgpu' }: each equals its CPU call within a
// stated float32 tolerance, with the same result fields and types; the process-wide device opens on
// first use and is disposed after the linger, so that a program exits by itself.
//
// This file opens no device of its own (not helpers/webgpu.ts): the shared backend is the one
// device of this test process. Tests are serial so that the lifetime checks see only their own
// calls. Without an adapter the tests that open it are skipped (helpers/requirements.ts; CI fails).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BipartiteGraph, crossGram, disposeWebGpu, eigsh, eigshSync, Graph, gram, innerGram, populationLoss, spectralLoss,
  spectralLossSync, SpeclinError, stochasticBlockModel, topK,
} from '../src/index.js';
import type { Batch, Matrix } from '../src/index.js';
import { LINGER_MS, holdSharedWebGpu, sharedWebGpuIsOpen } from '../src/gpu/shared.js';
import { randomMatrix, rng } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';
import { relativeMaxError } from './helpers/reference.js';
import { f32 } from './helpers/gpu-reference.js';

const webgpu = { backend: 'webgpu' } as const;
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.after.always(() => disposeWebGpu());
// The tests that open the shared device; the argument checks and the no-adapter child run anywhere.
const gpuTest = testNeeding('webgpu');

gpuTest.serial('gram, crossGram, innerGram: the GPU result has the CPU result\'s shape and values', async (t) => {
  // Shapes not multiples of the 64 x 64 tiles or of 4 columns. Tolerance 1e-5 of the largest
  // entry: both backends sum length-K float32 products (K <= 70 here) with fma, each within
  // K u max|z||w| of the exact value, u = 2^-24; 70 * 6e-8 = 4e-6.
  const Z = f32(131, 70, 1);
  const W = f32(67, 70, 2);
  const V = f32(131, 9, 3);
  const cases: [string, () => Promise<Matrix>, () => Promise<Matrix>][] = [
    ['gram', () => gram(Z, webgpu), () => gram(Z)],
    ['crossGram', () => crossGram(Z, W, webgpu), () => crossGram(Z, W)],
    ['innerGram', () => innerGram(Z, V, webgpu), () => innerGram(Z, V)],
    ['innerGram(Z, Z)', () => innerGram(V, V, webgpu), () => innerGram(V, V, { backend: 'cpu' })],
  ];
  for (const [what, onGpu, onCpu] of cases) {
    const [g, c] = [await onGpu(), await onCpu()];
    t.true(g.data instanceof Float32Array, what);
    t.deepEqual([g.rows, g.cols, 'batch' in g], [c.rows, c.cols, 'batch' in c], what);
    t.true(relativeMaxError(g.data, c.data) < 1e-5, what);
  }
  // A batch stays a batch.
  const B = { ...f32(3 * 21, 6, 4), rows: 21, batch: 3 } as Batch<Float32Array>;
  const gb = (await gram(B, webgpu)) as Batch<Float32Array>;
  const cb = (await gram(B)) as Batch<Float32Array>;
  t.deepEqual([gb.batch, gb.rows, gb.cols], [cb.batch, cb.rows, cb.cols]);
  t.true(relativeMaxError(gb.data, cb.data) < 1e-5);
});

gpuTest.serial('the inputs are copied before the Promise form returns, as on the CPU', async (t) => {
  const Z = f32(40, 12, 5);
  const W = f32(30, 12, 6);
  const want = await crossGram(Z, W);
  const pending = crossGram(Z, W, webgpu);
  Z.data.fill(Number.NaN);
  structuredClone(W.data.buffer, { transfer: [W.data.buffer] });
  t.is(W.data.length, 0, 'detached');
  t.true(relativeMaxError((await pending).data, want.data) < 1e-5);
});

gpuTest.serial('spectralLoss: loss, terms, gradients, algorithm and clipped counts agree with the CPU', async (t) => {
  // Rows scaled so that with mu = 4 about half of them are clipped (norm >= 2).
  const u = rng(7);
  const make = (seed: number, B: number, k: number) => {
    const m = f32(B, k, seed, 1 / Math.sqrt(k));
    for (let i = 0; i < B; i++) {
      const s = 0.5 + 3 * u();
      for (let j = 0; j < k; j++) m.data[i * k + j] *= s;
    }
    return m;
  };
  for (const [B, k] of [[50, 70], [190, 13]]) {
    const Z = make(B * 10 + 1, B, k);
    const W = make(B * 10 + 2, B, k);
    for (const options of [{}, { mu: 4 }, { mu: 4, negatives: 'all' as const }, { algorithm: 'gram' as const }, { algorithm: 'pairwise' as const, mu: 2 }]) {
      const label = `B ${B} k ${k} ${JSON.stringify(options)}`;
      const g = await spectralLoss(Z, W, { ...options, ...webgpu });
      const c = await spectralLoss(Z, W, options);
      t.deepEqual(Object.keys(g).sort(), Object.keys(c).sort(), label);
      // The terms to 1e-5 of their size: float32 products, compensated float32 partial sums
      // finished in float64 on the GPU, float64 accumulation on the CPU.
      const size = Math.abs(c.positive) + Math.abs(c.negative);
      t.true(Math.abs(g.loss - c.loss) < 1e-5 * size, `${label}: loss ${g.loss} vs ${c.loss}`);
      t.true(Math.abs(g.positive - c.positive) < 1e-5 * size, label);
      t.true(Math.abs(g.negative - c.negative) < 1e-5 * size, label);
      // Gradients: 1e-4 of the largest entry (the GPU's float32 GEMM sums of length B or k
      // against the CPU's float32 kernels with float64 row terms).
      t.true(g.gradZ.data instanceof Float32Array && g.gradZ.rows === B && g.gradZ.cols === k, label);
      t.true(relativeMaxError(g.gradZ.data, c.gradZ.data) < 1e-4, label);
      t.true(relativeMaxError(g.gradW.data, c.gradW.data) < 1e-4, label);
      t.deepEqual([g.clippedZ, g.clippedW], [c.clippedZ, c.clippedW], label);
      if ('mu' in options) t.true(c.clippedZ > B / 5 && c.clippedZ < B, 'the clipping is exercised');
      if ('algorithm' in options) t.is(g.algorithm as string, options.algorithm as string);
    }
  }
  // The GPU's 'auto' reports what ran: pairwise when B <= k.
  t.is((await spectralLoss(f32(20, 30, 1), f32(20, 30, 2), webgpu)).algorithm, 'pairwise');
  t.is((await spectralLoss(f32(40, 30, 1), f32(40, 30, 2), webgpu)).algorithm, 'gram');
  // The CPU's NaN/Infinity error, word for word.
  const bad = f32(10, 5, 3);
  bad.data[2 * 5 + 1] = Number.NaN;
  const message = /^spectralLoss: Z contains NaN at row 2, column 1; a non-finite embedding would make the loss NaN$/;
  await t.throwsAsync(spectralLoss(bad, f32(10, 5, 4), webgpu), { instanceOf: RangeError, message });
  await t.throwsAsync(spectralLoss(bad, f32(10, 5, 4)), { instanceOf: RangeError, message });
  const inf = f32(10, 5, 4);
  inf.data[3 * 5] = -Infinity;
  await t.throwsAsync(spectralLoss(f32(10, 5, 3), inf, webgpu), { instanceOf: RangeError, message: /^spectralLoss: W contains Infinity at row 3, column 0/ });
});

gpuTest.serial('topK: the same keys and scores as the CPU, and the same errors', async (t) => {
  // Small integers: every score is exact in float32 on both backends, so the selections (ties to
  // the lower index) must be identical, scores bit for bit.
  const u = rng(9);
  const ints = (rows: number, cols: number) => ({ data: Float32Array.from({ length: rows * cols }, () => Math.floor(u() * 7) - 3), rows, cols });
  const Q = ints(37, 7);
  const K = ints(301, 7);
  for (const k of [1, 5, 301]) {
    const g = await topK(Q, K, k, webgpu);
    const c = await topK(Q, K, k);
    t.deepEqual(g, c, `k ${k}`);
  }
  const bad = ints(301, 7);
  bad.data[7 * 7 + 2] = Number.NaN;
  await t.throwsAsync(topK(Q, bad, 3, webgpu), { instanceOf: RangeError, message: /^topK: keys row 7 contains NaN or Infinity$/ });
  await t.throwsAsync(topK(Q, bad, 3), { instanceOf: RangeError, message: /^topK: keys row 7 contains NaN or Infinity$/ });
  await t.throwsAsync(topK(Q, K, '3' as unknown as number, webgpu), { instanceOf: TypeError, message: /k must be a number/ });
  await t.throwsAsync(topK(Q, K, 302, webgpu), { instanceOf: RangeError });
});

gpuTest.serial('populationLoss on a Graph: the CPU loss and gradient; a BipartiteGraph stays on the CPU', async (t) => {
  const graph = stochasticBlockModel({ n: 600, blocks: 4, averageDegree: 12, seed: 3 });
  const E = f32(600, 6, 11, 0.05);
  const g = await populationLoss(graph, E, webgpu);
  const c = await populationLoss(graph, E);
  // The loss to 1e-5 of |loss| + 1 (float32 products, compensated sums on the GPU, float64 on the
  // CPU); the gradient to 1e-4 of its largest entry (float32 SpMM and GEMM against float64).
  t.true(Math.abs(g.loss - c.loss) < 1e-5 * (Math.abs(c.loss) + 1), `${g.loss} vs ${c.loss}`);
  t.true(g.grad.data instanceof Float32Array && g.grad.rows === 600 && g.grad.cols === 6);
  t.true(relativeMaxError(g.grad.data, c.grad.data) < 1e-4);
  const bip = BipartiteGraph.fromEdges({ nLeft: 3, nRight: 2, left: new Int32Array([0, 1, 2]), right: new Int32Array([0, 1, 1]) });
  const err = await t.throwsAsync(populationLoss(bip, f32(3, 2, 1), f32(2, 2, 2), webgpu), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_WEBGPU_UNSUPPORTED');
  t.truthy(await populationLoss(bip, f32(3, 2, 1), f32(2, 2, 2), { backend: 'cpu' }));
});

gpuTest.serial('eigsh on a Graph: the CPU eigenpairs, with the CPU result\'s fields and true residuals', async (t) => {
  // Four blocks: eigenvalues 1 and three near 0.6, then a gap to the bulk (< 0.35), so the top-4
  // subspace is well determined; the GPU converges to tol 1e-5 in float32.
  const graph = stochasticBlockModel({ n: 500, blocks: 4, averageDegree: 20, seed: 5 });
  const g = await eigsh(graph, { k: 4, ...webgpu });
  const c = await eigsh(graph, { k: 4 });
  // Every field but `profile`, which reports the phases of the native CPU solver only.
  const fields = (r: object) => Object.keys(r).filter((key) => key !== 'profile').sort();
  t.deepEqual(fields(g), fields(c));
  t.true(g.values instanceof Float64Array && g.vectors.data instanceof Float64Array && g.residuals instanceof Float64Array);
  t.deepEqual([g.vectors.rows, g.vectors.cols, g.converged, g.method], [500, 4, 4, 'lanczos']);
  t.log(`values ${[...g.values].map((v) => v.toFixed(6))}, ${g.iterations} restarts, ${g.matvecs} products`);
  for (let i = 0; i < 4; i++) {
    // Eigenvalues to 1e-5: the Ritz residual bound tol = 1e-5 bounds the error of each (and its
    // square over the gap, far smaller); float32 products add ~1e-7.
    t.true(Math.abs(g.values[i] - c.values[i]) < 1e-5, `λ${i}: ${g.values[i]} vs ${c.values[i]}`);
    // True residuals in float64 of the float32 vectors: 1e-4 (tol plus float32 rounding of v).
    t.true(g.residuals[i] < 1e-4, `residual ${g.residuals[i]}`);
    // Each GPU vector lies in the CPU's top-4 subspace: its projection keeps 1 - 1e-4 of its norm
    // (sin of the angle <= residual / gap ~ 1e-5 / 0.25).
    let proj = 0;
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let r = 0; r < 500; r++) dot += g.vectors.data[r * 4 + i] * c.vectors.data[r * 4 + j];
      proj += dot * dot;
    }
    t.true(Math.sqrt(proj) > 1 - 1e-4, `vector ${i}: projection ${Math.sqrt(proj)}`);
  }
  // What the GPU solver cannot do is refused, naming it.
  const unsupported = { instanceOf: SpeclinError, message: /backend 'webgpu'/ };
  for (const extra of [{ blockSize: 2 }, { v0: new Float64Array(500).fill(1) }, { method: 'dense' as const }, { onProgress: () => {} }]) {
    const err = await t.throwsAsync(eigsh(graph, { k: 2, ...extra, ...webgpu }), unsupported);
    t.is((err as SpeclinError).code, 'ERR_WEBGPU_UNSUPPORTED');
    t.regex(err!.message, new RegExp(`options\\.${Object.keys(extra)[0]}`));
  }
  const op = { n: 3, multiply: (X: Float64Array, Y: Float64Array) => Y.set(X) };
  await t.throwsAsync(eigsh(op, { k: 1, ...webgpu }), { instanceOf: TypeError, message: /takes a Graph/ });
  await t.throwsAsync(eigsh(graph, { k: 500, ...webgpu }), { instanceOf: RangeError, message: /k must be an integer from 1 to 499/ });
});

gpuTest.serial('eigsh on a Graph of several components: each copy of 1 locked as on the CPU; a deflation block', async (t) => {
  // Three blocks of 90, 131 and 47 nodes with no edge between them (sizes not multiples of the
  // workgroup size): Ā has the eigenvalue 1 three times.
  const sizes = [90, 131, 47];
  const src: number[] = [];
  const dst: number[] = [];
  const u = rng(9);
  let base = 0;
  for (const size of sizes) {
    for (let i = 0; i < size; i++) {
      src.push(base + i, base + i);
      dst.push(base + ((i + 1) % size), base + Math.floor(u() * size));
    }
    base += size;
  }
  const n = base;
  const graph = Graph.fromEdges({ n, src: Int32Array.from(src), dst: Int32Array.from(dst), symmetrize: 'max' });
  t.is((graph.components() as { count: number }).count, 3);
  for (const k of [5, 2]) {
    const g = await eigsh(graph, { k, ...webgpu });
    const c = await eigsh(graph, { k, tol: 1e-12 });
    t.deepEqual([g.vectors.rows, g.vectors.cols, g.converged], [n, k, k]);
    // The copies of 1 to 1e-6 (Rayleigh quotients of float32 vectors), the rest to 1e-5 (the
    // residual tolerance bounds the eigenvalue error); true residuals (float64, of the float32
    // vectors) below 1e-4.
    for (let i = 0; i < k; i++) {
      t.true(Math.abs(g.values[i] - c.values[i]) < (i < 3 ? 1e-6 : 1e-5), `k ${k}: λ${i}: ${g.values[i]} vs ${c.values[i]}`);
      t.true(g.residuals[i] < 1e-4, `k ${k}: residual ${i}: ${g.residuals[i]}`);
    }
    if (k === 2) t.deepEqual([g.iterations, g.matvecs], [0, 2]);
  }
  // An explicit block: the first component's vector is accepted; a vector that is not an
  // eigenvector is a RangeError naming its column.
  const p = graph.marginals;
  const block = new Float64Array(n * 2);
  for (let i = 0; i < sizes[0]; i++) block[i * 2] = Math.sqrt(p[i]);
  for (let i = 0; i < n; i++) block[i * 2 + 1] = i % 7;
  // One solver on both backends: the same message.
  const notEigenvector = /^eigsh: deflate column 1 is not an eigenvector/;
  await t.throwsAsync(eigsh(graph, { k: 4, deflate: { data: block, rows: n, cols: 2 }, ...webgpu }), { instanceOf: RangeError, message: notEigenvector });
  await t.throwsAsync(eigsh(graph, { k: 4, tol: 1e-5, deflate: { data: block, rows: n, cols: 2 } }), { instanceOf: RangeError, message: notEigenvector });
  const one = new Float64Array(n);
  for (let i = 0; i < sizes[0]; i++) one[i] = Math.sqrt(p[i]);
  const g1 = await eigsh(graph, { k: 3, deflate: { data: one, rows: n, cols: 1 }, ...webgpu });
  t.true(Math.abs(g1.values[0] - 1) < 1e-5, `given: ${g1.values[0]}`);
  t.true(g1.residuals.every((r) => r < 1e-4));
});

test.serial('float64 with backend webgpu is a TypeError naming the argument; bad backend values; Sync forms refuse it', async (t) => {
  await disposeWebGpu();
  const z64 = randomMatrix(Float64Array, 4, 3, 1);
  const z32 = f32(4, 3, 2);
  const named = (fn: string, name: string) => ({ instanceOf: TypeError, message: new RegExp(`^${fn}: ${name} is float64, but backend 'webgpu' computes in float32`) });
  await t.throwsAsync(gram(z64, webgpu), named('gram', 'Z'));
  await t.throwsAsync(crossGram(z32 as Matrix, z64, webgpu), named('crossGram', 'W'));
  await t.throwsAsync(innerGram(z64, z64, webgpu), named('innerGram', 'Z'));
  await t.throwsAsync(spectralLoss(z32 as Matrix, z64, webgpu), named('spectralLoss', 'W'));
  await t.throwsAsync(topK(z64, z64, 1, webgpu), named('topK', 'queries'));
  const graph = stochasticBlockModel({ n: 4, blocks: 1, inside: 1, averageDegree: 2 });
  await t.throwsAsync(populationLoss(graph, z64, webgpu), named('populationLoss', 'E'));
  t.false(sharedWebGpuIsOpen(), 'refused before any device was opened');

  await t.throwsAsync(gram(z32, { backend: 'cuda' as 'cpu' }), { instanceOf: RangeError, message: /^gram: options\.backend must be 'cpu' or 'webgpu', got 'cuda'$/ });
  await t.throwsAsync(topK(z32, z32, 1, { backend: 1 as unknown as 'cpu' }), { instanceOf: TypeError, message: /^topK: options\.backend must be/ });
  t.throws(() => spectralLossSync(z32, z32, { backend: 'webgpu' } as object), { instanceOf: TypeError, message: /^spectralLossSync: backend 'webgpu' is available on the Promise form \(spectralLoss\) only/ });
  t.throws(() => eigshSync(graph, { k: 1, backend: 'webgpu' } as { k: number }), { instanceOf: TypeError, message: /^eigshSync: backend 'webgpu'/ });
  t.notThrows(() => spectralLossSync(z32, z32, { backend: 'cpu' } as object));
});

gpuTest.serial('both backends take the same matrix objects: typed arrays of another realm, copied before the call returns', async (t) => {
  // A vm context's (or a worker's) typed arrays are not instances of this realm's classes; the
  // one reader (src/matrix-argument.ts) knows them by their tag, on either backend.
  const Z = f32(9, 6, 4);
  const foreign = runInNewContext('new Float32Array(54)') as Float32Array;
  foreign.set(Z.data);
  const pending = gram({ data: foreign, rows: 9, cols: 6 }, webgpu);
  foreign.fill(Number.NaN); // the Promise form copied the input before returning
  // 1e-5: K = 6 float32 fma terms on either backend (see the first test).
  t.true(relativeMaxError((await pending).data, (await gram(Z)).data) < 1e-5);
  const foreign64 = runInNewContext('new Float64Array(54)') as Float64Array;
  await t.throwsAsync(gram({ data: foreign64, rows: 9, cols: 6 }, webgpu), {
    instanceOf: TypeError, message: /^gram: Z is float64, but backend 'webgpu' computes in float32/,
  });
});

gpuTest.serial('one device for concurrent calls, disposed after the linger, reopened on demand, disposeWebGpu() at once', async (t) => {
  await disposeWebGpu();
  t.false(sharedWebGpuIsOpen());
  const Z = f32(30, 8, 1);
  const want = await gram(Z);
  const results = await Promise.all([0, 1, 2, 3].map(() => gram(Z, webgpu)));
  for (const r of results) t.true(relativeMaxError(r.data, want.data) < 1e-5);
  t.true(sharedWebGpuIsOpen(), 'kept through the linger');
  await sleep(LINGER_MS / 4);
  await gram(Z, webgpu); // a call within the linger restarts it
  await sleep(LINGER_MS / 2);
  t.true(sharedWebGpuIsOpen());
  await sleep(LINGER_MS * 2);
  t.false(sharedWebGpuIsOpen(), 'disposed once idle for the linger');
  t.true(relativeMaxError((await gram(Z, webgpu)).data, want.data) < 1e-5, 'a fresh device after disposal');
  t.true(sharedWebGpuIsOpen());
  await disposeWebGpu();
  t.false(sharedWebGpuIsOpen(), 'disposeWebGpu() does not wait for the linger');
});

gpuTest.serial('a hold (a command\'s run) keeps the shared device past the linger; option calls run on the same device', async (t) => {
  await disposeWebGpu();
  const Z = f32(30, 8, 2);
  const want = await gram(Z);
  const a = await holdSharedWebGpu();
  const b = await holdSharedWebGpu();
  t.is(a.backend, b.backend, 'one device per process');
  const resident = a.backend.upload(Z);
  t.true(relativeMaxError((await gram(Z, webgpu)).data, want.data) < 1e-5);
  await sleep(LINGER_MS * 2);
  t.true(sharedWebGpuIsOpen(), 'held: not disposed after the linger');
  a.release();
  a.release(); // releasing twice counts once
  await sleep(LINGER_MS * 2);
  t.true(sharedWebGpuIsOpen(), 'still held by b');
  t.true(relativeMaxError((await a.backend.download(resident)).data, Z.data) === 0, 'its buffers live as long as the device');
  b.release();
  await sleep(LINGER_MS * 2);
  t.false(sharedWebGpuIsOpen(), 'disposed once the last hold is released and the linger passed');
});

/** Runs `code` (an ES module using the source through tsx) in a child process. */
function child(code: string, env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { ...r, wall: Date.now() - started };
}

gpuTest.serial('a process that called with backend webgpu exits by itself, shortly after its last call', (t) => {
  // The shared device is never disposed by this script: the linger's unref'd timer disposes it
  // where Dawn's polling keeps the process alive, and holds nothing where it does not.
  const r = child(
    "import { gram, spectralLoss } from './src/index.ts';" +
      "const Z = { data: new Float32Array(12).fill(1), rows: 3, cols: 4 };" +
      "const g = await gram(Z, { backend: 'webgpu' });" +
      "const l = await spectralLoss(Z, Z, { backend: 'webgpu', negatives: 'all' });" +
      "process.stdout.write(`${g.data[0]} ${l.gradZ.data.length} ${Date.now()}`);",
  );
  t.is(r.signal, null, 'not killed by the 60 s timeout');
  t.is(r.status, 0, r.stderr);
  const [value, length, doneAt] = r.stdout.split(' ').map(Number);
  t.deepEqual([value, length], [4, 12]);
  const exitDelay = Date.now() - doneAt;
  t.log(`exited ${exitDelay} ms after its last call (linger ${LINGER_MS} ms)`);
  t.true(exitDelay < 3000, `exited ${exitDelay} ms after its last call`);
});

test.serial('without an adapter: SpeclinError ERR_NO_ADAPTER naming the backend option', (t) => {
  // A Vulkan loader pointed at no driver finds no adapter (Dawn's other backends are not built
  // into the Linux package).
  const r = child(
    "import { gram } from './src/index.ts';" +
      "try { await gram({ data: new Float32Array(4), rows: 2, cols: 2 }, { backend: 'webgpu' }); process.stdout.write('opened'); }" +
      "catch (e) { process.stdout.write(`${e.name} ${e.code} ${e.message}`); }",
    { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' },
  );
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^SpeclinError ERR_NO_ADAPTER backend 'webgpu': no WebGPU adapter/);
});
