// One process's results for test/determinism.test.ts: `node --import tsx run.ts <threads>` sets
// the core's thread count, then prints one JSON line with every result's bytes.
import { eigsh, eigshSync, setThreads, spectralLossSync, stochasticBlockModel, svdsSync, gramSync } from '../../src/index.js';
import { runExperiment } from '../../src/train/experiment.js';
import { edgesOfCSR } from '../../src/data/edge-list.js';
import { bipartite } from '../helpers/kernel-calls.js';
import { randomMatrix } from '../helpers/random.js';

setThreads(Number(process.argv[2] ?? 0));
// 10 000 rows: more than two of eigsh's 4096-row chunks, so that the thread count changes how
// its reductions are split. k = 5 of 6 blocks: a well-separated spectrum, a short solve.
const graph = stochasticBlockModel({ n: 10_000, blocks: 6, averageDegree: 20, inside: 0.8, seed: 12 });
const options = { k: 5, seed: 7, tol: 1e-10, method: 'lanczos' as const };
const sync = eigshSync(graph, options);
const promise = await eigsh(graph, options);
// svds on the smaller side's Gram operator (1 200 rows: one chunk at any thread count).
const svd = svdsSync(bipartite(3000, 1200), { k: 4, seed: 3, tol: 1e-10 });
const Z = randomMatrix(Float32Array, 512, 64, 1), W = randomMatrix(Float32Array, 512, 64, 2);
const loss = spectralLossSync(Z, W);
const G = gramSync(randomMatrix(Float64Array, 700, 90, 3));
const small = stochasticBlockModel({ n: 400, blocks: 4, averageDegree: 16, inside: 0.85, seed: 5 });
const training = await runExperiment({
  graph: small, edges: edgesOfCSR(small.n, small.toCSR()), k: 4, encoder: 'table', mode: 'minibatch', seed: 9,
  hyper: { steps: 60, batchSize: 64, lr: 0.05, optimizer: 'adam' },
});

// Each result: its bytes in base64, one string per array (the test hashes and compares them).
const entry = (...views: ArrayBufferView[]) =>
  views.map((v) => ({ type: v.constructor.name, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }));
console.log(JSON.stringify({
  eigshSync: entry(sync.values, sync.vectors.data),
  eigsh: entry(promise.values, promise.vectors.data),
  svds: entry(svd.values, svd.left.data, svd.right.data),
  spectralLoss: entry(Float64Array.of(loss.loss), loss.gradZ.data, loss.gradW.data),
  gram: entry(G.data),
  training: entry(training.training.embedding.data, Float64Array.of(training.finalPopulationLoss)),
}));
