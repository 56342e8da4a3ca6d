import { createWebGpuBackend } from '../../src/index.js';
const gc = (globalThis as any).gc;
const turn = () => new Promise((r) => setTimeout(r, 5));
async function rss() { for (let i = 0; i < 3; i++) { gc(); await turn(); } return process.memoryUsage().rss / 2 ** 20; }
const dawn: any = await import('webgpu');
Object.assign(globalThis, dawn.globals);
const gpu = dawn.create([]);
const N = Number(process.argv[2] ?? 300);
const mode = process.argv[3] ?? 'raw';
const Z = { data: new Float32Array(64).map((_, i) => Math.sin(i)), rows: 8, cols: 8 };
let held: any;
async function once() {
  if (mode === 'held') { held ??= await createWebGpuBackend(); await held.gram(Z); return; }
  if (mode === 'raw') {
    const a = await gpu.requestAdapter(); const d = await a.requestDevice(); d.destroy();
  } else if (mode === 'raw-buffer') {
    const a = await gpu.requestAdapter(); const d = await a.requestDevice();
    const b = d.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    d.queue.writeBuffer(b, 0, new Float32Array(64)); await d.queue.onSubmittedWorkDone(); b.destroy(); d.destroy();
  } else if (mode === 'raw-pipeline' || mode === 'raw-pipeline-read') {
    const a = await gpu.requestAdapter(); const d = await a.requestDevice();
    const m = d.createShaderModule({ code: '@group(0) @binding(0) var<storage, read_write> x: array<f32>; @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < arrayLength(&x)) { x[g.x] = x[g.x] * 2.0; } }' });
    const p = d.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main' } });
    const b = d.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const bg = d.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: b } }] });
    const e = d.createCommandEncoder(); const pass = e.beginComputePass(); pass.setPipeline(p); pass.setBindGroup(0, bg); pass.dispatchWorkgroups(1); pass.end();
    let r: any;
    if (mode === 'raw-pipeline-read') { r = d.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }); e.copyBufferToBuffer(b, 0, r, 0, 256); }
    d.queue.submit([e.finish()]);
    if (r) { await r.mapAsync(GPUMapMode.READ); r.unmap(); r.destroy(); } else await d.queue.onSubmittedWorkDone();
    b.destroy(); d.destroy();
  } else if (mode === 'backend') {
    (await createWebGpuBackend()).dispose();
  } else {
    const b = await createWebGpuBackend(); await b.gram(Z); b.dispose();
  }
}
for (let i = 0; i < N / 2; i++) await once();
const base = await rss();
for (let i = 0; i < N / 2; i++) await once();
const end = await rss();
console.log(mode, N, 'growth MB per 1000 cycles', ((end - base) / (N / 2) * 1000).toFixed(1), 'base', base.toFixed(0));
