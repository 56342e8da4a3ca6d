/// <reference types="@webgpu/types" />
// Builds the WGSL programs of src/gpu/kernels from their descriptors (programs.ts): the generated
// declarations, then common.wgsl (the workgroup sum in its subgroup or workgroup-tree form), then
// the file. Compiles each (program, entry point, override constants) once, and dispatches with
// bindings and uniforms by name.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpeclinError } from '../errors.js';
import type { GpuContext } from './device.js';
import { bindingIndex, declarations, type KernelDescriptor, type ProgramDescriptor } from './programs.js';

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

export type Binding = GPUBuffer | GPUBufferBinding;

/** The uniform fields of binding `N` of program `P`, by name. */
export type UniformValues<P extends ProgramDescriptor, N extends keyof P['bindings']> =
  P['bindings'][N] extends { uniform: infer F } ? Record<keyof F, number> : never;

/** What one dispatch binds (every binding the entry point references; optional ones may be left
 * out) and how many workgroups it runs. */
export interface Dispatch<B extends string, O extends string, Opt extends B> {
  bindings: Record<Exclude<B, Opt>, Binding> & Partial<Record<Opt, Binding>>;
  overrides?: Partial<Record<O, number>>;
  /** Workgroups along x (split over x and y past the per-dimension limit)... */
  workgroups?: number;
  /** ... or invocations along x, one workgroup per `workgroupSize` of them. */
  invocations?: number;
  /** Workgroups along z (batch entries). */
  z?: number;
  timestampWrites?: GPUComputePassTimestampWrites;
}

export class Pipelines {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Placeholders for optional bindings, one per binding index (writable ones must not alias). */
  private readonly placeholders = new Map<number, GPUBuffer>();

  constructor(private readonly ctx: GpuContext) {
    this.subgroups = ctx.subgroups;
  }

  /** Whether programs are built with the subgroupAdd reduction; false selects the workgroup tree
   * (switchable so that both are tested on one device). */
  subgroups: boolean;

  /** The full WGSL of a program as compiled (after the `//#if SUBGROUPS` selection). */
  source(program: ProgramDescriptor, subgroups = this.subgroups): string {
    return preprocess([declarations(program), readKernel('common'), readKernel(program.file)].join('\n'), subgroups);
  }

  private module(program: ProgramDescriptor): GPUShaderModule {
    const key = `${program.file}:${this.subgroups}`;
    let m = this.modules.get(key);
    if (!m) {
      m = this.ctx.device.createShaderModule({ code: this.source(program), label: key });
      this.modules.set(key, m);
    }
    return m;
  }

  pipeline<O extends string>(kernel: KernelDescriptor<string, O, string>, overrides: Partial<Record<O, number>> = {}): GPUComputePipeline {
    for (const name of Object.keys(overrides)) {
      if (!(kernel.overrides ?? []).includes(name as O)) throw new Error(`internal: ${kernel.entryPoint} has no override '${name}'`);
    }
    const constants = overrides as Record<string, number>;
    const key = `${kernel.program.file}:${kernel.entryPoint}:${this.subgroups}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.ctx.device.createComputePipeline({
        layout: 'auto',
        label: key,
        compute: { module: this.module(kernel.program), entryPoint: kernel.entryPoint, constants },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** A uniform buffer holding binding `name` of `program`, its fields given by name (4 bytes each,
   * in the declared order, padded to 16 bytes). The caller destroys it once submitted. */
  uniform<P extends ProgramDescriptor, N extends keyof P['bindings'] & string>(program: P, name: N, values: UniformValues<P, N>): GPUBuffer {
    const decl = program.bindings[name];
    if (!('uniform' in decl)) throw new Error(`internal: ${program.file}.${name} is not a uniform`);
    const fields = Object.entries(decl.uniform);
    const given = values as Record<string, number>;
    const extra = Object.keys(given).filter((f) => !(f in decl.uniform));
    if (extra.length > 0) throw new Error(`internal: ${program.file}.${name} has no field ${extra.join(', ')}`);
    const host = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
    const view = new DataView(host);
    fields.forEach(([field, type], i) => {
      const x = given[field];
      if (typeof x !== 'number') throw new Error(`internal: ${program.file}.${name}.${field} not given`);
      if (type === 'f32') view.setFloat32(4 * i, x, true);
      else if (type === 'i32') view.setInt32(4 * i, x, true);
      else view.setUint32(4 * i, x >>> 0, true);
    });
    return this.ctx.uniformBuffer(host);
  }

  private placeholder(index: number): GPUBuffer {
    let b = this.placeholders.get(index);
    if (!b) {
      b = this.ctx.storage('placeholder binding', 16);
      this.placeholders.set(index, b);
    }
    return b;
  }

  /** Records one dispatch; the workgroup count is split over x and y when it exceeds the
   * adapter's per-dimension limit (kernels recover the linear id as x + y * num_workgroups.x). */
  dispatch<B extends string, O extends string, Opt extends B>(
    encoder: GPUCommandEncoder, kernel: KernelDescriptor<B, O, Opt>, spec: Dispatch<B, O, Opt>,
  ): void {
    const workgroups = spec.workgroups ?? Math.ceil((spec.invocations ?? 0) / kernel.workgroupSize);
    const z = spec.z ?? 1;
    if (workgroups <= 0 || z <= 0) return;
    const maxDim = this.ctx.info.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(workgroups, maxDim);
    const y = Math.ceil(workgroups / x);
    if (y > maxDim || z > maxDim) {
      throw new RangeError(`a dispatch of ${workgroups} x ${z} workgroups exceeds this adapter's limits`);
    }
    const given = spec.bindings as Partial<Record<string, Binding>>;
    for (const name of Object.keys(given)) {
      if (!kernel.bindings.includes(name as B)) throw new Error(`internal: ${kernel.entryPoint} does not use binding '${name}'`);
    }
    const entries = kernel.bindings.map((name) => {
      const binding = bindingIndex(kernel.program, name);
      let b = given[name];
      if (b === undefined) {
        if (!(kernel.optional ?? []).includes(name as Opt)) throw new Error(`internal: ${kernel.entryPoint} needs binding '${name}'`);
        b = this.placeholder(binding);
      }
      return { binding, resource: b instanceof GPUBuffer ? { buffer: b } : b };
    });
    const pipeline = this.pipeline(kernel, spec.overrides);
    const group = this.ctx.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass(spec.timestampWrites ? { timestampWrites: spec.timestampWrites } : {});
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  }
}
