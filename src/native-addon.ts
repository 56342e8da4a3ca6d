// The native boundary: every export of the compiled addon (native/addon/*.cc, registered with
// SPECLIN_REGISTER), typed. src/native.ts loads the addon as a NativeAddon, and the wrappers call
// it through this interface only, so what crosses the boundary is written down once, here.
//
// Arguments are typed as the wrappers pass them; the addon checks them again (a JavaScript caller
// can hand a wrapper anything), so a wrong value becomes a TypeError or RangeError, never a crash.
// Results are the plain objects the C++ glue builds; the wrappers shape them into the public types.
import type { Batch, Dtype, FloatArray, Matrix } from './types.js';

/** An object the addon made and reads back (a graph, an operator, a solver, a cancel token): a
 * napi External, opaque to JavaScript. The addon checks its tag on every use. */
export type NativeExternal = unknown;

/** A graph's native handle, as Graph.handleOf / BipartiteGraph.handleOf give it (the wrappers
 * never pass the Graph object itself: its fields could be forged). */
export type NativeGraphHandle = NativeExternal;

/** An operator's native part (`_native` of a symmetric operator, `_nativeRect` of a rectangular one). */
export type NativeOperatorHandle = NativeExternal;
/** A search index's native store (native/addon/search_index.cc). */
export type NativeIndexHandle = NativeExternal;
export interface NativeIndexOptions<T extends FloatArray = FloatArray> {
  kind: 'flat' | 'ivf';
  nlist?: number;
  iterations?: number;
  seed?: number;
  /** Given: the lists are built around these (nlist x dim) instead of training k-means. */
  centroids?: Matrix<T>;
}
export interface NativeIndexInfo {
  size: number;
  dim: number;
  dtype: 'float32' | 'float64';
  kind: 'flat' | 'ivf';
  /** Bytes held by the keys (and, for ivf, ids and centroids). */
  bytes: number;
  nlist?: number;
  centroidBytes?: number;
  listSizes?: Int32Array;
}

/** A Gram product's output: a Batch for a Batch input, a Matrix otherwise; the input's dtype. */
export type GramOutput<M, T extends FloatArray> = M extends Batch ? Batch<T> : Matrix<T>;

export interface NativeSpectralLossOptions {
  mu?: number;
  negatives?: string;
  algorithm?: string;
  /** Sync forms only: the gradients are written into these (Z's dtype and shape, no memory shared
   * with Z, W or each other) and returned as the result's gradZ / gradW data. */
  out?: { gradZ: Matrix; gradW: Matrix };
}

/** The spectral loss and its gradients, as the addon returns them and spectralLoss passes them on. */
export interface NativeSpectralLossResult<T extends FloatArray = FloatArray> {
  /** positive + negative, accumulated in float64. */
  loss: number;
  /** -(2/B) sum_i ẑ_i.ŵ_i / mu: the positive-pair term (its value is usually negative). */
  positive: number;
  /** The negative-pair term: scale * sum (ẑ_i.ŵ_j)^2 / mu. */
  negative: number;
  /** d loss / d Z and d loss / d W, with respect to the unclipped inputs; Z's dtype. */
  gradZ: Matrix<T>;
  gradW: Matrix<T>;
  /** The algorithm that ran (what 'auto' chose). */
  algorithm: 'gram' | 'pairwise';
  /** How many rows of Z and of W were rescaled by the mu clipping. */
  clippedZ: number;
  clippedW: number;
}

export interface NativeTopKResult<T extends FloatArray> {
  indices: Int32Array;
  scores: T;
  rows: number;
  k: number;
}

export interface NativePopulationLoss<T extends FloatArray> {
  loss: number;
  grad: Matrix<T>;
}

export interface NativeBipartitePopulationLoss<T extends FloatArray> {
  loss: number;
  gradLeft: Matrix<T>;
  gradRight: Matrix<T>;
}

