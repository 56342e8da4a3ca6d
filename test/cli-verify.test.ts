import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  closedFormOptimum, readMatrixMarket, stochasticBlockModel, verifyEmbedding, writeNpy, type Graph, type Matrix,
} from '../src/index.js';
import { writeMatrixFile } from '../src/matrix-file.js';
import { UsageError } from '../src/cli/args.js';
import { python } from './helpers/python.js';
import { randomMatrix } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';
import { cli } from './helpers/cli.js';

const pyTest = testNeeding('python');

const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-cli-verify-'));


/** A graph as a general Matrix Market coordinate file (both directions of each edge stored). */
function writeGraph(file: string, g: Graph): void {
  const { indptr, indices, values } = g.toCSR();
  const lines = [`%%MatrixMarket matrix coordinate real general`, `${g.n} ${g.n} ${indices.length}`];
  for (let i = 0; i < g.n; i++) for (let e = indptr[i]; e < indptr[i + 1]; e++) lines.push(`${i + 1} ${indices[e] + 1} ${values[e]}`);
  writeFileSync(file, lines.join('\n') + '\n');
}

const FIELDS = ['eigenvalues', 'frobeniusError', 'frobeniusMinimum', 'k', 'loss', 'optimum', 'principalAnglesDeg', 'relativeGap'];

// A stochastic block model of 300 nodes in 6 blocks: λ_6 is well separated from λ_7.
const n = 300;
const k = 6;
const graphFile = path.join(dir, 'sbm.mtx');
const setup = (async () => {
  writeGraph(graphFile, stochasticBlockModel({ n, blocks: 6, averageDegree: 16, inside: 0.85, seed: 4 }));
  // The graph as the CLI reads it, so that the in-process reference sees the same bits.
  const graph = await readMatrixMarket(graphFile);
  const opt = await closedFormOptimum(graph, k);
  // Not the optimum: E* plus noise, so that gap and angles are of a size worth comparing.
  const E = randomMatrix(Float64Array, n, k, 8, 0.05);
  for (let e = 0; e < E.data.length; e++) E.data[e] += opt.embedding.data[e];
  return { graph, E };
})();

function close(t: { true(v: boolean, m?: string): void }, got: Record<string, unknown>, want: Record<string, unknown>, tol: number) {
  for (const key of FIELDS) {
    const [a, b] = [got[key], want[key]];
    const xs = Array.isArray(a) ? (a as number[]) : [a as number];
    const ys = Array.isArray(b) ? (b as number[]) : [b as number];
    t.true(xs.length === ys.length && xs.every((x, i) => Math.abs(x - ys[i]) <= tol * Math.max(1, Math.abs(ys[i]))), `${key}: ${a} vs ${b}`);
  }
}

test('verify --json reads .npy, CSV and Matrix Market array embeddings and prints verifyEmbedding\'s object', async (t) => {
  const { graph, E } = await setup;
  const want = await verifyEmbedding(graph, E);
  const files = [path.join(dir, 'E.npy'), path.join(dir, 'E.csv'), path.join(dir, 'E.mtx'), path.join(dir, 'E32.npy')];
  await writeMatrixFile(files[0], E);
  await writeMatrixFile(files[1], E);
  await writeMatrixFile(files[2], E);
  const E32: Matrix = { data: Float32Array.from(E.data), rows: n, cols: k };
  await writeNpy(files[3], E32);
  const want32 = await verifyEmbedding(graph, E32);
  const runs = await Promise.all(files.map((f) => cli('verify', '--graph', graphFile, '--embedding', f, '--json')));
  runs.forEach((r, i) => {
    t.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.is(lines.length, 1, 'one JSON object on stdout and nothing else');
    const got = JSON.parse(lines[0]);
    t.deepEqual(Object.keys(got).sort(), FIELDS);
    // The files hold E's exact values (float64 as .npy, shortest round-trip decimals as text) and
    // the same deterministic solve runs on the same graph: equal up to the last bits.
    close(t, got, i === 3 ? (want32 as unknown as Record<string, unknown>) : (want as unknown as Record<string, unknown>), 1e-12);
  });
});

