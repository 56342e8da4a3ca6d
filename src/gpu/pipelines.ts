/// <reference types="@webgpu/types" />
// Loads the WGSL programs of src/gpu/kernels, prepends the shared reduction (in its subgroup or
// workgroup-tree form), compiles each (program, entry point, constants) once, and dispatches.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpeclinError } from '../errors.js';
import type { GpuContext } from './device.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// From src/gpu the kernels sit next to this file; from dist/gpu they are read from the shipped src/.
const kernelDirs = [path.join(here, 'kernels'), path.join(here, '..', '..', 'src', 'gpu', 'kernels')];

function readKernel(name: string): string {
  for (const dir of kernelDirs) {
    const file = path.join(dir, `${name}.wgsl`);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new SpeclinError('ERR_NO_KERNEL', `speclin: WGSL kernel ${name}.wgsl not found in ${kernelDirs.join(', ')}`);
}

/** `//#if SUBGROUPS` ... `//#else` ... `//#endif` keeps one of the two branches: WGSL has no
 * preprocessor, and a program that calls subgroupAdd does not compile without `enable subgroups`. */
export function preprocess(source: string, subgroups: boolean): string {
  const out: string[] = [];
  const stack: boolean[] = [];
  for (const line of source.split('\n')) {
    const t = line.trim();
    if (t === '//#if SUBGROUPS') { stack.push(subgroups); continue; }
    if (t === '//#else') { stack[stack.length - 1] = !stack[stack.length - 1]; continue; }
    if (t === '//#endif') { stack.pop(); continue; }
    if (stack.every(Boolean)) out.push(line);
  }
  return (subgroups ? 'enable subgroups;\n' : '') + out.join('\n');
}

export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export class Pipelines {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  private readonly dummies: GPUBuffer[] = [];

  constructor(private readonly ctx: GpuContext) {
    this.subgroups = ctx.subgroups;
  }

  /** A small buffer bound where a program declares a binding that this use of it leaves unused
   * (auto layouts keep every binding a program references); `slot` keeps writable ones distinct. */
  dummy(slot: number): GPUBuffer {
    while (this.dummies.length <= slot) this.dummies.push(this.ctx.storage('dummy', 16));
    return this.dummies[slot];
  }

  /** Whether programs are built with the subgroupAdd reduction; false selects the workgroup tree
   * (switchable so that both are tested on one device). */
  subgroups: boolean;

  private module(name: string): GPUShaderModule {
    const key = `${name}:${this.subgroups}`;
    let m = this.modules.get(key);
    if (!m) {
      const code = preprocess(readKernel('reduce') + '\n' + readKernel(name), this.subgroups);
      m = this.ctx.device.createShaderModule({ code, label: key });
      this.modules.set(key, m);
    }
    return m;
  }

  get(program: string, entryPoint: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = `${program}:${entryPoint}:${this.subgroups}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.ctx.device.createComputePipeline({
        layout: 'auto',
        label: key,
        compute: { module: this.module(program), entryPoint, constants },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Records one dispatch; the workgroup count is split over x and y when it exceeds the
   * adapter's per-dimension limit (kernels recover the linear id as x + y * num_workgroups.x). */
  dispatch(
    encoder: GPUCommandEncoder,
    pipeline: GPUComputePipeline,
    bindings: (Binding | undefined)[],
    workgroups: number,
    z = 1,
    timestampWrites?: GPUComputePassTimestampWrites,
  ): void {
    if (workgroups <= 0 || z <= 0) return;
    const maxDim = this.ctx.info.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(workgroups, maxDim);
    const y = Math.ceil(workgroups / x);
    if (y > maxDim || z > maxDim) {
      throw new RangeError(`a dispatch of ${workgroups} x ${z} workgroups exceeds this adapter's limits`);
    }
    const group = this.ctx.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      // Holes (undefined) are binding numbers this entry point does not use.
      entries: bindings.flatMap((b, binding) => (b === undefined ? [] : [{
        binding,
        resource: b instanceof GPUBuffer ? { buffer: b } : b,
      }])),
    });
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  }
}
