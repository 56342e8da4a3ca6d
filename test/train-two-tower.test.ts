import test from 'ava';
import { BipartiteGraph, populationLossSync } from '../src/index.js';
import { crossKnnGraph } from '../src/data/knn-graph.js';
import { runTwoTowerExperiment } from '../src/train/experiment.js';
import { numpyNormalizedSingularValues } from './helpers/numpy.js';
import { normal } from './helpers/random.js';
import { missing, testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// Two point clouds ("images" and "texts") drawn from the same 4 well-separated Gaussian clusters
// in 6 dimensions: their cross kNN graph has 4 singular values of P̄ near 1 and a clear drop after.
function clusters(count: number, seed: number) {
  const g = normal(seed);
  const d = 6;
  const data = new Float64Array(count * d);
  for (let i = 0; i < count; i++) for (let j = 0; j < d; j++) data[i * d + j] = g() + (j === i % 4 ? 6 : 0);
  return { data, rows: count, cols: d };
}
const L = clusters(240, 1);
const R = clusters(200, 2);
const k = 4;
const m = 6;
const knn = crossKnnGraph(L, R, { m });
const graph = BipartiteGraph.fromEdges({ nLeft: 240, nRight: 200, left: knn.edges.src, right: knn.edges.dst, weight: knn.edges.weight });

test('the cross kNN graph joins each side to its m nearest rows of the other side (brute force)', (t) => {
  const dist = (a: Float64Array, i: number, b: Float64Array, j: number) => {
    let s = 0;
    for (let c = 0; c < 6; c++) s += (a[i * 6 + c] - b[j * 6 + c]) ** 2;
    return s;
  };
  const want = new Set<string>();
  for (let i = 0; i < 240; i++) {
    const order = Array.from({ length: 200 }, (_, j) => j).sort((a, b) => dist(L.data, i, R.data, a) - dist(L.data, i, R.data, b));
    for (const j of order.slice(0, m)) want.add(`${i},${j}`);
  }
  for (let j = 0; j < 200; j++) {
    const order = Array.from({ length: 240 }, (_, i) => i).sort((a, b) => dist(R.data, j, L.data, a) - dist(R.data, j, L.data, b));
    for (const i of order.slice(0, m)) want.add(`${i},${j}`);
  }
  const got = new Set(Array.from(knn.edges.src, (s, e) => `${s},${knn.edges.dst[e]}`));
  t.deepEqual([...got].sort(), [...want].sort());
});

// The optimum, independently: numpy's dense SVD of D_x^-1/2 P D_t^-1/2.
const optimum = missing('python') !== undefined ? NaN
  : -numpyNormalizedSingularValues(240, 200, { left: knn.edges.src, right: knn.edges.dst, weight: knn.edges.weight }).slice(0, k).reduce((s, x) => s + x * x, 0);

pyTest('two towers trained on minibatches of pairs come within 2% of -sum σ_i^2', async (t) => {
  const r = await runTwoTowerExperiment({
    graph, edges: knn.edges, k, encoder: 'table', mode: 'minibatch', seed: 2,
    hyper: { steps: 1200, batchSize: 256, lr: 0.05, optimizer: 'adam' },
  });
  // closedFormOptimum (Lanczos, tol 1e-10) against the dense SVD: float64 on both sides.
  t.true(Math.abs(r.optimum - optimum) < 1e-8 * Math.abs(optimum), `${r.optimum} vs ${optimum}`);
  t.true(r.relativeGap < 0.02, `relative gap ${r.relativeGap}`);
  t.true(r.finalPopulationLoss >= optimum - 1e-5 * Math.abs(optimum));
  t.is(populationLossSync(graph, r.training.embedding, r.training.rightEmbedding!).loss, r.finalPopulationLoss);
});

test('two towers in full-batch mode come within 0.1% of the optimum', async (t) => {
  const r = await runTwoTowerExperiment({
    graph, edges: knn.edges, k, encoder: 'table', mode: 'fullbatch', seed: 3,
    hyper: { steps: 600, batchSize: 0, lr: 0.05, optimizer: 'adam' },
  });
  t.true(r.relativeGap < 1e-3, `relative gap ${r.relativeGap}`);
  t.true(r.maxPrincipalAngleDeg < 5, `angle ${r.maxPrincipalAngleDeg}`);
});

test('towers of two kinds: an MLP image tower (normalized, scale from E_x*) with a linear text tower', async (t) => {
  const features = (M: { data: Float64Array; rows: number; cols: number }) => ({ data: Float32Array.from(M.data), rows: M.rows, cols: M.cols });
  const base = { graph, edges: knn.edges, k, encoder: 'mlp' as const, leftFeatures: features(L), rightFeatures: features(R), hidden: 16, mode: 'minibatch' as const, seed: 4 };
  const r = await runTwoTowerExperiment({ ...base, rightEncoder: 'linear', normalizeLeft: true, hyper: { steps: 400, batchSize: 128, lr: 0.01, optimizer: 'adam' } });
  t.is(r.towers.left.kind, 'mlp');
  t.is(r.towers.right.kind, 'linear');
  // Every image embedding has the learned scale as its norm (1e-5: float32 rows of 4 entries).
  const E = r.training.embedding;
  const c = r.towers.left.params[r.towers.left.params.length - 1][0];
  for (let i = 0; i < E.rows; i++) {
    let n2 = 0;
    for (let j = 0; j < k; j++) n2 += E.data[i * k + j] ** 2;
    t.true(Math.abs(Math.sqrt(n2) - c) < 1e-5 * c, `row ${i}`);
  }
  // Four well-separated clusters: the towers find most of the optimum (the gap is far below 1).
  t.true(r.relativeGap < 0.3, `relative gap ${r.relativeGap}`);
  const hyper = { steps: 1, batchSize: 8, lr: 0.01, optimizer: 'adam' as const };
  await t.throwsAsync(runTwoTowerExperiment({ ...base, rightEncoder: 'table' as never, hyper }), { instanceOf: RangeError, message: /rightEncoder must be 'linear' or 'mlp'/ });
  await t.throwsAsync(runTwoTowerExperiment({ ...base, rightEncoder: 'linear', normalizeRight: true, hyper }), { instanceOf: RangeError, message: /a normalized tower must be an mlp/ });
});