pyTest('verify reads an embedding numpy saved in Fortran order, big-endian float32', async (t) => {
  const { graph, E } = await setup;
  const file = path.join(dir, 'E-fortran.npy');
  python(
    `import sys, json, numpy as np
d = json.load(sys.stdin)
a = np.asfortranarray(np.array(d['E'], dtype='>f4').reshape(${n}, ${k}))
assert np.isfortran(a)
np.save(d['file'], a); print('null')`,
    { E: Array.from(E.data), file },
  );
  const r = await cli('verify', '--graph', graphFile, '--embedding', file, '--json');
  t.is(r.status, 0, r.stderr);
  const want = await verifyEmbedding(graph, { data: Float32Array.from(E.data), rows: n, cols: k });
  close(t, JSON.parse(r.stdout), want as unknown as Record<string, unknown>, 1e-12);
});

test('verify without --json prints a table and the principal angles as bars', async (t) => {
  const { E } = await setup;
  const file = path.join(dir, 'E-human.npy');
  await writeNpy(file, E);
  const r = await cli('verify', '--graph', graphFile, '--embedding', file);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /relative gap \(L - L\*\)\/\|L\*\|/);
  t.regex(r.stdout, /\|\|Ā - F Fᵀ\|\|²_F/);
  t.regex(r.stdout, /principal angles to span\(U_k\) \(degrees, largest first/);
  t.is(r.stdout.match(/^ {2}θ\d+ +\d+\.\d{4} {2}\|[# ]{40}\|$/gm)?.length, k);
});

test('train --out E.npy, then verify: the same gap as train reported', async (t) => {
  const out = path.join(dir, 'trained.npy');
  const trained = await cli('train', '--graph', graphFile, '-k', String(k), '--mode', 'fullbatch', '--steps', '300', '--out', out, '--json');
  t.is(trained.status, 0, trained.stderr);
  const summary = JSON.parse(trained.stdout);
  const r = await cli('verify', '--graph', graphFile, '--embedding', out, '--json');
  t.is(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  // Both are the CPU float64 population loss of the same float32 embedding against the optimum
  // from eigsh at tol 1e-10: the same up to the eigenvalues' last digits.
  t.true(Math.abs(v.loss - summary.finalPopulationLoss) <= 1e-12 * Math.abs(summary.finalPopulationLoss), `${v.loss} vs ${summary.finalPopulationLoss}`);
  t.true(Math.abs(v.optimum - summary.optimum) <= 1e-9 * Math.abs(summary.optimum), `${v.optimum} vs ${summary.optimum}`);
  t.true(Math.abs(v.relativeGap - summary.relativeGap) <= 1e-8, `${v.relativeGap} vs ${summary.relativeGap}`);
  t.true(Math.abs(v.principalAnglesDeg[0] - summary.maxPrincipalAngleDeg) <= 1e-4, `${v.principalAnglesDeg[0]} vs ${summary.maxPrincipalAngleDeg}`);
});

test('clip --save-left/--save-right, then verify --bipartite: the same gap as clip reported', async (t) => {
  // A 60 x 40 joint with random weights; every node has at least one pair.
  const lines: string[] = [];
  const g = randomMatrix(Float64Array, 60, 40, 9);
  for (let i = 0; i < 60; i++) for (let j = 0; j < 40; j++) if (g.data[i * 40 + j] > 1 || j === i % 40) lines.push(`${i + 1} ${j + 1} ${(1 + Math.abs(g.data[i * 40 + j])).toFixed(4)}`);
  const pairs = path.join(dir, 'pairs.mtx');
  writeFileSync(pairs, `%%MatrixMarket matrix coordinate real general\n60 40 ${lines.length}\n${lines.join('\n')}\n`);
  const [left, right] = [path.join(dir, 'Ex.npy'), path.join(dir, 'Et.npy')];
  const trained = await cli('clip', '--graph', pairs, '-k', '3', '--mode', 'fullbatch', '--steps', '300', '--save-left', left, '--save-right', right, '--out', path.join(dir, 'clip.html'), '--json');
  t.is(trained.status, 0, trained.stderr);
  const summary = JSON.parse(trained.stdout);
  t.is(summary.leftEmbedding, left);
  const r = await cli('verify', '--bipartite', '--graph', pairs, '--left', left, '--right', right, '--json');
  t.is(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(v).sort(), ['frobeniusError', 'frobeniusMinimum', 'k', 'loss', 'optimum', 'principalAnglesDegLeft', 'principalAnglesDegRight', 'relativeGap', 'singularValues']);
  t.true(Math.abs(v.loss - summary.finalPopulationLoss) <= 1e-12 * Math.abs(summary.finalPopulationLoss), `${v.loss} vs ${summary.finalPopulationLoss}`);
  t.true(Math.abs(v.relativeGap - summary.relativeGap) <= 1e-8, `${v.relativeGap} vs ${summary.relativeGap}`);
  t.true(Math.abs(Math.max(v.principalAnglesDegLeft[0], v.principalAnglesDegRight[0]) - summary.maxPrincipalAngleDeg) <= 1e-4);
});

test('unreadable files, wrong row counts and NaN rows: exit 1 with a message naming the file and what was expected', async (t) => {
  const { E } = await setup;
  const short = path.join(dir, 'short.csv');
  await writeMatrixFile(short, { data: E.data.subarray(0, (n - 1) * k), rows: n - 1, cols: k });
  const withNaN = path.join(dir, 'nan.csv');
  const text = Array.from({ length: n }, (_, i) => Array.from(E.data.subarray(i * k, (i + 1) * k), (v) => (i === 41 ? 'nan' : String(v))).join(' '));
  writeFileSync(withNaN, text.join('\n') + '\n');
  const ints = path.join(dir, 'ints.npy');
  const bytes = Buffer.alloc(128 + n * 8);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(bytes);
  const header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${n},), }`.padEnd(117) + '\n';
  bytes.writeUInt16LE(118, 8);
  bytes.write(header, 10, 'latin1');
  writeFileSync(ints, bytes);
  const missing = path.join(dir, 'missing.npy');
  const cases: [string, RegExp][] = [
    [short, new RegExp(`${short.replace(/[.]/g, '\\.')} has ${n - 1} rows; expected ${n} \\(one per node of sbm\\.mtx\\)`)],
    [withNaN, /nan\.csv: row 41 \(0-based\) holds NaN at column 0; expected finite values in every row/],
    [ints, /ints\.npy: the array's dtype is '<i8'; expected float32 or float64/],
    [missing, /missing\.npy: cannot read the file/],
  ];
  const runs = await Promise.all(cases.map(([file]) => cli('verify', '--graph', graphFile, '--embedding', file, '--json')));
  runs.forEach((r, i) => {
    t.is(r.status, 1, `${cases[i][0]}: ${r.stderr}`);
    t.is(r.stdout, '');
    t.regex(r.stderr, cases[i][1]);
  });
});

const usageCases: [string, string[], RegExp][] = [
  ['no graph', ['--embedding', 'E.npy'], /--graph FILE is required/],
  ['no embedding', ['--graph', 'g.mtx'], /--embedding E is required/],
  ['k not an integer', ['--graph', 'g.mtx', '--embedding', 'E.npy', '-k', '1.5'], /-k must be an integer >= 1/],
  ['bipartite without towers', ['--bipartite', '--graph', 'p.mtx', '--left', 'Ex.npy'], /--bipartite needs --left EX and --right ET/],
  ['towers without bipartite', ['--graph', 'g.mtx', '--left', 'Ex.npy', '--right', 'Et.npy'], /--left and --right go with --bipartite/],
  ['unknown flag', ['--graph', 'g.mtx', '--embedding', 'E.npy', '--ord', 'F'], /Unknown option '--ord'/],
];

for (const [name, args, message] of usageCases) {
  test(`verify usage errors are a UsageError: ${name}`, async (t) => {
    const mod = await import('../src/commands/verify.js');
    const err = await t.throwsAsync(mod.run(args), { instanceOf: UsageError, message });
    t.regex(err!.usage, /^usage: speclin verify/);
  });
}

test('verify: a usage error exits with 2 and the usage on stderr; -k above n too', async (t) => {
  const { E } = await setup;
  const file = path.join(dir, 'E-k.npy');
  await writeNpy(file, E);
  const [noGraph, bigK] = await Promise.all([cli('verify', '--embedding', file), cli('verify', '--graph', graphFile, '--embedding', file, '-k', String(n + 1))]);
  for (const r of [noGraph, bigK]) {
    t.is(r.status, 2, r.stderr);
    t.regex(r.stderr, /usage: speclin verify/);
    t.is(r.stdout, '');
  }
  t.regex(bigK.stderr, new RegExp(`-k .* must be at most the number of nodes, ${n}; got ${n + 1}`));
});
