// The Gram family: Z Z^T, Z W^T, Z^T W, on one matrix or a batch (a leading `batch` dimension of
// independent products, computed in parallel across the batch).
//
// Products accumulate in the input's dtype (float32 in, float32 sums out). NaN and Infinity
// propagate: an output is NaN or infinite exactly when the row/column it reads holds one (IEEE
// arithmetic, no masking). Sync forms read the typed arrays in place, subarray views with a
// byteOffset included, and write one new typed array, or the caller's `options.out` (which a loop
// of calls reuses: no allocation, and no page faults on fresh result memory); Promise forms copy
// the inputs first, and with { backend: 'webgpu' } run on the process-wide WebGPU device (float32
// only; src/gpu/shared.ts).
// Errors: TypeError (not a Matrix, not Float32Array/Float64Array, mixed dtypes), RangeError
// (shape mismatch, rows * cols != data.length, zero sizes, a result too large to allocate).
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { Batch, FloatArray, Matrix } from './types.js';
import { readBackend, runOnWebGpu, type BackendOption } from './gpu/shared.js';
import { readMatrix, readSecondMatrix } from './matrix-argument.js';

type Out<M, T extends FloatArray> = M extends Batch ? Batch<T> : Matrix<T>;

export interface GramSyncOptions<T extends FloatArray = FloatArray> {
  /** Write the result here: a Matrix (a Batch for batched inputs) of the result's shape and the
   * inputs' dtype, sharing no memory with them. The returned Matrix has its `data`. */
  out?: Matrix<T> | Batch<T>;
}

/** options.out, read once (shape, dtype and shared memory are checked natively). */
function readOut(fn: string, options: unknown): Matrix | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: options must be an object`);
  const { out } = options as GramSyncOptions;
  return out === undefined ? undefined : readMatrix('options.out', out, true);
}

/** The Promise forms compute off the main thread into memory of their own: `out` is refused there
 * rather than ignored. */
function refuseOut(fn: string, options: unknown): void {
  if (typeof options === 'object' && options !== null && (options as GramSyncOptions).out !== undefined)
    throw new RangeError(`${fn}: options.out is for ${fn}Sync (the Promise form computes off the main thread, into memory of its own)`);
}

/** Z Z^T (rows x rows), computing one triangle and mirroring it. */
export function gramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, options?: GramSyncOptions<T>): Out<M, T> {
  return callNative(() => {
    const z = readMatrix('Z', Z, true);
    return native.gramSync(z, readOut('gramSync', options));
  });
}
/** Z W^T (Z.rows x W.rows). */
export function crossGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: GramSyncOptions<T>): Out<M, T> {
  return callNative(() => {
    const z = readMatrix('Z', Z, true);
    const w = readSecondMatrix('W', W, Z, z, true);
    return native.crossGramSync(z, w, readOut('crossGramSync', options));
  });
}
/** Z^T W (Z.cols x W.cols). innerGramSync(Z, Z) computes one triangle. */
export function innerGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: GramSyncOptions<T>): Out<M, T> {
  return callNative(() => {
    const z = readMatrix('Z', Z, true);
    const w = readSecondMatrix('W', W, Z, z, true);
    return native.innerGramSync(z, w, readOut('innerGramSync', options));
  });
}

/** Promise form of gramSync: the input is copied, the work runs off the main thread (or on the
 * GPU with { backend: 'webgpu' }: float32 in, the same float32 Matrix or Batch out). */
export function gram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return callNativeAsync(() => {
    refuseOut('gram', options);
    const z = readMatrix('Z', Z, true);
    return readBackend('gram', options) === 'webgpu'
      ? (runOnWebGpu('gram', { Z: z }, (gpu, m) => gpu.gram(m.Z)) as Promise<Out<M, T>>)
      : native.gram(z);
  });
}
export function crossGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return twoMatrices('crossGram', Z, W, options);
}
export function innerGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, options?: BackendOption): Promise<Out<M, T>> {
  return twoMatrices('innerGram', Z, W, options);
}

/** crossGram and innerGram, Promise forms: read Z and W once, then the CPU or the GPU. */
function twoMatrices<R>(fn: 'crossGram' | 'innerGram', Z: Matrix, W: Matrix, options: BackendOption | undefined): Promise<R> {
  return callNativeAsync(() => {
    refuseOut(fn, options);
    const z = readMatrix('Z', Z, true);
    const w = readSecondMatrix('W', W, Z, z, true);
    return (readBackend(fn, options) === 'webgpu'
      ? runOnWebGpu(fn, { Z: z, W: w }, (gpu, m) => gpu[fn](m.Z, m.W))
      : native[fn](z, w)) as Promise<R>;
  });
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
