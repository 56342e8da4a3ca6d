// One complete run on a graph: the eigensolve that gives the closed-form optimum, training, and
// the probes. Shared by `speclin demo` (MNIST) and `speclin train` (any graph).
import { closedFormOptimum, optimalLoss, scaleEmbedding } from '../closed-form.js';
import { takeColumns } from '../deflation.js';
import { eigsh } from '../eigsh.js';
import type { BipartiteGraph, Graph } from '../graph.js';
import type { Matrix } from '../types.js';
import { linearEncoder, mlpEncoder, tableEncoder, type Encoder, type EncoderKind } from './encoders.js';
import { train, type EvalRecord, type LossProvider, type TrainMode, type TrainResult } from './loop.js';
import { probeAccuracy } from './probe.js';
import { childSeed } from '../random.js';
import { PairSampler } from './sampler.js';
import type { EdgeList } from '../data/edge-list.js';
import type { Communicator } from '../collective.js';

export interface HyperParameters {
  steps: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
}

/** Defaults measured on the MNIST demo graph (n = 10 000, m = 10, k = 16); see docs/train.md. */
export function defaultHyperParameters(encoder: EncoderKind, mode: TrainMode): HyperParameters {
  if (encoder === 'table') {
    return mode === 'fullbatch'
      ? { steps: 1000, batchSize: 0, lr: 0.05, optimizer: 'adam' }
      : { steps: 3000, batchSize: 512, lr: 0.05, optimizer: 'adam' };
  }
  // A linear map or an MLP of the pixels costs O(d) per row instead of O(k): fewer steps keep the
  // demo near a minute; the gap these leave is reported, not tuned away.
  return mode === 'fullbatch'
    ? { steps: 300, batchSize: 0, lr: 3e-3, optimizer: 'adam' }
    : { steps: 1000, batchSize: 512, lr: 3e-3, optimizer: 'adam' };
}

export interface ExperimentOptions {
  graph: Graph;
  /** The graph's stored entries, for the pair sampler (minibatch mode). */
  edges: EdgeList;
  k: number;
  encoder: EncoderKind;
  /** Node features for the linear and MLP encoders (n x d). */
  features?: Matrix;
  hidden?: number;
  mode: TrainMode;
  hyper: HyperParameters;
  seed: number;
  /** Ā's eigenvalues computed beyond k, for the spectrum chart. */
  extraEigenvalues?: number;
  labels?: ArrayLike<number>;
  /** Features for the "raw" probe baseline (MNIST pixels). */
  rawFeatures?: Matrix;
  /** Training's losses (default: the CPU kernels), e.g. webGpuLossProvider(backend, graph). */
  lossProvider?: LossProvider;
  /** Data-parallel training over these ranks (train()'s comm); every rank runs the experiment. */
  comm?: Communicator;
  hooks?: {
    eigsProgress?: (converged: number, wanted: number) => void;
    eigsDone?: (seconds: number, matvecs: number) => void;
    trainStep?: (step: number, steps: number, loss: number) => void;
    trainEval?: (record: EvalRecord) => void;
  };
}

export interface ExperimentResult {
  optimum: number;
  eigenvalues: Float64Array;
  eigsSeconds: number;
  eigsMatvecs: number;
  training: TrainResult;
  finalPopulationLoss: number;
  relativeGap: number;
  maxPrincipalAngleDeg: number;
  /** E* = D^{-1/2} U_k max(Λ_k, 0)^{1/2}, n x k. */
  optimalEmbedding: Matrix<Float64Array>;
  probe?: { embedding: number; eigenvectors: number; pixels?: number };
  probeSeconds: number;
}

export function makeEncoder(o: Pick<ExperimentOptions, 'encoder' | 'features' | 'k' | 'hidden' | 'seed' | 'graph'>): Encoder {
  const seed = childSeed(o.seed, 1);
  if (o.encoder === 'table') return tableEncoder({ n: o.graph.n, dim: o.k, dtype: 'float32', seed });
  if (!o.features) throw new TypeError(`the ${o.encoder} encoder needs node features`);
  if (o.features.rows !== o.graph.n) throw new RangeError(`features have ${o.features.rows} rows but the graph has ${o.graph.n} nodes`);
  return o.encoder === 'linear'
    ? linearEncoder({ features: o.features, dim: o.k, seed })
    : mlpEncoder({ features: o.features, dim: o.k, hidden: o.hidden ?? 256, seed });
}

