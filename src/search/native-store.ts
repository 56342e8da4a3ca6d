// The CPU store: keys copied once into native memory (native/addon/search_index.cc), flat or as
// inverted lists, searched on a libuv worker with the core's thread pool.
import { native } from '../native.js';
import type { NativeIndexHandle, NativeTopKResult } from '../native-addon.js';
import { callNative, callNativeAsync } from '../errors.js';
import { abortError } from '../eigsh.js';
import type { FloatArray, Matrix } from '../types.js';
import type { TopKResult } from '../topk.js';
import type { KeyStore, StoreMemory } from './key-store.js';

export interface NativeStoreOptions {
  kind: 'flat' | 'ivf';
  nlist?: number;
  iterations?: number;
  seed?: number;
  /** ivf: build the lists around these centroids instead of training (a saved index). */
  centroids?: Matrix;
  signal?: AbortSignal;
}

/** Runs `call` with a cancel token that `signal` sets; null from the addon means it was set. */
async function cancellable<R>(signal: AbortSignal | undefined, call: (token: unknown) => Promise<R | null>): Promise<R> {
  if (signal?.aborted) throw abortError(signal);
  const token = native.eigshCancelToken();
  const onAbort = () => native.eigshCancel(token);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await callNativeAsync(() => call(token));
    if (r === null) throw abortError(signal);
    return r;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export class NativeStore implements KeyStore {
  private constructor(private handle: NativeIndexHandle | undefined) {}

  static async create(keys: Matrix, options: NativeStoreOptions): Promise<NativeStore> {
    const { signal, ...nativeOptions } = options;
    const handle = await cancellable(signal, (token) => native.searchIndexCreate(keys, nativeOptions, token));
    return new NativeStore(handle);
  }

  private get live(): NativeIndexHandle {
    if (this.handle === undefined) throw new Error('internal: the store was disposed');
    return this.handle;
  }

  get size(): number {
    return callNative(() => native.searchIndexInfo(this.live).size);
  }

  add(keys: Matrix): Promise<void> {
    return callNativeAsync(() => native.searchIndexAdd(this.live, keys));
  }

  async search(queries: Matrix, k: number, nprobe: number, signal?: AbortSignal): Promise<TopKResult> {
    return result(await cancellable(signal, (token) => native.searchIndexSearch(this.live, queries, k, nprobe, token)));
  }

  searchSync(queries: Matrix, k: number, nprobe: number): TopKResult {
    return result(callNative(() => native.searchIndexSearchSync(this.live, queries, k, nprobe)));
  }

  async keys(): Promise<Matrix> {
    const info = callNative(() => native.searchIndexInfo(this.live));
    return { data: callNative(() => native.searchIndexKeys(this.live)), rows: info.size, cols: info.dim };
  }

  centroids(): Matrix | null {
    const data = callNative(() => native.searchIndexCentroids(this.live));
    if (data === null) return null;
    const info = callNative(() => native.searchIndexInfo(this.live));
    return { data, rows: info.nlist!, cols: info.dim };
  }

  /** ivf: every id, list by list (the sizes are memory().listSizes). */
  listIds(): Int32Array {
    const ids = callNative(() => native.searchIndexListIds(this.live));
    if (ids === null) throw new Error('internal: a flat store has no lists');
    return ids;
  }

  memory(): StoreMemory {
    const info = callNative(() => native.searchIndexInfo(this.live));
    return { bytes: info.bytes, centroidBytes: info.centroidBytes ?? 0, listSizes: info.listSizes };
  }

  dispose(): void {
    // The native store is freed when its handle is collected (a search still running holds it).
    this.handle = undefined;
  }
}

function result<T extends FloatArray>(r: NativeTopKResult<T>): TopKResult<T> {
  return { indices: r.indices, scores: r.scores, rows: r.rows, k: r.k };
}
