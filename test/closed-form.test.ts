import test from 'ava';
import {
  BipartiteGraph, Graph, closedFormOptimum, closedFormOptimumSync, eigsh, populationLoss, populationLossSync,
  stochasticBlockModel,
} from '../src/index.js';
import { numpyNormalizedEigenvalues, numpyNormalizedSingularValues } from './helpers/numpy.js';
import { rng } from './helpers/random.js';
import { complete, completeBipartite, random, ring, union, type DenseGraph } from './helpers/graphs.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

function toGraph(g: DenseGraph): Graph {
  return Graph.fromDense({ data: g.A, rows: g.n, cols: g.n });
}

// numpy reference: eigenvalues of Ā = D^{-1/2} A D^{-1/2}, descending.
const numpyEigenvalues = (g: DenseGraph) => numpyNormalizedEigenvalues(g.A, g.n);

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

pyTest('closed-form loss is -sum of squared positive top-k eigenvalues (numpy), and populationLoss(E*) equals it', async (t) => {
  const cases: [string, DenseGraph, number][] = [
    ['random', random(200, 0.05, 3), 8],
    ['disconnected', union(random(150, 0.06, 4), complete(40), ring(90)), 6],
    // K_{6,9}: eigenvalues 1, -1 and zeros; with k = 4 the -1 is never kept.
    ['complete bipartite', completeBipartite(6, 9), 4],
    ['large random (Lanczos path)', random(600, 0.02, 5), 10],
  ];
  for (const [name, dg, k] of cases) {
    const g = toGraph(dg);
    const want = numpyEigenvalues(dg).slice(0, k);
    const wantLoss = -want.reduce((s, l) => s + Math.max(l, 0) ** 2, 0);
    const opt = await closedFormOptimum(g, k);
    // Eigenvalues to tol = 1e-10 (residual bound), loss a sum of k squares of them.
    for (let i = 0; i < k; i++) t.true(Math.abs(opt.eigenvalues[i] - want[i]) < 1e-9, `${name} λ_${i}`);
    t.true(relative(opt.loss, wantLoss) < 1e-9, `${name}: loss ${opt.loss} vs numpy ${wantLoss}`);
    t.is(opt.embedding.rows, dg.n);
    t.is(opt.embedding.cols, k);
    // The check: populationLoss (an independent implementation of
    // -2 tr(E^T A E) + ||E^T D E||_F^2) at E* equals the closed form, relative 1e-6 in float64.
    const pl = populationLossSync(g, opt.embedding);
    t.true(relative(pl.loss, opt.loss) < 1e-6, `${name}: populationLoss ${pl.loss} vs closed form ${opt.loss}`);
    // E* is a stationary point: the gradient vanishes (relative to |E|, up to the eigen-residuals).
    let gmax = 0, emax = 0;
    for (const v of pl.grad.data) gmax = Math.max(gmax, Math.abs(v));
    for (const v of opt.embedding.data) emax = Math.max(emax, Math.abs(v));
    t.true(gmax < 1e-6 * emax, `${name}: gradient ${gmax}`);
    const sync = closedFormOptimumSync(g, k);
    t.true(relative(sync.loss, opt.loss) < 1e-12);
  }
});

test('closed form is the minimum: random embeddings and perturbations of E* have a larger populationLoss', async (t) => {
  const dg = random(150, 0.06, 8);
  const g = toGraph(dg);
  const k = 5;
  const opt = await closedFormOptimum(g, k);
  const u = rng(3);
  for (let trial = 0; trial < 5; trial++) {
    const E = opt.embedding.data.map((x) => x * (1 + 0.05 * (u() - 0.5)));
    const pl = await populationLoss(g, { data: E, rows: dg.n, cols: k });
    t.true(pl.loss > opt.loss, `perturbed ${pl.loss} vs optimum ${opt.loss}`);
  }
});

test('stochastic block model: 10 blocks give eigenvalue 1 and nine near 0.8; closed form matches populationLoss', async (t) => {
  const g = stochasticBlockModel({ n: 3000, seed: 2 });
  const opt = await closedFormOptimum(g, 10);
  t.true(Math.abs(opt.eigenvalues[0] - 1) < 1e-12);
  for (let i = 1; i < 10; i++) t.true(opt.eigenvalues[i] > 0.6 && opt.eigenvalues[i] < 0.9, `λ_${i} = ${opt.eigenvalues[i]}`);
  const pl = await populationLoss(g, opt.embedding);
  t.true(relative(pl.loss, opt.loss) < 1e-6);
  // eigsh on the graph itself agrees (default: the component vector deflated).
  const r = await eigsh(g, { k: 10, tol: 1e-10 });
  for (let i = 0; i < 10; i++) t.true(Math.abs(r.values[i] - opt.eigenvalues[i]) < 1e-9);
});

test('a graph with more components than k: the top k are all 1, from the component vectors', async (t) => {
  const dg = union(ring(10), ring(11), complete(5), ring(12), complete(6), ring(13));
  const g = toGraph(dg);
  const opt = await closedFormOptimum(g, 4);
  for (const l of opt.eigenvalues) t.true(Math.abs(l - 1) < 1e-12);
  t.true(Math.abs(opt.loss + 4) < 1e-10);
  t.true(relative(populationLossSync(g, opt.embedding).loss, opt.loss) < 1e-6);
});

pyTest('bipartite (CLIP) closed form: -sum σ^2 from numpy svd of P̄, populationLoss(E_x*, E_t*) equals it', async (t) => {
  const nl = 70, nr = 110;
  const u = rng(17);
  const left: number[] = [], right: number[] = [], weight: number[] = [];
  for (let i = 0; i < nl; i++) for (let j = 0; j < nr; j++) if (u() < 0.06 || j % nl === i) { left.push(i); right.push(j); weight.push(0.5 + u()); }
  const g = BipartiteGraph.fromEdges({ nLeft: nl, nRight: nr, left, right, weight });
  const k = 6;
  const want = numpyNormalizedSingularValues(nl, nr, { left, right, weight });
  const opt = await closedFormOptimum(g, k);
  for (let i = 0; i < k; i++) t.true(Math.abs(opt.singularValues[i] - want[i]) < 1e-8, `σ_${i}: ${opt.singularValues[i]} vs ${want[i]}`);
  const wantLoss = -want.slice(0, k).reduce((s, x) => s + x * x, 0);
  t.true(relative(opt.loss, wantLoss) < 1e-8);
  t.is(opt.left.rows, nl);
  t.is(opt.right.rows, nr);
  const pl = populationLossSync(g, opt.left, opt.right);
  t.true(relative(pl.loss, opt.loss) < 1e-6, `populationLoss ${pl.loss} vs closed form ${opt.loss}`);
  const sync = closedFormOptimumSync(g, k);
  t.true(relative(sync.loss, opt.loss) < 1e-12);
});

test('closed form: bad arguments', async (t) => {
  const g = toGraph(random(30, 0.2, 1));
  await t.throwsAsync(closedFormOptimum(g, 0), { instanceOf: RangeError, message: /k must be an integer from 1 to 30/ });
  await t.throwsAsync(closedFormOptimum(g, 31), { instanceOf: RangeError, message: /k must be/ });
  await t.throwsAsync(closedFormOptimum({} as never, 2), { instanceOf: TypeError, message: /Graph/ });
  t.throws(() => closedFormOptimumSync(g, 2, { tol: -1 }), { instanceOf: RangeError, message: /tol/ });
});
