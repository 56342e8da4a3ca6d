// The thin training loop: minibatches of positive pairs through spectralLoss, or the exact
// population gradient through populationLoss, with the population loss measured on a schedule
// next to the closed-form optimum and the alignment with the optimal subspace. One tower (f on
// both sides of a pair, over a Graph) or two (f on images, g on texts, over a BipartiteGraph:
// the CLIP case). Every loss and gradient of the steps (and of the scheduled evaluations) comes
// from one LossProvider: the CPU kernels by default, the WebGPU backend's through
// src/train/webgpu-loss.ts. The final figures are always the CPU's float64 populationLoss.
import { BipartiteGraph, type Graph } from '../graph.js';
import { populationLossSync } from '../population-loss.js';
import { spectralLossSync } from '../spectral-loss.js';
import { agreeAcrossRanks, type Communicator } from '../collective.js';
import { SpeclinError } from '../errors.js';
import type { FloatArray, Matrix } from '../types.js';
import type { Encoder, ForwardPass } from './encoders.js';
import { maxPrincipalAngleDeg, maxPrincipalAngleToEmbedding, relativeGap } from './metrics.js';
import { adam, sgd, type Optimizer } from './optimizers.js';
import type { PairSampler } from './sampler.js';

export type TrainMode = 'minibatch' | 'fullbatch';

/** The loss and gradients of one minibatch of positive pairs, as spectralLoss defines them. */
export interface MinibatchLoss {
  loss: number;
  gradZ: Matrix;
  gradW: Matrix;
}

/** The population loss of the towers' embeddings and its gradients (gradRight: two towers). */
export interface PopulationLossValue {
  loss: number;
  gradLeft: Matrix;
  gradRight?: Matrix;
}

/** Where the loop's losses are computed. Each call may answer synchronously or with a Promise. */
export interface LossProvider {
  /** Which of its two losses run on a GPU, for reports ([] on the CPU). */
  readonly onGpu: readonly ('spectralLoss' | 'populationLoss')[];
  /** spectralLoss(Z, W) with its default options (no mu, off-diagonal negatives). */
  spectralLoss(Z: Matrix, W: Matrix): MinibatchLoss | Promise<MinibatchLoss>;
  /** populationLoss on the training graph: (E) for one tower, (Ex, Et) for two. */
  populationLoss(left: Matrix, right?: Matrix): PopulationLossValue | Promise<PopulationLossValue>;
}

/** The CPU kernels (spectralLossSync, populationLossSync): float64 accumulation, gradients in the
 * embedding's dtype. With `comm`, the minibatch is this rank's shard and the negatives span every
 * rank's (spectralLoss's `comm` option). */
export function cpuLossProvider(graph: Graph | BipartiteGraph, comm?: Communicator): LossProvider {
  return {
    onGpu: [],
    spectralLoss: (Z, W) => spectralLossSync(Z, W, comm ? { comm } : undefined),
    populationLoss: (left, right) => {
      if (graph instanceof BipartiteGraph) {
        if (!right) throw new TypeError('populationLoss on a BipartiteGraph needs both towers');
        const r = populationLossSync(graph, left, right);
        return { loss: r.loss, gradLeft: r.gradLeft as Matrix, gradRight: r.gradRight as Matrix };
      }
      const r = populationLossSync(graph, left);
      return { loss: r.loss, gradLeft: r.grad as Matrix };
    },
  };
}

export interface Reference {
  /** The closed-form minimum of the population loss. */
  optimum: number;
  /** One tower: Ā's top-k eigenvectors (n x k). */
  vectors?: Matrix;
  /** Two towers: the optimal embeddings E_x*, E_t* (the angle is taken against their spans). */
  left?: Matrix;
  right?: Matrix;
}

export interface TrainOptions {
  graph: Graph | BipartiteGraph;
  encoder: Encoder;
  /** The second tower (text side) for a BipartiteGraph; the graph's right nodes. */
  rightEncoder?: Encoder;
  mode: TrainMode;
  steps: number;
  /** Required in minibatch mode. */
  sampler?: PairSampler;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
  /** The step size decays along a cosine from lr to lr * finalLrFraction. */
  finalLrFraction?: number;
  /** Population loss (and angle, with a reference) every this many steps, and at the end. */
  evalEvery?: number;
  /** Minibatch (or full-batch) loss recorded every this many steps. */
  logEvery?: number;
  reference?: Reference;
  onStep?: (step: number, steps: number, loss: number) => void;
  onEval?: (record: EvalRecord) => void;
  /** The steps' and scheduled evaluations' losses (default: cpuLossProvider(graph)). */
  lossProvider?: LossProvider;
  /** Data-parallel training over the ranks of a communicator (minibatch mode, CPU losses): each
   * rank draws its share of the batchSize pairs from its own stream of `sampler` (one sampler per
   * rank, seeded apart), the loss's negatives span the whole batch, and the parameter gradients are
   * summed by allreduce (the exact gradient of the global batch's loss), so that the parameters stay
   * identical on every rank. */
  comm?: Communicator;
  /** With comm: the ranks compare parameter checksums every this many steps (and at the end);
   * a difference is a SpeclinError ERR_MPI_DIVERGED. Default 100. */
  checksumEvery?: number;
}

