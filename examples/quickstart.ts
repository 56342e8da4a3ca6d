// The README's library example, runnable: `node --import tsx examples/quickstart.ts`.
import {
  stochasticBlockModel, eigsh, closedFormOptimum, populationLoss, spectralLoss, crossGram, topK,
} from '../src/index.js';

// A graph, Ā's top eigenpairs, and the optimum of spectral contrastive training on it.
const graph = stochasticBlockModel({ n: 2000, blocks: 10, averageDegree: 20, inside: 0.8, seed: 1 });
const { values, residuals } = await eigsh(graph, { k: 10, tol: 1e-8 });
const optimum = await closedFormOptimum(graph, 10);
const atOptimum = await populationLoss(graph, optimum.embedding);
console.log('top eigenvalues', Array.from(values.slice(0, 4), (v) => v.toFixed(4)), 'max residual', Math.max(...residuals).toExponential(1));
console.log('closed-form loss', optimum.loss.toFixed(6), 'population loss at E*', atOptimum.loss.toFixed(6));

// A minibatch: 512 positive pairs of 64-dimensional embeddings.
const B = 512, k = 64;
const Z = { data: Float32Array.from({ length: B * k }, () => Math.random() - 0.5), rows: B, cols: k };
const W = { data: Float32Array.from(Z.data, (v) => v + 0.1 * (Math.random() - 0.5)), rows: B, cols: k };
const { loss, gradZ, gradW } = await spectralLoss(Z, W, { mu: 1 });
console.log('minibatch loss', loss.toFixed(4), 'grad shapes', gradZ.rows, 'x', gradZ.cols, gradW.rows, 'x', gradW.cols);

// Similarities and exact top-5 search.
const S = await crossGram(Z, W);             // Z W^T, 512 x 512
const { indices } = await topK(Z, W, 5);     // for each row of Z, the 5 rows of W with largest z.w
console.log('S is', S.rows, 'x', S.cols, '; row 0 best match', indices[0]);
