// speclin/mpi under mpirun (oversubscribed: CI and this machine have 2 cores). Each test runs a
// rank program of test/mpi/ at several rank counts; the programs compare against the
// single-process result of the same data and print one JSON line per rank.
import { testNeeding } from './helpers/requirements.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mpiCli, runMpi } from './helpers/mpi.js';
import { cli } from './helpers/cli.js';
import { rng } from './helpers/random.js';

const test = testNeeding('mpi');

interface LossRank {
  rank: number;
  size: number;
  results: { name: string; dtype: string; lossError: number; positiveError: number; gradZError: number; gradWError: number; clipped: number[]; rows: number }[];
  mismatch: { threw: boolean; code?: string; speclin?: boolean; message?: string };
  peerFailure: { threw: boolean; name?: string; code?: string; message?: string };
  after: number;
}

for (const np of [1, 2, 3, 4]) {
  test.serial(`spectralLoss({ comm }) at ${np} rank(s) equals the single-process loss of the concatenated batch`, (t) => {
    const run = runMpi<LossRank>(np, 'test/mpi/loss-shards.ts');
    t.is(run.status, 0, run.stderr);
    t.is(run.ranks.length, np, run.stdout + run.stderr);
    let rows = 0;
    for (const r of run.ranks) {
      t.is(r.size, np);
      rows += r.results[0].rows;
      for (const c of r.results) {
        // float64: the shards' statistics are summed in another order than the single process's
        // Gram products (a few ulps per sum, amplified by at most k = 4 terms): 1e-13 relative.
        // float32: the shards' Gram matrices are float32 products summed in float64, the single
        // process's one float32 product over all 13 rows: a few float32 ulps, 1e-5 relative.
        const tol = c.dtype === 'float64' ? 1e-13 : 1e-5;
        for (const key of ['lossError', 'positiveError', 'gradZError', 'gradWError'] as const)
          t.true(c[key] <= tol, `rank ${r.rank} ${c.name}: ${key} ${c[key]} > ${tol}`);
        // The clipped counts are the whole batch's, as the single process reports them.
        t.deepEqual(c.clipped.slice(0, 2), c.clipped.slice(2), `${c.name}: clipped counts`);
      }
      // The ranks disagree on k only where there are two or more (k = 3 + rank % 2).
      if (np === 1) t.false(r.mismatch.threw, JSON.stringify(r.mismatch));
      else t.like(r.mismatch, { threw: true, speclin: true, code: 'ERR_MPI_MISMATCH' });
      if (r.rank === np - 1) t.is(r.peerFailure.name, 'RangeError', JSON.stringify(r.peerFailure));
      else t.is(r.peerFailure.code, 'ERR_MPI_PEER_FAILED', JSON.stringify(r.peerFailure));
      t.is(r.after, run.ranks[0].after);
    }
    t.is(rows, 13, 'the shards cover the batch');
  });
}

test.serial('a rank that throws between collectives ends the job by MPI_Abort, naming the rank and the error', (t) => {
  const run = runMpi<{ rank: number }>(2, 'test/mpi/abort.ts', [], 120_000);
  t.not(run.status, 0);
  t.not(run.status, null, 'the job hung until the timeout');
  t.regex(run.stderr, /speclin: rank 1 of 2 failed: Error: a deliberate failure between two collectives; aborting the MPI job/);
  t.is(run.ranks.length, 0, 'no rank finished');
});

