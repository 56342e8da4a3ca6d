import test from 'ava';
import { knnGraph, knnGraphAsync, nearestNeighbours, nearestNeighboursAsync, nearestNeighboursOnWebGpu } from '../src/data/knn-graph.js';
import { disposeWebGpu } from '../src/gpu/shared.js';
import { crossGramSync, type Matrix } from '../src/index.js';
import { randomMatrix, rng } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// Brute force in float64: every pairwise distance computed directly as sum (x - x')^2.
function bruteForce(X: Float64Array, n: number, d: number, m: number) {
  const out: { j: number; d2: number }[][] = [];
  for (let i = 0; i < n; i++) {
    const row: { j: number; d2: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += (X[i * d + c] - X[j * d + c]) ** 2;
      row.push({ j, d2: s });
    }
    row.sort((a, b) => a.d2 - b.d2 || a.j - b.j);
    out.push(row.slice(0, m));
  }
  return out;
}

const n = 150;
const d = 12;
const m = 6;
const X = randomMatrix(Float64Array, n, d, 99);

test('neighbours from blocked Gram products equal brute-force float64 kNN', (t) => {
  const want = bruteForce(X.data, n, d, m);
  // Float64 input: the expansion ||x||^2 + ||x'||^2 - 2 x.x' differs from the direct sum by
  // ~1e-15 * ||x||^2, while consecutive neighbour distances of continuous random data differ by
  // far more, so the neighbour lists must agree exactly and the distances to 1e-12 relative.
  for (const blockRows of [1, 7, 64, n]) {
    const { neighbours, distances2 } = nearestNeighbours(X, m, blockRows);
    for (let i = 0; i < n; i++)
      for (let r = 0; r < m; r++) {
        t.is(neighbours[i * m + r], want[i][r].j);
        t.true(Math.abs(distances2[i * m + r] - want[i][r].d2) <= 1e-12 * want[i][r].d2);
      }
  }
});

test('float32 input finds the same neighbours up to near-ties', (t) => {
  const X32 = { data: Float32Array.from(X.data), rows: n, cols: d };
  const want = bruteForce(Float64Array.from(X32.data), n, d, m);
  const { neighbours, distances2 } = nearestNeighbours(X32, m);
  // Float32 Gram products carry ~1e-6 relative error on ||x||^2 ~ 12, i.e. ~1e-4 absolute on d^2:
  // a neighbour may differ only where the brute-force distances are that close.
  for (let i = 0; i < n; i++)
    for (let r = 0; r < m; r++) {
      t.true(Math.abs(distances2[i * m + r] - want[i][r].d2) < 1e-3);
      if (neighbours[i * m + r] !== want[i][r].j) t.true(Math.abs(want[i][r].d2 - distances2[i * m + r]) < 1e-3);
    }
});

test('the graph is the symmetrized kNN union with Gaussian weights and median-distance sigma', (t) => {
  const want = bruteForce(X.data, n, d, m);
  const all = want.flatMap((row) => row.map((e) => Math.sqrt(e.d2))).sort((a, b) => a - b);
  const sigma = (all[all.length / 2 - 1] + all[all.length / 2]) / 2;
  const { edges, sigma: got } = knnGraph(X, { m, blockRows: 32 });
  t.true(Math.abs(got - sigma) < 1e-12 * sigma);
  const expected = new Map<string, number>();
  want.forEach((row, i) =>
    row.forEach(({ j, d2 }) => {
      const w = Math.exp(-d2 / (4 * sigma * sigma));
      expected.set(`${i},${j}`, w);
      expected.set(`${j},${i}`, w);
    }),
  );
  t.is(edges.src.length, expected.size);
  for (let e = 0; e < edges.src.length; e++) {
    const w = expected.get(`${edges.src[e]},${edges.dst[e]}`);
    t.not(w, undefined);
    t.true(Math.abs(edges.weight[e] - w!) < 1e-12);
    if (e > 0) t.true(edges.src[e] > edges.src[e - 1] || (edges.src[e] === edges.src[e - 1] && edges.dst[e] > edges.dst[e - 1]));
  }
});

test('knnGraph rejects bad arguments', (t) => {
  t.throws(() => knnGraph(X, { m: n }), { instanceOf: RangeError, message: /m must be an integer from 1 to n - 1/ });
  t.throws(() => knnGraph(X, { m: 0 }), { instanceOf: RangeError });
  t.throws(() => knnGraph({ data: [1], rows: 1, cols: 1 } as never, { m: 1 }), { instanceOf: TypeError });
  const same = { data: new Float64Array(8).fill(1), rows: 4, cols: 2 };
  t.throws(() => knnGraph(same, { m: 2 }), { instanceOf: RangeError, message: /sigma must be positive/ });
});

