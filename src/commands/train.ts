// `speclin train --graph FILE -k K`: trains an embedding of any graph (a Matrix Market file or an
// edge list) against its closed-form optimum; a free table by default, or a linear map / MLP of
// node features read from a file.
import path from 'node:path';
import { Graph, readEdgeList, readMatrixMarket } from '../index.js';
import type { Matrix } from '../types.js';
import type { EncoderKind } from '../train/encoders.js';
import { defaultHyperParameters, runExperiment, type ExperimentResult, type HyperParameters } from '../train/experiment.js';
import type { TrainMode } from '../train/loop.js';
import { edgesOfCSR } from '../train/sampler.js';
import { readMatrixFile, writeMatrixFile } from '../matrix-file.js';
import { checkEmbedding } from '../verify.js';
import { ProgressBar } from '../report/progress.js';
import { formatTable } from '../report/table.js';
import { numberOption, parse } from './args.js';
import { UsageError } from './registry.js';

export const usage = `usage: speclin train --graph FILE -k K [options]
  --graph FILE        the graph: Matrix Market (.mtx) or an edge list (src dst [weight] per line)
  -k, --k K           embedding dimension (integer >= 1)
  --features FILE     node features for --encoder linear|mlp, one row per node in node order:
                      .npy, a Matrix Market array (.mtx), or text (comma or whitespace separated)
  --encoder NAME      table (default), linear or mlp
  --mode MODE         minibatch (default) or fullbatch
  --steps N  --batch-size B  --lr LR  --optimizer adam|sgd  --hidden H  --seed S
  --json              print the summary as one JSON object on stdout
  --out FILE          write the learned embedding (n x k, float32): FILE.npy as .npy (for
                      numpy.load and speclin verify), FILE.mtx as a Matrix Market array, else CSV`;

