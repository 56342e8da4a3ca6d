// `npm run bench -- gpu-svds [--quick]`: the WebGPU backend's bipartite (CLIP) kernels against the
// CPU backend's on the same random bipartite graph in the same run: svds of P̄ (Lanczos on the
// smaller side's Gram matrix; GPU: float32 on the device, CPU: float64 native block Lanczos) and
// the two-tower populationLoss with both gradients. GPU inputs are resident (uploadBipartite,
// GpuMatrix towers), so the times are the kernels plus the readbacks each method needs.
// On lavapipe (Mesa's software Vulkan) the GPU figures measure LLVM-compiled CPU code on the same
// cores as the CPU peer, not a GPU.
import { BipartiteGraph, createWebGpuBackend, populationLoss, svds } from '../src/index.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';
import { timeAsync } from './lib/harness.js';

/** A seeded bipartite graph: each left node joined to `perLeft` random right nodes, each right
 * node to one random left node (no isolated node), weights in [0.5, 1.5). */
function randomBipartite(nLeft: number, nRight: number, perLeft: number, seed: number): BipartiteGraph {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const m = nLeft * perLeft + nRight;
  const left = new Int32Array(m);
  const right = new Int32Array(m);
  const weight = new Float64Array(m);
  let e = 0;
  for (let i = 0; i < nLeft; i++) for (let p = 0; p < perLeft; p++, e++) { left[e] = i; right[e] = Math.floor(u() * nRight); weight[e] = 0.5 + u(); }
  for (let j = 0; j < nRight; j++, e++) { left[e] = Math.floor(u() * nLeft); right[e] = j; weight[e] = 0.5 + u(); }
  return BipartiteGraph.fromEdges({ nLeft, nRight, left, right, weight });
}

function gaussian(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * scale);
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const be = await createWebGpuBackend();
  const rows: Row[] = [];
  const software = /llvmpipe|lavapipe|swiftshader/i.test(`${be.info.description} ${be.info.architecture} ${be.info.vendor}`);
  try {
    const [nLeft, nRight, perLeft] = opts.quick ? [6000, 4500, 8] : [60000, 45000, 10];
    const k = 8;
    const tol = 1e-4;
    opts.log(`graph ${nLeft} x ${nRight}`);
    const g = randomBipartite(nLeft, nRight, perLeft, 7);
    const resident = be.uploadBipartite(g);
    try {
      opts.log('svds');
      // One cold GPU run (pipelines compiled on first use), then one timed run of each.
      await be.svds(resident, { k, tol, seed: 1, maxIterations: 1000 });
      let t0 = performance.now();
      const gs = await be.svds(resident, { k, tol, seed: 1, maxIterations: 1000 });
      const gpuMs = performance.now() - t0;
      t0 = performance.now();
      const cs = await svds(g, { k, tol });
      const cpuMs = performance.now() - t0;
      let agree = 0;
      for (let q = 0; q < k; q++) agree = Math.max(agree, Math.abs(gs.values[q] - cs.values[q]));
      rows.push({
        case: `svds k=${k} tol=${tol} ${nLeft}x${nRight}, ${g.nnz} pairs`,
        'GPU ms': gpuMs, 'GPU products': gs.products, 'CPU ms': cpuMs, 'CPU products': cs.products, 'x CPU': cpuMs / gpuMs,
        'max |Δσ|': agree,
      });

      opts.log('populationLoss');
      const Ex = { data: gaussian(nLeft * k, 3, 0.1), rows: nLeft, cols: k };
      const Et = { data: gaussian(nRight * k, 4, 0.1), rows: nRight, cols: k };
      const ex = be.upload(Ex);
      const et = be.upload(Et);
      const reps = opts.quick ? 5 : 10;
      const gpu = await timeAsync(async () => {
        const r = await be.populationLoss(resident, ex, et);
        (r.gradLeft as { destroy(): void }).destroy();
        (r.gradRight as { destroy(): void }).destroy();
      }, reps);
      const cpu = await timeAsync(() => populationLoss(g, Ex, Et), reps);
      rows.push({
        case: `populationLoss bipartite ${nLeft}x${nRight}, k=${k} (both gradients)`,
        'GPU ms': gpu.best * 1e3, 'CPU ms': cpu.best * 1e3, 'x CPU': cpu.best / gpu.best,
      });
      ex.destroy();
      et.destroy();
    } finally {
      resident.destroy();
    }
  } finally {
    be.dispose();
  }
  return {
    suite: 'gpu-svds',
    environment: {
      adapter: `${be.info.vendor} ${be.info.architecture} (${be.info.description})`,
      note: software ? 'software adapter: GPU figures are CPU code on the same cores as the CPU peer' : 'hardware adapter',
    },
    columns: ['GPU ms', 'GPU products', 'CPU ms', 'CPU products', 'x CPU', 'max |Δσ|'],
    rows,
    targets: [],
  };
}
