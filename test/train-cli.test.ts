import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../src/cli/args.js';
import { testNeeding } from './helpers/requirements.js';
import { cli } from './helpers/cli.js';

const gpuTest = testNeeding('webgpu');


const bad: [string, string[], RegExp][] = [
  ['negative k', ['demo', '--k', '-3'], /k/],
  ['k zero', ['demo', '-k', '0'], /-k must be an integer >= 1/],
  ['unknown encoder', ['demo', '--encoder', 'cnn'], /--encoder must be one of table, linear, mlp/],
  ['unknown mode', ['demo', '--mode', 'online'], /--mode must be one of minibatch, fullbatch/],
  ['too many digits', ['demo', '--n', '20000'], /--n must be an integer >= 200 <= 10000/],
  ['learning rate not a number', ['demo', '--lr', 'fast'], /--lr must be a number/],
  ['unknown flag', ['demo', '--epochs', '3'], /Unknown option '--epochs'/],
  ['unknown backend', ['demo', '--backend', 'tpu'], /--backend must be cpu or webgpu/],
  ['m not below n', ['demo', '--n', '300', '--m', '300'], /--m must be below --n/],
  ['train without a graph', ['train', '-k', '4'], /--graph FILE is required/],
  ['train without k', ['train', '--graph', 'g.txt'], /-k K is required/],
  ['train mlp without features', ['train', '--graph', 'g.txt', '-k', '2', '--encoder', 'mlp'], /needs --features FILE/],
  ['clip with too many neighbours', ['clip', '--pairs', 'knn', '--n', '100', '--m', '60'], /--m must be below half of --n/],
  ['clip mlp on a file', ['clip', '--graph', 'p.mtx', '--encoder', 'mlp'], /needs pixels/],
  ['clip with an unknown backend', ['clip', '--graph', 'p.mtx', '--backend', 'cuda'], /--backend must be cpu or webgpu, got 'cuda'/],
];

// Each case in-process (the command's run() must reject with a UsageError before doing any work),
// and two through the real CLI for the exit code and the usage text on stderr: spawning costs
// ~1 s of TypeScript start-up per process, too much for every case.
for (const [name, args, message] of bad) {
  test(`bad arguments are a UsageError: ${name}`, async (t) => {
    const [command, ...rest] = args;
    const mod = command === 'demo' ? await import('../src/commands/demo.js') : command === 'clip' ? await import('../src/commands/clip.js') : await import('../src/commands/train.js');
    const err = await t.throwsAsync(mod.run(rest), { instanceOf: UsageError, message });
    t.regex(err!.usage, new RegExp(`^usage: speclin ${command}`));
  });
}

for (const args of [['demo', '--k', '-3'], ['train', '--graph', 'g.txt', '-k', '2.5']]) {
  test(`the CLI prints usage on stderr and exits with 2: ${args.join(' ')}`, async (t) => {
    const r = await cli(...args);
    t.is(r.status, 2, r.stderr);
    t.regex(r.stderr, new RegExp(`usage: speclin ${args[0]}`));
    t.is(r.stdout, '');
  });
}

test('demo --json prints one JSON object on stdout and writes the report', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-demo-'));
  const out = path.join(dir, 'report.html');
  const r = await cli('demo', '--json', '--n', '300', '-k', '4', '--m', '8', '--steps', '200', '--out', out);
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 1);
  const summary = JSON.parse(lines[0]);
  for (const key of ['n', 'k', 'optimum', 'finalPopulationLoss', 'relativeGap', 'maxPrincipalAngleDeg', 'seconds', 'steps']) {
    t.is(typeof summary[key], 'number', key);
  }
  t.is(summary.n, 300);
  t.is(summary.k, 4);
  t.is(summary.encoder, 'table');
  t.is(summary.mode, 'minibatch');
  t.is(summary.steps, 200);
  t.true(Math.abs(summary.relativeGap - (summary.finalPopulationLoss - summary.optimum) / Math.abs(summary.optimum)) < 1e-12);
  for (const key of ['embedding', 'eigenvectors', 'pixels']) t.true(summary.probeAccuracy[key] > 0.1 && summary.probeAccuracy[key] <= 1, key);
  const html = readFileSync(out, 'utf8');
  t.regex(html, /<svg/);
  t.regex(html, /closed-form optimum/);
  t.regex(r.stderr, /training/);
  t.is(summary.backend, 'cpu');
  t.deepEqual(summary.gpuParts, []);
  t.is(summary.finalEvaluation, 'cpu-float64');
});

// The WebGPU backend in a child process (its own device; on CI: lavapipe, and no adapter fails
// with exit 1 rather than being skipped). Lavapipe is slow, so the run is small.
gpuTest('demo --backend webgpu --json trains on the GPU and says which parts ran there', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-demo-gpu-'));
  const r = await cli('demo', '--backend', 'webgpu', '--json', '--n', '300', '-k', '4', '--m', '8', '--steps', '200', '--out', path.join(dir, 'report.html'));
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim());
  t.is(summary.backend, 'webgpu');
  t.deepEqual(summary.gpuParts, [
    "kNN graph's Gram blocks",
    'minibatch spectralLoss and its gradients',
    'scheduled population-loss evaluations (all but the final one)',
  ]);
  t.is(summary.finalEvaluation, 'cpu-float64');
  t.true(Math.abs(summary.relativeGap - (summary.finalPopulationLoss - summary.optimum) / Math.abs(summary.optimum)) < 1e-12);
});

