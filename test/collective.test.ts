// The collective rules of src/collective.ts and spectralLoss's `comm` option, without MPI: fake
// communicators stand in for the ranks (test/mpi.test.ts runs the real ones under mpirun).
import test from 'ava';
import { agreeAcrossRanks, sumAcrossRanksSync, type Communicator, type CommBuffer, type ReduceOp } from '../src/collective.js';
import { spectralLossSync, SpeclinError } from '../src/index.js';
import { randomMatrix } from './helpers/random.js';
import { native } from '../src/native.js';

/** Rank 0 of a job whose other ranks contributed `others` (the buffers they pass, in call order). */
function fakeComm(size: number, others: Float64Array[][] = []): Communicator & { calls: number } {
  let call = 0;
  const comm = {
    rank: 0,
    size,
    calls: 0,
    allreduce<A extends CommBuffer>(buffer: A, op: ReduceOp = 'sum'): A {
      for (const rank of others) {
        const theirs = rank[call];
        for (let i = 0; i < buffer.length; i++)
          buffer[i] = op === 'sum' ? buffer[i] + theirs[i] : op === 'max' ? Math.max(buffer[i], theirs[i]) : Math.min(buffer[i], theirs[i]);
      }
      call++;
      comm.calls = call;
      return buffer;
    },
    broadcast: <A extends CommBuffer>(b: A) => b,
    barrier() {},
    finalize() {},
    abort(reason: unknown): never {
      throw reason;
    },
  };
  return comm;
}

test('spectralLoss with a one-rank communicator equals the plain loss (float64: 1e-14 relative, a different summation order)', (t) => {
  const Z = randomMatrix(Float64Array, 9, 5, 1, 0.4);
  const W = randomMatrix(Float64Array, 9, 5, 2, 0.4);
  for (const options of [{}, { mu: 1 }, { negatives: 'all' as const }]) {
    const plain = spectralLossSync(Z, W, options);
    const comm = fakeComm(1);
    const shared = spectralLossSync(Z, W, { ...options, comm });
    t.true(Math.abs(shared.loss - plain.loss) <= 1e-14 * Math.abs(plain.loss));
    const scale = Math.max(...plain.gradZ.data.map(Math.abs));
    for (let i = 0; i < plain.gradZ.data.length; i++) t.true(Math.abs(shared.gradZ.data[i] - plain.gradZ.data[i]) <= 1e-14 * scale);
    // One agreement allreduce and one of the statistics: O(k^2) numbers, whatever B.
    t.is(comm.calls, 2);
  }
});

test('spectralLoss with comm refuses what cannot be sharded, and a non-communicator', (t) => {
  const Z = randomMatrix(Float64Array, 4, 3, 1);
  t.throws(() => spectralLossSync(Z, Z, { comm: fakeComm(1), algorithm: 'pairwise' }), { instanceOf: RangeError, message: /'pairwise' cannot run on a sharded batch/ });
  t.throws(() => spectralLossSync(Z, Z, { comm: { rank: 0 } as never }), { instanceOf: TypeError, message: /options.comm must be a communicator/ });
});

test('agreeAcrossRanks: a rank with another k makes every rank throw ERR_MPI_MISMATCH, naming the field and range', (t) => {
  // What rank 1 contributes to the descriptor allreduce (max of v and -v): k = 8 where rank 0 has 4.
  const theirs = new Float64Array(32).fill(-Infinity);
  const snapshot: Float64Array[] = [];
  // Record rank 1's descriptor by running its side against a one-rank fake.
  const recorder = fakeComm(1);
  const original = recorder.allreduce.bind(recorder);
  recorder.allreduce = (<A extends CommBuffer>(b: A, op?: ReduceOp) => {
    snapshot.push(Float64Array.from(b as ArrayLike<number>));
    return original(b, op);
  }) as Communicator['allreduce'];
  agreeAcrossRanks(recorder, 'op', () => ({ k: 8 }));
  theirs.set(snapshot[0]);
  const comm = fakeComm(2, [[theirs]]);
  const err = t.throws(() => agreeAcrossRanks(comm, 'op', () => ({ k: 4 })), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_MPI_MISMATCH');
  t.regex(err!.message, /disagree on k \(from 4 to 8; this rank has 4\)/);
});

test('a rank whose local part fails still reduces, and the others throw ERR_MPI_PEER_FAILED naming it', (t) => {
  // Rank 1 failed: its contribution is zeros with the failure flag and its rank + 1.
  const failed = new Float64Array(5);
  failed[3] = 1;
  failed[4] = 2;
  const comm = fakeComm(2, [[failed]]);
  const err = t.throws(() => sumAcrossRanksSync(comm, 'op', 3, () => new Float64Array([1, 2, 3])), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_MPI_PEER_FAILED');
  t.regex(err!.message, /rank 1 failed/);
  // The failing rank itself reduces too, then rethrows its own error.
  const own = fakeComm(2, [[new Float64Array(5)]]);
  t.throws(() => sumAcrossRanksSync(own, 'op', 3, () => { throw new RangeError('bad rows'); }), { instanceOf: RangeError, message: 'bad rows' });
  t.is(own.calls, 1);
});

test('initMpi where the MPI addon was not built: ERR_MPI_UNAVAILABLE naming what to install', async (t) => {
  const saved = process.env.SPECLIN_MPI_NATIVE_PATH;
  process.env.SPECLIN_MPI_NATIVE_PATH = '/nonexistent/speclin_mpi.node';
  try {
    const { initMpi } = await import('../src/mpi/index.js');
    const err = t.throws(() => initMpi(), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_MPI_UNAVAILABLE');
    t.regex(err!.message, /apt-get install openmpi-bin libopenmpi-dev/);
  } finally {
    if (saved === undefined) delete process.env.SPECLIN_MPI_NATIVE_PATH;
    else process.env.SPECLIN_MPI_NATIVE_PATH = saved;
  }
});

test('the sharded loss refuses summed statistics of the wrong type, length or row count, naming them', (t) => {
  const Z = randomMatrix(Float64Array, 5, 3, 1);
  const stats = native.spectralLossStatisticsSync(Z, Z);
  t.is(stats.length, 5 + 2 * 3 * 3);
  t.throws(() => native.spectralLossFromStatisticsSync(Z, Z, undefined, new Float32Array(23) as never), { instanceOf: TypeError, message: /statistics must be a Float64Array/ });
  t.throws(() => native.spectralLossFromStatisticsSync(Z, Z, undefined, new Float64Array(22)), { instanceOf: RangeError, message: /k = 3 needs 23/ });
  const fewer = Float64Array.from(stats);
  fewer[0] = 4;  // fewer rows summed than this shard holds
  t.throws(() => native.spectralLossFromStatisticsSync(Z, Z, undefined, fewer), { instanceOf: RangeError, message: /fewer than this shard's 5/ });
  // One pair in all is refused for off-diagonal negatives, as the single-process loss refuses B = 1.
  const one = randomMatrix(Float64Array, 1, 3, 2);
  const s1 = native.spectralLossStatisticsSync(one, one);
  t.throws(() => native.spectralLossFromStatisticsSync(one, one, undefined, s1), { instanceOf: RangeError, message: /at least 2 pairs/ });
});
