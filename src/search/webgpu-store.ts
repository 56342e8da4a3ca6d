// The WebGPU store: the keys uploaded once to the process-wide device (src/gpu/shared.ts) and kept
// there, so a search uploads only its queries; scores and selection run in gram.wgsl and
// topk.wgsl (src/gpu/topk.ts). Flat only. The store holds the shared device until disposed.
import { holdSharedWebGpu } from '../gpu/shared.js';
import type { GpuMatrix, WebGpuBackend } from '../gpu/backend.js';
import type { Matrix } from '../types.js';
import type { TopKResult } from '../topk.js';
import type { KeyStore, StoreMemory } from './key-store.js';

export class WebGpuStore implements KeyStore {
  private constructor(
    private readonly backend: WebGpuBackend,
    private readonly release: () => void,
    private resident: GpuMatrix,
  ) {}

  static async create(keys: Matrix<Float32Array>): Promise<WebGpuStore> {
    const { backend, release } = await holdSharedWebGpu();
    try {
      return new WebGpuStore(backend, release, backend.upload(keys));
    } catch (err) {
      release();
      throw err;
    }
  }

  get size(): number {
    return this.resident.rows;
  }

  /** The keys are rewritten as one resident matrix (the old rows are read back once). */
  async add(keys: Matrix): Promise<void> {
    const old = await this.backend.download(this.resident);
    const data = new Float32Array(old.data.length + keys.data.length);
    data.set(old.data);
    data.set(keys.data, old.data.length);
    const next = this.backend.upload({ data, rows: old.rows + keys.rows, cols: old.cols });
    this.resident.destroy();
    this.resident = next;
  }

  async search(queries: Matrix, k: number): Promise<TopKResult> {
    const r = await this.backend.topK(queries, this.resident, k);
    return { indices: r.indices, scores: r.scores, rows: queries.rows, k };
  }

  keys(): Promise<Matrix> {
    return this.backend.download(this.resident);
  }

  centroids(): null {
    return null;
  }

  memory(): StoreMemory {
    // Device memory: rows padded to a multiple of 4 floats (src/gpu/matrix.ts).
    return { bytes: this.resident.rows * this.resident.stride * 4, centroidBytes: 0 };
  }

  dispose(): void {
    this.resident.destroy();
    this.release();
  }
}
