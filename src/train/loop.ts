// The thin training loop: minibatches of positive pairs through spectralLoss, or the exact
// population gradient through populationLoss, with the population loss measured on a schedule
// next to the closed-form optimum and the alignment with Ā's top eigenvectors.
import { populationLossSync, spectralLossSync } from '../index.js';
import type { FloatArray, Matrix } from '../types.js';
import type { Encoder } from './encoders.js';
import { maxPrincipalAngleDeg, relativeGap } from './metrics.js';
import { adam, sgd, type Optimizer } from './optimizers.js';
import type { PairSampler } from './sampler.js';

export type TrainMode = 'minibatch' | 'fullbatch';

/** What populationLoss needs of a graph, and the marginals for the principal angle. */
export interface TrainGraph {
  n: number;
  marginals: Float64Array | Float32Array;
}

export interface Reference {
  /** min L = -sum_{i<=k} max(λ_i, 0)^2. */
  optimum: number;
  /** Ā's top-k eigenvectors, n x k with orthonormal columns. */
  vectors: Matrix;
}

export interface TrainOptions {
  graph: TrainGraph;
  encoder: Encoder;
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
}

export interface EvalRecord {
  step: number;
  populationLoss: number;
  relativeGap?: number;
  maxPrincipalAngleDeg?: number;
}

export interface TrainResult {
  /** The training loss as it went: the minibatch estimate, or the exact loss in full-batch mode. */
  history: { step: number; loss: number }[];
  evals: EvalRecord[];
  /** f of every node after the last step, n x k. */
  embedding: Matrix;
  finalPopulationLoss: number;
  steps: number;
  seconds: number;
}

function makeOptimizer(o: TrainOptions): Optimizer {
  return o.optimizer === 'sgd' ? sgd({ lr: o.lr, momentum: o.momentum ?? 0.9 }) : adam({ lr: o.lr });
}

function zero(arrays: FloatArray[]): void {
  for (const a of arrays) a.fill(0);
}

export function evaluate(graph: TrainGraph, encoder: Encoder, step: number, reference?: Reference): { record: EvalRecord; embedding: Matrix } {
  const embedding = encoder.forward().output;
  const { loss } = populationLossSync(graph as never, embedding);
  const record: EvalRecord = { step, populationLoss: loss };
  if (reference) {
    record.relativeGap = relativeGap(loss, reference.optimum);
    record.maxPrincipalAngleDeg = maxPrincipalAngleDeg(embedding, graph.marginals, reference.vectors);
  }
  return { record, embedding };
}

export function train(options: TrainOptions): TrainResult {
  const { graph, encoder, mode, steps } = options;
  if (mode !== 'minibatch' && mode !== 'fullbatch') throw new RangeError(`mode must be 'minibatch' or 'fullbatch', got '${mode}'`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a nonnegative integer, got ${steps}`);
  if (encoder.n !== graph.n) throw new RangeError(`the encoder embeds ${encoder.n} nodes but the graph has ${graph.n}`);
  const batch = options.batchSize ?? 512;
  if (mode === 'minibatch') {
    if (!options.sampler) throw new TypeError("minibatch mode needs a sampler (a PairSampler over the graph's edges)");
    if (!Number.isInteger(batch) || batch < 2) throw new RangeError(`batchSize must be an integer >= 2, got ${batch}`);
  }
  const started = performance.now();
  const optimizer = makeOptimizer(options);
  const evalEvery = options.evalEvery ?? Math.max(1, Math.ceil(steps / 20));
  const logEvery = options.logEvery ?? Math.max(1, Math.ceil(steps / 200));
  const finalFraction = options.finalLrFraction ?? 0.01;
  const grads = encoder.zeroGrads();
  const history: { step: number; loss: number }[] = [];
  const evals: EvalRecord[] = [];
  const record = (step: number) => {
    const { record } = evaluate(graph, encoder, step, options.reference);
    evals.push(record);
    options.onEval?.(record);
  };
  record(0);
  for (let step = 1; step <= steps; step++) {
    const progress = (step - 1) / Math.max(1, steps - 1);
    optimizer.lr = options.lr * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    zero(grads);
    let loss: number;
    if (mode === 'fullbatch') {
      const pass = encoder.forward();
      const result = populationLossSync(graph as never, pass.output);
      encoder.backward(pass, result.grad as Matrix, grads);
      loss = result.loss;
    } else {
      const { anchors, positives } = options.sampler!.pairs(batch);
      const left = encoder.forward(anchors);
      const right = encoder.forward(positives);
      const result = spectralLossSync(left.output, right.output);
      encoder.backward(left, result.gradZ as Matrix, grads);
      encoder.backward(right, result.gradW as Matrix, grads);
      loss = result.loss;
    }
    if (!Number.isFinite(loss)) {
      throw new RangeError(`the training loss became ${loss} at step ${step}: lower the learning rate (lr = ${options.lr})`);
    }
    optimizer.step(encoder.params, grads);
    if (step % logEvery === 0 || step === steps) history.push({ step, loss });
    options.onStep?.(step, steps, loss);
    if (step % evalEvery === 0 && step !== steps) record(step);
  }
  const last = evaluate(graph, encoder, steps, options.reference);
  if (evals[evals.length - 1].step !== steps) {
    evals.push(last.record);
    options.onEval?.(last.record);
  }
  return {
    history,
    evals,
    embedding: last.embedding,
    finalPopulationLoss: last.record.populationLoss,
    steps,
    seconds: (performance.now() - started) / 1000,
  };
}
