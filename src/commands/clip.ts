// `speclin clip`: the two-tower (CLIP) case. Towers f and g are trained on a BipartiteGraph of
// pairs (x, t) and checked against min L = -sum_{i<=k} σ_i(P̄)^2. By default the pairs are MNIST
// digits and the captions generated from their pixels (src/data/captions.ts: an image tower, a
// text tower, search figures; the second half of this file). `--graph FILE` reads the pairs from a file; `--pairs knn` splits the
// digits at random into "images" (left) and "texts" (right), each side joined to its m nearest
// neighbours on the other side with Gaussian weights.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BipartiteGraph } from '../graph.js';
import { readMatrixMarket } from '../io.js';
import type { Matrix } from '../types.js';
import { combinationText } from '../data/captions.js';
import { crossKnnGraph } from '../data/knn-graph.js';
import { edgesOfCSR } from '../data/edge-list.js';
import { loadMnist, MNIST_AVAILABLE, MNIST_SIDE } from '../data/mnist.js';
import { renderReport } from '../report/html.js';
import { principalPlane } from '../report/projection.js';
import { renderSearchSection } from '../report/search-section.js';
import { formatTable } from '../report/table.js';
import { CAPTION_DEFAULTS, captionHyperParameters, runCaptionExperiment, type CaptionExperimentResult, type SearchFigures } from '../train/caption-experiment.js';
import type { EncoderKind } from '../train/encoders.js';
import { defaultHyperParameters, runTwoTowerExperiment, type HyperParameters, type TwoTowerResult } from '../train/experiment.js';
import type { TrainMode } from '../train/loop.js';
import { webGpuLossProvider } from '../train/webgpu-loss.js';
import { childSeed, permutation } from '../random.js';
import { writeMatrixFile } from '../matrix-file.js';
import { UsageError, choice, numberOption, parse } from '../cli/args.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { progressHooks, trainingFlags, trainingRows, trainingOptions, type TrainingFlags } from '../cli/training-flags.js';
import { backendOption, openWebGpu, type GpuSession } from '../cli/webgpu-option.js';

const NORMALIZED = ['images', 'texts', 'both', 'none'] as const;

function captionSchedule(encoder: EncoderKind, mode: TrainMode): HyperParameters {
  return encoder === 'table' ? defaultHyperParameters(encoder, mode) : captionHyperParameters(mode);
}

