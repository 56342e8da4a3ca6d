// The minibatch spectral contrastive loss (HaoChen et al. 2021) and its gradient, on the CPU.
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { FloatArray, Matrix } from './types.js';
import type { NativeSpectralLossResult } from './native-addon.js';
import { readBackend, refuseBackend, requireFloat32, runOnWebGpu, type BackendOption } from './gpu/shared.js';
import type { GpuMatrix } from './gpu/matrix.js';
import { checkLossOptions } from './gpu/spectral-loss.js';
import { readMatrix, type MatrixArgument } from './matrix-argument.js';
import { agreeAcrossRanks, checkCommunicator, sumAcrossRanks, sumAcrossRanksSync, type Communicator } from './collective.js';

export interface SpectralLossOptions {
  /** The reference code's mu: rows of norm >= sqrt(mu) are rescaled to norm sqrt(mu) and every
   * term is divided by mu. Omitted: no clipping and no division (the reference defaults to 1). */
  mu?: number;
  /** 'offdiagonal' (default): pairs i != j, scaled 1/(B(B-1)). 'all': every (i, j), scaled 1/B^2. */
  negatives?: 'offdiagonal' | 'all';
  /** 'gram' is O(B k^2), 'pairwise' O(B^2 k); 'auto' (default) picks the cheaper by B and k. */
  algorithm?: 'auto' | 'gram' | 'pairwise';
  /** A communicator (initMpi() of speclin/mpi): Z and W are this rank's rows of a batch split over
   * the ranks, and the negatives span the whole batch. Each rank gets the loss of the whole batch
   * and the gradients of its own rows, as one process given the concatenated batch would compute
   * them; k x k statistics are all-reduced ('gram' algorithm, O(k^2) communication). Every rank must
   * call with the same k, dtype and options. CPU backend only. */
  comm?: Communicator;
  /** spectralLossSync only: write the gradients into these matrices (Z's dtype and shape, sharing
   * no memory with Z, W or each other) instead of new arrays; the result's gradZ.data and
   * gradW.data are then these matrices' data. A training loop that reuses them allocates nothing
   * per step, and so pays none of the page faults of fresh result memory (docs/loss.md). */
  out?: { gradZ: Matrix; gradW: Matrix };
}

/** What spectralLoss returns: the addon's result as it comes (documented in native-addon.ts). */
export type SpectralLossResult<T extends FloatArray = FloatArray> = NativeSpectralLossResult<T>;

/** Loss and gradients for B positive pairs: row i of Z and row i of W (both B x k, same dtype).
 * Z and W may come from one encoder (two augmentations) or two (the CLIP case). */
export function spectralLossSync<T extends FloatArray>(
  Z: Matrix<T>,
  W: Matrix<T>,
  options?: SpectralLossOptions,
): SpectralLossResult<T> {
  const o = readOptions(options);
  refuseBackend('spectralLossSync', 'spectralLoss', o);
  if (o?.comm) {
    const comm = o.comm;
    const { z, w } = agreeOnShards('spectralLossSync', comm, Z, W, o);
    const local = () => callNative(() => native.spectralLossStatisticsSync(z, w, o));
    const stats = sumAcrossRanksSync(comm, 'spectralLossSync', statisticsLength(z.cols), local);
    return callNative(() => native.spectralLossFromStatisticsSync(z, w, o, stats)) as SpectralLossResult<T>;
  }
  return callNative(() => native.spectralLossSync(readMatrix('Z', Z), readMatrix('W', W), o));
}

/** spectral_loss_statistics_size(k): B, the diagonal's sum and sum of squares, the clipped
 * counts, and the two k x k Gram matrices. */
const statisticsLength = (k: number) => 5 + 2 * k * k;

/** Reads this rank's shard and checks, collectively, that every rank has the same k, dtype and
 * options (a rank whose arguments are refused makes every rank throw, none hang). */
function agreeOnShards(where: string, comm: Communicator, Z: unknown, W: unknown, o: SpectralLossOptions & BackendOption) {
  let shards: { z: MatrixArgument; w: MatrixArgument } | undefined;
  agreeAcrossRanks(comm, where, () => {
    if (o.algorithm === 'pairwise')
      throw new RangeError(`${where}: options.algorithm 'pairwise' cannot run on a sharded batch; with options.comm the loss is the 'gram' algorithm`);
    if (readBackend(where, o) !== 'cpu') throw new RangeError(`${where}: options.comm runs on the CPU backend only`);
    if (o.mu !== undefined && !(typeof o.mu === 'number' && Number.isFinite(o.mu) && o.mu > 0))
      throw new RangeError(`${where}: options.mu must be a finite number > 0, got ${String(o.mu)}`);
    const z = readMatrix('Z', Z as Matrix);
    const w = readMatrix('W', W as Matrix);
    shards = { z, w };
    return {
      k: z.cols,
      dtype: z.data instanceof Float64Array ? 64 : 32,
      negatives: o.negatives === 'all' ? 1 : 0,
      mu: o.mu === undefined ? -1 : Number(o.mu),
    };
  });
  return shards!;
}

/** The options, each read once (a getter among them runs once, before any matrix is read). */
function readOptions(options: unknown): (SpectralLossOptions & BackendOption) | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new TypeError('spectralLoss: options must be an object');
  const { mu, negatives, algorithm, backend, comm, out } = options as SpectralLossOptions & BackendOption;
  if (comm !== undefined) checkCommunicator('spectralLoss', comm);
  return { mu, negatives, algorithm, backend, comm, ...(out === undefined ? {} : { out: readOut(out) }) };
}