/** What graphFromEdges / graphFromCSR / graphFromDense return. */
export interface NativeGraphInfo {
  handle: NativeExternal;
  n: number;
  nnz: number;
  dtype: Dtype;
  degrees: Float64Array;
  totalWeight: number;
  /** Present when isolated nodes were dropped: new id -> original id. */
  nodeMap?: Int32Array;
}

export interface NativeBipartiteInfo {
  handle: NativeExternal;
  nLeft: number;
  nRight: number;
  nnz: number;
  dtype: Dtype;
  degreesLeft: Float64Array;
  degreesRight: Float64Array;
  totalWeight: number;
  nodeMapLeft?: Int32Array;
  nodeMapRight?: Int32Array;
}

/** Copies of a graph's CSR arrays (indptr as float64: it may exceed 2^31). */
export interface NativeCSR {
  indptr: Float64Array;
  indices: Int32Array;
  values: Float32Array | Float64Array;
}

export interface NativeComponents {
  count: number;
  /** Labels in order of each component's smallest node. */
  labels: Int32Array;
}

/** The eigsh options as the addon reads them (src/eigsh.ts checks and resolves them first). */
export interface NativeEigshOptions {
  k: number;
  tol?: number;
  maxIterations?: number;
  blockSize?: number;
  basisSize?: number;
  seed?: number;
  v0?: Float64Array;
  deflate?: Float64Array;
  normBound?: number;
  method?: string;
  projection?: string;
  /** The basis lives on a device: the solver's requests are then NativeDeviceRequests. */
  deviceBasis?: boolean;
}

/** Where a native solve spent its time (seconds per phase) and how much basis it read. */
export interface NativeEigshProfile {
  basisPasses: number;
  basisVectorsRead: number;
  blocks: number;
  fullProjections: number;
  secondPasses: number;
  products: number;
  project: number;
  block: number;
  analyze: number;
  restart: number;
  verify: number;
}

export type NativeSolverStatus = 'converged' | 'not-converged' | 'aborted';

export interface NativeEigshResult {
  status: NativeSolverStatus;
  values: Float64Array;
  /** rows x cols, row-major. */
  vectors: Float64Array;
  rows: number;
  cols: number;
  residuals: Float64Array;
  matvecs: number;
  iterations: number;
  norm: number;
  maxResidual: number;
  blockSize: number;
  basisSize: number;
  dense: boolean;
  profile: NativeEigshProfile;
}

export interface NativeSvdsResult {
  status: NativeSolverStatus;
  values: Float64Array;
  left: Float64Array;
  right: Float64Array;
  rows: number;
  cols: number;
  count: number;
  residuals: Float64Array;
  products: number;
  iterations: number;
  maxResidual: number;
  side: 'left' | 'right';
}

export interface NativeSolverProgress {
  iterations: number;
  converged: number;
  maxResidual: number;
}

/** A block product the reverse-communication solver asks JavaScript for: Y = Op X, n x columns. */
export interface NativeProductRequest {
  X: Float64Array;
  columns: number;
}

/** A thick restart of a device basis (EigshDeviceRequest in native/core/eigsh.h): columns first,
 * first + 1, ... become the last verify's Ritz vectors `lock`, then V[:, first : first + active]
 * keep (active x kept, row-major); the residual block at column `residual` moves after them. */
export interface NativeDeviceRestart {
  first: number;
  active: number;
  residual: number;
  lock: number[];
  kept: number;
  keep: Float64Array;
}

/** What a solver with a device basis asks (native/core/eigsh.h, EigshRequestKind). */
export type NativeDeviceRequest = { columns: number; basis: number } & (
  | { kind: 'product' | 'lock'; X: Float64Array }
  | { kind: 'extend'; column: number; steps: number; block: number; start?: Float64Array; restart?: NativeDeviceRestart }
  | { kind: 'verify'; first: number; active: number; ritz: Float64Array }
  | { kind: 'collect'; restart?: NativeDeviceRestart }
);

export type NativeProgressCallback = (iteration: number, converged: number, maxResidual: number) => void;

