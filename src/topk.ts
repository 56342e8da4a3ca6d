// Exact maximum inner product search on the CPU.
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { FloatArray, Matrix } from './types.js';

export interface TopKResult<T extends FloatArray = FloatArray> {
  /** rows x k, row-major: the key indices of query i are indices[i*k .. i*k + k). */
  indices: Int32Array;
  /** The matching inner products, in the inputs' dtype, descending within each row (ties: lower
   * index first). */
  scores: T;
  rows: number;
  k: number;
}

/** For each row of `queries`, the `k` rows of `keys` with the largest inner product. */
export function topKSync<T extends FloatArray>(queries: Matrix<T>, keys: Matrix<T>, k: number): TopKResult<T> {
  return callNative(() => native.topKSync(queries, keys, k));
}

/** Promise form: the inputs are copied, the work runs off the main thread. */
export function topK<T extends FloatArray>(queries: Matrix<T>, keys: Matrix<T>, k: number): Promise<TopKResult<T>> {
  return callNativeAsync(() => native.topK(queries, keys, k));
}
