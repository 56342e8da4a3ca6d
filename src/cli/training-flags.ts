// The flags every training command (demo, train, clip) shares, checked; the progress bars wired
// to an experiment's hooks; and the summary rows those commands print.
import { defaultHyperParameters, type ExperimentResult, type HyperParameters } from '../train/experiment.js';
import type { EncoderKind } from '../train/encoders.js';
import type { TrainMode } from '../train/loop.js';
import { UsageError, choice, numberOption } from './args.js';
import { ProgressBar } from './progress-bar.js';

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

/** The flags demo and train share, checked. `defaults` replaces defaultHyperParameters where a
 * command's data wants others (clip's captions). */
export function trainingFlags(
  values: Record<string, unknown>, usageText: string, defaultK?: number,
  defaults: (encoder: EncoderKind, mode: TrainMode) => HyperParameters = defaultHyperParameters,
): TrainingFlags {
  const str = (name: string) => values[name] as string | undefined;
  const k = numberOption(str('k'), '-k', usageText, { integer: true, min: 1, max: 1024 }) ?? defaultK;
  if (k === undefined) throw new UsageError('-k K is required', usageText);
  const encoder = choice(values.encoder, '--encoder', ['table', 'linear', 'mlp'] as const, 'table', usageText);
  const mode = choice(values.mode, '--mode', ['minibatch', 'fullbatch'] as const, 'minibatch', usageText);
  const chosen = defaults(encoder, mode);
  const hyper: HyperParameters = {
    steps: numberOption(str('steps'), '--steps', usageText, { integer: true, min: 1, max: 1e7 }) ?? chosen.steps,
    batchSize: numberOption(str('batch-size'), '--batch-size', usageText, { integer: true, min: 2, max: 1 << 20 }) ?? (chosen.batchSize || 512),
    lr: numberOption(str('lr'), '--lr', usageText, { min: 0, exclusiveMin: true, max: 1e3 }) ?? chosen.lr,
    optimizer: choice(values.optimizer, '--optimizer', ['adam', 'sgd'] as const, chosen.optimizer, usageText),
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
