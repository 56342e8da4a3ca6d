// `npm run bench -- gpu`: the WebGPU backend's kernels in GFLOP/s and GB/s, and its GEMM against
// @tensorflow/tfjs-backend-webgpu's matMul on the same device in the same run. Kernel times come
// from timestamp queries where the adapter has them (GEMM for both libraries); multi-pass kernels
// are timed from submit to onSubmittedWorkDone on GPU-resident inputs (no transfers). GB/s counts
// compulsory traffic only: inputs read once and outputs written once (plus, for topK, the score
// matrix written and read once; for spmv the CSR arrays, x's gathers and y).
// On lavapipe (Mesa's software Vulkan, the CI adapter) the figures only show that the harness
// works: they measure LLVM-compiled CPU code, not a GPU.
// Imports the backend directly, not ../src/index.js, so that it runs without the C++ addon built.
import { createWebGpuBackend } from '../src/gpu/backend.js';
import type { WebGpuBackend } from '../src/gpu/backend.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';
import { encodeGemm } from '../src/gpu/gram.js';
import { allocate, type GpuMatrix } from '../src/gpu/matrix.js';

function normal(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(Math.max(u(), 1e-300))) * Math.cos(2 * Math.PI * u()) * scale;
  return out;
}

/** Median of `reps` timestamp-query measurements of one GEMM pass, in seconds. */
async function gemmKernelSeconds(be: WebGpuBackend, a: GpuMatrix, b: GpuMatrix, c: GpuMatrix, reps: number): Promise<number> {
  const { ctx, pipes } = be.runtime;
  const dev = ctx.device;
  const querySet = dev.createQuerySet({ type: 'timestamp', count: 2 });
  const resolve = dev.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const times: number[] = [];
  try {
    for (let r = 0; r <= reps; r++) {
      const temps: GPUBuffer[] = [];
      await ctx.submit((enc) => {
        encodeGemm(ctx, pipes, enc, { a, transA: false, b, transB: true, c }, temps, {
          querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1,
        });
        enc.resolveQuerySet(querySet, 0, 2, resolve, 0);
      });
      const ns = new BigUint64Array(await ctx.read(resolve, 16));
      temps.forEach((t) => t.destroy());
      if (r > 0) times.push(Number(ns[1] - ns[0]) / 1e9); // r = 0 warms up (pipeline compile)
    }
  } finally {
    querySet.destroy();
    resolve.destroy();
  }
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

/** Median wall time from submit to completion of `op` (GPU-resident inputs), in seconds. */
async function wallSeconds(be: WebGpuBackend, op: () => Promise<unknown>, reps: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const out = await op();
    await be.runtime.ctx.device.queue.onSubmittedWorkDone();
    if (r > 0) times.push((performance.now() - t0) / 1e3);
    destroyAll(out);
  }
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

function destroyAll(x: unknown): void {
  if (x && typeof x === 'object') {
    if (typeof (x as { destroy?: unknown }).destroy === 'function' && 'stride' in x) (x as GpuMatrix).destroy();
    else for (const v of Object.values(x)) if (v && typeof v === 'object' && 'stride' in v) (v as GpuMatrix).destroy();
  }
}

interface Tf {
  tf: typeof import('@tensorflow/tfjs-core');
  ok: boolean;
  why?: string;
}

/** tfjs-backend-webgpu on our own GPUDevice: same adapter, same device, same run. */
async function openTfjs(be: WebGpuBackend): Promise<Tf> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  // tfjs checks `navigator.gpu` before it constructs its backend; Node 20 has no navigator.
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
  if (!g.navigator!.gpu) Object.defineProperty(g.navigator, 'gpu', { value: {}, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const device = be.runtime.ctx.device;
  // Its kernels are registered under the name 'webgpu'; replace that backend's factory (which would
  // open a second device) by one that wraps ours.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, be.runtime.adapterInfo as GPUAdapterInfo));
  const ok = await tf.setBackend('webgpu');
  return ok ? { tf, ok } : { tf, ok, why: 'tf.setBackend(webgpu) on the shared device failed' };
}

async function tfMatMulSeconds(tf: Tf['tf'], n: number, reps: number): Promise<{ kernel: number; wall: number }> {
  const a = tf.tensor2d(normal(n * n, 1), [n, n]);
  const b = tf.tensor2d(normal(n * n, 2), [n, n]);
  const kernel: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r <= reps; r++) {
    let c: { dispose(): void; data(): Promise<unknown> } | undefined;
    const t0 = performance.now();
    const info = await tf.time(() => {
      c = tf.matMul(a, b, false, true); // A B^T, the crossGram product
    });
    await (c as { data(): Promise<unknown> }).data();
    if (r > 0) {
      kernel.push((info.kernelMs as number) / 1e3);
      wall.push((performance.now() - t0) / 1e3);
    }
    c!.dispose();
  }
  a.dispose();
  b.dispose();
  const med = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)];
  return { kernel: med(kernel), wall: med(wall) };
}

