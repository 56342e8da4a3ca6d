// Rank program of `npm run bench -- mpi` (bench/mpi.ts runs it under mpirun): times one case at
// this rank count and prints rank 0's figures as one JSON line. Arguments: 'eigsh' FILE K [THREADS]
// (a Matrix Market file, each rank reading its byte range) or 'loss' B K (every rank builds the
// same batch from a seed and takes its rows). Each rank's threads: THREADS, else cores / ranks.
import os from 'node:os';
import { initMpi, DistributedGraph, distributedEigshSync } from '../../src/mpi/index.js';
import { eigshSync, readMatrixMarket, setThreads, spectralLossSync } from '../../src/index.js';
import { randomMatrix } from '../../src/random.js';

const comm = initMpi();
const { rank, size } = comm;
const [mode, a, b, threadArg] = process.argv.slice(2);
// Threads per rank: the fourth argument, else cores / ranks.
const threads = threadArg ? Number(threadArg) : Math.max(1, Math.floor(os.cpus().length / size));
setThreads(threads);

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const maxAcross = (x: number) => comm.allreduce(new Float64Array([x]), 'max')[0];
const sumAcross = (x: number) => comm.allreduce(new Float64Array([x]), 'sum')[0];
const out: Record<string, unknown> = { mode, ranks: size, threadsPerRank: threads };

if (mode === 'eigsh') {
  // The graph from the Matrix Market file bench/mpi.ts wrote (the SLEPc peer reads the same file).
  const file = a;
  const k = Number(b);
  let t0 = process.hrtime.bigint();
  const dist = await DistributedGraph.readMatrixMarket(comm, file);
  out.buildSeconds = maxAcross(seconds(t0));
  // Bytes on the wire per product of one column: every rank's halo, 8 bytes an entry.
  out.haloBytesPerMatvec = 8 * sumAcross(dist.haloSize);
  out.n = dist.n;
  out.nnz = dist.nnz;
  comm.barrier();
  t0 = process.hrtime.bigint();
  const r = distributedEigshSync(dist, { k, tol: 1e-6, seed: 3 });
  out.eigshSeconds = maxAcross(seconds(t0));
  out.matvecs = r.matvecs;
  out.reductions = r.reductions;
  out.values = Array.from(r.values);
  out.maxResidual = Math.max(...r.residuals);
  if (size === 1) {
    // The peer in the same process: the core's single-process eigsh on the same graph, same tol.
    const graph = await readMatrixMarket(file);
    t0 = process.hrtime.bigint();
    const s = eigshSync(graph, { k, tol: 1e-6, seed: 3 });
    out.singleSeconds = seconds(t0);
    out.singleMatvecs = s.matvecs;
    out.maxValueDifference = Math.max(...Array.from(s.values, (v, i) => Math.abs(v - r.values[i])));
  }
} else if (mode === 'loss') {
  const B = Number(a);
  const k = Number(b);
  const Z = randomMatrix(Float32Array, B, k, 1, 0.1);
  const W = randomMatrix(Float32Array, B, k, 2, 0.1);
  const first = Math.floor((B * rank) / size);
  const rows = Math.floor((B * (rank + 1)) / size) - first;
  const z = { data: Z.data.slice(first * k, (first + rows) * k), rows, cols: k };
  const w = { data: W.data.slice(first * k, (first + rows) * k), rows, cols: k };
  const reps = 20;
  spectralLossSync(z, w, { comm });
  comm.barrier();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) spectralLossSync(z, w, { comm });
  out.stepSeconds = maxAcross(seconds(t0)) / reps;
  // Per step and rank: the 32-number descriptor and the statistics (5 + 2k^2 numbers plus the 2
  // failure slots), 8 bytes each, each all-reduced once.
  out.allreduceBytesPerStep = 8 * (32 + 5 + 2 * k * k + 2);
  if (size === 1) {
    spectralLossSync(Z, W);
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) spectralLossSync(Z, W, { algorithm: 'gram' });
    out.singleSeconds = seconds(t1) / reps;
  }
}
out.loadAverage = os.loadavg()[0];
if (rank === 0) console.log(JSON.stringify(out));
comm.finalize();
