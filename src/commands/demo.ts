// `speclin demo`: the main job. Learns spectral embeddings of the MNIST digits the `mnist` package
// ships, on their Gaussian-noise augmentation graph, and checks them against the closed-form
// optimum: progress on stderr, a summary table (or --json) on stdout, and an HTML report.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Graph } from '../graph.js';
import type { Matrix } from '../types.js';
import { knnGraph, knnGraphAsync } from '../data/knn-graph.js';
import { webGpuLossProvider } from '../train/webgpu-loss.js';
import { loadMnist, MNIST_AVAILABLE } from '../data/mnist.js';
import { renderReport } from '../report/html.js';
import { principalPlane } from '../report/projection.js';
import { formatTable } from '../report/table.js';
import { runExperiment } from '../train/experiment.js';
import { childSeed, permutation } from '../random.js';
import { UsageError, numberOption, parse } from '../cli/args.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { progressHooks, summaryRows, trainingFlags, trainingOptions } from '../cli/training-flags.js';
import { backendOption, openWebGpu, type GpuSession } from '../cli/webgpu-option.js';

export const usage = `usage: speclin demo [options]
  Learns a k-dimensional spectral embedding of n MNIST digits and compares it with the
  closed-form optimum from the eigenvectors of the augmentation graph.
  --n N               digits (default 10000, from 200 to ${MNIST_AVAILABLE})
  -k, --k K           embedding dimension (default 16)
  --m M               nearest neighbours per digit in the augmentation graph (default 10)
  --encoder NAME      table (default: one free row per digit), linear or mlp (of the pixels)
  --mode MODE         minibatch (default: pairs sampled from the graph) or fullbatch (exact gradient)
  --steps N  --batch-size B  --lr LR  --optimizer adam|sgd  --hidden H  --seed S
  --backend NAME      cpu (default) or webgpu: the kNN search (Gram blocks and topK) and
                      training's losses and gradients on the GPU; eigsh, encoders, optimizer,
                      probes and the final float64 population loss on the CPU
  --out FILE          the HTML report (default report-demo.html)
  --json              print the summary as one JSON object on stdout (progress stays on stderr)`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, { ...trainingOptions, n: { type: 'string' }, m: { type: 'string' }, backend: { type: 'string' } }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags = trainingFlags(values, usage, 16);
  const n = numberOption(values.n as string | undefined, '--n', usage, { integer: true, min: 200, max: MNIST_AVAILABLE }) ?? MNIST_AVAILABLE;
  const m = numberOption(values.m as string | undefined, '--m', usage, { integer: true, min: 1, max: 1000 }) ?? 10;
  if (m >= n) throw new UsageError(`--m must be below --n (${n}), got ${m}`, usage);
  if (flags.k >= n) throw new UsageError(`-k must be below --n (${n}), got ${flags.k}`, usage);
  let gpu: GpuSession | undefined;
  if (backendOption(values.backend, usage) === 'webgpu') {
    gpu = await openWebGpu('demo', "the kNN graph's neighbour search and training's losses and gradients run on it; eigsh, the encoder and optimizer updates, the probes and the final float64 population loss on the CPU");
    if (!gpu) return 1;
  }
  try {
    return await demo(flags, n, m, gpu);
  } finally {
    gpu?.dispose();
  }
}