/** One stream of pairs per rank in data-parallel training; one process's stream otherwise. */
function samplerSeed(o: ExperimentOptions | TwoTowerOptions): number {
  const comm = 'comm' in o ? o.comm : undefined;
  return comm && comm.size > 1 ? childSeed(childSeed(o.seed, 3), comm.rank) : childSeed(o.seed, 3);
}

/** The training loop's options that both experiments take from theirs alike. */
function loopOptions(o: ExperimentOptions | TwoTowerOptions) {
  return {
    mode: o.mode,
    steps: o.hyper.steps,
    batchSize: o.hyper.batchSize,
    lr: o.hyper.lr,
    optimizer: o.hyper.optimizer,
    sampler: o.mode === 'minibatch' ? new PairSampler(o.edges, samplerSeed(o)) : undefined,
    lossProvider: o.lossProvider,
    comm: 'comm' in o ? o.comm : undefined,
    onStep: o.hooks?.trainStep,
    onEval: o.hooks?.trainEval,
    evalEvery: 'evalEvery' in o ? o.evalEvery : undefined,
  };
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const { graph, k } = o;
  const n = graph.n;
  const wanted = Math.min(n - 1, k + (o.extraEigenvalues ?? 0));
  const eigsStart = performance.now();
  // deflate: the graph's components give Ā's eigenvalue-1 vectors exactly; the solver locks them
  // from the start instead of converging to them.
  const eig = await eigsh(graph, {
    k: wanted,
    seed: childSeed(o.seed, 2),
    deflate: true,
    onProgress: (_iteration, converged) => o.hooks?.eigsProgress?.(converged, wanted),
  });
  const eigsSeconds = (performance.now() - eigsStart) / 1000;
  o.hooks?.eigsDone?.(eigsSeconds, eig.matvecs);
  const values = Float64Array.from(eig.values);
  // Ā's top-k eigenvectors and the closed-form optimum E* from the same solve (the extra
  // eigenvalues are for the spectrum chart only).
  const top = values.subarray(0, k);
  const U = { data: takeColumns(eig.vectors.data, n, wanted, k), rows: n, cols: k };
  const optimum = optimalLoss(top, true);
  const optimalEmbedding = scaleEmbedding(U, top, graph.marginals);
  const reference = { optimum, vectors: U };
  const encoder = makeEncoder(o);
  const training = await train({
    graph,
    encoder,
    ...loopOptions(o),
    reference,
  });
  const last = training.evals[training.evals.length - 1];
  const result: ExperimentResult = {
    optimum,
    eigenvalues: values,
    eigsSeconds,
    eigsMatvecs: eig.matvecs,
    training,
    finalPopulationLoss: training.finalPopulationLoss,
    relativeGap: last.relativeGap!,
    maxPrincipalAngleDeg: last.maxPrincipalAngleDeg!,
    optimalEmbedding,
    probeSeconds: 0,
  };
  if (o.labels) runProbes(result, training.embedding, result.optimalEmbedding, o.labels, o.rawFeatures, o.seed);
  return result;
}

/** The same linear probe (one seeded split) on the learned embedding, the exact optimum and, when
 * given, the raw features; fills `result.probe` and `result.probeSeconds`. */
function runProbes(
  result: Pick<ExperimentResult, 'probe' | 'probeSeconds'>,
  learned: Parameters<typeof probeAccuracy>[0],
  optimal: Parameters<typeof probeAccuracy>[0],
  labels: Parameters<typeof probeAccuracy>[1],
  rawFeatures: Parameters<typeof probeAccuracy>[0] | undefined,
  runSeed: number,
): void {
  const probeStart = performance.now();
  const seed = childSeed(runSeed, 4);
  result.probe = {
    embedding: probeAccuracy(learned, labels, { seed }),
    eigenvectors: probeAccuracy(optimal, labels, { seed }),
    pixels: rawFeatures ? probeAccuracy(rawFeatures, labels, { seed }) : undefined,
  };
  result.probeSeconds = (performance.now() - probeStart) / 1000;
}