/** A 4-block stochastic block model on 240 nodes as an edge list (seeded: the same file every run). */
function blockGraphFile(dir: string): string {
  const random = rng(7);
  const lines: string[] = [];
  for (let i = 0; i < 240; i++)
    for (let j = i + 1; j < 240; j++) if (random() < (i % 4 === j % 4 ? 0.12 : 0.01)) lines.push(`${i} ${j}`);
  const file = path.join(dir, 'blocks.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test.serial('train --distributed at 2 and 3 ranks: rank 0 reports, and the final gap is within the single-process figure', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-mpi-train-'));
  try {
    const file = blockGraphFile(dir);
    const args = ['train', '--graph', file, '-k', '4', '--steps', '500', '--batch-size', '120', '--json'];
    const single = await cli(...args);
    t.is(single.status, 0, single.stderr);
    const one = JSON.parse(single.stdout) as { relativeGap: number; optimum: number };
    for (const np of [2, 3]) {
      const run = mpiCli(np, [...args, '--distributed']);
      t.is(run.status, 0, run.stderr);
      // Only rank 0 prints, one JSON object.
      const lines = run.stdout.trim().split('\n');
      t.is(lines.length, 1, run.stdout);
      const many = JSON.parse(lines[0]) as { relativeGap: number; optimum: number; ranks: number; batchPerRank: number };
      t.is(many.ranks, np);
      t.is(many.batchPerRank, Math.floor(120 / np));
      t.true(Math.abs(many.optimum - one.optimum) <= 1e-12 * Math.abs(one.optimum));
      // The ranks draw other pairs than the single process (one stream per rank), so the two runs
      // are different samples of the same training: the distributed gap must be of the single
      // process's size (measured 0.35% alone, 0.43% at 2 ranks on a 300-node graph), here at most
      // twice it plus 0.2 points.
      t.true(many.relativeGap <= 2 * one.relativeGap + 0.002, `gap ${many.relativeGap} at ${np} ranks, ${one.relativeGap} alone`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('train --distributed refuses full-batch mode with a usage message', (t) => {
  const run = mpiCli(1, ['train', '--graph', 'g.txt', '-k', '2', '--mode', 'fullbatch', '--distributed']);
  t.is(run.status, 2);
  t.regex(run.stderr, /--distributed trains in minibatch mode/);
});

test.serial('data-parallel train() whose ranks start from different parameters fails the checksum on every rank', (t) => {
  const run = runMpi<{ rank: number; threw: boolean; code?: string; message?: string }>(2, 'test/mpi/train-diverged.ts');
  t.is(run.status, 0, run.stderr);
  t.is(run.ranks.length, 2);
  for (const r of run.ranks) {
    t.is(r.code, 'ERR_MPI_DIVERGED', JSON.stringify(r));
    t.regex(r.message ?? '', /parameters differ at step 10/);
  }
});

/** Two disjoint copies of a 4-block graph on 80 nodes (node i of copy c is 2i + c, so that every
 * rank's rows touch the other ranks'), weights 1-3, as a symmetric Matrix Market file: every
 * eigenvalue of Ā is repeated. */
function twoCopiesFile(dir: string): string {
  const random = rng(5);
  const entries: string[] = [];
  for (let i = 0; i < 80; i++)
    for (let j = 0; j < i; j++)
      if (random() < (i % 4 === j % 4 ? 0.25 : 0.03))
        for (let c = 0; c < 2; c++) entries.push(`${2 * i + c + 1} ${2 * j + c + 1} ${1 + ((i * 7 + j) % 3)}`);
  const file = path.join(dir, 'two-copies.mtx');
  writeFileSync(file, `%%MatrixMarket matrix coordinate real symmetric\n% two copies of one block graph\n160 160 ${entries.length}\n${entries.join('\n')}\n`);
  return file;
}

interface EigshRank {
  rank: number;
  results: {
    name: string;
    method: string;
    spmvError: number;
    values: number[];
    valueError: number;
    subspaceError: number;
    residuals: number[];
    lossError: number;
    embeddingGram: number;
    haloSize: number;
    localRows: number;
    localNnz: number;
    nnz: number;
  }[];
  mismatch: string | null;
  methodMismatch: string | null;
  auto: string;
}

test.serial('DistributedGraph, its SpMV, eigsh (Lanczos and dense paths) and closed-form optimum at 1-4 ranks equal the single-process ones on graphs with repeated eigenvalues', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-mpi-eigsh-'));
  try {
    const file = twoCopiesFile(dir);
    for (const np of [1, 2, 3, 4]) {
      const run = runMpi<EigshRank>(np, 'test/mpi/eigsh-distributed.ts', [file]);
      t.is(run.status, 0, run.stderr);
      t.is(run.ranks.length, np, run.stderr);
      for (const r of run.ranks) {
        for (const c of r.results) {
          const where = `${np} ranks, rank ${r.rank}, ${c.name}`;
          t.is(c.method, c.name.endsWith('dense') ? 'dense' : 'lanczos', where);
          // The same products summed in the same order per row: equal to rounding.
          t.true(c.spmvError <= 1e-15, `${where}: spmv ${c.spmvError}`);
          // tol = 1e-10 on the residuals: eigenvalue errors are O(residual^2 / gap) and the
          // subspace's sin(angle) O(residual / gap) (gaps >= 0.03 here), so M^T M - I is far
          // below 1e-8; the values of both solvers carry a few ulps.
          t.true(c.valueError <= 1e-9, `${where}: values ${c.valueError}`);
          t.true(c.subspaceError <= 1e-8, `${where}: subspace ${c.subspaceError}`);
          t.true(c.residuals.every((x) => x <= 1e-10), `${where}: residuals ${c.residuals}`);
          t.true(c.lossError <= 1e-12, `${where}: optimum ${c.lossError}`);
          t.true(c.embeddingGram <= 1e-12, `${where}: E*^T D E* ${c.embeddingGram}`);
        }
        // Identical eigenvalues on every rank, to the bit.
        t.deepEqual(r.results.map((c) => c.values), run.ranks[0].results.map((c) => c.values), `rank ${r.rank}'s eigenvalues`);
        t.is(r.mismatch, np > 1 ? 'ERR_MPI_MISMATCH' : null);
        t.is(r.methodMismatch, np > 1 ? 'ERR_MPI_MISMATCH' : null);
        t.is(r.auto, 'dense', 'n = 48: the dense path, as eigsh takes it at n <= 256');
      }
      if (np > 1) t.true(run.ranks.some((r) => r.results[0].haloSize > 0), 'the file graph needs a halo');
      t.is(run.ranks.reduce((s, r) => s + r.results[0].localRows, 0), 160);
      // The rows are cut where the running count of entries crosses r nnz / P, each cut at the
      // nearer row boundary: every rank within one row's entries of nnz / P (rows hold at most 20
      // entries in this graph).
      const { nnz } = run.ranks[0].results[0];
      t.is(run.ranks.reduce((s, r) => s + r.results[0].localNnz, 0), nnz);
      for (const r of run.ranks) t.true(Math.abs(r.results[0].localNnz - nnz / np) <= 20, `rank ${r.rank}: ${r.results[0].localNnz} of ${nnz} entries`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface SvdsRank {
  rank: number;
  byMethod: { method: string; ran: string; values: number[]; valueError: number; leftError: number; rightError: number; rows: number[]; lossError: number; scaling: number }[];
}

test.serial('distributedSvds and the two-tower optimum (Lanczos and dense paths) at 1-3 ranks equal svdsSync and closedFormOptimumSync on a bipartite graph with repeated singular values', (t) => {
  for (const np of [1, 2, 3]) {
    const run = runMpi<SvdsRank>(np, 'test/mpi/svds-distributed.ts');
    t.is(run.status, 0, run.stderr);
    t.is(run.ranks.length, np, run.stderr);
    for (const r of run.ranks)
      for (const [m, c] of r.byMethod.entries()) {
        const where = `${np} ranks, rank ${r.rank}, ${c.method}`;
        t.is(c.ran, c.method, where);
        // tol = 1e-10 on the stacked eigen-residual: singular values to O(residual^2 / gap), each
        // side's subspace (and its norm, from splitting [u; v]/√2) to O(residual / gap): 1e-8.
        t.true(c.valueError <= 1e-9, `${where}: values ${c.valueError}`);
        t.true(c.leftError <= 1e-8 && c.rightError <= 1e-8, `${where}: subspaces ${c.leftError} ${c.rightError}`);
        t.true(c.lossError <= 1e-12, `${where}: optimum ${c.lossError}`);
        t.true(c.scaling <= 1e-8, `${where}: E*ᵀ D E* = Σ ${c.scaling}`);
        t.deepEqual(c.values, run.ranks[0].byMethod[m].values);
      }
    t.deepEqual(run.ranks.reduce((s, r) => [s[0] + r.byMethod[0].rows[0], s[1] + r.byMethod[0].rows[1]], [0, 0]), [60, 48]);
  }
});

test.serial('the Promise forms at 2 and 3 ranks: equal to the Sync forms, the main thread free while a collective waits, and collectives run in the order they were called', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-mpi-promise-'));
  try {
    const file = twoCopiesFile(dir);
    for (const np of [2, 3]) {
      const run = runMpi<{ rank: number; equalForms: boolean; equalOptima: boolean; ticks: number; waitedMs: number; ordered: boolean; threadLevel: string }>(np, 'test/mpi/promise-forms.ts', [file]);
      t.is(run.status, 0, run.stderr);
      t.is(run.ranks.length, np, run.stderr);
      for (const r of run.ranks) {
        const where = `${np} ranks, rank ${r.rank}`;
        t.is(r.threadLevel, 'serialized', where);
        t.true(r.equalForms, `${where}: Promise and Sync eigsh differ`);
        t.true(r.equalOptima, `${where}: Promise and Sync optimum differ`);
        t.true(r.ordered, `${where}: out-of-order or wrong results`);
      }
      // Rank 0 waited about 400 ms for rank 1 inside the collective; a 10 ms timer on its main
      // thread fired meanwhile (at least 5 times leaves room for a loaded machine's slow timers;
      // a main thread held in MPI would fire it at most once, after the wait).
      const r0 = run.ranks[0];
      t.true(r0.waitedMs >= 300, `rank 0 waited only ${r0.waitedMs} ms`);
      t.true(r0.ticks >= 5, `rank 0's timer fired ${r0.ticks} times in ${r0.waitedMs} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

type Outcome = { threw: boolean; name?: string; code?: string; message?: string };

test.serial('bad input at 2 and 3 ranks: ranks that disagree on graph size, k, tol get ERR_MPI_MISMATCH on every rank; a refused argument throws on its rank and ERR_MPI_PEER_FAILED on the others; the ranks stay in step', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-mpi-faults-'));
  try {
    const file = twoCopiesFile(dir);
    for (const np of [2, 3]) {
      const run = runMpi<{ rank: number; outcomes: Record<string, Outcome>; afterValues: number[]; sum: number }>(np, 'test/mpi/faults.ts', [file]);
      t.is(run.status, 0, run.stderr);
      t.is(run.ranks.length, np, run.stderr);
      const last = np - 1;
      for (const r of run.ranks) {
        const where = (c: string) => `${np} ranks, rank ${r.rank}, ${c}: ${JSON.stringify(r.outcomes[c])}`;
        const o = r.outcomes;
        for (const [c, field] of [['fromEdges n differs', 'n'], ['eigshSync k differs', 'k'], ['eigsh k differs', 'k'], ['eigsh tol differs', 'tol']] as const) {
          t.like(o[c], { threw: true, name: 'SpeclinError', code: 'ERR_MPI_MISMATCH' }, where(c));
          t.regex(o[c].message ?? '', new RegExp(`disagree on ${field} \\(from`), where(c));
        }
        const refused: [string, string, RegExp][] = [
          ['fromEdges bad id on the last rank', 'RangeError', /dst\[0\] = 48 is not a node id/],
          ['readMatrixMarket missing file on the last rank', 'Error', /ENOENT/],
          ['eigsh k = 0 on the last rank', 'RangeError', /k must be an integer in 1\.\.47, got 0/],
          ['eigsh options not an object on the last rank', 'TypeError', /options must be an object/],
          ['eigshSync basisSize negative on the last rank', 'RangeError', /basisSize must be a nonnegative integer, got -1/],
        ];
        for (const [c, name, message] of refused) {
          if (r.rank === last) {
            t.like(o[c], { threw: true, name }, where(c));
            t.regex(o[c].message ?? '', message, where(c));
          } else {
            t.like(o[c], { threw: true, name: 'SpeclinError', code: 'ERR_MPI_PEER_FAILED' }, where(c));
            t.regex(o[c].message ?? '', new RegExp(`rank ${last} refused its arguments`), where(c));
          }
        }
        t.like(o['eigsh dense above 4096'], { threw: true, name: 'RangeError' }, where('eigsh dense above 4096'));
        // After every refused call, the next collectives run and agree.
        t.is(r.sum, np);
        t.deepEqual(r.afterValues, run.ranks[0].afterValues);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [mode, what] of [
  ['waiting', 'while rank 0 waits in a Promise-form collective on its worker'],
  ['inside', 'on its main thread while its own worker is inside a collective'],
] as const)
  test.serial(`a rank that throws ${what} ends the job by MPI_Abort, naming the rank and the error`, (t) => {
    const run = runMpi<{ rank: number }>(2, 'test/mpi/abort-in-flight.ts', [mode], 120_000);
    t.not(run.status, 0);
    t.not(run.status, null, 'the job hung until the timeout');
    t.regex(run.stderr, /speclin: rank 1 of 2 failed: Error: a deliberate failure while .*; aborting the MPI job/);
    t.is(run.ranks.length, 0, 'no rank finished');
  });

test.serial('a rank that calls process.exit() while its worker is inside a collective ends the job by MPI_Abort instead of hanging in MPI_Finalize', (t) => {
  const run = runMpi<{ rank: number }>(2, 'test/mpi/abort-in-flight.ts', ['exit'], 120_000);
  t.not(run.status, 0);
  t.not(run.status, null, 'the job hung until the timeout');
  t.regex(run.stderr, /speclin: rank 1 of 2 exited \(code 3\) while a collective was in flight; aborting the MPI job/);
  t.is(run.ranks.length, 0, 'no rank finished');
});

test.serial('at MPI_THREAD_FUNNELED the Promise forms reject with ERR_MPI_THREADS on every rank and the Sync forms run', (t) => {
  const run = runMpi<{ rank: number; threadLevel: string; promise: { code?: string; message?: string }; syncValues: number[] }>(2, 'test/mpi/funneled.ts');
  t.is(run.status, 0, run.stderr);
  t.is(run.ranks.length, 2, run.stderr);
  for (const r of run.ranks) {
    t.is(r.threadLevel, 'funneled');
    t.is(r.promise.code, 'ERR_MPI_THREADS', JSON.stringify(r.promise));
    t.regex(r.promise.message ?? '', /MPI_THREAD_FUNNELED.*use the Sync form/);
    // cos(2πj/48) for j = 0, 1, 1: the cycle's top three.
    t.true(Math.abs(r.syncValues[0] - 1) < 1e-8 && Math.abs(r.syncValues[2] - Math.cos((2 * Math.PI) / 48)) < 1e-8, String(r.syncValues));
  }
});
