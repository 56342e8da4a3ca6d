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

export class GpuContext {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  readonly subgroups: boolean;
  readonly timestamps: boolean;
  /** The adapter's GPUAdapterInfo (tfjs-backend-webgpu takes it next to a device). */
  readonly adapterInfo: GPUAdapterInfo;
  private lostReason: string | undefined;
  private disposed = false;
  /** Dawn's instance must outlive the device: its event loop hook dereferences it, and a
   * collected instance crashes the process (seen as a segfault in InstanceBase::ProcessEvents). */
  private readonly keepAlive: unknown[];

  private constructor(device: GPUDevice, info: GpuInfo, subgroups: boolean, timestamps: boolean, keepAlive: unknown[]) {
    this.keepAlive = keepAlive;
    this.adapterInfo = (keepAlive[1] as GPUAdapter).info;
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
    const limits = {
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    };
    if (limits.maxComputeInvocationsPerWorkgroup < 256 || limits.maxComputeWorkgroupStorageSize < 16384) {
      throw new SpeclinError(
        'ERR_ADAPTER_LIMITS',
        `this adapter allows ${limits.maxComputeInvocationsPerWorkgroup} invocations and ` +
          `${limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory; speclin's kernels need 256 and 16384`,
      );
    }
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
    return new GpuContext(device, info, subgroups, timestamps, [gpu, adapter]);
  }

  /** Throws the device's loss, if it happened, as a SpeclinError. */
  check(): void {
    if (this.disposed) throw new SpeclinError('ERR_DISPOSED', 'this WebGPU backend was disposed');
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
    const [validation, oom] = await Promise.all([device.popErrorScope(), device.popErrorScope()]);
    if (thrown) throw thrown.error;
    this.check();
    if (oom) throw new SpeclinError('ERR_GPU_OUT_OF_MEMORY', `the GPU ran out of memory: ${oom.message}`);
    if (validation) throw new SpeclinError('ERR_GPU_VALIDATION', `WebGPU rejected a command: ${validation.message}`);
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

  /** A uniform buffer holding `bytes` (a multiple of 16 bytes: pipelines.ts lays out the fields). */
  uniformBuffer(bytes: ArrayBuffer): GPUBuffer {
    const buf = this.device.createBuffer({ size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, bytes);
    return buf;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Dawn's Node binding polls on the main thread until the device is destroyed; destroying it
    // lets the process exit by itself.
    this.device.destroy();
  }
}