export interface NativeAddon {
  // ---- runtime (native/addon/runtime.cc)
  setThreads(n: number): void;
  getThreads(): number;
  setKernelPath(path: string): void;
  getKernelPath(): 'portable' | 'avx2';

  // ---- Gram family (native/addon/gram.cc)
  /** `out`: the caller's result memory (the result's shape and dtype, no memory shared with Z or W). */
  gramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, out?: Matrix): GramOutput<M, T>;
  crossGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, out?: Matrix): GramOutput<M, T>;
  innerGramSync<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>, out?: Matrix): GramOutput<M, T>;
  gram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>): Promise<GramOutput<M, T>>;
  crossGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>): Promise<GramOutput<M, T>>;
  innerGram<T extends FloatArray, M extends Matrix<T>>(Z: M & Matrix<T>, W: Matrix<T>): Promise<GramOutput<M, T>>;
  gemmKernel(): 'avx512' | 'avx2' | 'portable';
  setGemmAvx512(allowed: boolean): void;

  // ---- the spectral loss (native/addon/spectral_loss.cc)
  spectralLossSync<T extends FloatArray>(Z: Matrix<T>, W: Matrix<T>, options?: NativeSpectralLossOptions): NativeSpectralLossResult<T>;
  spectralLoss<T extends FloatArray>(Z: Matrix<T>, W: Matrix<T>, options?: NativeSpectralLossOptions): Promise<NativeSpectralLossResult<T>>;
  /** A shard's statistics for the loss over a batch split across processes (spectral_loss.h). */
  spectralLossStatisticsSync(Z: Matrix, W: Matrix, options?: NativeSpectralLossOptions): Float64Array;
  spectralLossStatistics(Z: Matrix, W: Matrix, options?: NativeSpectralLossOptions): Promise<Float64Array>;
  /** The loss and this shard's gradient rows, from every shard's statistics summed. */
  spectralLossFromStatisticsSync<T extends FloatArray>(Z: Matrix<T>, W: Matrix<T>, options: NativeSpectralLossOptions | undefined, statistics: Float64Array): NativeSpectralLossResult<T>;
  spectralLossFromStatistics<T extends FloatArray>(Z: Matrix<T>, W: Matrix<T>, options: NativeSpectralLossOptions | undefined, statistics: Float64Array): Promise<NativeSpectralLossResult<T>>;

  // ---- top-k (native/addon/topk.cc)
  topKSync<T extends FloatArray>(queries: Matrix<T>, keys: Matrix<T>, k: number): NativeTopKResult<T>;
  topK<T extends FloatArray>(queries: Matrix<T>, keys: Matrix<T>, k: number): Promise<NativeTopKResult<T>>;

  // ---- the search index (native/addon/search_index.cc); null: cancelled by the token
  searchIndexCreate<T extends FloatArray>(keys: Matrix<T>, options: NativeIndexOptions<T>, cancelToken?: NativeExternal): Promise<NativeIndexHandle | null>;
  searchIndexAdd<T extends FloatArray>(index: NativeIndexHandle, keys: Matrix<T>): Promise<void>;
  searchIndexSearch<T extends FloatArray>(index: NativeIndexHandle, queries: Matrix<T>, k: number, nprobe: number, cancelToken?: NativeExternal): Promise<NativeTopKResult<T> | null>;
  searchIndexSearchSync<T extends FloatArray>(index: NativeIndexHandle, queries: Matrix<T>, k: number, nprobe: number): NativeTopKResult<T>;
  searchIndexKeys(index: NativeIndexHandle): FloatArray;
  searchIndexCentroids(index: NativeIndexHandle): FloatArray | null;
  searchIndexInfo(index: NativeIndexHandle): NativeIndexInfo;
  /** ivf: every id, list by list (the lists' sizes are searchIndexInfo's listSizes); null for flat. */
  searchIndexListIds(index: NativeIndexHandle): Int32Array | null;

  // ---- the population loss (native/addon/population_loss.cc)
  populationLossSync<T extends FloatArray>(graph: NativeGraphHandle, E: Matrix<T>): NativePopulationLoss<T>;
  populationLoss<T extends FloatArray>(graph: NativeGraphHandle, E: Matrix<T>): Promise<NativePopulationLoss<T>>;
  populationLossBipartiteSync<T extends FloatArray>(graph: NativeGraphHandle, Ex: Matrix<T>, Et: Matrix<T>): NativeBipartitePopulationLoss<T>;
  populationLossBipartite<T extends FloatArray>(graph: NativeGraphHandle, Ex: Matrix<T>, Et: Matrix<T>): Promise<NativeBipartitePopulationLoss<T>>;

  // ---- graphs (native/addon/graph.cc); `symmetrize` is 'none' | 'average' | 'max'
  graphFromEdges(
    n: number, src: Int32Array | Uint32Array, dst: Int32Array | Uint32Array, weight: FloatArray | undefined,
    dtype: Dtype | undefined, symmetrize: string, isolated: 'error' | 'drop' | undefined,
  ): NativeGraphInfo;
  graphFromCSR(
    n: number, indptr: Int32Array | Uint32Array | BigInt64Array, indices: Int32Array | Uint32Array, values: FloatArray | undefined,
    dtype: Dtype | undefined, symmetrize: string, isolated: 'error' | 'drop' | undefined,
  ): NativeGraphInfo;
  graphFromDense(A: Matrix, symmetrize: string, isolated: 'error' | 'drop' | undefined): NativeGraphInfo;
  bipartiteFromEdges(
    nLeft: number, nRight: number, left: Int32Array | Uint32Array, right: Int32Array | Uint32Array, weight: FloatArray | undefined,
    dtype: Dtype | undefined, isolated: 'error' | 'drop' | undefined,
  ): NativeBipartiteInfo;
  graphComponents(graph: NativeGraphHandle): NativeComponents;
  /** y = A x in the graph's dtype (x: n x columns, row-major). */
  graphSpmv<T extends FloatArray>(graph: NativeGraphHandle, x: T, columns: number): T;
  graphToCSR(graph: NativeGraphHandle): NativeCSR;
  bipartiteToCSR(graph: NativeGraphHandle): NativeCSR;
  graphNormalized(graph: NativeGraphHandle): NativeExternal;
  bipartiteNormalized(graph: NativeGraphHandle): NativeExternal;
  operatorMultiply(operator: NativeExternal, X: Float64Array, Y: Float64Array, columns: number): void;
  rectangularMultiply(operator: NativeExternal, X: Float64Array, Y: Float64Array, columns: number, transpose: boolean): void;
  /** The size a native symmetric operator has (the wrappers trust no `n` carried beside it). */
  operatorSize(operator: NativeOperatorHandle): number;
  /** The shape a native rectangular operator has. */
  rectangularShape(operator: NativeOperatorHandle): { rows: number; cols: number };

  // ---- eigsh (native/addon/eigsh.cc): native operators, and reverse communication for JS ones
  eigshSync(operator: NativeOperatorHandle, options: NativeEigshOptions, onProgress?: NativeProgressCallback): NativeEigshResult;
  eigsh(operator: NativeOperatorHandle, options: NativeEigshOptions, onProgress: NativeProgressCallback | undefined, cancel: NativeExternal): Promise<NativeEigshResult>;
  eigshCancelToken(): NativeExternal;
  eigshCancel(token: NativeExternal): void;
  eigshSolverNew(n: number, options: NativeEigshOptions): NativeExternal;
  /** The next product the solver needs (given the previous one's Y), or null when it is done. */
  eigshSolverStep(solver: NativeExternal, Y?: Float64Array): NativeProductRequest | null;
  /** A device basis's step: Y answers the last request (X too for a verify). */
  eigshDeviceStep(solver: NativeExternal, Y?: Float64Array, X?: Float64Array): NativeDeviceRequest | null;
  eigshSolverProgress(solver: NativeExternal): NativeSolverProgress;
  eigshSolverResult(solver: NativeExternal, aborted: boolean): NativeEigshResult;
  denseOperator(A: Matrix): NativeExternal;

  // ---- svds (native/addon/svds.cc)
  svdsSync(operator: NativeOperatorHandle, options: NativeEigshOptions): NativeSvdsResult;
  svds(operator: NativeOperatorHandle, options: NativeEigshOptions, onProgress: NativeProgressCallback | undefined, cancel: NativeExternal): Promise<NativeSvdsResult>;
  denseRectOperator(A: Matrix): NativeExternal;
  /** The side svds solves for a rows x cols operator: the Gram matrix of the smaller one. */
  svdsSolvedSide(rows: number, cols: number): 'left' | 'right';

  // ---- small dense problems (native/addon/dense_eigen.cc)
  /** Eigenvalues (descending) and eigenvectors (column i of the row-major m x m `vectors` for
   * values[i]) of the symmetric S (its lower triangle is read). A NaN in S is a RangeError. */
  symmetricEigen(S: Float64Array, m: number): { values: Float64Array; vectors: Float64Array };

  // ---- this machine's limits (native/addon/machine_limits.cc)
  measureFmaPeak(dtype: 'float32' | 'float64', seconds: number): { gflops: number; isa: 'avx512' | 'avx2' | 'portable'; threads: number };
  measureBandwidth(direction: 'read' | 'write', bytes: number, seconds: number): { gbytesPerSecond: number; bytes: number; threads: number };

  // ---- components of CSR arrays (native/addon/components.cc)
  /** Connected components of the graph on n nodes whose edges are the entries of nonzero weight;
   * the pattern need not be symmetric. Labels in order of each component's smallest node. */
  csrComponents(n: number, indptr: Int32Array, indices: Int32Array, values?: Float32Array | Float64Array): NativeComponents;
}

