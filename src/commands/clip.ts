// `speclin clip`: the two-tower (CLIP) case. Towers f and g are trained on a BipartiteGraph of
// pairs (x, t) and checked against min L = -sum_{i<=k} σ_i(P̄)^2. Without --graph the pairs come
// from MNIST: the digits are split at random into "images" (left) and "texts" (right), and each
// side is joined to its m nearest neighbours on the other side with Gaussian weights.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BipartiteGraph } from '../graph.js';
import { readMatrixMarket } from '../io.js';
import type { Matrix } from '../types.js';
import { crossKnnGraph } from '../data/knn-graph.js';
import { edgesOfCSR } from '../data/edge-list.js';
import { loadMnist, MNIST_AVAILABLE } from '../data/mnist.js';
import { renderReport } from '../report/html.js';
import { principalPlane } from '../report/projection.js';
import { formatTable } from '../report/table.js';
import { runTwoTowerExperiment, type TwoTowerResult } from '../train/experiment.js';
import { webGpuLossProvider } from '../train/webgpu-loss.js';
import { childSeed, permutation } from '../random.js';
import { writeMatrixFile } from '../matrix-file.js';
import { UsageError, numberOption, parse } from '../cli/args.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { progressHooks, trainingFlags, trainingRows, trainingOptions, type TrainingFlags } from '../cli/training-flags.js';
import { backendOption, openWebGpu, type GpuSession } from '../cli/webgpu-option.js';

export const usage = `usage: speclin clip [options]
  Trains two towers (f on the left nodes, g on the right ones) on a bipartite graph of pairs and
  compares them with the closed-form optimum from the top-k singular vectors of P̄.
  --graph FILE        a bipartite graph: an m x n Matrix Market file (rows: left, columns: right);
                      default: MNIST digits split into two halves joined by their cross kNN graph
  --n N               MNIST digits for the default graph (default 10000, half on each side)
  --m M               cross neighbours per digit (default 10)
  -k, --k K           embedding dimension (default 16)
  --encoder NAME      table (default), linear or mlp (of the pixels; MNIST only)
  --mode MODE         minibatch (default) or fullbatch
  --steps N  --batch-size B  --lr LR  --optimizer adam|sgd  --hidden H  --seed S
  --backend NAME      cpu (default) or webgpu: training's losses and gradients on the GPU; the
                      cross kNN graph, svds, encoders, optimizer, probes and the final float64
                      population loss on the CPU
  --out FILE          the HTML report (default report-clip.html)
  --save-left FILE    write the left tower's embedding (nLeft x k) to FILE: .npy (for numpy.load
  --save-right FILE   and speclin verify --bipartite), .mtx (Matrix Market array), else CSV
  --json              print the summary as one JSON object on stdout`;

function rows(flags: TrainingFlags, r: TwoTowerResult, g: BipartiteGraph): [string, string][] {
  const out: [string, string][] = [
    ['left x right nodes', `${g.nLeft} x ${g.nRight}`],
    ['stored pairs', String(g.nnz)],
    ...trainingRows(flags, r),
    ['largest principal angle (both towers)', `${r.maxPrincipalAngleDeg.toFixed(2)} deg`],
    ['σ_k', r.singularValues[flags.k - 1].toFixed(5)],
  ];
  if (r.probe) {
    out.push(['probe accuracy: left embedding', `${(r.probe.embedding * 100).toFixed(2)} %`]);
    out.push(['probe accuracy: optimal left embedding', `${(r.probe.eigenvectors * 100).toFixed(2)} %`]);
    if (r.probe.pixels !== undefined) out.push(['probe accuracy: pixels', `${(r.probe.pixels * 100).toFixed(2)} %`]);
  }
  out.push(['singular value solve', `${r.eigsSeconds.toFixed(1)} s`], ['training', `${r.training.seconds.toFixed(1)} s`]);
  return out;
}

function pickRows(M: Matrix<Float32Array>, rowsWanted: Int32Array): Matrix<Float32Array> {
  const out = new Float32Array(rowsWanted.length * M.cols);
  rowsWanted.forEach((r, i) => out.set(M.data.subarray(r * M.cols, (r + 1) * M.cols), i * M.cols));
  return { data: out, rows: rowsWanted.length, cols: M.cols };
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...trainingOptions, graph: { type: 'string' }, n: { type: 'string' }, m: { type: 'string' }, backend: { type: 'string' },
    'save-left': { type: 'string' }, 'save-right': { type: 'string' },
  }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags = trainingFlags(values, usage, 16);
  const n = numberOption(values.n as string | undefined, '--n', usage, { integer: true, min: 40, max: MNIST_AVAILABLE }) ?? MNIST_AVAILABLE;
  const m = numberOption(values.m as string | undefined, '--m', usage, { integer: true, min: 1, max: 1000 }) ?? 10;
  const file = values.graph as string | undefined;
  if (file && flags.encoder !== 'table') throw new UsageError('--encoder linear|mlp needs pixels: use it without --graph', usage);
  if (!file && m >= n / 2) throw new UsageError(`--m must be below half of --n (${n / 2}), got ${m}`, usage);
  let gpu: GpuSession | undefined;
  if (backendOption(values.backend, usage) === 'webgpu') {
    gpu = await openWebGpu('clip', "training's losses and gradients run on it; the cross kNN graph, svds, the encoder and optimizer updates, the probes and the final float64 population loss on the CPU");
    if (!gpu) return 1;
  }
  try {
    return await clip(flags, n, m, file, gpu, { left: values['save-left'] as string | undefined, right: values['save-right'] as string | undefined });
  } finally {
    gpu?.dispose();
  }
}