export const usage = `usage: speclin clip [options]
  Trains two towers (f on the left nodes, g on the right ones) on a bipartite graph of pairs and
  compares them with the closed-form optimum from the top-k singular vectors of P̄. By default the
  pairs are MNIST digits and captions generated from their pixels ("a small thin seven"): f embeds
  pixels, g the captions' words, and the run reports search (text-to-image precision@10 and mAP on
  held-out images and on attribute-digit combinations never seen in training, image-to-text
  recall@1, zero-shot accuracy against a 10-shot pixel probe) with the images found.
  --pairs KIND        captions (default) or knn: MNIST split into two halves joined by their cross
                      kNN graph
  --graph FILE        a bipartite graph: an m x n Matrix Market file (rows: left, columns: right)
  --query TEXT        captions: also show the held-out images TEXT finds (repeatable; its words
                      must be the captions' words)
  --pixel-components D  captions: the image tower reads the pixels' top D principal components
                      (fitted on the training images; default 64), 0: the raw pixels
  --normalize WHICH   captions, mlp: the towers that end in an L2 normalization times a learned
                      scale: images (default), texts, both or none
  --text-bag MODE     captions: the text tower reads each caption's token means (mean, default)
                      or counts (sum)
  --text-encoder NAME captions: the text tower, linear (default: the bag times an embedding table,
                      plus a bias) or mlp (--hidden wide, one ReLU layer)
  --n N               MNIST digits (default 10000; captions: 20 % held out; knn: half a side)
  --m M               knn: cross neighbours per digit (default 10)
  -k, --k K           embedding dimension (default 64 with captions, else 16)
  --encoder NAME      captions: the image tower, mlp (default) or linear; else table (default),
                      linear or mlp (of the pixels; MNIST only)
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
    'save-left': { type: 'string' }, 'save-right': { type: 'string' }, pairs: { type: 'string' }, query: { type: 'string', multiple: true }, 'pixel-components': { type: 'string' }, normalize: { type: 'string' }, 'text-bag': { type: 'string' }, 'text-encoder': { type: 'string' },
  }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const file = values.graph as string | undefined;
  const pairs = file ? 'file' : choice(values.pairs, '--pairs', ['captions', 'knn'] as const, 'captions', usage);
  if (file && values.pairs !== undefined) throw new UsageError('--pairs and --graph are exclusive: --graph FILE gives the pairs', usage);
  const queries = (values.query as string[] | undefined) ?? [];
  if (pairs !== 'captions' && queries.length > 0) throw new UsageError('--query searches the captions: use it without --graph and --pairs knn', usage);
  for (const flag of ['pixel-components', 'normalize', 'text-bag', 'text-encoder']) {
    if (pairs !== 'captions' && values[flag] !== undefined) throw new UsageError(`--${flag} is for the captions: use it without --graph and --pairs knn`, usage);
  }
  if (pairs === 'captions') {
    const components = numberOption(values['pixel-components'] as string | undefined, '--pixel-components', usage, { integer: true, min: 0, max: MNIST_SIDE * MNIST_SIDE }) ?? CAPTION_DEFAULTS.pixelComponents;
    for (const flag of ['m', 'save-left', 'save-right']) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --graph or --pairs knn, not the captions`, usage);
    }
    const flags = trainingFlags({ encoder: CAPTION_DEFAULTS.encoder, ...values }, usage, CAPTION_DEFAULTS.k, captionSchedule);
    const normalize = choice(values.normalize, '--normalize', NORMALIZED, flags.encoder === 'mlp' ? CAPTION_DEFAULTS.normalize : 'none', usage);
    if (normalize !== 'none' && flags.encoder !== 'mlp') throw new UsageError('--normalize is for the mlp towers (a normalized linear map is no longer linear)', usage);
    const textBag = choice(values['text-bag'], '--text-bag', ['mean', 'sum'] as const, CAPTION_DEFAULTS.textBag, usage);
    const textEncoder = choice(values['text-encoder'], '--text-encoder', ['linear', 'mlp'] as const, CAPTION_DEFAULTS.textEncoder, usage);
    if (textEncoder === 'linear' && (normalize === 'texts' || normalize === 'both')) throw new UsageError(`--normalize ${normalize} needs --text-encoder mlp (a normalized linear map is no longer linear)`, usage);
    const n = numberOption(values.n as string | undefined, '--n', usage, { integer: true, min: 500, max: MNIST_AVAILABLE }) ?? MNIST_AVAILABLE;
    const gpu = await openBackend(values.backend);
    if (gpu === null) return 1;
    try {
      return await clipCaptions({ flags, n, queries, components, normalize, textBag, textEncoder, gpu, usage });
    } finally {
      gpu?.dispose();
    }
  }
  const flags = trainingFlags(values, usage, 16);
  const n = numberOption(values.n as string | undefined, '--n', usage, { integer: true, min: 40, max: MNIST_AVAILABLE }) ?? MNIST_AVAILABLE;
  const m = numberOption(values.m as string | undefined, '--m', usage, { integer: true, min: 1, max: 1000 }) ?? 10;
  if (file && flags.encoder !== 'table') throw new UsageError('--encoder linear|mlp needs pixels: use it without --graph', usage);
  if (!file && m >= n / 2) throw new UsageError(`--m must be below half of --n (${n / 2}), got ${m}`, usage);
  const gpu = await openBackend(values.backend);
  if (gpu === null) return 1;
  try {
    return await clip(flags, n, m, file, gpu, { left: values['save-left'] as string | undefined, right: values['save-right'] as string | undefined });
  } finally {
    gpu?.dispose();
  }
}

