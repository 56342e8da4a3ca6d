// speclin/mpi under mpirun (oversubscribed: CI and this machine have 2 cores). Each test runs a
// rank program of test/mpi/ at several rank counts; the programs compare against the
// single-process result of the same data and print one JSON line per rank.
import { testNeeding } from './helpers/requirements.js';
import { runMpi } from './helpers/mpi.js';

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
