// The soak: many calls of every kernel form, watching the resident set (RSS) for growth.
//   npm run soak                      the full run: 100 000 calls of each form, 10 000 WebGPU
//                                     calls on one backend, 1 000 WebGPU backends created and
//                                     disposed (beside as many bare Dawn devices), 1 000 eigsh
//                                     calls aborted
//   npm run soak -- --calls 2000 --gpu 20 --aborts 20     a slice (test/soak.test.ts runs one)
// Prints a line per part and, last, one JSON line with every figure. Exits 1 when a part's growth
// exceeds its limit (--limit MB, default 10) or an aborted call does not reject as aborted.
//
// Growth is measured over the second half of each part's calls: in the first half allocator
// arenas, V8's heap and the pool's threads reach their working size (8 crossGram calls in flight
// grew the process by 44 MB once, within 3 000 calls, then not at all), and what comes after must
// stay flat. Both ends are taken after a full collection (--expose-gc), so
// that garbage waiting for a GC is not counted as a leak.
import { createWebGpuBackend, eigsh } from '../../src/index.js';
import { kernelCalls, chordedRing } from '../helpers/kernel-calls.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const calls = option('calls', 100_000);
const gpuCycles = option('gpu', 1_000);
const aborts = option('aborts', 1_000);
const limitMB = option('limit', 10);
const inFlight = 8;  // Promise forms: calls kept in flight at once

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('soak: run with node --expose-gc');
  process.exit(2);
}
const rssMB = () => process.memoryUsage().rss / 2 ** 20;
// N-API finalizers (the ones that free native results) run from the event loop after a
// collection, not inside gc(): yield to it between collections before reading the RSS.
const turn = () => new Promise((resolve) => setTimeout(resolve, 5));
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await turn();
  }
  return rssMB();
}

interface Part { part: string; calls: number; seconds: number; baselineMB: number; endMB: number; peakMB: number; growthMB: number; note?: string }
const parts: Part[] = [];
let failed = false;

/** Runs `body(i)` for i < count, `parallel` at a time, measuring RSS growth after the warm-up.
 * `allowanceMB` raises this part's limit by growth that is not speclin's (measured beside it);
 * `judged: false` reports a part without a limit (a reference). */
async function measure(
  part: string, count: number, parallel: number, body: (i: number) => unknown,
  { allowanceMB = 0, judged = true }: { allowanceMB?: number; judged?: boolean } = {},
): Promise<Part> {
  const warm = Math.floor(count / 2);
  let next = 0;
  const runTo = async (end: number, onProgress?: () => void) => {
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < end) {
        const i = next++;
        await body(i);
        if (onProgress && i % 500 === 0) onProgress();
      }
    }));
  };
  await runTo(warm);
  const baselineMB = await settledRss();
  let peakMB = baselineMB;
  const t0 = performance.now();
  await runTo(count, () => { peakMB = Math.max(peakMB, rssMB()); });
  const seconds = (performance.now() - t0) / 1000;
  const endMB = await settledRss();
  const p: Part = { part, calls: count, seconds, baselineMB, endMB, peakMB: Math.max(peakMB, endMB), growthMB: endMB - baselineMB };
  parts.push(p);
  const over = judged && p.growthMB > limitMB + allowanceMB;
  failed ||= over;
  if (allowanceMB > 0) p.note = `limit ${limitMB} MB + ${allowanceMB.toFixed(2)} MB grown by Dawn alone`;
  console.log(
    `${over ? 'FAIL' : judged ? 'ok  ' : 'ref '} ${part}: ${count} calls in ${seconds.toFixed(1)} s, RSS ${baselineMB.toFixed(1)} -> ` +
      `${endMB.toFixed(1)} MB (growth ${p.growthMB.toFixed(2)} MB, peak ${p.peakMB.toFixed(1)} MB)`,
  );
  return p;
}

// Small inputs: the soak is about what each call leaves behind, not about its arithmetic, and
// 100 000 eigsh calls must fit in minutes (32 nodes: eigsh takes its dense path; the aborted
// solves below run block Lanczos). Every form runs 200 times first, so that the first part
// measured does not carry the process's own warm-up (the pool's threads, V8's heap, arenas).
const forms = kernelCalls({ nodes: 32, eigshMethod: 'auto' });
for (const c of forms) for (let i = 0; i < 200; i++) await c.run();
for (const c of forms) {
  const promise = !c.name.endsWith('Sync') && c.name !== 'normalized product';
  await measure(c.name, calls, promise ? inFlight : 1, () => c.run());
}