/** The WebGPU session of --backend webgpu (undefined for the CPU; null: no usable device, said on stderr). */
async function openBackend(value: unknown): Promise<GpuSession | undefined | null> {
  if (backendOption(value, usage) !== 'webgpu') return undefined;
  const gpu = await openWebGpu('clip', "training's losses and gradients run on it; the pairs, svds, the encoder and optimizer updates, the probes, the search figures and the final float64 population loss on the CPU");
  return gpu ?? null;
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

// ---- the captions (the default data) ----

interface CaptionRunOptions {
  flags: TrainingFlags;
  /** Digits loaded (a seeded subset below 10 000). */
  n: number;
  /** Free-text queries added to the report's gallery. */
  queries: string[];
  /** The image tower's principal components of the pixels (0: raw pixels). */
  components: number;
  /** Which MLP towers end in a scaled L2 normalization. */
  normalize: (typeof NORMALIZED)[number];
  /** The text tower's bags of words: token counts or means. */
  textBag: 'sum' | 'mean';
  /** The text tower's kind. */
  textEncoder: 'linear' | 'mlp';
  gpu?: GpuSession;
  usage: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The figures of the JSON summary, as fractions. */
function figuresJson(s: SearchFigures) {
  return {
    precisionAt10: s.textToImage.precisionAtK,
    mAP: s.textToImage.meanAveragePrecision,
    imageToTextRecallAt1: s.imageToTextRecallAt1,
    zeroShotAccuracy: s.zeroShotAccuracy,
  };
}

/** The search table: learned towers on held-out images, on unseen combinations, and in-sample
 * next to the optimum's embeddings. */
function figureRows(r: CaptionExperimentResult): [string, ...string[]][] {
  const { heldOut, unseen, inSample } = r;
  return [
    ['text→image precision@10', pct(heldOut.textToImage.precisionAtK), pct(inSample.learned.textToImage.precisionAtK), pct(inSample.optimum.textToImage.precisionAtK)],
    ['text→image mAP', pct(heldOut.textToImage.meanAveragePrecision), pct(inSample.learned.textToImage.meanAveragePrecision), pct(inSample.optimum.textToImage.meanAveragePrecision)],
    ['unseen combinations: precision@10', pct(unseen.precisionAtK), '', ''],
    ['unseen combinations: mAP', pct(unseen.meanAveragePrecision), '', ''],
    ['image→text recall@1', pct(heldOut.imageToTextRecallAt1), pct(inSample.learned.imageToTextRecallAt1), pct(inSample.optimum.imageToTextRecallAt1)],
    ['zero-shot accuracy (10 class captions)', pct(heldOut.zeroShotAccuracy), pct(inSample.learned.zeroShotAccuracy), pct(inSample.optimum.zeroShotAccuracy)],
    ['10-shot ridge probe on pixels', pct(r.pixelProbeAccuracy), '', ''],
  ];
}

/** The two demo targets, each with its measured ratio or margin. */
function targets(r: CaptionExperimentResult) {
  const precisionRatio = r.inSample.learned.textToImage.precisionAtK / r.inSample.optimum.textToImage.precisionAtK;
  return {
    inSamplePrecisionRatio: precisionRatio,
    inSamplePrecisionTargetMet: precisionRatio >= 0.9,
    zeroShotOverProbe: r.heldOut.zeroShotAccuracy - r.pixelProbeAccuracy,
    zeroShotTargetMet: r.heldOut.zeroShotAccuracy > r.pixelProbeAccuracy,
  };
}

async function clipCaptions(o: CaptionRunOptions): Promise<number> {
  const { flags, gpu } = o;
  if (flags.encoder === 'table') {
    throw new UsageError('--encoder table cannot embed held-out images or unseen captions: use linear or mlp with the captions (or --graph/--pairs knn)', o.usage);
  }
  const started = performance.now();
  const digits = await loadMnist({ n: o.n, seed: childSeed(flags.seed, 5) });
  const hooks = progressHooks(flags.hyper.steps, 'svds');
  const r = await runCaptionExperiment({
    digits, k: flags.k, encoder: flags.encoder, hidden: flags.hidden, mode: flags.mode, hyper: flags.hyper, seed: flags.seed, hooks,
    galleryQueries: o.queries.length > 0 ? o.queries : undefined, pixelComponents: o.components,
    normalizeImages: o.normalize === 'images' || o.normalize === 'both', normalizeTexts: o.normalize === 'texts' || o.normalize === 'both', textBag: o.textBag, textEncoder: o.textEncoder,
    lossProvider: gpu ? (graph) => webGpuLossProvider(gpu.backend, graph) : undefined,
  }).catch((err: unknown) => {
    // A query with a word the captions never use is the user's input: a usage error naming it.
    if (err instanceof RangeError && /outside the vocabulary|has no words/.test(err.message)) throw new UsageError(`--query: ${err.message}`, o.usage);
    if (err instanceof RangeError && /^k = \d+ exceeds/.test(err.message)) throw new UsageError(`-k: ${err.message}`, o.usage);
    throw err;
  });
  const seconds = (performance.now() - started) / 1000;
  const t = targets(r);
  const tt = r.twoTower;
  const summary: [string, string][] = [
    ['images: training / held out', `${r.trainImages.length} / ${r.testImages.length}`],
    ['captions: training / unseen combinations', `${r.graph.nRight} / ${r.captioned.captions.length - r.graph.nRight}`],
    ['held-out combinations', r.unseenCombinations.map(combinationText).join(', ') || 'none'],
    ['stored pairs (image, caption)', String(r.graph.nnz)],
    ['vocabulary', `${r.vocabulary.size} words`],
    ['image tower input', o.components ? `top ${o.components} principal components of the pixels (${pct(r.keptVariance)} of their variance)` : 'the 784 pixels'],
    ['L2-normalized towers (times a learned scale)', o.normalize],
    ['text tower', `${o.textEncoder}, on bags of words (token ${o.textBag === 'sum' ? 'counts' : 'means'})`],
    ['backend', gpu ? `webgpu (${gpu.description})` : 'cpu'],
    ...trainingRows(flags, tt),
    ['σ_1, σ_k', `${tt.singularValues[0].toFixed(4)}, ${tt.singularValues[flags.k - 1].toFixed(4)}`],
    ...figureRows(r).map(([name, held, inL, inO]): [string, string] => [name, [held, inL && `in-sample ${inL}`, inO && `optimum ${inO}`].filter(Boolean).join(', ')]),
    ['target: in-sample precision@10 >= 90 % of the optimum\'s', `${pct(t.inSamplePrecisionRatio)}: ${t.inSamplePrecisionTargetMet ? 'met' : 'NOT met'}`],
    ['target: zero-shot above the 10-shot pixel probe', `${(t.zeroShotOverProbe * 100).toFixed(1)} points: ${t.zeroShotTargetMet ? 'met' : 'NOT met'}`],
    ['captions / components / svds / training / search', [r.seconds.captions, r.seconds.components, tt.eigsSeconds, tt.training.seconds, r.seconds.evaluation].map((x) => x.toFixed(1)).join(' / ') + ' s'],
    ['total', `${seconds.toFixed(1)} s`],
  ];
  const out = path.resolve(flags.out ?? 'report-clip.html');
  const shown = permutation(r.trainImages.length, childSeed(flags.seed, 6)).subarray(0, Math.min(r.trainImages.length, 3000)).slice().sort();
  const shownLabels = Array.from(shown, (i) => digits.labels[r.trainImages[i]]);
  const a = principalPlane(tt.training.embedding, shown);
  const b = principalPlane(tt.optimalEmbedding, shown);
  const side = MNIST_SIDE;
  const search = renderSearchSection({
    columns: ['learned, held-out images', 'learned, in-sample', 'optimum E*, in-sample'],
    figures: figureRows(r),
    galleries: r.gallery.map((g) => ({
      query: g.query,
      note: g.unseen ? '(a combination no training caption states)' : g.hits[0] === null ? '(free text)' : undefined,
      images: Array.from(g.images, (img, j) => ({ pixels: digits.images.data.subarray(img * side * side, (img + 1) * side * side), hit: g.hits[j] })),
    })),
    side,
    notes: [
      'Held-out images: 20 % of the digits, never in training; the optimum E* exists only for the graph\'s nodes, so its figures are in-sample.',
      'precision@10 counts hits in the top 10 over min(10, answers); mAP averages, over the captions, the precision at each answer\'s rank.',
      'Top held-out images per caption, best first: green frame = the caption describes the image, red = it does not.',
    ],
  });
  await writeFile(
    out,
    renderReport({
      title: `speclin clip: ${r.trainImages.length + r.testImages.length} MNIST digits and their generated captions`,
      subtitle: `k = ${flags.k}, ${flags.encoder} towers (image: ${o.components ? `${o.components} principal components of the pixels` : "pixels"}; text: ${o.textEncoder}, an embedding bag of words), ${flags.mode} training, seed ${flags.seed}`,
      summary,
      optimum: tt.optimum,
      evals: tt.training.evals,
      history: tt.training.history,
      eigenvalues: tt.singularValues,
      k: flags.k,
      projections: [
        { title: 'learned image tower f (training images)', x: a.x, y: a.y, labels: shownLabels },
        { title: 'optimal image embedding E_x*', x: b.x, y: b.y, labels: shownLabels },
      ],
      notes: ['The spectrum chart shows the singular values σ_i of P̄ = D_x^-1/2 P D_t^-1/2 of the image-caption graph; min L = -Σ_{i≤k} σ_i².'],
      afterSummary: search,
    }),
  );
  if (flags.json) {
    process.stdout.write(JSON.stringify({
      pairs: 'captions', images: r.trainImages.length, heldOutImages: r.testImages.length, captions: r.graph.nRight,
      unseenCaptions: r.captioned.captions.length - r.graph.nRight, pairsStored: r.graph.nnz, vocabulary: r.vocabulary.size, k: flags.k,
      optimum: tt.optimum, finalPopulationLoss: tt.finalPopulationLoss, relativeGap: tt.relativeGap, maxPrincipalAngleDeg: tt.maxPrincipalAngleDeg,
      ...figuresJson(r.heldOut),
      unseenPrecisionAt10: r.unseen.precisionAtK, unseenMAP: r.unseen.meanAveragePrecision,
      pixelProbeAccuracy: r.pixelProbeAccuracy, pixelComponents: o.components, normalize: o.normalize, textBag: o.textBag, textEncoder: o.textEncoder, keptVariance: r.keptVariance,
      inSample: { learned: figuresJson(r.inSample.learned), optimum: figuresJson(r.inSample.optimum) },
      targets: t, seconds, encoder: flags.encoder, mode: flags.mode, steps: flags.hyper.steps, backend: gpu ? 'webgpu' : 'cpu',
      gpuParts: tt.training.gpuParts, report: out,
    }) + '\n');
  } else {
    process.stdout.write(formatTable('speclin clip (captions)', summary));
    process.stdout.write(`report written to ${out}\n`);
  }
  return 0;
}
