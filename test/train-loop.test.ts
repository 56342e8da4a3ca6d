import test from 'ava';
import { populationLossSync, stochasticBlockModel } from '../src/index.js';
import { runExperiment } from '../src/train/experiment.js';
import { edgesOfCSR } from '../src/data/edge-list.js';
import { numpyOptimum } from './helpers/graphs.js';
import { missing, testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// A stochastic block model with 6 blocks has 6 eigenvalues of Ā well separated from the rest
// (about 1 and 0.8 - 0.2/5 against a bulk of width ~ 2/sqrt(degree)), so k = 6 has a clear optimum.
const n = 600;
const k = 6;
const graph = stochasticBlockModel({ n, blocks: k, averageDegree: 24, inside: 0.85, seed: 5 });
const edges = edgesOfCSR(graph.n, graph.toCSR());

// The optimum, independently: numpy's dense eigvalsh of D^-1/2 A D^-1/2.
const optimum = missing('python') === undefined ? numpyOptimum(n, k, edges) : NaN;

pyTest('minibatch training of a free table comes within 2% of the closed-form optimum (SBM)', async (t) => {
  const r = await runExperiment({
    graph, edges, k, encoder: 'table', mode: 'minibatch', seed: 3,
    hyper: { steps: 1500, batchSize: 256, lr: 0.05, optimizer: 'adam' },
  });
  // The eigensolver's optimum against numpy's dense one: both float64, Lanczos tolerance ~1e-10.
  t.true(Math.abs(r.optimum - optimum) < 1e-8 * Math.abs(optimum), `${r.optimum} vs ${optimum}`);
  t.true(r.relativeGap < 0.02, `relative gap ${r.relativeGap}`);
  // No embedding can beat the optimum (up to float32 rounding of E, ~1e-6 relative).
  t.true(r.finalPopulationLoss >= optimum - 1e-5 * Math.abs(optimum));
  // The reported final loss is populationLoss of the returned embedding.
  t.is(populationLossSync(graph, r.training.embedding).loss, r.finalPopulationLoss);
});

test('full-batch training of a free table comes within 0.1% of the optimum and aligns with the eigenvectors (SBM)', async (t) => {
  const r = await runExperiment({
    graph, edges, k, encoder: 'table', mode: 'fullbatch', seed: 4,
    hyper: { steps: 600, batchSize: 0, lr: 0.05, optimizer: 'adam' },
  });
  t.true(r.relativeGap < 1e-3, `relative gap ${r.relativeGap}`);
  t.true(r.maxPrincipalAngleDeg < 5, `angle ${r.maxPrincipalAngleDeg}`);
});

test('training is deterministic for a seed', async (t) => {
  const run = () => runExperiment({ graph, edges, k, encoder: 'table', mode: 'minibatch', seed: 9, hyper: { steps: 50, batchSize: 64, lr: 0.05, optimizer: 'adam' } });
  const [a, b] = [await run(), await run()];
  t.deepEqual(a.training.embedding.data, b.training.embedding.data);
  t.is(a.finalPopulationLoss, b.finalPopulationLoss);
});
