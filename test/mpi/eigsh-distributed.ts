// Rank program of test/mpi.test.ts (the Sync forms; test/mpi/promise-forms.ts the Promise forms): a DistributedGraph (read from a Matrix Market file by byte
// ranges, or scattered from rank 0's edges), its SpMV, eigsh and closed-form optimum, against the
// single-process Graph of the same entries, by the Lanczos and the dense path. Both graphs have
// repeated eigenvalues. Argument: the
// .mtx file (two disjoint copies of one block graph: every eigenvalue twice).
import { initMpi, DistributedGraph, distributedEigshSync, distributedClosedFormOptimumSync } from '../../src/mpi/index.js';
import { Graph, readMatrixMarket, eigshSync, closedFormOptimumSync } from '../../src/index.js';
import { rng } from '../helpers/random.js';
import { report } from './report.js';
import { subspaceError } from './subspace.js';

const comm = initMpi();
const { rank, size } = comm;
const file = process.argv[2];

function compare(name: string, dist: DistributedGraph, single: Graph, k: number, method: 'lanczos' | 'dense') {
  // SpMV: two columns of a seeded x, this rank's rows against the single graph's product.
  const random = rng(3);
  const cols = 2;
  const x = new Float64Array(single.n * cols).map(() => random() - 0.5);
  const y = new Float64Array(single.n * cols);
  single.normalized().multiply(x, y, cols);
  const mine = dist.multiply(x.slice(dist.firstRow * cols, (dist.firstRow + dist.localRows) * cols), cols);
  let spmvError = 0;
  for (let i = 0; i < mine.length; i++) spmvError = Math.max(spmvError, Math.abs(mine[i] - y[dist.firstRow * cols + i]));

  const tol = 1e-10;
  const want = eigshSync(single, { k, tol });
  const got = distributedEigshSync(dist, { k, tol, method });
  let valueError = 0;
  for (let i = 0; i < k; i++) valueError = Math.max(valueError, Math.abs(got.values[i] - want.values[i]));
  const subspace = subspaceError(comm, want.vectors.data, { ...got.vectors, first: dist.firstRow }, k);
  const optimum = distributedClosedFormOptimumSync(dist, k, { tol, method });
  const singleOptimum = closedFormOptimumSync(single, k, { tol });
  let embeddingGram = 0;
  // E*^T diag(p) E* is diag(max(λ,0)): checks the scaling by the marginals on the rank's rows.
  const G = new Float64Array(k * k);
  const p = dist.marginals;
  for (let i = 0; i < dist.localRows; i++)
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] += p[i] * optimum.embedding.data[i * k + a] * optimum.embedding.data[i * k + b];
  comm.allreduce(G);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) embeddingGram = Math.max(embeddingGram, Math.abs(G[a * k + b] - (a === b ? Math.max(optimum.eigenvalues[a], 0) : 0)));
  return {
    name: `${name}, ${method}`,
    method: got.method,
    n: dist.n,
    nnz: dist.nnz,
    localRows: dist.localRows,
    localNnz: dist.localNnz,
    haloSize: dist.haloSize,
    spmvError,
    values: Array.from(got.values),
    singleValues: Array.from(want.values),
    valueError,
    subspaceError: subspace,
    residuals: Array.from(got.residuals),
    lossError: Math.abs(optimum.loss - singleOptimum.loss),
    embeddingGram,
    matvecs: got.matvecs,
    reductions: got.reductions,
  };
}

const results = [];
// 1. The Matrix Market file, each rank its byte range.
const fromFile = await DistributedGraph.readMatrixMarket(comm, file);
const fileGraph = await readMatrixMarket(file);
for (const method of ['lanczos', 'dense'] as const) results.push(compare('matrix market, two copies of a block graph', fromFile, fileGraph, 6, method));

// 2. A cycle of 48 nodes, rank 0 holding every edge (scattered by fromEdges): eigenvalues
// cos(2 pi j / 48), each j > 0 twice.
const n = 48;
const src = Int32Array.from({ length: n }, (_, i) => i);
const dst = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
const cycle = DistributedGraph.fromEdges(comm, rank === 0 ? { n, src, dst, symmetrize: true } : { n, src: new Int32Array(0), dst: new Int32Array(0), symmetrize: true });
const both = { n, src: Int32Array.from([...src, ...dst]), dst: Int32Array.from([...dst, ...src]) };
const cycleGraph = Graph.fromEdges(both);
for (const method of ['lanczos', 'dense'] as const) results.push(compare('cycle of 48, scattered from rank 0', cycle, cycleGraph, 5, method));

// 'auto' takes the dense path at n <= 256, as the single-process eigsh does.
const auto = distributedEigshSync(cycle, { k: 5 }).method;

// Ranks that disagree on k get ERR_MPI_MISMATCH.
let mismatch: unknown = null;
try {
  distributedEigshSync(cycle, { k: 3 + (rank % 2) });
} catch (e) {
  mismatch = (e as { code?: string }).code;
}
// Ranks that disagree on the method get ERR_MPI_MISMATCH too.
let methodMismatch: unknown = null;
try {
  distributedEigshSync(cycle, { k: 3, method: rank % 2 ? 'dense' : 'lanczos' });
} catch (e) {
  methodMismatch = (e as { code?: string }).code;
}
report(rank, { size, results, mismatch, methodMismatch, auto });
