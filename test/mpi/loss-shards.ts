// Rank program of test/mpi.test.ts: the spectral loss over a batch split across the ranks, against
// the single-process loss of the concatenated batch (every rank builds the same batch from a seed
// and takes its rows). Prints one JSON line per rank.
import { initMpi } from '../../src/mpi/index.js';
import { spectralLoss, spectralLossSync, SpeclinError, type Matrix, type SpectralLossOptions } from '../../src/index.js';
import { randomMatrix } from '../helpers/random.js';
import { report } from './report.js';

const comm = initMpi();
const { rank, size } = comm;

/** Rows of this rank: an uneven split (rank r gets base + 1 rows for r < extra). */
function shard<T extends Float32Array | Float64Array>(m: Matrix<T>): { matrix: Matrix<T>; first: number } {
  const base = Math.floor(m.rows / size);
  const extra = m.rows % size;
  const first = rank * base + Math.min(rank, extra);
  const rows = base + (rank < extra ? 1 : 0);
  return { matrix: { data: m.data.slice(first * m.cols, (first + rows) * m.cols) as T, rows, cols: m.cols }, first };
}

function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>, offset: number): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < got.length; i++) {
    scale = Math.max(scale, Math.abs(want[offset + i]));
    err = Math.max(err, Math.abs(got[i] - want[offset + i]));
  }
  return err / Math.max(scale, 1e-300);
}

const cases: { name: string; dtype: 'float64' | 'float32'; options: SpectralLossOptions; scale: number }[] = [
  { name: 'offdiagonal', dtype: 'float64', options: {}, scale: 0.5 },
  { name: 'all', dtype: 'float64', options: { negatives: 'all' }, scale: 0.5 },
  // Rows of norm about 1.2 around sqrt(mu) = 1: some clipped, some not.
  { name: 'mu clipping', dtype: 'float64', options: { mu: 1 }, scale: 0.6 },
  { name: 'float32', dtype: 'float32', options: {}, scale: 0.5 },
];

const results: Record<string, unknown>[] = [];
for (const c of cases) {
  const B = 13;
  const k = 4;
  const ctor = c.dtype === 'float64' ? Float64Array : Float32Array;
  const Z = randomMatrix(ctor as Float64ArrayConstructor, B, k, 11, c.scale);
  const W = randomMatrix(ctor as Float64ArrayConstructor, B, k, 12, c.scale);
  const whole = spectralLossSync(Z, W, c.options);
  const z = shard(Z);
  const w = shard(W);
  const sync = spectralLossSync(z.matrix, w.matrix, { ...c.options, comm });
  const promised = await spectralLoss(z.matrix, w.matrix, { ...c.options, comm });
  for (const [form, r] of [['sync', sync], ['promise', promised]] as const) {
    results.push({
      name: `${c.name} ${form}`,
      dtype: c.dtype,
      lossError: Math.abs(r.loss - whole.loss) / Math.abs(whole.loss),
      positiveError: Math.abs(r.positive - whole.positive) / Math.abs(whole.positive),
      gradZError: maxRelativeError(r.gradZ.data, whole.gradZ.data, z.first * k),
      gradWError: maxRelativeError(r.gradW.data, whole.gradW.data, w.first * k),
      clipped: [r.clippedZ, r.clippedW, whole.clippedZ, whole.clippedW],
      rows: r.gradZ.rows,
    });
  }
}

const errorOf = async (f: () => unknown) => {
  try {
    await f();
    return { threw: false };
  } catch (e) {
    return { threw: true, name: (e as Error).name, code: (e as SpeclinError).code, message: (e as Error).message, speclin: e instanceof SpeclinError };
  }
};

// Ranks that disagree on k: a SpeclinError on every rank, not a hang.
const kDiff = 3 + (rank % 2);
const mismatch = await errorOf(() =>
  spectralLossSync(randomMatrix(Float64Array, 3, kDiff, 1), randomMatrix(Float64Array, 3, kDiff, 2), { comm }),
);
// Rank size - 1 has a NaN: it reports its RangeError, the others ERR_MPI_PEER_FAILED.
const bad = randomMatrix(Float64Array, 3, 4, 3);
if (rank === size - 1) bad.data[5] = NaN;
const peerFailure = await errorOf(() => spectralLoss(bad, randomMatrix(Float64Array, 3, 4, 4), { comm }));
// Afterwards the ranks are still in step: a correct call works.
const after = spectralLossSync(randomMatrix(Float64Array, 3, 4, 5), randomMatrix(Float64Array, 3, 4, 6), { comm }).loss;

report(rank, { size, results, mismatch, peerFailure, after });
comm.finalize();
