// Rank program of test/mpi.test.ts: a rank that fails while a Promise-form collective is in
// flight must end the job (MPI_Abort through initMpi's abortOnUncaught), naming the rank and the
// error, rather than leave the others waiting inside the collective. Argument 'waiting': rank 0
// waits in the collective on its worker while rank 1 throws instead of joining. 'inside': rank 1
// throws on its main thread while its own worker is inside the collective (rank 0 joins late).
// 'exit': rank 1 calls process.exit(3) while its worker is inside the collective.
import { initMpi, DistributedGraph, distributedEigsh } from '../../src/mpi/index.js';
import { report } from './report.js';

const comm = initMpi();
const { rank } = comm;
const mode = process.argv[2];
const n = 48;
const src = Int32Array.from({ length: n }, (_, i) => i);
const dst = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
const graph = DistributedGraph.fromEdges(comm, { n, src, dst, symmetrize: true });
comm.barrier();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (mode === 'exit') {
  if (rank === 0) await sleep(5000);
  void distributedEigsh(graph, { k: 3 });
  if (rank === 1) {
    await sleep(300);
    process.exit(3);
  }
} else if (mode === 'waiting') {
  if (rank === 1) {
    await sleep(300);
    throw new Error('a deliberate failure while rank 0 waits in a collective');
  }
  await distributedEigsh(graph, { k: 3 });
} else {
  if (rank === 0) await sleep(5000);
  const pending = distributedEigsh(graph, { k: 3 });
  if (rank === 1) {
    await sleep(300);
    throw new Error('a deliberate failure while this rank is inside a collective');
  }
  await pending;
}
report(rank, { finished: true });
