// Rank program of test/mpi.test.ts: the "bad input" rules for the distributed graph and
// eigensolver, in the Sync and the Promise forms. Each case is one collective call in which the
// ranks disagree or one rank's arguments are refused; every rank records what it threw. After
// all of them, one allreduce shows that the ranks are still in step. Argument: a readable .mtx file.
import { initMpi, DistributedGraph, distributedEigsh, distributedEigshSync } from '../../src/mpi/index.js';
import { report } from './report.js';

const comm = initMpi();
const { rank, size } = comm;
const last = size - 1;
const file = process.argv[2];

type Outcome = { threw: false } | { threw: true; name: string; code?: string; message: string };
const outcomes: Record<string, Outcome> = {};
const describe = (e: unknown): Outcome => {
  const err = e as Error & { code?: string };
  return { threw: true, name: err.name, code: err.code, message: err.message };
};
async function record(name: string, fn: () => unknown) {
  try {
    await fn();
    outcomes[name] = { threw: false };
  } catch (e) {
    outcomes[name] = describe(e);
  }
}

const n = 48;
const ring = { n, src: Int32Array.from({ length: n }, (_, i) => i), dst: Int32Array.from({ length: n }, (_, i) => (i + 1) % n), symmetrize: true };
const mine = rank === 0 ? ring : { ...ring, src: new Int32Array(0), dst: new Int32Array(0) };
const graph = DistributedGraph.fromEdges(comm, mine);

// Graph sizes that differ: n = 48 + rank.
await record('fromEdges n differs', () => DistributedGraph.fromEdges(comm, { ...mine, n: n + rank }));
// One rank's ids out of range (RangeError there, ERR_MPI_PEER_FAILED elsewhere).
await record('fromEdges bad id on the last rank', () =>
  DistributedGraph.fromEdges(comm, rank === last ? { n, src: Int32Array.of(0), dst: Int32Array.of(n), symmetrize: true } : mine));
// One rank's file missing: readMatrixMarket's Promise form (the check on a worker).
await record('readMatrixMarket missing file on the last rank', () => DistributedGraph.readMatrixMarket(comm, rank === last ? `${file}.missing` : file));
// k, tol and the method differ; the Sync and the Promise form.
await record('eigshSync k differs', () => distributedEigshSync(graph, { k: 3 + rank }));
await record('eigsh k differs', () => distributedEigsh(graph, { k: 3 + rank }));
await record('eigsh tol differs', () => distributedEigsh(graph, { k: 3, tol: rank === last ? 1e-6 : 1e-8 }));
// The last rank's k out of range, its options of the wrong type.
await record('eigsh k = 0 on the last rank', () => distributedEigsh(graph, { k: rank === last ? 0 : 3 }));
await record('eigsh options not an object on the last rank', () => distributedEigsh(graph, (rank === last ? 'k = 3' : { k: 3 }) as never));
await record('eigshSync basisSize negative on the last rank', () => distributedEigshSync(graph, { k: 3, basisSize: rank === last ? -1 : 0 }));
// Every rank asks for the dense path above its limit: a RangeError on each, no collective work.
const big = 5000;
const bigRing = DistributedGraph.fromEdges(comm, rank === 0 ? { n: big, src: Int32Array.from({ length: big }, (_, i) => i), dst: Int32Array.from({ length: big }, (_, i) => (i + 1) % big), symmetrize: true } : { n: big, src: new Int32Array(0), dst: new Int32Array(0), symmetrize: true });
await record('eigsh dense above 4096', () => distributedEigsh(bigRing, { k: 2, method: 'dense' }));

// Still in step: one more collective (a Promise-form eigsh) and an allreduce.
const after = await distributedEigsh(graph, { k: 3 });
const sum = comm.allreduce(new Float64Array([1]))[0];
report(rank, { size, outcomes, afterValues: Array.from(after.values), sum });