test('knnGraphAsync with the block products from a provider builds the same graph', async (t) => {
  const calls: number[] = [];
  const provider = async (block: Matrix, Y: Matrix) => {
    calls.push(block.rows);
    return crossGramSync(block, Y) as Matrix;
  };
  const want = knnGraph(X, { m, blockRows: 40 });
  const got = await knnGraphAsync(X, { m, blockRows: 40, crossGram: provider });
  t.deepEqual(calls, [40, 40, 40, 30]);
  t.deepEqual(got.edges, want.edges);
  t.is(got.sigma, want.sigma);
  await t.throwsAsync(knnGraphAsync(X, { m, crossGram: async () => ({ data: new Float64Array(4), rows: 2, cols: 2 }) }), { instanceOf: RangeError, message: /crossGram returned 2 x 2/ });
});

// The WebGPU backend (CI: Mesa's lavapipe, as test/gpu-*.test.ts require), the shared device of
// `backend: 'webgpu'`: the neighbours are selected on the device by topK. Its float32 tiled GEMM
// rounds differently from the CPU's; on these points (||x||^2 ~ 12, float32 error ~1e-5 on d^2)
// the neighbour distances agree to 1e-3 and a neighbour may differ only at a near-tie.
const gpuTest = testNeeding('webgpu');
gpuTest.serial('the kNN graph on the WebGPU backend matches the CPU one', async (t) => {
  try {
    const X32 = { data: Float32Array.from(X.data), rows: n, cols: d };
    const cpu = nearestNeighbours(X32, m);
    const gpu = await nearestNeighboursOnWebGpu(X32, m, { blockRows: 64 });
    const direct = (i: number, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (X32.data[i * d + c] - X32.data[j * d + c]) ** 2;
      return s;
    };
    for (let e = 0; e < n * m; e++) {
      t.true(Math.abs(gpu.distances2[e] - cpu.distances2[e]) < 1e-3);
      // A different neighbour at this rank must be as near as the CPU's, measured directly.
      if (gpu.neighbours[e] !== cpu.neighbours[e]) t.true(Math.abs(direct(Math.floor(e / m), gpu.neighbours[e]) - cpu.distances2[e]) < 1e-3);
    }
  } finally {
    await disposeWebGpu();
  }
});

// Ties: small integer coordinates make every product, norm and distance exact in float32, so the
// topK selection on the device must give exactly the CPU selection's neighbours (ties to the lower
// index) and distances, in the self case (with duplicate points: another row at distance 0 ties
// with the row itself) and against a second point set; knnGraphAsync's edges and sigma likewise.
gpuTest.serial('the WebGPU neighbour search breaks ties as the CPU does (exact data)', async (t) => {
  try {
    const u = rng(9);
    const grid = (rows: number, dim: number) => ({ data: Float32Array.from({ length: rows * dim }, () => Math.floor(u() * 3)), rows, cols: dim });
    const P = grid(150, 3); // 27 distinct points: many duplicates and many equal distances
    const Q = grid(70, 3);
    for (const [mm, blockRows] of [[1, 64], [5, 40], [30, 150]] as const) {
      const cpu = nearestNeighbours(P, mm, blockRows);
      const gpu = await nearestNeighboursOnWebGpu(P, mm, { blockRows });
      t.deepEqual(gpu.neighbours, cpu.neighbours, `self, m ${mm}`);
      t.deepEqual(gpu.distances2, cpu.distances2, `self, m ${mm}: distances`);
      const cpuQ = nearestNeighbours(Q, mm, blockRows, undefined, P);
      const gpuQ = await nearestNeighboursOnWebGpu(Q, mm, { blockRows, Y: P });
      t.deepEqual(gpuQ.neighbours, cpuQ.neighbours, `Q against P, m ${mm}`);
      t.deepEqual(gpuQ.distances2, cpuQ.distances2);
    }
    const dots = grid(200, 4);
    dots.data[0] = 5; // sigma > 0 needs some spread; a lone far point
    const want = knnGraph(dots, { m: 6 });
    const got = await knnGraphAsync(dots, { m: 6, backend: 'webgpu' });
    t.deepEqual(got.edges, want.edges);
    t.is(got.sigma, want.sigma);
    await t.throwsAsync(nearestNeighboursOnWebGpu({ data: new Float64Array(6), rows: 3, cols: 2 }, 1), { instanceOf: TypeError, message: /float32/ });
  } finally {
    await disposeWebGpu();
  }
});