/** The CSR pattern of A + A^T with unit weights (duplicates summed). */
function symmetrize(n: number, indptr: Int32Array, indices: Int32Array) {
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n; i++)
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      count[i + 1]++;
      count[indices[p] + 1]++;
    }
  for (let i = 0; i < n; i++) count[i + 1] += count[i];
  const out = new Int32Array(count[n]);
  const fill = count.slice(0, n);
  for (let i = 0; i < n; i++)
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      out[fill[i]++] = j;
      out[fill[j]++] = i;
    }
  return { n, indptr: count, indices: out, values: new Float32Array(out.length).fill(1) };
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const be = await createWebGpuBackend();
  const rows: Row[] = [];
  const targets: SuiteResult['targets'] = [];
  const software = be.info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(be.info.description);
  const reps = opts.quick ? 2 : 3;
  // bench/gpu-device.sh sets this from the GPU's model and its maximum SM clock.
  const peak = Number(process.env.SPECLIN_FP32_PEAK_GFLOPS) || 0;
  try {
    const tf = await openTfjs(be).catch((e: Error) => ({ tf: undefined as never, ok: false, why: e.message }));
    const sizes = opts.quick ? [256, 512] : [256, 1024, 2048];
    const ctx = be.runtime.ctx;
    for (const n of sizes) {
      opts.log(`gemm ${n}`);
      const a = be.upload({ data: normal(n * n, 1), rows: n, cols: n });
      const b = be.upload({ data: normal(n * n, 2), rows: n, cols: n });
      const c = allocate(ctx, be.runtime.owner, 'C', n, n);
      const flops = 2 * n * n * n;
      const ours = ctx.timestamps ? await gemmKernelSeconds(be, a, b, c, reps) : await wallSeconds(be, () => be.crossGram(a, b), reps);
      const row: Row = { case: `crossGram ${n}x${n}x${n}`, timing: ctx.timestamps ? 'timestamps' : 'wall', ms: ours * 1e3, 'GFLOP/s': flops / ours / 1e9, 'GB/s': (3 * n * n * 4) / ours / 1e9 };
      if (peak) row['of FP32 peak'] = `${((100 * flops) / ours / 1e9 / peak).toFixed(1)}%`;
      if (tf.ok) {
        const theirs = await tfMatMulSeconds(tf.tf, n, reps);
        const t = ctx.timestamps && theirs.kernel > 0 ? theirs.kernel : theirs.wall;
        row['tfjs ms'] = t * 1e3;
        row['tfjs GFLOP/s'] = flops / t / 1e9;
        row['x tfjs'] = t / ours;
        if (n === 2048) {
          targets.push({
            name: '>= 1.5x tfjs-backend-webgpu matMul at 2048^3',
            met: t / ours >= 1.5,
            detail: `${(t / ours).toFixed(2)}x on ${be.info.description}${software ? ' (software rasterizer: not a GPU figure)' : ''}`,
          });
        }
      }
      rows.push(row);
      a.destroy();
      b.destroy();
      c.destroy();
    }
    if (!tf.ok) opts.log(`tfjs-backend-webgpu unavailable: ${tf.why}`);

    const B = opts.quick ? 1024 : 4096;
    const k = 128;
    const Z = be.upload({ data: normal(B * k, 3, 0.1), rows: B, cols: k });
    const W = be.upload({ data: normal(B * k, 4, 0.1), rows: B, cols: k });
    opts.log('gram, spectralLoss');
    let t = await wallSeconds(be, () => be.gram(Z), reps);
    rows.push({ case: `gram ${B}x${k} (upper tiles)`, timing: 'wall', ms: t * 1e3, 'GFLOP/s': (2 * B * B * k) / t / 1e9, 'GB/s': ((B * k + B * B) * 4) / t / 1e9 });
    for (const algorithm of ['pairwise', 'gram'] as const) {
      t = await wallSeconds(be, () => be.spectralLoss(Z, W, { algorithm, mu: 1 }), reps);
      const flops = algorithm === 'pairwise' ? 3 * 2 * B * B * k : 4 * 2 * B * k * k;
      rows.push({ case: `spectralLoss ${algorithm} ${B}x${k}`, timing: 'wall', ms: t * 1e3, 'GFLOP/s': flops / t / 1e9, 'GB/s': (4 * B * k * 4) / t / 1e9 });
    }
    Z.destroy();
    W.destroy();

    opts.log('spmv');
    const n = opts.quick ? 100_000 : 1_000_000;
    const deg = 16;
    const indptr = new Int32Array(n + 1);
    const indices = new Int32Array(n * deg);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      indptr[i + 1] = (i + 1) * deg;
      for (let p = 0; p < deg; p++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        indices[i * deg + p] = s % n;
      }
    }
    const graph = be.uploadGraph({ n, indptr, indices, values: new Float32Array(n * deg).fill(1) });
    const x = be.upload({ data: normal(n, 5), rows: n, cols: 1 });
    t = await wallSeconds(be, () => be.spmv(graph, x, { normalized: true }), reps);
    // Bytes each product must move at least: indices + values + indptr + x gathers + y + scaling.
    const bytes = n * deg * (4 + 4 + 4) + n * 4 * 4;
    rows.push({ case: `spmv normalized n=${n}, ${deg}/row (${graph.group} lanes/row)`, timing: 'wall', ms: t * 1e3, 'GB/s': bytes / t / 1e9 });
    x.destroy();
    graph.destroy();

    opts.log('eigsh');
    const ne = opts.quick ? 20_000 : 1_000_000;
    const ptrE = new Int32Array(ne + 1);
    const idxE = new Int32Array(ne * deg);
    for (let i = 0; i < ne; i++) {
      ptrE[i + 1] = (i + 1) * deg;
      for (let p = 0; p < deg; p++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        idxE[i * deg + p] = s % ne;
      }
    }
    // Lanczos needs a symmetric matrix: A + A^T of a random pattern.
    const sym = symmetrize(ne, ptrE, idxE);
    const ge = be.uploadGraph(sym);
    const t0 = performance.now();
    const eig = await be.eigsh(ge, { k: 8, tol: 1e-4, maxIterations: 1000 });
    t = (performance.now() - t0) / 1e3;
    rows.push({ case: `eigsh k=8 tol=1e-4 n=${ne}, ~${2 * deg}/row: ${eig.iterations} Lanczos steps, ${eig.matvecs} products (one cold run)`, timing: 'wall', ms: t * 1e3 });
    ge.destroy();

    opts.log('topK');
    const nq = opts.quick ? 256 : 1024;
    const nk = opts.quick ? 8192 : 65536;
    const Q = be.upload({ data: normal(nq * 64, 6), rows: nq, cols: 64 });
    const K = be.upload({ data: normal(nk * 64, 7), rows: nk, cols: 64 });
    t = await wallSeconds(be, () => be.topK(Q, K, 10), reps);
    rows.push({ case: `topK ${nq} queries x ${nk} keys x 64, k=10`, timing: 'wall', ms: t * 1e3, 'GFLOP/s': (2 * nq * nk * 64) / t / 1e9, 'GB/s': ((nq + nk) * 64 * 4 + 2 * nq * nk * 4) / t / 1e9 });
    Q.destroy();
    K.destroy();
  } finally {
    be.dispose();
  }
  return {
    suite: 'gpu',
    environment: {
      adapter: `${be.info.vendor} ${be.info.architecture} (${be.info.description})`,
      reductions: be.reductions,
      ...(peak ? { 'FP32 peak GFLOP/s': peak } : {}),
      note: software ? 'software adapter: figures test the harness, not GPU speed' : 'hardware adapter',
    },
    columns: ['timing', 'ms', 'GFLOP/s', ...(peak ? ['of FP32 peak'] : []), 'GB/s', 'tfjs ms', 'tfjs GFLOP/s', 'x tfjs'],
    rows,
    targets,
  };
}
