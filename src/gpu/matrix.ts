/// <reference types="@webgpu/types" />
// GPU-resident matrices: the handle type, and the one place that copies between typed arrays and
// GPU buffers. On the GPU a row is padded to a multiple of 4 floats with zeros, so that the
// kernels load and store aligned vec4s without a bounds check per element.
import type { FloatArray, Matrix } from '../types.js';
import type { GpuContext } from './device.js';
import { readMatrix, typedArrayKind, type MatrixArgument } from '../matrix-argument.js';

export class GpuMatrix {
  /** Floats per stored row: cols rounded up to a multiple of 4. */
  readonly stride: number;
  readonly dtype = 'float32' as const;
  /** Where the matrix starts in `buffer` (views; a multiple of 256). */
  byteOffset = 0;
  private destroyed = false;
  private isView = false;

  constructor(
    readonly rows: number,
    readonly cols: number,
    /** The storage buffer: batch * rows * stride float32s, row-major, zero padding. */
    readonly buffer: GPUBuffer,
    /** Present for a batch of matrices stored one after another. */
    readonly batch: number | undefined,
    /** The backend that owns the buffer; a handle from another backend is refused. */
    readonly owner: object,
    stride?: number,
  ) {
    this.stride = stride ?? paddedStride(cols);
  }

  get count(): number {
    return this.batch ?? 1;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** @internal A rows x cols matrix inside this one's buffer, `byteOffset` bytes further on; its
   * own stride is paddedStride(cols). Destroying a view does not free the buffer. */
  view(byteOffset: number, rows: number, cols: number, stride?: number): GpuMatrix {
    const at = this.byteOffset + byteOffset;
    if (at % 256 !== 0) throw new Error(`internal: view offset ${at} is not a multiple of 256`);
    const v = new GpuMatrix(rows, cols, this.buffer, undefined, this.owner, stride);
    v.byteOffset = at;
    v.isView = true;
    return v;
  }

  /** @internal The binding resource for this matrix. */
  get binding(): GPUBufferBinding {
    return this.byteOffset === 0 ? { buffer: this.buffer } : { buffer: this.buffer, offset: this.byteOffset };
  }

  /** Frees the GPU memory now instead of when the backend is disposed. */
  destroy(): void {
    if (this.isView) {
      this.destroyed = true;
      return;
    }
    if (!this.destroyed) {
      this.destroyed = true;
      this.buffer.destroy();
    }
  }
}

/** A GpuMatrix over an external buffer, which destroy() leaves to its owner (see WebGpuBackend.wrap). */
export function wrapBuffer(owner: object, buffer: GPUBuffer, layout: { rows: number; cols: number; stride?: number }): GpuMatrix {
  if (typeof buffer !== 'object' || buffer === null || typeof (buffer as GPUBuffer).destroy !== 'function') {
    throw new TypeError('buffer: expected a GPUBuffer');
  }
  const { rows, cols, stride = paddedStride(cols) } = layout;
  if (!isCount(rows)) throw new RangeError(`rows: expected a positive integer, got ${String(rows)}`);
  if (!isCount(cols)) throw new RangeError(`cols: expected a positive integer, got ${String(cols)}`);
  if (stride !== paddedStride(cols)) {
    throw new RangeError(
      `stride: speclin's kernels read rows of ${paddedStride(cols)} floats (cols rounded up to a multiple of 4), got ${String(stride)}; ` +
        'pad the rows on the GPU first',
    );
  }
  const need = rows * stride * 4;
  if (buffer.size < need) throw new RangeError(`buffer: ${rows} x ${cols} float32 with stride ${stride} needs ${need} bytes, the buffer has ${buffer.size}`);
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) throw new RangeError('buffer: expected a buffer with GPUBufferUsage.STORAGE');
  // A view at offset 0 of the buffer: destroying it frees nothing.
  return new GpuMatrix(rows, cols, buffer, undefined, owner, stride).view(0, rows, cols, stride);
}

/** A plan's result matrix: `given` where the caller supplies one (speclin/tfjs wraps a buffer of
 * tfjs's own, which the kernels then write in place), after checking its shape; else a new one.
 * The kernels assign every entry of a result, so `given` need not be zeroed. */
export function allocateResult(ctx: GpuContext, owner: object, name: string, rows: number, cols: number, given?: GpuMatrix): GpuMatrix {
  if (given === undefined) return allocate(ctx, owner, name, rows, cols);
  if (given.rows !== rows || given.cols !== cols || given.batch !== undefined || given.stride !== paddedStride(cols)) {
    throw new Error(`internal: ${name} must be a ${rows} x ${cols} matrix, got ${given.rows} x ${given.cols} (stride ${given.stride})`);
  }
  return given;
}

export function paddedStride(cols: number): number {
  return Math.ceil(cols / 4) * 4;
}

export function isGpuMatrix(x: unknown): x is GpuMatrix {
  return x instanceof GpuMatrix;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1;
}

/** Reads a host matrix argument with the reader the CPU path uses (src/matrix-argument.ts), so
 * that both backends accept the same objects and name the argument alike, and insists on float32. */
export function readHostMatrix(name: string, m: unknown): MatrixArgument<Float32Array> {
  const read = readMatrix(name, m, true);
  if (typedArrayKind(read.data) !== 'Float32Array') {
    throw new TypeError(
      `${name}: the WebGPU backend computes in float32 (WGSL has no f64); pass a Float32Array ` +
        '(Float32Array.from(data)) or use the CPU backend for float64',
    );
  }
  return read as MatrixArgument<Float32Array>;
}

export function upload(ctx: GpuContext, owner: object, name: string, m: Matrix<FloatArray> & { batch?: number }): GpuMatrix {
  const { data, rows, cols, batch } = readHostMatrix(name, m);
  const stride = paddedStride(cols);
  const count = batch ?? 1;
  const bytes = count * rows * stride * 4;
  ctx.checkBinding(`${name} (${batch ? `${batch} x ` : ''}${rows} x ${cols} float32)`, bytes);
  const buffer = ctx.storage(name, bytes);
  if (stride === cols) {
    ctx.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  } else {
    const padded = new Float32Array(count * rows * stride);
    for (let r = 0; r < count * rows; r++) padded.set(data.subarray(r * cols, (r + 1) * cols), r * stride);
    ctx.device.queue.writeBuffer(buffer, 0, padded.buffer, 0, padded.byteLength);
  }
  return new GpuMatrix(rows, cols, buffer, batch, owner);
}

/** A fresh zero-filled GpuMatrix. */
export function allocate(ctx: GpuContext, owner: object, name: string, rows: number, cols: number, batch?: number): GpuMatrix {
  const bytes = (batch ?? 1) * rows * paddedStride(cols) * 4;
  ctx.checkBinding(`${name} (${batch ? `${batch} x ` : ''}${rows} x ${cols} float32)`, bytes);
  return new GpuMatrix(rows, cols, ctx.storage(name, bytes), batch, owner);
}

export async function download(ctx: GpuContext, g: GpuMatrix): Promise<Matrix<Float32Array> & { batch?: number }> {
  const count = g.count;
  const raw = new Float32Array(await ctx.read(g.buffer, count * g.rows * g.stride * 4));
  let data: Float32Array;
  if (g.stride === g.cols) {
    data = raw;
  } else {
    data = new Float32Array(count * g.rows * g.cols);
    for (let r = 0; r < count * g.rows; r++) data.set(raw.subarray(r * g.stride, r * g.stride + g.cols), r * g.cols);
  }
  return g.batch === undefined ? { data, rows: g.rows, cols: g.cols } : { data, rows: g.rows, cols: g.cols, batch: g.batch };
}
