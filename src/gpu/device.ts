/// <reference types="@webgpu/types" />
// Opens one Dawn device with the adapter's own limits, and turns everything that can go wrong on
// a GPU (no adapter, validation, out of memory, a lost device) into speclin's error classes.
import { SpeclinError } from '../errors.js';

export interface GpuInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** Optional features this backend uses and the adapter offers. */
  features: string[];
  /** The limits that bound what this backend can compute, as requested from the adapter. */
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export interface DeviceOptions {
  /** Do not request the 'subgroups' feature even where the adapter has it. */
  disableSubgroups?: boolean;
  /** Passed to Dawn's create(), e.g. ['backend=vulkan'] or ['adapter=NVIDIA ...']. */
  dawnFlags?: string[];
  powerPreference?: GPUPowerPreference;
}

/** One Dawn instance per set of flags, for the life of the process. Each dawn.create() makes a
 * native instance (on Vulkan, a VkInstance and its drivers' state) that garbage collection does
 * not return: creating and disposing backends back to back grew the process by about 1.9 MB per
 * cycle. Devices come and go; the instance that serves them stays. */
const dawnInstances = new Map<string, GPU>();
function dawnInstance(dawn: { create(flags: string[]): GPU }, flags: string[]): GPU {
  const key = JSON.stringify(flags);
  let gpu = dawnInstances.get(key);
  if (!gpu) {
    gpu = dawn.create(flags);
    dawnInstances.set(key, gpu);
  }
  return gpu;
}

/** The limits that bound what speclin computes, after checking the two its kernels cannot go
 * below; `what` names the adapter or device in the error. */
function usableLimits(l: GPUSupportedLimits, what: string): GpuInfo['limits'] {
  const limits = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
  };
  if (limits.maxComputeInvocationsPerWorkgroup < 256 || limits.maxComputeWorkgroupStorageSize < 16384) {
    throw new SpeclinError(
      'ERR_ADAPTER_LIMITS',
      `this ${what} allows ${limits.maxComputeInvocationsPerWorkgroup} invocations and ` +
        `${limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory; speclin's kernels need 256 and 16384`,
    );
  }
  return limits;
}