/** Every export's name, for the test that compares the interface with the loaded addon. */
export const nativeExportNames = [
  'setThreads', 'getThreads', 'setKernelPath', 'getKernelPath',
  'gramSync', 'crossGramSync', 'innerGramSync', 'gram', 'crossGram', 'innerGram', 'gemmKernel', 'setGemmAvx512',
  'spectralLossSync', 'spectralLoss',
  'spectralLossStatisticsSync', 'spectralLossStatistics', 'spectralLossFromStatisticsSync', 'spectralLossFromStatistics',
  'topKSync', 'topK',
  'searchIndexCreate', 'searchIndexAdd', 'searchIndexSearch', 'searchIndexSearchSync', 'searchIndexKeys',
  'searchIndexCentroids', 'searchIndexInfo', 'searchIndexListIds',
  'populationLossSync', 'populationLoss', 'populationLossBipartiteSync', 'populationLossBipartite',
  'graphFromEdges', 'graphFromCSR', 'graphFromDense', 'bipartiteFromEdges', 'graphComponents', 'graphSpmv',
  'graphToCSR', 'bipartiteToCSR', 'graphNormalized', 'bipartiteNormalized', 'operatorMultiply', 'rectangularMultiply',
  'operatorSize', 'rectangularShape',
  'eigshSync', 'eigsh', 'eigshCancelToken', 'eigshCancel', 'eigshSolverNew', 'eigshSolverStep', 'eigshDeviceStep', 'eigshSolverProgress',
  'eigshSolverResult', 'denseOperator',
  'svdsSync', 'svds', 'denseRectOperator', 'svdsSolvedSide',
  'symmetricEigen',
  'csrComponents',
  'measureFmaPeak', 'measureBandwidth',
] as const satisfies readonly (keyof NativeAddon)[];

// Compile-time: a method declared above but missing from the list is an error here.
type Unlisted = Exclude<keyof NativeAddon, (typeof nativeExportNames)[number]>;
const everyExportListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyExportListed;
