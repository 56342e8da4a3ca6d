// Argument checks for the tfjs ops, run before any kernel: a float32 rank-2 tensor, not disposed,
// living on the backend that runs the op (tfjs would otherwise move it silently, which on webgpu is
// a readback), and which of speclin's two paths that backend takes.
import * as tf from '@tensorflow/tfjs-core';
import { SpeclinError } from '../errors.js';

/** 'webgpu': tfjs-backend-webgpu, whose GPU buffers speclin's WGSL kernels read in place.
 * 'host': every other backend (cpu, wasm, tfjs-node): the values are read and the C++ kernel runs. */
export type Path = 'host' | 'webgpu';

interface TensorInfo {
  backend: tf.KernelBackend;
}

/** The registered name of a backend object, for messages. */
function backendName(backend: tf.KernelBackend): string {
  const registry = (tf.engine() as unknown as { registry: Record<string, tf.KernelBackend> }).registry;
  return Object.entries(registry).find(([, b]) => b === backend)?.[0] ?? 'an unregistered backend';
}

/** Checks one tensor argument of `op`, naming it `name` in every error. */
export function checkTensor2D(op: string, name: string, t: unknown): tf.Tensor2D {
  if (!(t instanceof tf.Tensor)) {
    throw new TypeError(`${op}: ${name} must be a tf.Tensor (from the same @tensorflow/tfjs-core as speclin/tfjs), got ${describe(t)}`);
  }
  if (t.isDisposed) throw new SpeclinError('ERR_TENSOR_DISPOSED', `${op}: ${name} has been disposed`);
  if (t.dtype !== 'float32') {
    throw new TypeError(`${op}: ${name} must be a float32 tensor, got ${t.dtype} (cast it with tf.cast(${name}, 'float32'))`);
  }
  if (t.rank !== 2) throw new RangeError(`${op}: ${name} must be a rank-2 tensor (rows x columns), got shape [${t.shape.join(', ')}]`);
  if (t.shape[0] < 1 || t.shape[1] < 1) throw new RangeError(`${op}: ${name} must have at least one row and one column, got shape [${t.shape.join(', ')}]`);
  const info = (tf.engine() as unknown as { state: { tensorInfo: WeakMap<object, TensorInfo> } }).state.tensorInfo.get(t.dataId);
  if (info === undefined) throw new SpeclinError('ERR_TENSOR_DISPOSED', `${op}: ${name} has been disposed`);
  if (info.backend !== tf.backend()) {
    throw new SpeclinError(
      'ERR_TENSOR_BACKEND',
      `${op}: ${name} lives on the '${backendName(info.backend)}' backend but the current backend is '${tf.getBackend()}'; ` +
        'create it under the current backend (or copy it there with tf.clone after tf.setBackend)',
    );
  }
  return t as tf.Tensor2D;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}

/** The path the current backend takes: by what the backend is (a backend on a GPUDevice that
 * keeps tensors in GPU buffers: tfjs-backend-webgpu's WebGPUBackend, under any registered name,
 * e.g. a second one on another device), not by its name. */
export function currentPath(): Path {
  const b = tf.backend() as unknown as { device?: unknown; uploadToGPU?: unknown };
  return typeof GPUDevice !== 'undefined' && b.device instanceof GPUDevice && typeof b.uploadToGPU === 'function' ? 'webgpu' : 'host';
}
