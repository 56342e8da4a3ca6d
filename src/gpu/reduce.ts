/// <reference types="@webgpu/types" />
// The host side of the reductions: kernels write compensated per-workgroup partials (hi, lo pairs,
// 4 floats a workgroup), several reductions of one call share a buffer of such regions, and the
// host adds them in float64 after the call's one readback. frobenius_dot (reduce.wgsl) is the
// generic reduction <X, Y>_F that the losses and the Lanczos norm use.
import type { GpuContext } from './device.js';
import type { Binding, Pipelines } from './pipelines.js';
import { kernels, programs } from './programs.js';

/** Workgroups of one frobenius_dot over count4 vec4s: one per WG_SIZE vec4s, at most 64 (a
 * grid-stride loop past that), so that the host adds at most 64 partial pairs. */
export function frobeniusGroups(count4: number): number {
  return Math.max(1, Math.min(64, Math.ceil(count4 / kernels.frobeniusDot.workgroupSize)));
}

/** One term of a scalar: `coef` times the sum of `field` over `slots` compensated partials of 4
 * floats each ([field 0, its error, field 1, its error]) starting at float `offset`. A loss is a
 * sum of such terms, which the host adds in float64 after a readback (PartialSums.evaluate) or a
 * caller reduces on the device (speclin/tfjs, which must not read back). */
export interface PartialTerm {
  offset: number;
  slots: number;
  field: 0 | 1;
  coef: number;
}

/** Regions of partial sums in one storage buffer, each starting 256-byte aligned (the largest
 * minStorageBufferOffsetAlignment) so that it can be bound at its offset. */
export class PartialSums {
  private readonly regions = new Map<string, { offset: number; slots: number }>();
  private size = 0;
  private gpuBuffer: GPUBuffer | undefined;
  private words: Float32Array | undefined;

  /** Adds a region of `slots` 4-float partials. */
  region(name: string, slots: number): this {
    this.regions.set(name, { offset: this.size, slots });
    this.size += Math.ceil((slots * 16) / 256) * 256;
    return this;
  }

  /** Makes the buffer (once all regions are declared); the caller destroys it. */
  allocate(ctx: GpuContext, what: string): GPUBuffer {
    this.gpuBuffer = ctx.storage(what, this.size);
    return this.gpuBuffer;
  }

  /** The buffer and its used bytes, for a reduction of the terms on the device. */
  get buffer(): GPUBuffer {
    if (!this.gpuBuffer) throw new Error('internal: PartialSums.allocate first');
    return this.gpuBuffer;
  }

  get bytes(): number {
    return this.size;
  }

  private get(name: string): { offset: number; slots: number } {
    const r = this.regions.get(name);
    if (!r) throw new Error(`internal: no partial-sum region '${name}'`);
    return r;
  }

  slots(name: string): number {
    return this.get(name).slots;
  }

  binding(name: string): GPUBufferBinding {
    const r = this.get(name);
    return { buffer: this.buffer, offset: r.offset, size: r.slots * 16 };
  }

  /** `coef` times the sum of field 0 (floats 0, 1 of each slot) or field 1 (floats 2, 3) of a region. */
  term(name: string, field: 0 | 1 = 0, coef = 1): PartialTerm {
    const { offset, slots } = this.get(name);
    return { offset: offset / 4, slots, field, coef };
  }

  /** Reads the whole buffer back once. */
  async read(ctx: GpuContext): Promise<void> {
    this.words = new Float32Array(await ctx.read(this.buffer, this.size));
  }

  /** The float64 sum of the terms, after read(). */
  evaluate(terms: PartialTerm[]): number {
    const words = this.words;
    if (!words) throw new Error('internal: PartialSums.read first');
    let total = 0;
    for (const { offset, slots, field, coef } of terms) {
      const at = offset + 2 * field;
      let s = 0;
      for (let g = 0; g < slots; g++) s += words[at + 4 * g] + words[at + 4 * g + 1];
      total += coef * s;
    }
    return total;
  }

  /** The float64 sum of one field of one region, after read(). */
  sum(name: string, field: 0 | 1 = 0): number {
    return this.evaluate([this.term(name, field)]);
  }
}

/** Records frobenius_dot: partials of <x, y>_F over count4 vec4s into `partials` (bound at
 * frobeniusGroups(count4) slots). The uniform goes to `temps`. */
export function encodeFrobeniusDot(
  pipes: Pipelines, enc: GPUCommandEncoder, x: Binding, y: Binding, count4: number, partials: Binding, temps: GPUBuffer[],
): void {
  const groups = frobeniusGroups(count4);
  const params = pipes.uniform(programs.reduce, 'params', { count4, groups });
  temps.push(params);
  pipes.dispatch(enc, kernels.frobeniusDot, { bindings: { params, x, y, partials }, workgroups: groups });
}
