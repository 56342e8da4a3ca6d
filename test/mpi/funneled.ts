// Rank program of test/mpi.test.ts: MPI initialized at MPI_THREAD_FUNNELED (only the main thread
// may call MPI). The Promise forms must refuse (ERR_MPI_THREADS, on every rank, before any
// collective) rather than call MPI from a worker; the Sync forms run.
import { initMpi, DistributedGraph, distributedEigsh, distributedEigshSync } from '../../src/mpi/index.js';
import { report } from './report.js';

const comm = initMpi({ threadLevel: 'funneled' });
const n = 48;
const src = Int32Array.from({ length: n }, (_, i) => i);
const dst = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
const graph = DistributedGraph.fromEdges(comm, { n, src, dst, symmetrize: true });
let promise: { code?: string; message?: string } = {};
try {
  await distributedEigsh(graph, { k: 3 });
} catch (e) {
  promise = { code: (e as { code?: string }).code, message: (e as Error).message };
}
const sync = distributedEigshSync(graph, { k: 3 });
report(comm.rank, { threadLevel: comm.threadLevel, promise, syncValues: Array.from(sync.values) });