export interface EvalRecord {
  step: number;
  populationLoss: number;
  relativeGap?: number;
  /** The larger of the two towers' angles in the two-tower case. */
  maxPrincipalAngleDeg?: number;
}

export interface TrainResult {
  /** The training loss as it went: the minibatch estimate, or the exact loss in full-batch mode. */
  history: { step: number; loss: number }[];
  evals: EvalRecord[];
  /** f of every node after the last step, n x k (the left nodes for two towers). */
  embedding: Matrix;
  /** g of every right node after the last step (two towers only). */
  rightEmbedding?: Matrix;
  /** The CPU's float64 populationLoss of the final embedding, whatever the provider. */
  finalPopulationLoss: number;
  /** What this run computed on a GPU (from the provider's onGpu and the mode); [] when
   * everything ran on the CPU. */
  gpuParts: string[];
  steps: number;
  seconds: number;
}

function isBipartite(g: Graph | BipartiteGraph): g is BipartiteGraph {
  return (g as BipartiteGraph).nLeft !== undefined;
}

function makeOptimizer(o: TrainOptions): Optimizer {
  return o.optimizer === 'sgd' ? sgd({ lr: o.lr, momentum: o.momentum ?? 0.9 }) : adam({ lr: o.lr });
}

interface Towers {
  left: Encoder;
  right: Encoder;
  two: boolean;
}

/** The population loss of all embeddings and, when asked, its gradient pushed into the towers. */
async function population(losses: LossProvider, t: Towers, grads?: { left: FloatArray[]; right: FloatArray[] }) {
  const fl = t.left.forward();
  const fr = t.two ? t.right.forward() : undefined;
  const r = await losses.populationLoss(fl.output, fr?.output);
  if (grads) {
    t.left.backward(fl, r.gradLeft, grads.left);
    if (fr) t.right.backward(fr, r.gradRight!, grads.right);
  }
  return { loss: r.loss, left: fl.output, right: fr?.output };
}

async function evaluate(losses: LossProvider, graph: Graph | BipartiteGraph, t: Towers, step: number, reference?: Reference) {
  const p = await population(losses, t);
  const record: EvalRecord = { step, populationLoss: p.loss };
  if (reference) {
    record.relativeGap = relativeGap(p.loss, reference.optimum);
    if (!t.two && reference.vectors) {
      record.maxPrincipalAngleDeg = maxPrincipalAngleDeg(p.left, (graph as Graph).marginals, reference.vectors);
    } else if (t.two && reference.left && reference.right) {
      const g = graph as BipartiteGraph;
      record.maxPrincipalAngleDeg = Math.max(
        maxPrincipalAngleToEmbedding(p.left, g.marginalsLeft, reference.left),
        maxPrincipalAngleToEmbedding(p.right!, g.marginalsRight, reference.right),
      );
    }
  }
  return { record, left: p.left, right: p.right };
}

function gpuParts(losses: LossProvider, mode: TrainMode): string[] {
  const parts: string[] = [];
  if (mode === 'minibatch' && losses.onGpu.includes('spectralLoss')) parts.push('minibatch spectralLoss and its gradients');
  if (mode === 'fullbatch' && losses.onGpu.includes('populationLoss')) parts.push('full-batch populationLoss and its gradient');
  if (losses.onGpu.includes('populationLoss')) parts.push('scheduled population-loss evaluations (all but the final one)');
  return parts;
}

/** Two checksums of the parameters in float64 (a plain sum and a position-weighted one), compared
 * across ranks by one allreduce of their maxima and minima. */
