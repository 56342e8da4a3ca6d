// The WebGPU ivf store: the inverted lists built on the CPU (k-means and the keys' assignment by
// the native store, native-store.ts) and copied to the process-wide device list by list, where
// every search scans them (src/gpu/ivf.ts). The CPU store stays as the lists' host copy: add()
// assigns new keys there and the device copy is rebuilt from it, save() reads the keys and
// centroids from it, and each search picks a query's lists from its centroids on the host
// (topKSync against the nlist centroids, the CPU search's rule: score descending, ties to the
// lower list), so that the device scans exactly the lists the CPU index would. The keys are then
// held twice: in host memory and on the device; memory() reports the device's bytes.
import { holdSharedWebGpu } from '../gpu/shared.js';
import type { GpuInvertedLists, WebGpuBackend } from '../gpu/backend.js';
import { topKSync } from '../topk.js';
import { abortError } from '../eigsh.js';
import type { Matrix } from '../types.js';
import type { TopKResult } from '../topk.js';
import type { KeyStore, StoreMemory } from './key-store.js';
import { NativeStore, type NativeStoreOptions } from './native-store.js';

/** The CPU store's lists, list by list, in the form the device takes. */
async function hostLists(store: NativeStore): Promise<{ keys: Matrix<Float32Array>; ids: Int32Array; listSizes: Int32Array }> {
  const keys = (await store.keys()) as Matrix<Float32Array>;
  const ids = store.listIds();
  const listSizes = store.memory().listSizes!;
  const d = keys.cols;
  const ordered = new Float32Array(keys.data.length);
  for (let r = 0; r < ids.length; r++) ordered.set(keys.data.subarray(ids[r] * d, ids[r] * d + d), r * d);
  return { keys: { data: ordered, rows: keys.rows, cols: d }, ids, listSizes };
}

export class WebGpuIvfStore implements KeyStore {
  private constructor(
    private readonly host: NativeStore,
    private readonly backend: WebGpuBackend,
    private readonly release: () => void,
    private lists: GpuInvertedLists,
  ) {}

  /** Trains (or takes) the centroids and builds the lists on the CPU, then copies them to the device. */
  static async create(keys: Matrix<Float32Array>, options: Omit<NativeStoreOptions, 'kind'>): Promise<WebGpuIvfStore> {
    const host = await NativeStore.create(keys, { ...options, kind: 'ivf' });
    const { backend, release } = await holdSharedWebGpu();
    try {
      return new WebGpuIvfStore(host, backend, release, backend.uploadInvertedLists(await hostLists(host)));
    } catch (err) {
      release();
      throw err;
    }
  }

  get size(): number {
    return this.lists.size;
  }

  /** The CPU lists take the keys (each to its nearest centroid); the device copy is rebuilt. */
  async add(keys: Matrix): Promise<void> {
    await this.host.add(keys);
    const next = this.backend.uploadInvertedLists(await hostLists(this.host));
    this.lists.destroy();
    this.lists = next;
  }

  async search(queries: Matrix, k: number, nprobe: number, signal?: AbortSignal): Promise<TopKResult> {
    const centroids = this.host.centroids()!;
    // topKSync checks the queries (NaN or Infinity is a RangeError naming the row) as the CPU
    // search does; its message is the CPU ivf search's.
    let probes: Int32Array;
    try {
      probes = topKSync(queries, centroids, nprobe).indices;
    } catch (err) {
      if (err instanceof RangeError) throw new RangeError(err.message.replace(/^topK:/, 'search:'));
      throw err;
    }
    if (signal?.aborted) throw abortError(signal);
    const r = await this.backend.ivfSearch(queries, this.lists, probes, nprobe, k);
    return { indices: r.indices, scores: r.scores, rows: queries.rows, k };
  }

  keys(): Promise<Matrix> {
    return this.host.keys();
  }

  centroids(): Matrix | null {
    return this.host.centroids();
  }

  memory(): StoreMemory {
    const centroids = this.host.centroids()!;
    const centroidBytes = centroids.rows * centroids.cols * 4;
    // On the device: the keys, their ids and the lists' offsets; the centroids (host) are counted
    // with the offsets as what the lists cost beyond the keys.
    return { bytes: this.lists.bytes + centroidBytes, centroidBytes: centroidBytes + 4 * (this.lists.nlist + 1), listSizes: Int32Array.from(this.lists.listSizes) };
  }

  dispose(): void {
    this.lists.destroy();
    this.host.dispose();
    this.release();
  }
}
