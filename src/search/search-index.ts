// createIndex and loadIndex: a search index over keys, by inner product ('ip') or cosine, flat
// (exact, topK's selection) or ivf (an inverted file over k-means centroids), on the CPU or with
// the keys resident on the WebGPU device. This module owns the checks and the metric, written once
// for both backends; the stores (native-store.ts, webgpu-store.ts) only hold and scan keys.
import { SpeclinError } from '../errors.js';
import { abortError } from '../eigsh.js';
import { readMatrix } from '../matrix-argument.js';
import { readBackend, requireFloat32, type BackendName } from '../gpu/shared.js';
import type { FloatArray, Matrix } from '../types.js';
import type { TopKResult } from '../topk.js';
import type { KeyStore } from './key-store.js';
import { NativeStore } from './native-store.js';
import { WebGpuStore } from './webgpu-store.js';
import { WebGpuIvfStore } from './webgpu-ivf-store.js';
import { readIndexFiles, writeIndexFiles, type IndexHeader } from './index-file.js';

export type Metric = 'ip' | 'cosine';
export type IndexKind = 'flat' | 'ivf';

export interface IndexOptions {
  /** 'ip' (default): inner product. 'cosine': keys and queries are scaled to unit norm first, so
   * scores are cosines (a zero row is a RangeError). */
  metric?: Metric;
  /** 'flat' (default): exact, every key scored. 'ivf': keys in `nlist` lists by k-means, and a
   * search scans the `nprobe` lists nearest each query. */
  kind?: IndexKind;
  /** 'cpu' (default) or 'webgpu' (float32: keys uploaded once and kept on the device; ivf's lists
   * are built on the CPU and copied there, list by list). */
  backend?: BackendName;
  /** ivf: the number of lists (default round(sqrt(n)), at most n). */
  nlist?: number;
  /** ivf: lists scanned per query unless search() says otherwise (default min(8, nlist)). */
  nprobe?: number;
  /** ivf: k-means iterations (default 20). */
  iterations?: number;
  /** ivf: the seed of k-means' sample and start (default 0); a seed gives the same centroids for
   * a given thread count. */
  seed?: number;
  /** Stops k-means between iterations; the Promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface SearchOptions {
  /** ivf: lists scanned per query (default: the index's nprobe). */
  nprobe?: number;
  /** Stops an ivf search between lists (a flat one before it starts). */
  signal?: AbortSignal;
}

export interface IndexMemory {
  /** Bytes held for the keys, their ids and the centroids (on the device for 'webgpu'). */
  bytes: number;
  /** (bytes - centroid bytes) / size: what each key costs. */
  bytesPerKey: number;
  /** ivf: keys per list. */
  listSizes?: Int32Array;
}

const KINDS: readonly IndexKind[] = ['flat', 'ivf'];
const METRICS: readonly Metric[] = ['ip', 'cosine'];

function readChoice<T extends string>(name: string, v: unknown, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new TypeError(`createIndex: options.${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got a ${typeof v}`);
  if (!choices.includes(v as T)) throw new RangeError(`createIndex: options.${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got '${v}'`);
  return v as T;
}