async function clip(
  flags: TrainingFlags, n: number, m: number, file: string | undefined, gpu: GpuSession | undefined, save: { left?: string; right?: string },
): Promise<number> {
  const started = performance.now();
  let graph: BipartiteGraph;
  let edges;
  let left: Matrix<Float32Array> | undefined;
  let right: Matrix<Float32Array> | undefined;
  let labels: Uint8Array | undefined;
  if (file) {
    graph = await readMatrixMarket(file, { bipartite: true });
    const csr = graph.toCSR();
    edges = { ...edgesOfCSR(graph.nLeft, csr), nRight: graph.nRight };
  } else {
    const bar = new ProgressBar('graph', n / 2);
    const digits = await loadMnist({ n, seed: childSeed(flags.seed, 5) });
    const order = permutation(n, childSeed(flags.seed, 8));
    const half = Math.floor(n / 2);
    const leftRows = order.subarray(0, half).slice().sort();
    const rightRows = order.subarray(half).slice().sort();
    left = pickRows(digits.images, leftRows);
    right = pickRows(digits.images, rightRows);
    labels = Uint8Array.from(leftRows, (i) => digits.labels[i]);
    const knn = crossKnnGraph(left, right, { m, onProgress: (done) => bar.update(done, `${done}/${half} rows`) });
    graph = BipartiteGraph.fromEdges({ nLeft: left.rows, nRight: right.rows, left: knn.edges.src, right: knn.edges.dst, weight: knn.edges.weight });
    edges = knn.edges;
    bar.finish(`${knn.edges.src.length} pairs, sigma ${knn.sigma.toFixed(3)}`);
  }
  if (flags.k > Math.min(graph.nLeft, graph.nRight)) throw new UsageError(`-k must be at most min(nLeft, nRight) = ${Math.min(graph.nLeft, graph.nRight)}`, usage);
  const hooks = progressHooks(flags.hyper.steps, 'svds');
  const lossProvider = gpu && webGpuLossProvider(gpu.backend, graph);
  const result = await runTwoTowerExperiment({
    graph, edges, k: flags.k, encoder: flags.encoder, leftFeatures: left, rightFeatures: right, hidden: flags.hidden,
    mode: flags.mode, hyper: flags.hyper, seed: flags.seed, labels, rawFeatures: left, hooks, lossProvider,
  }).finally(() => lossProvider?.dispose());
  const gpuParts = result.training.gpuParts;
  if (save.left) await writeMatrixFile(save.left, result.training.embedding);
  if (save.right) await writeMatrixFile(save.right, result.training.rightEmbedding!);
  const seconds = (performance.now() - started) / 1000;
  const summary = rows(flags, result, graph);
  summary.splice(
    2,
    0,
    ['backend', gpu ? `webgpu (${gpu.description})` : 'cpu'],
    ...(gpu ? [['on the GPU', gpuParts.join('; ')] as [string, string]] : []),
    ['final loss, gap, angle', 'CPU float64 populationLoss of the final embeddings'],
  );
  summary.push(['total', `${seconds.toFixed(1)} s`]);
  const out = path.resolve(flags.out ?? 'report-clip.html');
  const projections = [];
  if (labels) {
    const shown = permutation(graph.nLeft, childSeed(flags.seed, 6)).subarray(0, Math.min(graph.nLeft, 3000)).slice().sort();
    const shownLabels = Array.from(shown, (i) => labels![i]);
    const a = principalPlane(result.training.embedding, shown);
    const b = principalPlane(result.optimalEmbedding, shown);
    projections.push({ title: 'learned left tower f', x: a.x, y: a.y, labels: shownLabels }, { title: 'optimal left embedding E_x*', x: b.x, y: b.y, labels: shownLabels });
  }
  await writeFile(
    out,
    renderReport({
      title: `speclin clip: two towers on ${file ? path.basename(file) : `${n} MNIST digits split in two`}`,
      subtitle: `k = ${flags.k}, ${flags.encoder} towers, ${flags.mode} training, seed ${flags.seed}`,
      summary,
      optimum: result.optimum,
      evals: result.training.evals,
      history: result.training.history,
      eigenvalues: result.singularValues,
      k: flags.k,
      projections,
      notes: ['The spectrum chart shows the singular values σ_i of P̄ = D_x^-1/2 P D_t^-1/2; min L = -Σ_{i≤k} σ_i².'],
    }),
  );
  if (flags.json) {
    process.stdout.write(JSON.stringify({
      nLeft: graph.nLeft, nRight: graph.nRight, k: flags.k, optimum: result.optimum, finalPopulationLoss: result.finalPopulationLoss,
      relativeGap: result.relativeGap, maxPrincipalAngleDeg: result.maxPrincipalAngleDeg, probeAccuracy: result.probe, seconds,
      encoder: flags.encoder, mode: flags.mode, steps: flags.hyper.steps, backend: gpu ? 'webgpu' : 'cpu', gpuParts,
      finalEvaluation: 'cpu-float64', report: out,
      ...(save.left ? { leftEmbedding: path.resolve(save.left) } : {}), ...(save.right ? { rightEmbedding: path.resolve(save.right) } : {}),
    }) + '\n');
  } else {
    process.stdout.write(formatTable('speclin clip', summary));
    process.stdout.write(`report written to ${out}\n`);
    for (const f of [save.left, save.right]) if (f) process.stdout.write(`embedding written to ${path.resolve(f)}\n`);
  }
  return 0;
}
