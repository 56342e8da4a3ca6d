// `speclin bench` as a user runs it: from the packed tarball installed into a temporary project.
// `npm pack` (which runs prepare: tsc), then `npm install --offline --ignore-scripts <tarball>`
// there; --ignore-scripts skips building the C++ addon again inside the temporary project (minutes)
// and SPECLIN_NATIVE_PATH points the installed package at this checkout's build of the same sources.
// Runs every suite with --quick, with the Python peers and without them (a python3 that cannot
// import numpy), validates the JSON against the schema shipped in the package, compares the two
// runs, and checks the bad-input exits (2 for usage, 1 for a failed run) and that an interrupted
// run leaves no report behind.
import test from 'ava';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from './helpers/json-schema.js';
import { testNeeding } from './helpers/requirements.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-cli-'));
const project = path.join(work, 'project');
const addon = path.join(root, 'build', 'Release', 'speclin.node');
const SUITES = ['gram', 'loss', 'spmv', 'eigs'];

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
}

let installed: string | undefined;
let installError = '';

test.before(() => {
  const packed = sh('npm', ['pack', '--pack-destination', work, '--silent'], root);
  if (packed.status !== 0) {
    installError = `npm pack failed: ${packed.stderr}`;
    return;
  }
  const tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'bench-user', version: '1.0.0', private: true }));
  const flags = ['--ignore-scripts', '--no-audit', '--no-fund', tarball];
  let r = sh('npm', ['install', '--offline', ...flags], project);
  if (r.status !== 0 && /ENOTCACHED/.test(r.stderr)) {
    // npm ci fills the cache with every dependency; a checkout whose node_modules came another
    // way may lack some. Fetch only those.
    console.log('  bench-cli.test: npm install --offline found a dependency missing from the npm cache; retrying with --prefer-offline');
    r = sh('npm', ['install', '--prefer-offline', ...flags], project);
  }
  if (r.status !== 0) installError = `npm install of the tarball failed: ${r.stderr}`;
  else installed = path.join(project, 'node_modules', 'speclin');
});

interface Run { code: number | null; stdout: string; stderr: string }

/** `npx speclin bench ...` in the temporary project; `path` replaces PATH. */
function bench(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(path.join(project, 'node_modules', '.bin', 'speclin'), ['bench', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, SPECLIN_NATIVE_PATH: addon, ...env },
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A python3 that exists but cannot import numpy: the system interpreter without site-packages.
const noNumpy = path.join(work, 'python-without-numpy');
mkdirSync(noNumpy);
writeFileSync(path.join(noNumpy, 'python3'), `#!/bin/sh\nexec ${spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim() || '/usr/bin/python3'} -I -S "$@"\n`);
chmodSync(path.join(noNumpy, 'python3'), 0o755);
const withoutNumpy = { PATH: `${noNumpy}${path.delimiter}${process.env.PATH}` };
// No python3 at all: PATH is a folder holding only node.
const nodeOnly = path.join(work, 'node-only');
mkdirSync(nodeOnly);
symlinkSync(process.execPath, path.join(nodeOnly, 'node'));
const withoutPython = { PATH: nodeOnly };

function schema(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(installed!, 'src', 'bench', 'report.schema.json'), 'utf8'));
}

function checkDocument(t: { deepEqual: Function; true: Function; is: Function }, doc: any) {
  t.deepEqual(validate(schema(), doc), [], 'the document validates against the shipped schema');
  t.deepEqual(doc.suites.map((s: any) => s.suite), SUITES);
  t.true(doc.limits.peakGflops.float32 > 0 && doc.limits.readGBps > 0 && doc.limits.writeGBps > 0);
  for (const s of doc.suites) {
    t.true(s.cases.length > 0, `${s.suite} has cases`);
    for (const c of s.cases) if (c.flops) t.true(c.bound?.fraction > 0, `${s.suite} ${c.id} is held against a bound`);
  }
  t.true(doc.suites.find((s: any) => s.suite === 'eigs').cases.every((c: any) => c.metrics['basis bytes per matvec (at read bandwidth)'] > 0));
}

const pyTest = testNeeding('python');

pyTest.serial('--quick runs every suite from the installed package with the Python peers, --out writes the report', (t) => {
  t.truthy(installed, installError);
  const out = path.join(work, 'with-peers');
  mkdirSync(out);
  const r = bench(['--quick', '--json', '--out', path.join(out, 'report.html')]);
  t.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  writeFileSync(path.join(work, 'a.json'), r.stdout);
  checkDocument(t, doc);
  t.true(doc.peers.every((p: any) => p.available), JSON.stringify(doc.peers));
  for (const s of doc.suites) t.true(s.cases.some((c: any) => Object.keys(c.peers).length > 0), `${s.suite} compared with a peer`);
  t.notRegex(r.stderr, /peers skipped/);
  t.log(`suite seconds (quick, load ${os.loadavg()[0].toFixed(1)}): ${doc.suites.map((s: any) => `${s.suite} ${s.seconds.toFixed(1)}`).join(', ')}`);
  // Quick means seconds per suite on an idle machine. The bound is loose because npm test runs this
  // beside every other test file, often on two shared cores; it still fails a suite that runs its
  // full shapes (minutes: ARPACK at n = 200 000 alone takes over a minute).
  for (const s of doc.suites) t.true(s.seconds < 180, `${s.suite} took ${s.seconds} s`);
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  t.regex(html, /<svg /);
  t.regex(html, /Roofline/);
  t.deepEqual(readdirSync(out), ['report.html'], 'no temporary file left beside the report');
});

