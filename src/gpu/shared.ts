// The process-wide WebGPU backend behind the CPU API's `backend: 'webgpu'` option. It is opened
// on the first such call and disposed once no call has been pending for LINGER_MS: an adapter
// gives one device, whose buffers and pipelines should not outlive their use, and Dawn's Node
// binding can keep polling on the main thread while a device lives (device.ts). The linger timer
// is unref'd, so it never holds the process itself (with webgpu 0.6.2 on lavapipe a process exits
// with a live device too; the test spawns one and times its exit). Calls that arrive within the
// linger reuse the device and its compiled pipelines, as a training loop's steps do.
import { SpeclinError } from '../errors.js';
import type { FloatArray, Matrix } from '../types.js';
import { typedArrayKind } from '../matrix-argument.js';
import { createWebGpuBackend, type WebGpuBackend } from './backend.js';

export type BackendName = 'cpu' | 'webgpu';

/** The option the Promise forms of the CPU API take. */
export interface BackendOption {
  /** 'cpu' (default): the native kernels on a libuv worker. 'webgpu': the WGSL kernels on a
   * process-wide WebGPU device (float32 inputs only), opened on first use and disposed 200 ms
   * after the last pending call. */
  backend?: BackendName;
}

/** How long the backend outlives its last pending call. */
export const LINGER_MS = 200;

let opening: Promise<WebGpuBackend> | undefined;
let pending = 0;
let lingerTimer: ReturnType<typeof setTimeout> | undefined;

/** Reads `options.backend` (TypeError for a non-string, RangeError for an unknown name). */
export function readBackend(fn: string, options: unknown): BackendName {
  if (options === undefined || options === null) return 'cpu';
  if (typeof options !== 'object') throw new TypeError(`${fn}: options must be an object`);
  const backend = (options as BackendOption).backend;
  if (backend === undefined) return 'cpu';
  if (typeof backend !== 'string') throw new TypeError(`${fn}: options.backend must be 'cpu' or 'webgpu', got a ${typeof backend}`);
  if (backend !== 'cpu' && backend !== 'webgpu') throw new RangeError(`${fn}: options.backend must be 'cpu' or 'webgpu', got '${backend}'`);
  return backend;
}

/** For the Sync forms: they run on the CPU only, and say so rather than ignore the option. */
export function refuseBackend(fn: string, promiseForm: string, options: unknown): void {
  if (readBackend(fn, options) === 'webgpu') {
    throw new TypeError(`${fn}: backend 'webgpu' is available on the Promise form (${promiseForm}) only; the Sync forms run on the CPU`);
  }
}

/** A float32 matrix argument for the GPU: float64 is a TypeError naming it (WGSL has no f64). */
export function requireFloat32(fn: string, name: string, m: unknown): void {
  const data = (m as Matrix<FloatArray> | undefined)?.data;
  if (typedArrayKind(data) === 'Float64Array') {
    throw new TypeError(
      `${fn}: ${name} is float64, but backend 'webgpu' computes in float32 (WGSL has no f64); ` +
        `pass Float32Array data or use backend 'cpu'`,
    );
  }
}

function open(): Promise<WebGpuBackend> {
  opening ??= createWebGpuBackend().catch((err: unknown) => {
    // Not cached: a later call tries again (the adapter may have appeared, or been freed).
    opening = undefined;
    if (err instanceof SpeclinError) {
      throw new SpeclinError(err.code, `backend 'webgpu': ${err.message}`);
    }
    throw err;
  });
  return opening;
}

function scheduleDisposal(): void {
  clearTimeout(lingerTimer);
  // unref: the timer alone does not keep the process alive (Dawn's polling does until disposal).
  lingerTimer = setTimeout(() => {
    lingerTimer = undefined;
    if (pending === 0) void disposeWebGpu();
  }, LINGER_MS);
  lingerTimer.unref();
}

/** Runs `body` on the shared backend, opening it if needed. */
export async function withSharedWebGpu<R>(body: (backend: WebGpuBackend) => Promise<R>): Promise<R> {
  const { backend, release } = await holdSharedWebGpu();
  const current = opening;
  try {
    return await body(backend);
  } catch (err) {
    // A lost device stays lost: the next call opens a new one.
    if (err instanceof SpeclinError && err.code === 'ERR_DEVICE_LOST' && opening === current) {
      opening = undefined;
      backend.dispose();
    }
    throw err;
  } finally {
    release();
  }
}

/** Holds the shared backend open until `release()` (a command's run, a training loop whose graph
 * stays resident between calls): the same device that `backend: 'webgpu'` calls use, so a process
 * opens one. The linger starts when the last hold is released and no call is pending. */
export async function holdSharedWebGpu(): Promise<{ backend: WebGpuBackend; release(): void }> {
  pending++;
  clearTimeout(lingerTimer);
  lingerTimer = undefined;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    pending--;
    if (pending === 0 && opening !== undefined) scheduleDisposal();
  };
  try {
    return { backend: await open(), release };
  } catch (err) {
    release();
    throw err;
  }
}

/** Disposes the shared WebGPU backend now instead of after the linger. Calls still pending on it
 * reject with SpeclinError ERR_DISPOSED; the next `backend: 'webgpu'` call opens a new one. */
export async function disposeWebGpu(): Promise<void> {
  clearTimeout(lingerTimer);
  lingerTimer = undefined;
  const current = opening;
  opening = undefined;
  if (!current) return;
  try {
    (await current).dispose();
  } catch {
    // It never opened: nothing to dispose (the call that opened it reported the error).
  }
}

/** Whether the shared backend is open (or opening); for tests. */
export function sharedWebGpuIsOpen(): boolean {
  return opening !== undefined;
}

/** A copy of a float32 matrix argument (other values pass through, for the backend to reject with
 * its own error): the Promise forms copy their inputs before returning, so a caller may reuse or
 * transfer its arrays at once, and the device may open after that. */
function snapshot(m: unknown): unknown {
  if (typeof m !== 'object' || m === null) return m;
  const { data } = m as Matrix<FloatArray>;
  if (typedArrayKind(data) !== 'Float32Array') return m;
  return { ...m, data: data.slice() };
}

/** Checks and copies the matrix arguments, then runs `body` on the shared backend with the copies
 * (the same argument twice stays one object: innerGram(Z, Z) computes one triangle). */
export function runOnWebGpu<A extends Record<string, unknown>, R>(
  fn: string, matrices: A, body: (backend: WebGpuBackend, copies: A) => Promise<R>,
): Promise<R> {
  const copies = new Map<unknown, unknown>();
  const args = {} as Record<string, unknown>;
  for (const [name, m] of Object.entries(matrices)) {
    requireFloat32(fn, name, m);
    if (!copies.has(m)) copies.set(m, snapshot(m));
    args[name] = copies.get(m);
  }
  return withSharedWebGpu((backend) => body(backend, args as A));
}