/** What the validation and out-of-memory scopes reported, as speclin's error (out of memory first). */
function scopeFailure(validation: GPUError | null, oom: GPUError | null): SpeclinError | undefined {
  if (oom) return new SpeclinError('ERR_GPU_OUT_OF_MEMORY', `the GPU ran out of memory: ${oom.message}`);
  if (validation) return new SpeclinError('ERR_GPU_VALIDATION', `WebGPU rejected a command: ${validation.message}`);
  return undefined;
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  readonly subgroups: boolean;
  readonly timestamps: boolean;
  /** The adapter's GPUAdapterInfo (tfjs-backend-webgpu takes it next to a device). */
  readonly adapterInfo: GPUAdapterInfo;
  private lostReason: string | undefined;
  /** A failure reported by the error scopes of a submitNow, thrown by the next check(). */
  private deferredError: SpeclinError | undefined;
  private disposed = false;
  /** Dawn's instance must outlive the device: its event loop hook dereferences it, and a
   * collected instance crashes the process (seen as a segfault in InstanceBase::ProcessEvents). */
  private readonly keepAlive: unknown[];
  /** False for a device the caller passed in (fromDevice): dispose() leaves it alive. */
  private readonly ownsDevice: boolean;

  private constructor(
    device: GPUDevice, adapterInfo: GPUAdapterInfo, info: GpuInfo, subgroups: boolean, timestamps: boolean,
    keepAlive: unknown[], ownsDevice = true,
  ) {
    this.keepAlive = keepAlive;
    this.ownsDevice = ownsDevice;
    this.adapterInfo = adapterInfo;
    this.device = device;
    this.info = info;
    this.subgroups = subgroups;
    this.timestamps = timestamps;
    void device.lost.then((lost) => {
      if (!this.disposed) this.lostReason = `${lost.reason}: ${lost.message}`;
    });
  }

  static async open(options: DeviceOptions = {}): Promise<GpuContext> {
    let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
    try {
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (err) {
      throw new SpeclinError(
        'ERR_NO_WEBGPU',
        `the WebGPU backend needs the optional dependency 'webgpu' (Dawn for Node), which did not load: ${(err as Error).message}`,
      );
    }
    // Dawn's objects check their arguments against these constructors (GPUBufferUsage, ...).
    for (const [name, value] of Object.entries(dawn.globals)) {
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
    }
    const gpu = dawnInstance(dawn, options.dawnFlags ?? []);
    const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
    if (!adapter) {
      throw new SpeclinError(
        'ERR_NO_ADAPTER',
        'no WebGPU adapter: Dawn found no Vulkan/Metal/D3D12 device. On Linux without a GPU, install Mesa >= 25 ' +
          "lavapipe (Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers); see docs/gpu.md.",
      );
    }
    const a = adapter.limits;
    const limits = usableLimits(a, 'adapter');
    // The subgroup reduction also needs the subgroup_id builtin (a WGSL language feature).
    const subgroups =
      adapter.features.has('subgroups') && gpu.wgslLanguageFeatures.has('subgroup_id') && !options.disableSubgroups;
    const timestamps = adapter.features.has('timestamp-query');
    const requiredFeatures: GPUFeatureName[] = [];
    if (subgroups) requiredFeatures.push('subgroups' as GPUFeatureName);
    if (timestamps) requiredFeatures.push('timestamp-query');
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
    const ai = adapter.info;
    const di = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
    const info: GpuInfo = {
      vendor: ai.vendor,
      architecture: ai.architecture,
      description: ai.description,
      features: requiredFeatures.map(String),
      limits,
    };
    if (subgroups && di?.subgroupMinSize) {
      info.subgroupMinSize = di.subgroupMinSize;
      info.subgroupMaxSize = di.subgroupMaxSize;
    }
    return new GpuContext(device, adapter.info, info, subgroups, timestamps, [gpu, adapter]);
  }

  /** A context on a device someone else opened (tfjs-backend-webgpu's): its features and limits
   * are the device's, and dispose() does not destroy it. */
  static fromDevice(device: GPUDevice): GpuContext {
    if (typeof device !== 'object' || device === null || typeof (device as GPUDevice).createBuffer !== 'function') {
      throw new TypeError('device: expected a GPUDevice');
    }
    const limits = usableLimits(device.limits, 'device (request the adapter\'s limits when creating it)');
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    const subgroups = device.features.has('subgroups') && gpu?.wgslLanguageFeatures?.has('subgroup_id') === true;
    const timestamps = device.features.has('timestamp-query');
    const adapterInfo = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo ??
      ({ vendor: '', architecture: '', device: '', description: '' } as GPUAdapterInfo);
    const info: GpuInfo = {
      vendor: adapterInfo.vendor,
      architecture: adapterInfo.architecture,
      description: adapterInfo.description,
      features: [subgroups ? 'subgroups' : '', timestamps ? 'timestamp-query' : ''].filter(Boolean),
      limits,
    };
    return new GpuContext(device, adapterInfo, info, subgroups, timestamps, [], false);
  }

  /** Throws the device's loss, if it happened, as a SpeclinError. */
  check(): void {
    if (this.disposed) throw new SpeclinError('ERR_DISPOSED', 'this WebGPU backend was disposed');
    if (this.deferredError !== undefined) {
      const err = this.deferredError;
      this.deferredError = undefined;
      throw err;
    }
    if (this.lostReason !== undefined) {
      throw new SpeclinError('ERR_DEVICE_LOST', `the GPU device was lost (${this.lostReason})`);
    }
  }

  /** Throws a RangeError naming `what` when `bytes` exceeds what one storage binding can hold. */
  checkBinding(what: string, bytes: number): void {
    const cap = Math.min(this.info.limits.maxStorageBufferBindingSize, this.info.limits.maxBufferSize);
    if (bytes > cap) {
      throw new RangeError(
        `${what} needs ${bytes} bytes on the GPU, more than this adapter's maxStorageBufferBindingSize ` +
          `(${cap} bytes); split the work or use the CPU backend`,
      );
    }
  }

  /** Runs `encode` inside validation and out-of-memory error scopes and submits its commands;
   * a GPU-side failure becomes a SpeclinError instead of a silently wrong result. */
  async submit(encode: (encoder: GPUCommandEncoder) => void): Promise<void> {
    const { scopes, thrown } = this.record(encode);
    const failure = scopeFailure(...(await scopes));
    if (thrown) throw thrown.error;
    this.check();
    if (failure) throw failure;
  }

  /** submit() without waiting: for callers that must return synchronously (a tfjs op). The
   * error scopes are popped at once; a failure they report is thrown by the next check(), that
   * is by the next call on this context, since nothing here waits for the GPU. */
  submitNow(encode: (encoder: GPUCommandEncoder) => void): void {
    const { scopes, thrown } = this.record(encode);
    void scopes.then(([validation, oom]) => {
      this.deferredError ??= scopeFailure(validation, oom);
    });
    if (thrown) throw thrown.error;
  }

  /** Encodes and submits inside the two error scopes, and pops them. */
  private record(encode: (encoder: GPUCommandEncoder) => void): {
    scopes: Promise<[GPUError | null, GPUError | null]>;
    thrown: { error: unknown } | undefined;
  } {
    this.check();
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    // An exception while encoding (a size check) must still pop the scopes, or every later call's
    // pops would take the wrong ones; nothing is submitted then.
    let thrown: { error: unknown } | undefined;
    try {
      const encoder = device.createCommandEncoder();
      encode(encoder);
      device.queue.submit([encoder.finish()]);
    } catch (error) {
      thrown = { error };
    }
    // Both scopes are popped before anything else can run: a concurrent call's push and pop
    // then cannot interleave with these (the scope stack is per device, not per call).
    const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()]);
    return { scopes, thrown };
  }

  /** Copies `bytes` bytes of `source` into a fresh mapped buffer and returns them (one readback). */
  async read(source: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    try {
      await this.submit((enc) => enc.copyBufferToBuffer(source, offset, staging, 0, bytes));
      try {
        await staging.mapAsync(GPUMapMode.READ);
      } catch (err) {
        this.check();
        throw new SpeclinError('ERR_GPU_READBACK', `reading back from the GPU failed: ${(err as Error).message}`);
      }
      const copy = staging.getMappedRange().slice(0);
      staging.unmap();
      return copy;
    } finally {
      staging.destroy();
    }
  }

  /** Makes a storage buffer; zero-filled, as WebGPU guarantees. */
  storage(what: string, bytes: number, extraUsage = 0): GPUBuffer {
    this.check();
    this.checkBinding(what, bytes);
    return this.device.createBuffer({
      size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
    });
  }

  /** A storage buffer holding a copy of `data`. */
  storageFrom(what: string, data: Uint32Array | Int32Array | Float32Array): GPUBuffer {
    const b = this.storage(what, data.byteLength);
    if (data.byteLength > 0) this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  }

  /** A uniform buffer holding `bytes` (a multiple of 16 bytes: pipelines.ts lays out the fields). */
  uniformBuffer(bytes: ArrayBuffer): GPUBuffer {
    const buf = this.device.createBuffer({ size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, bytes);
    return buf;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A device speclin did not open belongs to its owner (tfjs's backend, say): left alive.
    if (!this.ownsDevice) return;
    // Dawn's Node binding polls on the main thread until the device is destroyed; destroying it
    // lets the process exit by itself.
    this.device.destroy();
  }
}

/** GPU buffers that belong together (a graph's arrays) and are freed together: by destroy(), or
 * with the backend's device. */
export class GpuBuffers {
  private destroyed = false;
  constructor(private readonly owned: readonly GPUBuffer[]) {}
  get isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Frees the GPU memory now instead of when the backend is disposed. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.owned) b.destroy();
  }
}