test.serial('--quick without numpy/scipy: one line names the skipped peers and how to get them; speclin\'s figures stand alone', (t) => {
  t.truthy(installed, installError);
  const r = bench(['--quick', '--json'], withoutNumpy);
  t.is(r.code, 0, r.stderr);
  const skipped = r.stderr.split('\n').filter((l) => /peers skipped/.test(l));
  t.is(skipped.length, 1);
  t.regex(skipped[0], /^peers skipped: numpy \(gram, loss\), scipy \(spmv, eigs\): python3 .* cannot import numpy or scipy\. .*pip install numpy scipy/);
  const doc = JSON.parse(r.stdout);
  writeFileSync(path.join(work, 'b.json'), r.stdout);
  checkDocument(t, doc);
  t.true(doc.peers.every((p: any) => !p.available && p.reason));
  t.true(doc.suites.every((s: any) => s.cases.every((c: any) => Object.keys(c.peers).length === 0)));
});

test.serial('--compare prints per-case ratios and their geometric mean', (t) => {
  t.truthy(installed, installError);
  const a = existsSync(path.join(work, 'a.json')) ? path.join(work, 'a.json') : path.join(work, 'b.json');
  const b = path.join(work, 'b.json');
  const r = bench(['--compare', a, b]);
  t.is(r.code, 0, r.stderr);
  const cases = JSON.parse(readFileSync(b, 'utf8')).suites.reduce((n: number, s: any) => n + s.cases.length, 0);
  t.regex(r.stdout, new RegExp(`geometric mean, all ${cases} cases: \\d+\\.\\d{3}`));
  for (const s of SUITES) t.regex(r.stdout, new RegExp(`geometric mean, ${s} \\(\\d+ cases\\)`));
  const j = bench(['--compare', a, b, '--json']);
  t.is(j.code, 0, j.stderr);
  const c = JSON.parse(j.stdout);
  t.is(c.cases.length, cases);
  // The geometric mean recomputed from the printed ratios.
  const g = Math.exp(c.cases.reduce((s: number, x: any) => s + Math.log(x.b / x.a), 0) / c.cases.length);
  t.true(Math.abs(g - c.geomean) < 1e-9 * g);
});

test.serial('bad input: usage errors exit 2, a failed run exits 1, each with a clear message', (t) => {
  t.truthy(installed, installError);
  const foreign = path.join(project, 'package.json');
  const expectations: [string[], Record<string, string>, number, RegExp][] = [
    [['nope', 'gram'], {}, 2, /unknown suite 'nope'; suites: gram, loss, spmv, eigs/],
    [['--compare', path.join(work, 'absent.json'), foreign], {}, 2, /cannot read .*absent\.json/],
    [['--compare', foreign, foreign], {}, 2, /package\.json is not a speclin bench report/],
    [['--compare', foreign], {}, 2, /--compare needs two files, got 1/],
    [['--quick', '--out', path.join(work, 'no', 'such', 'folder', 'r.html')], {}, 2, /--out .*: the folder .* does not exist/],
    [['--frobnicate'], {}, 2, /Unknown option '--frobnicate'/],
    [['gram', '--quick', '--require-peers'], withoutPython, 1, /missing peers \(--require-peers\): numpy \(gram\): python3 was not found on PATH/],
  ];
  for (const [args, env, code, message] of expectations) {
    const r = bench(args, env);
    t.is(r.code, code, `speclin bench ${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
    t.is(r.stdout, '', 'nothing on stdout');
  }
});

test.serial('an interrupted run leaves no report behind', async (t) => {
  t.truthy(installed, installError);
  const out = path.join(work, 'interrupted');
  mkdirSync(out);
  // The full (not --quick) run takes minutes; it is stopped while the suites run.
  const child = spawn(path.join(project, 'node_modules', '.bin', 'speclin'), ['bench', '--out', path.join(out, 'report.html')], {
    cwd: project,
    env: { ...process.env, SPECLIN_NATIVE_PATH: addon, ...withoutNumpy },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const started = new Promise<void>((resolve) => child.stderr!.on('data', (d) => {
    stderr += d;
    if (/gram: /.test(stderr)) resolve();
  }));
  await started;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  child.kill('SIGTERM');
  await exited;
  t.deepEqual(readdirSync(out), []);
});