/** options.out, read once into plain matrices (shapes, dtypes and overlaps are checked natively). */
function readOut(out: unknown): { gradZ: Matrix; gradW: Matrix } {
  if (typeof out !== 'object' || out === null) throw new TypeError('spectralLoss: options.out must be { gradZ, gradW }, two Matrix objects');
  const { gradZ, gradW } = out as Record<string, unknown>;
  return { gradZ: readMatrix('options.out.gradZ', gradZ), gradW: readMatrix('options.out.gradW', gradW) };
}

/** Promise form: Z and W are copied, the work runs off the main thread, or with
 * { backend: 'webgpu' } on the GPU (float32 only; the same result fields, errors and clipping). */
export function spectralLoss<T extends FloatArray>(
  Z: Matrix<T>,
  W: Matrix<T>,
  options?: SpectralLossOptions & BackendOption,
): Promise<SpectralLossResult<T>> {
  return callNativeAsync(async () => {
    const o = readOptions(options);
    if (o?.out) throw new RangeError('spectralLoss: options.out is for spectralLossSync (the Promise form computes off the main thread, into memory of its own)');
    if (o?.comm) {
      const comm = o.comm;
      const { z, w } = agreeOnShards('spectralLoss', comm, Z, W, o);
      const stats = await sumAcrossRanks(comm, 'spectralLoss', statisticsLength(z.cols), () => native.spectralLossStatistics(z, w, o));
      return native.spectralLossFromStatistics(z, w, o, stats) as Promise<SpectralLossResult<T>>;
    }
    const z = readMatrix('Z', Z);
    const w = readMatrix('W', W);
    if (readBackend('spectralLoss', o) === 'cpu') return native.spectralLoss(z, w, o);
    return spectralLossOnWebGpu(z, w, o ?? {}) as Promise<SpectralLossResult<T>>;
  });
}

/** The CPU's row pass, on the host before the device is involved: the same NaN/Infinity error
 * (first bad row, Z before W), and the clipped-row counts, by the CPU's rule (float64 norm not
 * strictly below sqrt(mu)). The GPU decides its clipping from float32 norms; a row whose norm
 * is within float32 rounding of sqrt(mu) may be counted differently, with no effect on the loss
 * (the clipping factor is 1 there either way). */
function rowPass(Z: Matrix<Float32Array>, W: Matrix<Float32Array>, mu: number | undefined): { clippedZ: number; clippedW: number } {
  const k = Z.cols;
  const bound = mu === undefined ? Infinity : Math.sqrt(mu);
  let clippedZ = 0;
  let clippedW = 0;
  const norm = (x: Float32Array, i: number) => {
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) s += x[j] * x[j];
    return Math.sqrt(s);
  };
  for (let i = 0; i < Z.rows; i++) {
    for (const [name, X] of [['Z', Z.data], ['W', W.data]] as const) {
      const n = norm(X, i);
      if (!Number.isFinite(n)) {
        const j = X.subarray(i * k, (i + 1) * k).findIndex((v) => !Number.isFinite(v));
        throw new RangeError(
          `spectralLoss: ${name} contains ${Number.isNaN(X[i * k + j]) ? 'NaN' : 'Infinity'} at row ${i}, column ${j}; ` +
            'a non-finite embedding would make the loss NaN',
        );
      }
      if (!(n < bound)) {
        if (name === 'Z') clippedZ++;
        else clippedW++;
      }
    }
  }
  return { clippedZ, clippedW };
}

/** The CPU's overflow rule (native/addon/spectral_loss.cc) for the GPU's result: finite inputs
 * whose loss or gradients overflow float32 are a RangeError, not an Infinity or NaN. */
function checkOverflow(loss: number, gradZ: Float32Array, gradW: Float32Array): void {
  const what = !Number.isFinite(loss) ? 'the loss overflows' : !gradZ.every(Number.isFinite) || !gradW.every(Number.isFinite) ? 'the float32 gradients overflow' : undefined;
  if (what)
    throw new RangeError(
      `spectralLoss: Z and W are finite, but ${what} (the squared inner products z_i.w_j exceed the float32 range); ` +
        'scale the embeddings down, or pass mu to clip their norms',
    );
}

function spectralLossOnWebGpu(Z: MatrixArgument, W: MatrixArgument, options: SpectralLossOptions): Promise<SpectralLossResult<Float32Array>> {
  requireFloat32('spectralLoss', 'Z', Z);
  requireFloat32('spectralLoss', 'W', W);
  // Read by spectralLoss already: only the float32 requirement is the GPU's own.
  const z = Z as MatrixArgument<Float32Array>;
  const w = W as MatrixArgument<Float32Array>;
  // checkLossOptions reads only the shapes of its matrix arguments; it resolves 'auto' by the GPU's
  // own rule, so `algorithm` reports what ran.
  const shape = (m: Matrix & { batch?: number }) => ({ rows: m.rows, cols: m.cols, batch: m.batch }) as GpuMatrix;
  const { mu, negatives, algorithm } = checkLossOptions(shape(z), shape(w), options);
  const clipped = rowPass(z, w, mu);
  return runOnWebGpu('spectralLoss', { Z: z, W: w }, async (gpu, m) => {
    const r = await gpu.spectralLoss(m.Z, m.W, { mu, negatives, algorithm });
    checkOverflow(r.loss, (r.gradZ as Matrix<Float32Array>).data, (r.gradW as Matrix<Float32Array>).data);
    return {
      loss: r.loss,
      positive: r.positive,
      negative: r.negative,
      gradZ: r.gradZ as Matrix<Float32Array>,
      gradW: r.gradW as Matrix<Float32Array>,
      algorithm,
      ...clipped,
    };
  });
}