export interface TwoTowerOptions {
  graph: BipartiteGraph;
  /** The graph's stored pairs (left, right), for the pair sampler (minibatch mode). */
  edges: EdgeList;
  k: number;
  encoder: EncoderKind;
  leftFeatures?: Matrix;
  rightFeatures?: Matrix;
  /** The MLP towers' hidden widths (mlpEncoder's `hidden`), both towers unless rightHidden says. */
  hidden?: number | readonly number[];
  rightHidden?: number | readonly number[];
  /** The right (text) tower's kind when it differs from `encoder` ('linear' or 'mlp' only). */
  rightEncoder?: 'linear' | 'mlp';
  /** MLP towers: end the left (image) or right (text) tower in a scaled L2 normalization
   * (mlpEncoder's `normalize`), its scale starting at the root-mean-square row norm of that side's
   * closed-form optimum, the norm the loss's minimizers have on average. */
  normalizeLeft?: boolean;
  normalizeRight?: boolean;
  mode: TrainMode;
  hyper: HyperParameters;
  seed: number;
  /** Labels of the left nodes, for the probe. */
  labels?: ArrayLike<number>;
  rawFeatures?: Matrix;
  hooks?: ExperimentOptions['hooks'];
  /** Training's losses (default: the CPU kernels), e.g. webGpuLossProvider(backend, graph). */
  lossProvider?: LossProvider;
  /** Population loss and angles every this many steps (default: 20 evaluations a run). */
  evalEvery?: number;
}

export interface TwoTowerResult extends Omit<ExperimentResult, 'eigenvalues' | 'eigsMatvecs'> {
  singularValues: Float64Array;
  optimalRight: Matrix<Float64Array>;
  /** The trained towers f and g (linear and MLP ones embed new inputs with `embed`). */
  towers: { left: Encoder; right: Encoder };
}

/** sqrt(mean over rows of |row|^2). */
function rmsRowNorm(M: Matrix): number {
  let s = 0;
  for (let i = 0; i < M.data.length; i++) s += M.data[i] ** 2;
  return Math.sqrt(s / M.rows);
}

/** The CLIP case: towers f (left nodes) and g (right nodes) on a BipartiteGraph, against
 * min L = -sum_{i<=k} σ_i(P̄)^2 from closedFormOptimum. */
export async function runTwoTowerExperiment(o: TwoTowerOptions): Promise<TwoTowerResult> {
  const { graph, k } = o;
  const solveStart = performance.now();
  const opt = await closedFormOptimum(graph, k, {
    seed: childSeed(o.seed, 2),
    onProgress: (_iteration, converged) => o.hooks?.eigsProgress?.(converged, k),
  });
  const eigsSeconds = (performance.now() - solveStart) / 1000;
  o.hooks?.eigsDone?.(eigsSeconds, 0);
  const encoder = (n: number, features: Matrix | undefined, stream: number, hidden = o.hidden, normalize?: number, kind = o.encoder): Encoder => {
    const seed = childSeed(o.seed, stream);
    if (kind === 'table') return tableEncoder({ n, dim: k, dtype: 'float32', seed });
    if (!features) throw new TypeError(`the ${kind} encoder needs features on both sides`);
    if (features.rows !== n) throw new RangeError(`features have ${features.rows} rows, expected ${n}`);
    if (kind === 'linear' && normalize !== undefined) throw new RangeError('a normalized tower must be an mlp (a normalized linear map is no longer linear)');
    return kind === 'linear' ? linearEncoder({ features, dim: k, seed }) : mlpEncoder({ features, dim: k, hidden: hidden ?? 256, seed, normalize });
  };
  if (o.rightEncoder !== undefined && o.rightEncoder !== 'linear' && o.rightEncoder !== 'mlp') throw new RangeError(`rightEncoder must be 'linear' or 'mlp', got '${String(o.rightEncoder)}'`);
  const towers = {
    left: encoder(graph.nLeft, o.leftFeatures, 1, o.hidden, o.normalizeLeft ? rmsRowNorm(opt.left) : undefined),
    right: encoder(graph.nRight, o.rightFeatures, 7, o.rightHidden ?? o.hidden, o.normalizeRight ? rmsRowNorm(opt.right) : undefined, o.rightEncoder ?? o.encoder),
  };
  const training = await train({
    graph,
    encoder: towers.left,
    rightEncoder: towers.right,
    ...loopOptions(o),
    reference: { optimum: opt.loss, left: opt.left, right: opt.right },
  });
  const last = training.evals[training.evals.length - 1];
  const result: TwoTowerResult = {
    optimum: opt.loss,
    singularValues: Float64Array.from(opt.singularValues),
    eigsSeconds,
    training,
    finalPopulationLoss: training.finalPopulationLoss,
    relativeGap: last.relativeGap!,
    maxPrincipalAngleDeg: last.maxPrincipalAngleDeg!,
    optimalEmbedding: opt.left,
    optimalRight: opt.right,
    towers,
    probeSeconds: 0,
  };
  if (o.labels) runProbes(result, training.embedding, opt.left, o.labels, o.rawFeatures, o.seed);
  return result;
}
