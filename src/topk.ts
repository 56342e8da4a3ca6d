// Exact maximum inner product search on the CPU.
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { FloatArray, Matrix } from './types.js';
import { readBackend, runOnWebGpu, type BackendOption } from './gpu/shared.js';
import { readMatrix, readSecondMatrix } from './matrix-argument.js';

export interface TopKResult<T extends FloatArray = FloatArray> {
  /** rows x k, row-major: the key indices of query i are indices[i*k .. i*k + k). A NaN score
   * (finite inputs whose dot product overflows to +Inf and -Inf) is never selected: a row with
   * fewer than k other scores ends in index -1, score 0. */
  indices: Int32Array;
  /** The matching inner products, in the inputs' dtype, descending within each row (ties: lower
   * index first; +Inf and -Inf ranked as numbers). */
  scores: T;
  rows: number;
  k: number;
}

/** For each row of `queries`, the `k` rows of `keys` with the largest inner product. */
export function topKSync<T extends FloatArray>(queries: Matrix<T>, keys: Matrix<T>, k: number): TopKResult<T> {
  return callNative(() => {
    const q = readMatrix('queries', queries);
    return native.topKSync(q, readSecondMatrix('keys', keys, queries, q), k);
  });
}

/** Promise form: the inputs are copied, the work runs off the main thread (or on the GPU with
 * { backend: 'webgpu' }: float32 only, the same result and errors; see docs/gpu.md). */
export function topK<T extends FloatArray>(
  queries: Matrix<T>, keys: Matrix<T>, k: number, options?: BackendOption,
): Promise<TopKResult<T>> {
  return callNativeAsync(async () => {
    const q = readMatrix('queries', queries);
    const kk = readSecondMatrix('keys', keys, queries, q);
    if (readBackend('topK', options) === 'cpu') return native.topK(q, kk, k);
    if (typeof k !== 'number') throw new TypeError('topK: k must be a number');
    const r = await runOnWebGpu('topK', { queries: q, keys: kk }, (gpu, m) => gpu.topK(m.queries, m.keys, k));
    return { indices: r.indices, scores: r.scores as T, rows: q.rows, k };
  });
}