function checkIdentical(comm: Communicator, params: FloatArray[], step: number): void {
  let plain = 0;
  let weighted = 0;
  let position = 0;
  for (const p of params)
    for (let i = 0; i < p.length; i++) {
      plain += p[i];
      weighted += p[i] * (1 + (position++ % 1021));
    }
  const sums = new Float64Array([plain, weighted, -plain, -weighted]);
  comm.allreduce(sums, 'max');
  if (sums[0] !== -sums[2] || sums[1] !== -sums[3])
    throw new SpeclinError('ERR_MPI_DIVERGED', `train: the ranks' parameters differ at step ${step} (checksums from ${-sums[2]} to ${sums[0]}); they must stay identical in data-parallel training`);
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { graph, encoder, mode, steps } = options;
  if (mode !== 'minibatch' && mode !== 'fullbatch') throw new RangeError(`mode must be 'minibatch' or 'fullbatch', got '${mode}'`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a nonnegative integer, got ${steps}`);
  const two = isBipartite(graph);
  if (two) {
    if (!options.rightEncoder) throw new TypeError('a BipartiteGraph needs rightEncoder (the second tower)');
    if (encoder.n !== graph.nLeft || options.rightEncoder.n !== graph.nRight) {
      throw new RangeError(`the towers embed ${encoder.n} and ${options.rightEncoder.n} nodes but the graph has ${graph.nLeft} x ${graph.nRight}`);
    }
    if (encoder.dim !== options.rightEncoder.dim) throw new RangeError(`the towers' dimensions differ: ${encoder.dim} and ${options.rightEncoder.dim}`);
  } else if (encoder.n !== graph.n) {
    throw new RangeError(`the encoder embeds ${encoder.n} nodes but the graph has ${graph.n}`);
  }
  const towers: Towers = { left: encoder, right: two ? options.rightEncoder! : encoder, two };
  const batch = options.batchSize ?? 512;
  if (mode === 'minibatch') {
    if (!options.sampler) throw new TypeError("minibatch mode needs a sampler (a PairSampler over the graph's edges)");
    if (!Number.isInteger(batch) || batch < 2) throw new RangeError(`batchSize must be an integer >= 2, got ${batch}`);
  }
  const comm = options.comm;
  if (comm) {
    if (mode !== 'minibatch') throw new RangeError("comm: data-parallel training runs in minibatch mode (the full-batch gradient is one process's work)");
    if (options.lossProvider) throw new RangeError('comm: data-parallel training uses the CPU losses; lossProvider cannot be given with it');
    if (batch < 2 * comm.size) throw new RangeError(`batchSize must be at least 2 pairs per rank (${2 * comm.size} for ${comm.size} ranks), got ${batch}`);
  }
  const cpu = cpuLossProvider(graph, comm);
  const losses = options.lossProvider ?? cpu;
  // This rank's share of the global batch of `batch` pairs.
  const share = comm ? Math.floor(batch / comm.size) + (comm.rank < batch % comm.size ? 1 : 0) : batch;
  const checksumEvery = options.checksumEvery ?? 100;
  const started = performance.now();
  const optimizer = makeOptimizer(options);
  const evalEvery = options.evalEvery ?? Math.max(1, Math.ceil(steps / 20));
  const logEvery = options.logEvery ?? Math.max(1, Math.ceil(steps / 200));
  const finalFraction = options.finalLrFraction ?? 0.01;
  const gradsLeft = towers.left.zeroGrads();
  const gradsRight = two ? towers.right.zeroGrads() : gradsLeft;
  const params = two ? [...towers.left.params, ...towers.right.params] : towers.left.params;
  const grads = two ? [...gradsLeft, ...gradsRight] : gradsLeft;
  if (comm) agreeAcrossRanks(comm, 'train', () => ({ steps, batch, parameters: params.reduce((a, p) => a + p.length, 0), lr: options.lr }));
  const history: { step: number; loss: number }[] = [];
  const evals: EvalRecord[] = [];
  // The last evaluation is the CPU's float64 one on every provider, so that the reported
  // figures mean the same whatever ran the steps.
  const record = async (step: number, on: LossProvider = losses) => {
    const e = await evaluate(on, graph, towers, step, options.reference);
    evals.push(e.record);
    options.onEval?.(e.record);
    return e;
  };
  await record(0);
  for (let step = 1; step <= steps; step++) {
    const progress = (step - 1) / Math.max(1, steps - 1);
    optimizer.lr = options.lr * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    for (const g of grads) g.fill(0);
    let loss: number;
    if (mode === 'fullbatch') {
      loss = (await population(losses, towers, { left: gradsLeft, right: gradsRight })).loss;
    } else {
      const { anchors, positives } = options.sampler!.pairs(share);
      const a: ForwardPass<FloatArray> = towers.left.forward(anchors);
      const b: ForwardPass<FloatArray> = towers.right.forward(positives);
      const result = await losses.spectralLoss(a.output, b.output);
      towers.left.backward(a, result.gradZ, gradsLeft);
      towers.right.backward(b, result.gradW, gradsRight);
      loss = result.loss;
    }
    if (!Number.isFinite(loss)) {
      throw new RangeError(`the training loss became ${loss} at step ${step}: lower the learning rate (lr = ${options.lr})`);
    }
    if (comm) for (const g of grads) comm.allreduce(g, 'sum');
    optimizer.step(params, grads);
    if (comm && (step % checksumEvery === 0 || step === steps)) checkIdentical(comm, params, step);
    if (step % logEvery === 0 || step === steps) history.push({ step, loss });
    options.onStep?.(step, steps, loss);
    if (step % evalEvery === 0 && step !== steps) await record(step);
  }
  const last = await record(steps, cpu);
  if (steps === 0) evals.pop();
  return {
    history,
    evals,
    embedding: last.left,
    rightEmbedding: last.right,
    finalPopulationLoss: last.record.populationLoss,
    gpuParts: gpuParts(losses, mode),
    steps,
    seconds: (performance.now() - started) / 1000,
  };
}
