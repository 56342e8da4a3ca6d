// Rank program of test/mpi.test.ts: distributedSvds and distributedBipartiteOptimum against
// svdsSync and closedFormOptimumSync on the same BipartiteGraph: two copies of one bipartite block
// graph (every singular value twice), the pairs split among the ranks; by the Lanczos and the dense
// path.
import { initMpi, DistributedBipartiteGraph, distributedSvds, distributedBipartiteOptimumSync } from '../../src/mpi/index.js';
import { BipartiteGraph, svdsSync, closedFormOptimumSync } from '../../src/index.js';
import { rng } from '../helpers/random.js';
import { report } from './report.js';
import { subspaceError } from './subspace.js';

const comm = initMpi();
const { rank, size } = comm;
const random = rng(9);
const nl = 30;
const nr = 24;
const left: number[] = [];
const right: number[] = [];
const weight: number[] = [];
for (let i = 0; i < nl; i++)
  for (let j = 0; j < nr; j++)
    if (random() < (i % 3 === j % 3 ? 0.5 : 0.05) || j === i % nr)
      for (let c = 0; c < 2; c++) {
        left.push(2 * i + c);
        right.push(2 * j + c);
        weight.push(1 + ((i + j) % 2));
      }
const single = BipartiteGraph.fromEdges({ nLeft: 2 * nl, nRight: 2 * nr, left: Int32Array.from(left), right: Int32Array.from(right), weight: Float64Array.from(weight) });
// Rank r passes the pairs e with e % size == r.
const mine = left.map((_, e) => e).filter((e) => e % size === rank);
const dist = DistributedBipartiteGraph.fromEdges(comm, {
  nLeft: 2 * nl,
  nRight: 2 * nr,
  left: Int32Array.from(mine, (e) => left[e]),
  right: Int32Array.from(mine, (e) => right[e]),
  weight: Float64Array.from(mine, (e) => weight[e]),
});
const k = 4;
const tol = 1e-10;
const want = svdsSync(single, { k, tol });
const singleOptimum = closedFormOptimumSync(single, k, { tol });
const p = dist.marginals();
const byMethod = [];
for (const method of ['lanczos', 'dense'] as const) {
  // The Promise form for the triplets, the Sync form for the optimum.
  const got = await distributedSvds(dist, { k, tol, method });
  const valueError = Math.max(...Array.from(want.values, (v, i) => Math.abs(v - got.values[i])));
  const optimum = distributedBipartiteOptimumSync(dist, k, { tol, method });
  // E_x*ᵀ D_x E_x* = Σ_k on each side: checks the marginals' scaling on the rank's rows.
  let scaling = 0;
  for (const [E, q] of [[optimum.left, p.left], [optimum.right, p.right]] as const) {
    const G = new Float64Array(k * k);
    for (let i = 0; i < E.rows; i++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] += q[i] * E.data[i * k + a] * E.data[i * k + b];
    comm.allreduce(G);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) scaling = Math.max(scaling, Math.abs(G[a * k + b] - (a === b ? optimum.singularValues[a] : 0)));
  }
  byMethod.push({
    method,
    ran: got.method,
    values: Array.from(got.values),
    valueError,
    leftError: subspaceError(comm, want.left.data, got.left, k),
    rightError: subspaceError(comm, want.right.data, got.right, k),
    rows: [got.left.rows, got.right.rows],
    lossError: Math.abs(optimum.loss - singleOptimum.loss),
    scaling,
  });
}
report(rank, { byMethod });
