// Where an index's keys live: the interface the two backends implement, so that createIndex's
// checks, metrics and files are written once (search-index.ts).
import type { Matrix } from '../types.js';
import type { TopKResult } from '../topk.js';

export interface StoreMemory {
  /** Bytes the store holds for its keys (and, for ivf, ids and centroids). */
  bytes: number;
  /** Of those, the centroids' bytes (ivf; 0 for flat). */
  centroidBytes: number;
  /** Keys in each inverted list (ivf). */
  listSizes?: Int32Array;
}

export interface KeyStore {
  readonly size: number;
  /** Appends rows (already checked: the store's dtype and dimension, metric applied). */
  add(keys: Matrix): Promise<void>;
  search(queries: Matrix, k: number, nprobe: number, signal?: AbortSignal): Promise<TopKResult>;
  /** The keys in id order (as stored: unit rows for the cosine metric). */
  keys(): Promise<Matrix>;
  /** The ivf centroids (nlist x dim), or null for a flat store. */
  centroids(): Matrix | null;
  memory(): StoreMemory;
  dispose(): void;
}