function readCount(fn: string, name: string, v: unknown, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got a ${typeof v}`);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${fn}: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

function readSignal(fn: string, v: unknown): AbortSignal | undefined {
  if (v !== undefined && !(v instanceof AbortSignal)) throw new TypeError(`${fn}: signal must be an AbortSignal`);
  return v;
}

/** Rows scaled to unit norm (norms accumulated in float64), in the input's dtype. */
function unitRows<T extends FloatArray>(name: string, m: Matrix<T>): Matrix<T> {
  const { rows, cols } = m;
  const out = (m.data instanceof Float32Array ? new Float32Array(m.data.length) : new Float64Array(m.data.length)) as T;
  for (let i = 0; i < rows; i++) {
    let n2 = 0;
    for (let j = 0; j < cols; j++) n2 += m.data[i * cols + j] ** 2;
    if (n2 === 0) throw new RangeError(`${name} row ${i} has norm 0; the cosine metric needs rows of nonzero norm`);
    const s = 1 / Math.sqrt(n2);
    for (let j = 0; j < cols; j++) out[i * cols + j] = m.data[i * cols + j] * s;
  }
  return { data: out, rows, cols };
}

export class SearchIndex {
  #store: KeyStore | undefined;
  #nprobe: number;
  /** Adds run one after another, each after every operation started before it; searches wait
   * for the adds started before them. */
  #lastAdd: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<Promise<unknown>>();

  /** @internal Use createIndex or loadIndex. */
  constructor(
    store: KeyStore,
    readonly metric: Metric,
    readonly kind: IndexKind,
    readonly backend: BackendName,
    readonly dim: number,
    readonly dtype: 'float32' | 'float64',
    /** ivf: the number of lists (undefined for flat). */
    readonly nlist: number | undefined,
    nprobe: number,
    private readonly training: { iterations: number; seed: number },
  ) {
    this.#store = store;
    this.#nprobe = nprobe;
  }

  private get store(): KeyStore {
    if (!this.#store) throw new SpeclinError('ERR_DISPOSED', 'search index: the index was disposed');
    return this.#store;
  }

  /** The number of keys (after the adds that have completed). */
  get size(): number {
    return this.store.size;
  }

  /** ivf: the lists a search scans per query by default. */
  get nprobe(): number {
    return this.#nprobe;
  }

  set nprobe(v: number) {
    this.#nprobe = readCount('search index', 'nprobe', v, this.#nprobe, 1, this.nlist ?? 1);
  }

  private track<R>(p: Promise<R>): Promise<R> {
    this.#inFlight.add(p);
    const done = () => this.#inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private readKeys(fn: string, name: string, value: unknown): Matrix {
    const m = readMatrix(name, value) as Matrix;
    const dtype = m.data instanceof Float32Array ? 'float32' : 'float64';
    if (dtype !== this.dtype) throw new TypeError(`${fn}: ${name} are ${dtype} but the index holds ${this.dtype} keys; both must have the same dtype`);
    if (m.cols !== this.dim) throw new RangeError(`${fn}: ${name} have ${m.cols} columns but the index holds keys of dimension ${this.dim}`);
    return this.metric === 'cosine' ? unitRows(name, m) : m;
  }

  /** Appends keys (ids size, size + 1, ...): an ivf index assigns them to its lists without
   * retraining. The CPU store copies its keys into a new snapshot (O(size) per call; a search
   * already running keeps the old one), so add in large batches. */
  add(keys: Matrix): Promise<void> {
    let store: KeyStore, checked: Matrix;
    try {
      store = this.store;
      checked = this.readKeys('add', 'keys', keys);
    } catch (err) {
      return Promise.reject(err);
    }
    const before = [...this.#inFlight, this.#lastAdd];
    const run = Promise.allSettled(before).then(() => store.add(checked));
    this.#lastAdd = run;
    return this.track(run);
  }

  /** The k keys of largest score for each query row: indices (Int32Array, rows x k) and scores
   * (the index's dtype), each row sorted by descending score, ties by the lower index, exactly as
   * topK. For ivf, only the nprobe probed lists are scored; a query whose lists hold fewer than k
   * keys ends in index -1, score 0. */
  search(queries: Matrix, k: number, options: SearchOptions = {}): Promise<TopKResult> {
    return this.track(this.#search(queries, k, options));
  }

  async #search(queries: Matrix, k: number, options: SearchOptions): Promise<TopKResult> {
    const store = this.store;
    if (options === null || typeof options !== 'object') throw new TypeError('search: options must be an object');
    const q = this.readKeys('search', 'queries', queries);
    if (typeof k !== 'number') throw new TypeError(`search: k must be a number, got a ${typeof k}`);
    const nprobe = readCount('search', 'options.nprobe', options.nprobe, this.#nprobe, 1, this.nlist ?? Number.MAX_SAFE_INTEGER);
    const signal = readSignal('search', options.signal);
    await this.#lastAdd.catch(() => undefined);
    const size = store.size;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`search: k must be an integer >= 1, got ${String(k)}`);
    if (k > size) throw new RangeError(`search: k = ${k} exceeds the number of keys in the index (${size})`);
    if (signal?.aborted) throw abortError(signal);
    return store.search(q, k, nprobe, signal);
  }

  /** What the keys cost in memory. */
  memory(): IndexMemory {
    const m = this.store.memory();
    const size = this.store.size;
    return { bytes: m.bytes, bytesPerKey: (m.bytes - m.centroidBytes) / size, ...(m.listSizes ? { listSizes: m.listSizes } : {}) };
  }

  /** Writes the index to the directory `path` (created if missing): index.json (the header,
   * versioned), keys.npy (the keys in id order; unit rows for cosine) and, for ivf,
   * centroids.npy. loadIndex rebuilds the lists from them without retraining. */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string') throw new TypeError('save(path): path must be a string');
    const store = this.store;
    await Promise.allSettled([this.#lastAdd]);
    const keys = await store.keys();
    const header: IndexHeader = {
      kind: this.kind, metric: this.metric, dtype: this.dtype, dim: this.dim, size: keys.rows,
      ...(this.nlist !== undefined ? { nlist: this.nlist, nprobe: this.#nprobe, ...this.training } : {}),
    };
    await writeIndexFiles(path, header, keys, store.centroids());
  }

  /** Frees the keys (on the device for 'webgpu', where it also lets the shared device go). */
  dispose(): void {
    this.#store?.dispose();
    this.#store = undefined;
  }
}

/** Builds an index over `keys` (rows = keys, ids 0 .. rows - 1). The keys are copied (into
 * native memory, or uploaded to the device for backend 'webgpu'); ivf trains its centroids here,
 * off the main thread. */
export async function createIndex(keys: Matrix, options: IndexOptions = {}): Promise<SearchIndex> {
  if (options === null || typeof options !== 'object') throw new TypeError('createIndex: options must be an object');
  const k = readMatrix('keys', keys) as Matrix;
  const metric = readChoice('metric', options.metric, METRICS, 'ip');
  const kind = readChoice('kind', options.kind, KINDS, 'flat');
  const backend = readBackend('createIndex', options);
  const unit = metric === 'cosine' ? unitRows('keys', k) : k;
  return build(unit, {
    metric, kind, backend,
    nlist: options.nlist, nprobe: options.nprobe, iterations: options.iterations, seed: options.seed,
    signal: readSignal('createIndex', options.signal),
  });
}

interface BuildOptions {
  metric: Metric;
  kind: IndexKind;
  backend: BackendName;
  nlist?: number;
  nprobe?: number;
  iterations?: number;
  seed?: number;
  signal?: AbortSignal;
  centroids?: Matrix;
}

async function build(keys: Matrix, o: BuildOptions): Promise<SearchIndex> {
  const dtype = keys.data instanceof Float32Array ? 'float32' : 'float64';
  if (o.backend === 'webgpu') {
    requireFloat32('createIndex', 'keys', keys);
    if (o.signal?.aborted) throw abortError(o.signal);
  }
  if (o.kind === 'flat') {
    const store = o.backend === 'webgpu' ? await WebGpuStore.create(keys as Matrix<Float32Array>) : await NativeStore.create(keys, { kind: 'flat', signal: o.signal });
    return new SearchIndex(store, o.metric, 'flat', o.backend, keys.cols, dtype, undefined, 1, { iterations: 0, seed: 0 });
  }
  const nlist = readCount('createIndex', 'options.nlist', o.nlist, Math.min(keys.rows, Math.max(1, Math.round(Math.sqrt(keys.rows)))));
  if (nlist > keys.rows && !o.centroids)
    throw new RangeError(`createIndex: options.nlist = ${nlist} exceeds the number of keys (${keys.rows}); k-means needs at least one key per list`);
  const nprobe = readCount('createIndex', 'options.nprobe', o.nprobe, Math.min(8, nlist), 1, nlist);
  const iterations = readCount('createIndex', 'options.iterations', o.iterations, 20, 0);
  const seed = readCount('createIndex', 'options.seed', o.seed, 0, 0);
  // The lists are built on the CPU either way (k-means on the Gram kernels); 'webgpu' copies them
  // to the device, where searches scan them.
  const lists = { nlist, iterations, seed, centroids: o.centroids, signal: o.signal };
  const store = o.backend === 'webgpu' ? await WebGpuIvfStore.create(keys as Matrix<Float32Array>, lists) : await NativeStore.create(keys, { kind: 'ivf', ...lists });
  return new SearchIndex(store, o.metric, 'ivf', o.backend, keys.cols, dtype, nlist, nprobe, { iterations, seed });
}

/** Reads an index that save() wrote. A header of another format or version, or files that
 * disagree with it (truncated, or another index's), are SpeclinErrors naming what was expected. */
export async function loadIndex(path: string, options: { backend?: BackendName } = {}): Promise<SearchIndex> {
  if (typeof path !== 'string') throw new TypeError('loadIndex(path): path must be a string');
  const backend = readBackend('loadIndex', options);
  const { header, keys, centroids } = await readIndexFiles(path);
  // The stored keys are already unit rows for cosine: they are not scaled again, so the round
  // trip is exact.
  return build(keys, {
    metric: header.metric, kind: header.kind, backend,
    nlist: header.nlist, nprobe: header.nprobe, iterations: header.iterations, seed: header.seed,
    ...(centroids ? { centroids } : {}),
  });
}