async function demo(flags: ReturnType<typeof trainingFlags>, n: number, m: number, gpu: GpuSession | undefined): Promise<number> {
  const out = path.resolve(flags.out ?? 'report-demo.html');
  const started = performance.now();

  const loadBar = new ProgressBar('mnist', 1);
  const digits = await loadMnist({ n, seed: childSeed(flags.seed, 5) });
  loadBar.finish(`${n} digits`);

  const graphBar = new ProgressBar('graph', n);
  const onProgress = (done: number) => graphBar.update(done, `${done}/${n} rows`);
  const knn = gpu
    ? await knnGraphAsync(digits.images, { m, onProgress, backend: 'webgpu' })
    : knnGraph(digits.images, { m, onProgress });
  const graph = Graph.fromEdges({ n, src: knn.edges.src, dst: knn.edges.dst, weight: knn.edges.weight });
  const graphSeconds = graphBar.finish(`${knn.edges.src.length} stored entries, sigma ${knn.sigma.toFixed(3)}`);

  const lossProvider = gpu && webGpuLossProvider(gpu.backend, graph);
  const result = await runExperiment({
    graph,
    edges: knn.edges,
    k: flags.k,
    encoder: flags.encoder,
    features: digits.images,
    hidden: flags.hidden,
    mode: flags.mode,
    hyper: flags.hyper,
    seed: flags.seed,
    extraEigenvalues: 8,
    labels: digits.labels,
    rawFeatures: digits.images,
    lossProvider,
    hooks: progressHooks(flags.hyper.steps),
  }).finally(() => lossProvider?.dispose());
  const gpuParts = gpu ? ["kNN graph's Gram blocks", ...result.training.gpuParts] : [];
  const seconds = (performance.now() - started) / 1000;

  const shown = permutation(n, childSeed(flags.seed, 6)).subarray(0, Math.min(n, 3000)).slice().sort();
  const shownLabels = Array.from(shown, (i) => digits.labels[i]);
  const learned = principalPlane(result.training.embedding, shown);
  const exact = principalPlane(result.optimalEmbedding, shown);
  const rows = summaryRows(flags, result, n);
  rows.splice(
    1,
    0,
    ['neighbours m, sigma', `${m}, ${knn.sigma.toFixed(4)}`],
    ['backend', gpu ? `webgpu (${gpu.description})` : 'cpu'],
    ...(gpu ? [['on the GPU', gpuParts.join('; ')] as [string, string]] : []),
    ['final loss, gap, angle', 'CPU float64 populationLoss of the final embedding'],
  );
  rows.push(['kNN graph', `${graphSeconds.toFixed(1)} s`], ['probes', `${result.probeSeconds.toFixed(1)} s`], ['total', `${seconds.toFixed(1)} s`]);
  const html = renderReport({
    title: `speclin demo: spectral contrastive learning on ${n} MNIST digits`,
    subtitle: `k = ${flags.k}, ${flags.encoder} encoder, ${flags.mode} training, seed ${flags.seed}`,
    summary: rows,
    optimum: result.optimum,
    evals: result.training.evals,
    history: result.training.history,
    eigenvalues: result.eigenvalues,
    k: flags.k,
    projections: [
      { title: 'learned embedding', x: learned.x, y: learned.y, labels: shownLabels },
      { title: 'closed-form optimum E* = D^-1/2 U_k Λ_k^1/2', x: exact.x, y: exact.y, labels: shownLabels },
    ],
    notes: [
      `Augmentation graph: each digit joined to its ${m} nearest neighbours (Euclidean, pixels in [0, 1]), symmetrized, weights exp(-d²/(4σ²)) with σ = ${knn.sigma.toFixed(4)} the median neighbour distance.`,
      'The probe: ridge regression one-vs-rest on 10 labelled digits per class (rows scaled to unit length, centred), evaluated on all other digits; the same probe for every representation.',
      `${shown.length} of the ${n} digits are drawn in the projections.`,
    ],
  });
  await writeFile(out, html);

  if (flags.json) {
    process.stdout.write(
      JSON.stringify({
        n,
        k: flags.k,
        optimum: result.optimum,
        finalPopulationLoss: result.finalPopulationLoss,
        relativeGap: result.relativeGap,
        maxPrincipalAngleDeg: result.maxPrincipalAngleDeg,
        probeAccuracy: result.probe,
        seconds,
        encoder: flags.encoder,
        mode: flags.mode,
        steps: flags.hyper.steps,
        m,
        sigma: knn.sigma,
        backend: gpu ? 'webgpu' : 'cpu',
        gpuParts,
        finalEvaluation: 'cpu-float64',
        report: out,
      }) + '\n',
    );
  } else {
    process.stdout.write(formatTable(`speclin demo: ${n} MNIST digits`, rows));
    process.stdout.write(`report written to ${out}\n`);
  }
  return 0;
}
