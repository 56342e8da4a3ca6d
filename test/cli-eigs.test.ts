import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from './helpers/python.js';
import { numpyNormalizedSingularValues } from './helpers/numpy.js';
import { rng } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-cli-eigs-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A 400-node ring with random chords, each undirected edge listed once (needs --symmetrize max).
const n = 400;
const u = rng(12);
const edges: [number, number, number][] = [];
for (let i = 0; i < n; i++) edges.push([i, (i + 1) % n, 1]);
for (let e = 0; e < 1200; e++) {
  const a = Math.floor(u() * n), b = Math.floor(u() * n);
  if (a !== b) edges.push([Math.min(a, b), Math.max(a, b), 1 + Math.floor(u() * 3)]);
}
const edgeFile = path.join(dir, 'graph.txt');
writeFileSync(edgeFile, `# ring with chords\n${edges.map(([a, b, w]) => `${a} ${b} ${w}`).join('\n')}\n`);
const mtxFile = path.join(dir, 'graph.mtx');
writeFileSync(mtxFile, `%%MatrixMarket matrix coordinate real symmetric\n% test graph\n${n} ${n} ${edges.length}\n${edges.map(([a, b, w]) => `${b + 1} ${a + 1} ${w}`).join('\n')}\n`);

// numpy: Ā as the readers build it. Duplicate entries are summed; then a symmetric Matrix
// Market file mirrors each entry (sum), while an edge list with --symmetrize max takes the larger
// of the two directions (they differ where a pair is listed both ways, as 399-0 and 0-399).
function reference(mode: 'max' | 'sum'): number[] {
  return python<number[]>(
    'import sys, json, numpy as np\n' +
      'd = json.load(sys.stdin); n = d["n"]; D = np.zeros((n, n))\n' +
      'for a, b, w in d["e"]: D[a, b] += w\n' +
      'A = np.maximum(D, D.T) if d["mode"] == "max" else D + D.T - np.diag(np.diag(D))\n' +
      'deg = A.sum(1); M = A / np.sqrt(np.outer(deg, deg))\n' +
      'print(json.dumps(sorted(np.linalg.eigvalsh(M).tolist(), reverse=True)))',
    { n, e: edges, mode },
  );
}

pyTest('eigs --json: one JSON object on stdout, values match numpy, residuals below tol', (t) => {
  const r = cli('eigs', edgeFile, '-k', '5', '--tol', '1e-10', '--symmetrize', 'max', '--json');
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(out).sort(), ['matvecs', 'residuals', 'seconds', 'values']);
  t.is(r.stdout.trim().split('\n').length, 1);
  const want = reference('max');
  for (let i = 0; i < 5; i++) t.true(Math.abs(out.values[i] - want[i]) < 1e-9, `${out.values[i]} vs ${want[i]}`);
  for (const x of out.residuals) t.true(x <= 1e-10);
  t.true(out.matvecs > 0 && out.seconds > 0);
});

pyTest('eigs reads Matrix Market by extension; human-readable output without --json', (t) => {
  const r = cli('eigs', mtxFile, '-k', '3');
  t.is(r.code, 0, r.stderr);
  const want = reference('sum');
  t.regex(r.stdout, /top 3 eigenvalues/);
  const lines = r.stdout.trim().split('\n').slice(2);
  t.is(lines.length, 3);
  lines.forEach((line, i) => t.true(Math.abs(Number(line.trim().split(/\s+/)[1]) - want[i]) < 1e-7));
});

pyTest('optimum --json: { loss, eigenvalues } with loss = -sum max(λ, 0)^2', (t) => {
  const r = cli('optimum', mtxFile, '-k', '6', '--json');
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(out).sort(), ['eigenvalues', 'loss']);
  const want = reference('sum').slice(0, 6);
  const loss = -want.reduce((s, l) => s + Math.max(l, 0) ** 2, 0);
  // Default tol 1e-10: eigenvalues to ~1e-10, the loss (a sum of 6 squares) to ~1e-9.
  t.true(Math.abs(out.loss - loss) < 1e-8, `${out.loss} vs ${loss}`);
  const human = cli('optimum', edgeFile, '-k', '6', '--symmetrize', 'max');
  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /optimum of the spectral contrastive loss with k = 6: -/);
});

pyTest('optimum --bipartite on a rectangular Matrix Market file: -sum σ^2', (t) => {
  const rows = 30, cols = 45;
  const entries: [number, number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (u() < 0.15 || j % rows === i) entries.push([i, j, 0.5 + u()]);
  const file = path.join(dir, 'pairs.mtx');
  writeFileSync(file, `%%MatrixMarket matrix coordinate real general\n${rows} ${cols} ${entries.length}\n${entries.map(([a, b, w]) => `${a + 1} ${b + 1} ${w}`).join('\n')}\n`);
  const r = cli('optimum', file, '-k', '4', '--bipartite', '--json');
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const sv = numpyNormalizedSingularValues(rows, cols, { left: entries.map((e) => e[0]), right: entries.map((e) => e[1]), weight: entries.map((e) => e[2]) });
  const loss = -sv.slice(0, 4).reduce((s, x) => s + x * x, 0);
  t.true(Math.abs(out.loss - loss) < 1e-8, `${out.loss} vs ${loss}`);
});

test('bad arguments: usage on stderr and exit code 2', (t) => {
  for (const args of [
    ['eigs', edgeFile, '--symmetrize', 'max'], // no -k
    ['eigs', edgeFile, '-k', '0', '--symmetrize', 'max'],
    ['eigs', edgeFile, '-k', 'two'],
    ['eigs', edgeFile, '-k', '3', '--tol', '-1'],
    ['eigs', edgeFile, '-k', '3', '--tol', '0'],
    ['eigs', '-k', '3'], // no FILE
    ['eigs', edgeFile, edgeFile, '-k', '3'],
    ['eigs', edgeFile, '-k', '3', '--frobnicate'],
    ['eigs', edgeFile, '-k', '3', '--symmetrize', 'sideways'],
    ['eigs', mtxFile, '-k', '401'],
    ['optimum', mtxFile],
    ['optimum', mtxFile, '-k', '1.5'],
    ['optimum', edgeFile, '-k', '2', '--bipartite'],
  ]) {
    const r = cli(...args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /usage: speclin (eigs|optimum)/, args.join(' '));
    t.is(r.stdout, '');
  }
  const missing = cli('eigs', path.join(dir, 'nope.txt'), '-k', '2');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.txt/);
});