test('train runs on an edge-list file and writes the embedding', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-train-'));
  const file = path.join(dir, 'two-cliques.txt');
  // Two 6-cliques joined by one edge: Ā's top two eigenvalues are 1 and just below it.
  const lines: string[] = ['# two cliques'];
  for (const base of [0, 6]) for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) lines.push(`${base + i} ${base + j}`);
  lines.push('5 6');
  writeFileSync(file, lines.join('\n') + '\n');
  const csv = path.join(dir, 'E.csv');
  const r = await cli('train', '--graph', file, '-k', '2', '--mode', 'fullbatch', '--steps', '400', '--json', '--out', csv);
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.is(summary.n, 12);
  t.true(summary.relativeGap < 1e-3, `gap ${summary.relativeGap}`);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  t.is(rows.length, 12);
  t.is(rows[0].split(',').length, 2);
});

test('train --encoder linear reads node features from a file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-features-'));
  const file = path.join(dir, 'cliques.txt');
  const lines: string[] = [];
  for (const base of [0, 5]) for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) lines.push(`${base + i} ${base + j} 1`);
  lines.push('4 5 1');
  writeFileSync(file, lines.join('\n') + '\n');
  // One-hot node features: a linear map of them is as expressive as a free table, so the linear
  // encoder can reach the optimum too.
  const features = path.join(dir, 'features.csv');
  writeFileSync(features, Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 1 : 0)).join(',')).join('\n'));
  const r = await cli('train', '--graph', file, '-k', '2', '--encoder', 'linear', '--features', features, '--mode', 'fullbatch', '--steps', '600', '--lr', '0.05', '--json');
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.is(summary.encoder, 'linear');
  t.true(summary.relativeGap < 1e-3, `gap ${summary.relativeGap}`);
  const bad = path.join(dir, 'bad.csv');
  writeFileSync(bad, '1,2\n3\n');
  const r2 = await cli('train', '--graph', file, '-k', '2', '--encoder', 'linear', '--features', bad);
  t.is(r2.status, 1);
  t.regex(r2.stderr, /bad\.csv, line 2: 1 values, expected 2/);
});

// 8 images x 6 texts in two groups (images 0-3 with texts 0-2, images 4-7 with texts 3-5) and one
// weak cross pair: σ_1 = 1 and σ_2 just below it.
function twoGroupPairs(dir: string): string {
  const file = path.join(dir, 'pairs.mtx');
  const entries: string[] = [];
  for (let i = 0; i < 8; i++) for (let j = 0; j < 6; j++) if ((i < 4) === (j < 3)) entries.push(`${i + 1} ${j + 1} ${1 + ((i + j) % 3)}`);
  entries.push('4 4 0.1');
  writeFileSync(file, `%%MatrixMarket matrix coordinate real general\n8 6 ${entries.length}\n${entries.join('\n')}\n`);
  return file;
}

test('clip trains two towers on a bipartite Matrix Market file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-clip-'));
  const file = twoGroupPairs(dir);
  const r = await cli('clip', '--graph', file, '-k', '2', '--mode', 'fullbatch', '--steps', '500', '--json', '--out', path.join(dir, 'r.html'));
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.is(summary.nLeft, 8);
  t.is(summary.nRight, 6);
  t.true(summary.relativeGap < 1e-3, `gap ${summary.relativeGap}`);
  t.is(summary.backend, 'cpu');
  t.deepEqual(summary.gpuParts, []);
  t.is(summary.finalEvaluation, 'cpu-float64');
});

// As demo's: a child process with its own device (lavapipe on CI, where no adapter fails with exit 1).
gpuTest('clip --backend webgpu --json trains both towers on the GPU and says which parts ran there', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-clip-gpu-'));
  const file = twoGroupPairs(dir);
  const r = await cli('clip', '--backend', 'webgpu', '--graph', file, '-k', '2', '--mode', 'fullbatch', '--steps', '500', '--json', '--out', path.join(dir, 'r.html'));
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim());
  t.is(summary.backend, 'webgpu');
  t.deepEqual(summary.gpuParts, ['full-batch populationLoss and its gradient', 'scheduled population-loss evaluations (all but the final one)']);
  t.is(summary.finalEvaluation, 'cpu-float64');
  t.is(summary.nLeft, 8);
  t.is(summary.nRight, 6);
  // The CPU test's tolerance: the steps ran on float32 losses and gradients, but the gap is the
  // CPU's float64 population loss of the final towers, and float32 rounding (~1e-7 relative) is
  // far below 1e-3.
  t.true(summary.relativeGap < 1e-3, `gap ${summary.relativeGap}`);
  t.true(Math.abs(summary.relativeGap - (summary.finalPopulationLoss - summary.optimum) / Math.abs(summary.optimum)) < 1e-12);
  t.regex(r.stderr, /^webgpu /m);
});
