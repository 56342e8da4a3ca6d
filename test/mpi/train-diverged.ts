// Rank program of test/mpi.test.ts: data-parallel train() whose table encoders start from a
// different seed on each rank. The parameter checksum after the first checksumEvery steps must make
// every rank throw ERR_MPI_DIVERGED (and none hang).
import { initMpi } from '../../src/mpi/index.js';
import { stochasticBlockModel } from '../../src/sbm.js';
import { train } from '../../src/train/loop.js';
import { tableEncoder } from '../../src/train/encoders.js';
import { PairSampler } from '../../src/train/sampler.js';
import { edgesOfCSR } from '../../src/data/edge-list.js';
import { SpeclinError } from '../../src/errors.js';
import { report } from './report.js';

const comm = initMpi();
const graph = stochasticBlockModel({ n: 60, blocks: 3, averageDegree: 8, seed: 2 });
const sampler = new PairSampler(edgesOfCSR(graph.n, graph.toCSR()), 5 + comm.rank);
let outcome: Record<string, unknown>;
try {
  await train({
    graph,
    encoder: tableEncoder({ n: graph.n, dim: 3, dtype: 'float32', seed: 100 + comm.rank }),
    mode: 'minibatch',
    steps: 20,
    batchSize: 16,
    lr: 0.01,
    sampler,
    comm,
    checksumEvery: 10,
  });
  outcome = { threw: false };
} catch (e) {
  outcome = { threw: true, code: (e as SpeclinError).code, message: (e as Error).message };
}
report(comm.rank, outcome);
