// Rank program of test/mpi.test.ts: the Promise forms of speclin/mpi. Argument: the .mtx file of
// the eigsh test (two copies of one block graph, n = 160).
//  1. They equal the Sync forms (bit for bit: the same solver on the same data).
//  2. The main thread is free while one is in flight: rank 1 joins the collective 400 ms late, and
//     rank 0's timer keeps firing meanwhile (a Sync form would hold its main thread in MPI).
//  3. Program order: Promise forms started without awaiting, with Sync collectives between them,
//     run in the order they were called on every rank (a Sync call waits for the Promise forms
//     called before it), and give the sequential results.
import { initMpi, DistributedGraph, distributedEigsh, distributedEigshSync, distributedClosedFormOptimum, distributedClosedFormOptimumSync } from '../../src/mpi/index.js';
import { report } from './report.js';

const comm = initMpi();
const { rank, size } = comm;
const graph = await DistributedGraph.readMatrixMarket(comm, process.argv[2]);
const options = { k: 6, tol: 1e-10, method: 'lanczos' as const };

// 1. Promise and Sync forms agree to the bit.
const promised = await distributedEigsh(graph, options);
const synced = distributedEigshSync(graph, options);
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));
const equalForms =
  same(promised.values, synced.values) && same(promised.vectors.data, synced.vectors.data) && promised.matvecs === synced.matvecs;
const optimumPromised = await distributedClosedFormOptimum(graph, 4, { method: 'dense' });
const optimumSynced = distributedClosedFormOptimumSync(graph, 4, { method: 'dense' });
const equalOptima = optimumPromised.loss === optimumSynced.loss && same(optimumPromised.embedding.data, optimumSynced.embedding.data);

// 2. The main thread while a Promise form waits for a late rank.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
comm.barrier();
if (rank === 1) await sleep(400);
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const t0 = Date.now();
await distributedEigsh(graph, options);
const waitedMs = Date.now() - t0;
clearInterval(timer);

// 3. Three collectives called in a row without awaiting the first two.
const first = distributedEigsh(graph, { ...options, k: 3 });
const sum = comm.allreduce(new Float64Array([rank + 1]))[0];  // Sync: waits for `first`
const second = distributedEigsh(graph, { ...options, k: 5, seed: 7 });
const rows = graph.multiply(new Float64Array(graph.localRows).fill(1));  // Sync: waits for `second`
const [r3, r5] = await Promise.all([first, second]);
const ordered =
  same(r3.values, distributedEigshSync(graph, { ...options, k: 3 }).values) &&
  same(r5.values, distributedEigshSync(graph, { ...options, k: 5, seed: 7 }).values) &&
  sum === (size * (size + 1)) / 2 &&
  rows.length === graph.localRows;

report(rank, { size, equalForms, equalOptima, ticks, waitedMs, ordered, threadLevel: comm.threadLevel });