export const trainingOptions = {
  k: { type: 'string', short: 'k' },
  encoder: { type: 'string' },
  mode: { type: 'string' },
  steps: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  hidden: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface TrainingFlags {
  k: number;
  encoder: EncoderKind;
  mode: TrainMode;
  hyper: HyperParameters;
  hidden: number;
  seed: number;
  json: boolean;
  out?: string;
}

function choice<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T, usageText: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got '${String(value)}'`, usageText);
  return value as T;
}

/** The flags demo and train share, checked. */
export function trainingFlags(values: Record<string, unknown>, usageText: string, defaultK?: number): TrainingFlags {
  const str = (name: string) => values[name] as string | undefined;
  const k = numberOption(str('k'), '-k', usageText, { integer: true, min: 1, max: 1024 }) ?? defaultK;
  if (k === undefined) throw new UsageError('-k K is required', usageText);
  const encoder = choice(values.encoder, '--encoder', ['table', 'linear', 'mlp'] as const, 'table', usageText);
  const mode = choice(values.mode, '--mode', ['minibatch', 'fullbatch'] as const, 'minibatch', usageText);
  const defaults = defaultHyperParameters(encoder, mode);
  const hyper: HyperParameters = {
    steps: numberOption(str('steps'), '--steps', usageText, { integer: true, min: 1, max: 1e7 }) ?? defaults.steps,
    batchSize: numberOption(str('batch-size'), '--batch-size', usageText, { integer: true, min: 2, max: 1 << 20 }) ?? (defaults.batchSize || 512),
    lr: numberOption(str('lr'), '--lr', usageText, { min: 0, exclusiveMin: true, max: 1e3 }) ?? defaults.lr,
    optimizer: choice(values.optimizer, '--optimizer', ['adam', 'sgd'] as const, defaults.optimizer, usageText),
  };
  return {
    k,
    encoder,
    mode,
    hyper,
    hidden: numberOption(str('hidden'), '--hidden', usageText, { integer: true, min: 1, max: 65536 }) ?? 256,
    seed: numberOption(str('seed'), '--seed', usageText, { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 1,
    json: Boolean(values.json),
    out: str('out'),
  };
}

/** Progress bars for the eigensolve and the training loop, wired to an experiment's hooks. */
export function progressHooks(steps: number, solver = 'eigsh') {
  let eigs: ProgressBar | undefined;
  let training: ProgressBar | undefined;
  let lastGap = '';
  return {
    eigsProgress(converged: number, wanted: number) {
      eigs ??= new ProgressBar(solver, wanted);
      eigs.update(converged, `${converged}/${wanted} converged`);
    },
    eigsDone(seconds: number, matvecs: number) {
      (eigs ?? new ProgressBar(solver, 1)).finish(matvecs > 0 ? `${matvecs} matvecs` : '');
    },
    trainStep(step: number, total: number, loss: number) {
      training ??= new ProgressBar('training', steps);
      training.update(step, `loss ${loss.toFixed(4)}${lastGap}`);
    },
    // The last evaluation comes after the last step: it closes the bar with the final gap.
    trainEval(record: { step: number; relativeGap?: number }) {
      if (record.relativeGap !== undefined) lastGap = `  gap ${(record.relativeGap * 100).toFixed(3)}%`;
      if (record.step === steps) (training ?? new ProgressBar('training', steps)).finish(lastGap.trim());
    },
  };
}

/** The summary rows every training command prints: the setup and the loss against the optimum. */
export function trainingRows(
  flags: TrainingFlags,
  r: { optimum: number; finalPopulationLoss: number; relativeGap: number },
): [string, string][] {
  return [
    ['dimension k', String(flags.k)],
    ['encoder / mode', `${flags.encoder} / ${flags.mode}`],
    ['steps (batch, lr, optimizer)', `${flags.hyper.steps} (${flags.mode === 'minibatch' ? flags.hyper.batchSize : 'all'}, ${flags.hyper.lr}, ${flags.hyper.optimizer})`],
    ['closed-form optimum L*', r.optimum.toFixed(6)],
    ['final population loss', r.finalPopulationLoss.toFixed(6)],
    ['relative gap (L - L*)/|L*|', `${(r.relativeGap * 100).toFixed(3)} %`],
  ];
}

export function summaryRows(flags: TrainingFlags, r: ExperimentResult, n: number): [string, string][] {
  const rows: [string, string][] = [
    ['nodes n', String(n)],
    ...trainingRows(flags, r),
    ['largest principal angle', `${r.maxPrincipalAngleDeg.toFixed(2)} deg`],
    ['λ_k, λ_k+1', `${r.eigenvalues[flags.k - 1]?.toFixed(5)}, ${r.eigenvalues[flags.k]?.toFixed(5) ?? '-'}`],
  ];
  if (r.probe) {
    rows.push(['probe accuracy: embedding', `${(r.probe.embedding * 100).toFixed(2)} %`]);
    rows.push(['probe accuracy: eigenvectors', `${(r.probe.eigenvectors * 100).toFixed(2)} %`]);
    if (r.probe.pixels !== undefined) rows.push(['probe accuracy: pixels', `${(r.probe.pixels * 100).toFixed(2)} %`]);
  }
  rows.push(['eigensolve', `${r.eigsSeconds.toFixed(1)} s (${r.eigsMatvecs} matvecs)`]);
  rows.push(['training', `${r.training.seconds.toFixed(1)} s`]);
  return rows;
}

/** Node features as float32, one row per node (a text, .npy or Matrix Market array file). */
async function readFeatures(file: string, n: number): Promise<Matrix<Float32Array>> {
  const M = await readMatrixFile(file);
  checkEmbedding(M, file, n);
  return M.data instanceof Float32Array ? (M as Matrix<Float32Array>) : { data: Float32Array.from(M.data), rows: M.rows, cols: M.cols };
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, { ...trainingOptions, graph: { type: 'string' }, features: { type: 'string' } }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags = trainingFlags(values, usage);
  const file = values.graph as string | undefined;
  if (!file) throw new UsageError('--graph FILE is required', usage);
  if (flags.encoder !== 'table' && !values.features) throw new UsageError(`--encoder ${flags.encoder} needs --features FILE`, usage);
  const started = performance.now();
  const graph: Graph = /\.mtx$/i.test(file) ? await readMatrixMarket(file) : await readEdgeList(file, { symmetrize: 'max' });
  const features = values.features ? await readFeatures(values.features as string, graph.n) : undefined;
  const result = await runExperiment({
    graph,
    edges: edgesOfCSR(graph.n, graph.toCSR()),
    k: flags.k,
    encoder: flags.encoder,
    features,
    hidden: flags.hidden,
    mode: flags.mode,
    hyper: flags.hyper,
    seed: flags.seed,
    hooks: progressHooks(flags.hyper.steps),
  });
  if (flags.out) await writeMatrixFile(flags.out, result.training.embedding);
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({
        n: graph.n,
        k: flags.k,
        optimum: result.optimum,
        finalPopulationLoss: result.finalPopulationLoss,
        relativeGap: result.relativeGap,
        maxPrincipalAngleDeg: result.maxPrincipalAngleDeg,
        seconds,
        encoder: flags.encoder,
        mode: flags.mode,
        steps: flags.hyper.steps,
        ...(flags.out ? { embedding: path.resolve(flags.out) } : {}),
      }) + '\n',
    );
  } else {
    process.stdout.write(formatTable(`speclin train: ${path.basename(file)}`, [...summaryRows(flags, result, graph.n), ['total', `${seconds.toFixed(1)} s`]]));
    if (flags.out) process.stdout.write(`embedding written to ${path.resolve(flags.out)}\n`);
  }
  return 0;
}