// WebGPU backends created and disposed back to back.
let gpuNote: string | undefined;
try {
  (await createWebGpuBackend()).dispose();
} catch (err) {
  gpuNote = `skipped: ${(err as Error).message}`;
}
const dawnGpu = gpuNote === undefined ? ((await import('webgpu')) as unknown as { create(flags: string[]): GPU }).create([]) : undefined;
async function dawnCycle(): Promise<void> {
  const adapter = (await dawnGpu!.requestAdapter({ powerPreference: 'high-performance' }))!;
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: (['subgroups', 'timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX, maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  const code = '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n' +
    '@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < arrayLength(&x)) { x[g.x] = 2.0 * x[g.x]; } }';
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const data = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: data } }] }));
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(data, 0, readback, 0, 256);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  readback.unmap();
  for (const b of [data, readback]) b.destroy();
  device.destroy();
}

if (gpuNote === undefined) {
  const Z = { data: new Float32Array(64).map((_, i) => Math.sin(i)), rows: 8, cols: 8 };
  // What speclin keeps per call: many calls on one backend.
  const held = await createWebGpuBackend();
  await measure('WebGPU gram on one backend', gpuCycles * 10, 1, () => held.gram(Z));
  held.dispose();
  // Each device that Dawn opens on lavapipe and destroys leaves memory behind, more with higher
  // requested limits and with each compiled pipeline (measured: 12 MB per 1 000 devices with one
  // pipeline and default limits, 109 MB with every adapter limit required; docs/reliability.md).
  // That is Dawn's and the driver's, so the same cycle without speclin (a device with speclin's
  // limits and features, one pipeline, a dispatch, a read back) is measured first, and speclin's
  // cycle may grow by that much more than the limit.
  const dawnAlone = await measure('Dawn alone: device, pipeline, dispatch, read back, destroy', gpuCycles, 1, () => dawnCycle(), { judged: false });
  await measure('WebGPU create, gram, dispose', gpuCycles, 1, async () => {
    const b = await createWebGpuBackend();
    await b.gram(Z);
    b.dispose();
  }, { allowanceMB: Math.max(0, dawnAlone.growthMB) });
} else {
  console.log(`--   WebGPU create/dispose ${gpuNote}`);
}

// eigsh calls aborted through an AbortSignal mid-solve: each must reject as aborted, promptly.
// A 20 000-node solve takes seconds; the abort comes 1-5 ms after the call.
const graph = chordedRing(20_000);
const latencies: number[] = [];
let notAborted = 0;
await measure('eigsh aborted mid-solve', aborts, 1, async (i) => {
  const controller = new AbortController();
  const call = eigsh(graph, { k: 8, tol: 1e-12, seed: i, method: 'lanczos', signal: controller.signal });
  await new Promise((r) => setTimeout(r, 1 + (i % 5)));
  const t0 = performance.now();
  controller.abort();
  try {
    await call;
    notAborted++;  // finished before the abort: the problem must be big enough not to
  } catch (err) {
    if ((err as Error).name !== 'AbortError' && (err as { code?: string }).code !== 'ABORT_ERR') throw err;
    latencies.push(performance.now() - t0);
  }
});
latencies.sort((a, b) => a - b);
const median = latencies[Math.floor(latencies.length / 2)] ?? NaN;
const worst = latencies[latencies.length - 1] ?? NaN;
console.log(`     aborts: ${latencies.length} of ${aborts} rejected as aborted (median ${median.toFixed(1)} ms after abort(), worst ${worst.toFixed(1)} ms)`);
if (notAborted > 0) {
  failed = true;
  console.log(`FAIL ${notAborted} eigsh calls finished before their abort`);
}

console.log(JSON.stringify({ calls, gpuCycles, aborts, limitMB, parts, gpu: gpuNote ?? 'ran', abortMedianMs: median, abortWorstMs: worst, notAborted, failed }));
process.exit(failed ? 1 : 0);
