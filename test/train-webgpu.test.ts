// Training on the WebGPU backend's kernels (on CI: Mesa's lavapipe): the loss provider's minibatch
// and population losses against the CPU kernels, and end-to-end runs on a stochastic block model
// against the closed-form optimum. One device per process (Dawn's Node binding polls on the main
// thread until the device is destroyed): created once, every test serial on it, disposed at the end.
// Lavapipe is a software rasterizer on the CPU, so the runs are kept small (n = 240, a few hundred
// steps).
import test from 'ava';
import { populationLossSync, spectralLossSync, stochasticBlockModel } from '../src/index.js';
import { runExperiment } from '../src/train/experiment.js';
import { edgesOfCSR } from '../src/data/edge-list.js';
import { webGpuLossProvider } from '../src/train/webgpu-loss.js';
import { randomMatrix } from './helpers/random.js';
import { relativeMaxError } from './helpers/reference.js';
import { openTestBackend } from './helpers/webgpu.js';
import { numpyOptimum } from './helpers/graphs.js';
import { missing, testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

// 4 blocks: Ā has 4 eigenvalues well above the bulk (1, and ~0.85 - 0.15/3 against a bulk of
// width ~2/sqrt(20)), so k = 4 has a clear optimum.
const n = 240;
const k = 4;
const graph = stochasticBlockModel({ n, blocks: k, averageDegree: 20, inside: 0.85, seed: 11 });
const edges = edgesOfCSR(graph.n, graph.toCSR());

// The optimum, independently: numpy's dense eigvalsh of D^-1/2 A D^-1/2.
const optimum = missing('python') === undefined ? numpyOptimum(n, k, edges) : NaN;

if (backend) {
  const gpu = backend;

  // Tolerances: both sides take float32 inputs; the CPU kernel accumulates its scalars in float64,
  // the GPU in compensated float32 partial sums added in float64, and its products are float32
  // with fma. A float32 dot product of length K <= 128 is off by at most ~K 2^-24 relative to the
  // sum of |terms| (~sqrt(K) 2^-24 in practice), so gradients agree to 1e-4 of their largest
  // entry and the loss to 1e-5 of |positive| + |negative| (the two terms partly cancel).
  test.serial('one GPU minibatch step gives the CPU spectralLoss and gradients (float32 tolerance)', async (t) => {
    const provider = webGpuLossProvider(gpu, graph);
    try {
      for (const [B, dim, seed] of [[128, k, 1], [16, 32, 2]] as const) {
        const Z = randomMatrix(Float32Array, B, dim, seed, 0.1);
        const W = randomMatrix(Float32Array, B, dim, seed + 100, 0.1);
        const want = spectralLossSync(Z, W);
        const got = await provider.spectralLoss(Z, W);
        const scale = Math.abs(want.positive) + Math.abs(want.negative);
        t.true(Math.abs(got.loss - want.loss) <= 1e-5 * scale, `B ${B}: loss ${got.loss} vs ${want.loss}`);
        t.true(got.gradZ.data instanceof Float32Array && got.gradZ.rows === B && got.gradZ.cols === dim);
        t.true(relativeMaxError(got.gradZ.data, want.gradZ.data) < 1e-4, `B ${B}: gradZ`);
        t.true(relativeMaxError(got.gradW.data, want.gradW.data) < 1e-4, `B ${B}: gradW`);
      }
      // A float64 embedding is rounded for the GPU and its gradients come back in float64.
      const Z64 = randomMatrix(Float64Array, 32, k, 3, 0.1);
      const got64 = await provider.spectralLoss(Z64, Z64);
      const want64 = spectralLossSync(Z64, Z64);
      t.true(got64.gradZ.data instanceof Float64Array);
      t.true(relativeMaxError(got64.gradZ.data, want64.gradZ.data) < 1e-4);
    } finally {
      provider.dispose();
    }
  });

  // The population loss on the uploaded graph: an SpMM of row length <= ~40 and a k x k Gram over
  // n = 240 rows, float32; gradient to 1e-4 of its largest entry, loss to 1e-5 of the sum of
  // |terms| (2 tr(EᵀAE) + ||EᵀDE||², both computed here in float64).
  test.serial('the GPU population loss and gradient match the CPU float64 populationLoss', async (t) => {
    const provider = webGpuLossProvider(gpu, graph);
    try {
      const E = randomMatrix(Float32Array, n, k, 4, 0.05);
      const want = populationLossSync(graph, E);
      const got = await provider.populationLoss(E);
      const csr = graph.toCSR();
      let total = 0;
      for (let e = 0; e < csr.values.length; e++) total += csr.values[e];
      let trace = 0;
      for (let i = 0; i < n; i++) {
        for (let e = csr.indptr[i]; e < csr.indptr[i + 1]; e++) {
          const j = csr.indices[e];
          for (let c = 0; c < k; c++) trace += (csr.values[e] / total) * E.data[i * k + c] * E.data[j * k + c];
        }
      }
      const scale = 2 * Math.abs(trace) + Math.abs(want.loss + 2 * trace);
      t.true(Math.abs(got.loss - want.loss) <= 1e-5 * scale, `${got.loss} vs ${want.loss}`);
      t.true(relativeMaxError(got.gradLeft.data, want.grad.data) < 1e-4);
      await t.throwsAsync(async () => provider.populationLoss(E, E), { instanceOf: TypeError, message: /one tower/ });
    } finally {
      provider.dispose();
    }
  });

  pyTest.serial('minibatch training through the GPU loss provider comes within 2% of the closed-form optimum (SBM)', async (t) => {
    const provider = webGpuLossProvider(gpu, graph);
    const r = await runExperiment({
      graph, edges, k, encoder: 'table', mode: 'minibatch', seed: 3, lossProvider: provider,
      hyper: { steps: 300, batchSize: 128, lr: 0.05, optimizer: 'adam' },
    }).finally(() => provider.dispose());
    // eigsh's optimum against numpy's dense one (both float64, Lanczos tolerance ~1e-10).
    t.true(Math.abs(r.optimum - optimum) < 1e-8 * Math.abs(optimum), `${r.optimum} vs ${optimum}`);
    t.true(r.relativeGap < 0.02, `relative gap ${r.relativeGap}`);
    // The reported figures are the CPU's float64 populationLoss of the returned embedding.
    t.is(populationLossSync(graph, r.training.embedding).loss, r.finalPopulationLoss);
    t.deepEqual(r.training.gpuParts, ['minibatch spectralLoss and its gradients', 'scheduled population-loss evaluations (all but the final one)']);
  });

  test.serial('full-batch training on the GPU population loss comes within 0.1% of the optimum (SBM)', async (t) => {
    const provider = webGpuLossProvider(gpu, graph);
    const r = await runExperiment({
      graph, edges, k, encoder: 'table', mode: 'fullbatch', seed: 4, lossProvider: provider,
      hyper: { steps: 300, batchSize: 0, lr: 0.05, optimizer: 'adam' },
    }).finally(() => provider.dispose());
    t.true(r.relativeGap < 0.001, `relative gap ${r.relativeGap}`);
    t.deepEqual(r.training.gpuParts, ['full-batch populationLoss and its gradient', 'scheduled population-loss evaluations (all but the final one)']);
    t.is(populationLossSync(graph, r.training.embedding).loss, r.finalPopulationLoss);
  });
}
