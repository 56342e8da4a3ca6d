// The Gram family: Z Z^T, Z W^T, Z^T W, on one matrix or a batch (a leading `batch` dimension of
// independent products, computed in parallel across the batch).
//
// Products accumulate in the input's dtype (float32 in, float32 sums out). NaN and Infinity
// propagate: an output is NaN or infinite exactly when the row/column it reads holds one (IEEE
// arithmetic, no masking). Sync forms read the typed arrays in place, subarray views with a
// byteOffset included, and write one new typed array; Promise forms copy the inputs first, and
// with { backend: 'webgpu' } run on the process-wide WebGPU device (float32 only; src/gpu/shared.ts).
// Errors: TypeError (not a Matrix, not Float32Array/Float64Array, mixed dtypes), RangeError
// (shape mismatch, rows * cols != data.length, zero sizes, a result too large to allocate).
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { Batch, FloatArray, Matrix } from './types.js';
import { readBackend, runOnWebGpu, type BackendOption } from './gpu/shared.js';

type Out<M, T extends FloatArray> = M extends Batch ? Batch<T> : Matrix<T>;

/** Z Z^T (rows x rows), computing one triangle and mirroring it. */
export function gramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>): Out<M, T> {
  return callNative(() => native.gramSync(Z));
}
/** Z W^T (Z.rows x W.rows). */
export function crossGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>): Out<M, T> {
  return callNative(() => native.crossGramSync(Z, W));
}
/** Z^T W (Z.cols x W.cols). innerGramSync(Z, Z) computes one triangle. */
export function innerGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>): Out<M, T> {
  return callNative(() => native.innerGramSync(Z, W));
}

/** Promise form of gramSync: the input is copied, the work runs off the main thread (or on the
 * GPU with { backend: 'webgpu' }: float32 in, the same float32 Matrix or Batch out). */
export function gram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return callNativeAsync(() =>
    readBackend('gram', options) === 'webgpu'
      ? (runOnWebGpu('gram', { Z }, (gpu, m) => gpu.gram(m.Z)) as Promise<Out<M, T>>)
      : native.gram(Z),
  );
}
export function crossGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return callNativeAsync(() =>
    readBackend('crossGram', options) === 'webgpu'
      ? (runOnWebGpu('crossGram', { Z, W }, (gpu, m) => gpu.crossGram(m.Z, m.W)) as Promise<Out<M, T>>)
      : native.crossGram(Z, W),
  );
}
export function innerGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return callNativeAsync(() =>
    readBackend('innerGram', options) === 'webgpu'
      ? (runOnWebGpu('innerGram', { Z, W }, (gpu, m) => gpu.innerGram(m.Z, m.W)) as Promise<Out<M, T>>)
      : native.innerGram(Z, W),
  );
}

/** The micro-kernels the Gram family (and every kernel built on it) uses now: 'avx512' or
 * 'avx2' on the AVX2 kernel path (AVX-512 where the CPU has it), or 'portable'. */
export function gemmKernel(): 'avx512' | 'avx2' | 'portable' {
  return native.gemmKernel();
}

/** Allows (default) or forbids the AVX-512 micro-kernels on the AVX2 path; for tests and
 * benchmarks that exercise the AVX2 kernels on CPUs that have both. */
export function setGemmAvx512(allowed: boolean): void {
  callNative(() => native.setGemmAvx512(allowed));
}
