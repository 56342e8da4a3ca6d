// CLIP on captioned digits: images x and generated captions t (src/data/captions.ts), an image
// tower f on the pixels and a text tower g on the captions' bags of words, trained on the training
// images' pairs and measured as search: text-to-image precision@10 and mAP, image-to-text
// recall@1 and zero-shot classification, on held-out images and on attribute-digit combinations no
// training caption states, next to the closed-form optimum's embeddings where those exist (the
// training images and captions: the graph's nodes) and a 10-shot linear probe on the pixels.
import { BipartiteGraph } from '../graph.js';
import type { Matrix } from '../types.js';
import { childSeed, permutation } from '../random.js';
import {
  captionDigits, combinationText, DEFAULT_UNSEEN, describes, digitPhrasings,
  type CaptionedDigits, type HeldOutCombination, type ImageAttributes,
} from '../data/captions.js';
import type { Digits } from '../data/mnist.js';
import { Vocabulary } from '../data/tokenizer.js';
import { fitPrincipalComponents, projectOnComponents } from '../data/principal-components.js';
import { gatherRows, type Encoder } from './encoders.js';
import { runTwoTowerExperiment, type ExperimentOptions, type HyperParameters, type TwoTowerResult } from './experiment.js';
import type { LossProvider, TrainMode } from './loop.js';
import { probeOnSplit, probeSplit } from './probe.js';
import { indexKeys, recallAt1, retrievalFigures, zeroShotAccuracy, type IndexedKeys, type RetrievalFigures } from './retrieval.js';

/** The defaults of runCaptionExperiment and of `speclin clip`, measured on the 10 000 digits
 * (docs/clip.md): 90.9 % of the optimum's in-sample precision@10 in 4000 minibatch steps.
 * `normalize` names the towers that end in a scaled L2 normalization (MLP towers only). */
export const CAPTION_DEFAULTS = {
  k: 64,
  encoder: 'mlp' as const,
  mode: 'minibatch' as const,
  pixelComponents: 64,
  normalize: 'images' as 'images' | 'texts' | 'both' | 'none',
  textBag: 'mean' as const,
  textEncoder: 'linear' as const,
  seed: 1,
};

/** The caption experiment's training schedule for `mode`, linear and MLP towers alike (3500
 * steps: 90.5 %, 2500: 87.8 %, 1500: 83.6 % of the optimum's in-sample precision@10; docs/clip.md). */
export function captionHyperParameters(mode: TrainMode): HyperParameters {
  return mode === 'fullbatch'
    ? { steps: 300, batchSize: 0, lr: 3e-3, optimizer: 'adam' }
    : { steps: 4000, batchSize: 512, lr: 3e-3, optimizer: 'adam' };
}

/** Every option but `digits` has a default: CAPTION_DEFAULTS, and captionHyperParameters(mode). */
export interface CaptionExperimentOptions {
  digits: Digits;
  k?: number;
  /** Both towers: 'linear' (f = W x + b; g = an embedding bag of k-vectors plus a bias) or 'mlp'
   * (f = W2 relu(W1 x + b1) + b2; g the same over the bag of `hidden`-vectors). */
  encoder?: 'linear' | 'mlp';
  /** The image tower's hidden widths (mlpEncoder's `hidden`: a width or a list of them). */
  hidden?: number | readonly number[];
  /** The text tower's kind: 'linear' (the default: the sum or mean of the caption's token vectors
   * plus a bias) or 'mlp'. */
  textEncoder?: 'linear' | 'mlp';
  /** The text tower's (default: `hidden`). */
  textHidden?: number | readonly number[];
  /** MLP towers: end the image (text) tower in a scaled L2 normalization with a learned scale
   * (runTwoTowerExperiment's normalizeLeft / normalizeRight). Default: the image tower when the
   * encoder is 'mlp', the text tower not. */
  normalizeImages?: boolean;
  normalizeTexts?: boolean;
  /** The text tower's input: the captions' bags of words as token means ('mean', the default) or
   * token counts ('sum'; Vocabulary.bagOfWords). */
  textBag?: 'mean' | 'sum';
  mode?: TrainMode;
  hyper?: HyperParameters;
  seed?: number;
  /** The image tower reads the pixels through their top principal components (fitted on the
   * training images) when this is a count (64 by default); 0: the raw pixels. */
  pixelComponents?: number;
  /** Fraction of the images held out of training (0.2 by default). */
  heldOut?: number;
  unseen?: readonly HeldOutCombination[];
  /** Captions whose top held-out images the report shows (the defaults when omitted). */
  galleryQueries?: string[];
  /** Images shown per gallery query. */
  galleryImages?: number;
  hooks?: ExperimentOptions['hooks'];
  lossProvider?: (graph: BipartiteGraph) => LossProvider | undefined;
}

/** The options a run used, defaults filled in. */
export type CaptionSettings = Required<Pick<CaptionExperimentOptions,
  'k' | 'encoder' | 'mode' | 'hyper' | 'seed' | 'pixelComponents' | 'textEncoder' | 'textBag' | 'normalizeImages' | 'normalizeTexts'>>;
type ResolvedCaptionOptions = CaptionExperimentOptions & CaptionSettings;

function withCaptionDefaults(o: CaptionExperimentOptions): ResolvedCaptionOptions {
  const encoder = o.encoder ?? CAPTION_DEFAULTS.encoder;
  const mode = o.mode ?? CAPTION_DEFAULTS.mode;
  const towers = CAPTION_DEFAULTS.normalize;
  return {
    ...o,
    k: o.k ?? CAPTION_DEFAULTS.k,
    encoder,
    mode,
    hyper: o.hyper ?? captionHyperParameters(mode),
    seed: o.seed ?? CAPTION_DEFAULTS.seed,
    pixelComponents: o.pixelComponents ?? CAPTION_DEFAULTS.pixelComponents,
    textEncoder: o.textEncoder ?? CAPTION_DEFAULTS.textEncoder,
    textBag: o.textBag ?? CAPTION_DEFAULTS.textBag,
    normalizeImages: o.normalizeImages ?? (encoder === 'mlp' && (towers === 'images' || towers === 'both')),
    normalizeTexts: o.normalizeTexts ?? (encoder === 'mlp' && (towers === 'texts' || towers === 'both')),
  };
}

/** The search figures of one pair of embeddings. */
export interface SearchFigures {
  /** Text-to-image: every caption with an answer among the images. */
  textToImage: RetrievalFigures;
  /** Image-to-text recall@1 over the captions searched. */
  imageToTextRecallAt1: number;
  /** Each image against the ten class captions ("a handwritten seven", ...). */
  zeroShotAccuracy: number;
}

export interface GalleryRow {
  query: string;
  /** Whether the caption states a combination held out of training. */
  unseen: boolean;
  /** The held-out images found, best first (indices into the digits), and whether each is one the
   * caption describes (null for a query that is not a generated caption). */
  images: Int32Array;
  hits: (boolean | null)[];
}

export interface CaptionExperimentResult {
  settings: CaptionSettings;
  twoTower: TwoTowerResult;
  graph: BipartiteGraph;
  captioned: CaptionedDigits;
  vocabulary: Vocabulary;
  trainImages: Int32Array;
  testImages: Int32Array;
  unseenCombinations: readonly HeldOutCombination[];
  /** Learned towers on held-out images: seen captions (text-to-image), all captions (image-to-text). */
  heldOut: SearchFigures;
  /** Learned towers, held-out images, the captions that state a held-out combination. */
  unseen: RetrievalFigures;
  /** In-sample: training images and training captions, for the learned towers and E_x*, E_t*. */
  inSample: { learned: SearchFigures; optimum: SearchFigures };
  /** 10 labelled training images per class, ridge probe on the pixels, evaluated on the held-out images. */
  pixelProbeAccuracy: number;
  gallery: GalleryRow[];
  /** The fraction of the training pixels' variance the image tower's components keep (1: raw pixels). */
  keptVariance: number;
  seconds: { captions: number; components: number; evaluation: number };
}

function embedWith(encoder: Encoder, inputs: Matrix): Matrix {
  if (!encoder.embed) throw new TypeError(`a ${encoder.kind} encoder cannot embed new inputs`);
  return encoder.embed(inputs);
}

function toFloat64(M: Matrix): Matrix<Float64Array> {
  return { data: M.data instanceof Float64Array ? M.data : Float64Array.from(M.data), rows: M.rows, cols: M.cols };
}

/** Runs `use` with flat inner-product indexes over each of `keys` (createIndex), freed after. */
async function withIndexes<R>(keys: Matrix[], use: (indexed: IndexedKeys[]) => Promise<R>): Promise<R> {
  const indexed: IndexedKeys[] = [];
  try {
    for (const k of keys) indexed.push(await indexKeys(k));
    return await use(indexed);
  } finally {
    for (const i of indexed) i.dispose();
  }
}

/** Both kinds of search on one set of image and caption embeddings, each side searched through
 * its index. */
function searchFigures(
  images: Matrix, imageAttributes: ImageAttributes[], captions: Matrix, captionSpecs: CaptionedDigits['captions'], classes: Matrix,
): Promise<SearchFigures> {
  const describesPair = (c: number, i: number) => describes(captionSpecs[c].spec, imageAttributes[i]);
  return withIndexes([images, captions, classes], async ([imageIndex, captionIndex, classIndex]) => ({
    textToImage: await retrievalFigures(captions, imageIndex, describesPair, 10),
    imageToTextRecallAt1: await recallAt1(images, captionIndex, (i, c) => describesPair(c, i)),
    zeroShotAccuracy: await zeroShotAccuracy(images, classIndex, imageAttributes.map((a) => a.digit)),
  }));
}

/** Default gallery: two class captions, two attribute captions, and two held-out combinations. */
function defaultGalleryQueries(unseen: readonly HeldOutCombination[]): string[] {
  return ['a handwritten seven', 'the digit 2', 'a large bold eight', 'a large bold right-leaning two', ...unseen.slice(0, 2).map((c) => `a ${combinationText(c)}`)];
}

export async function runCaptionExperiment(options: CaptionExperimentOptions): Promise<CaptionExperimentResult> {
  const { digits } = options;
  if (!digits || !digits.images || !digits.labels) throw new TypeError('digits must be { images, labels } (loadMnist gives them)');
  const o = withCaptionDefaults(options);
  const n = digits.images.rows;
  if (o.encoder !== 'linear' && o.encoder !== 'mlp') {
    throw new RangeError(`encoder must be 'linear' or 'mlp' (a table cannot embed held-out images or new captions), got '${String(o.encoder)}'`);
  }
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`k must be a positive integer, got ${o.k}`);
  if (o.pixelComponents !== undefined && (!Number.isInteger(o.pixelComponents) || o.pixelComponents < 0)) {
    throw new RangeError(`pixelComponents must be a nonnegative integer (0: the raw pixels), got ${o.pixelComponents}`);
  }
  const heldOutFraction = o.heldOut ?? 0.2;
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new RangeError(`heldOut must be a fraction in (0, 1), got ${heldOutFraction}`);
  const started = performance.now();
  const order = permutation(n, childSeed(o.seed, 8));
  const nTest = Math.round(n * heldOutFraction);
  const testImages = order.subarray(0, nTest).slice().sort();
  const trainImages = order.subarray(nTest).slice().sort();
  const unseenCombinations = o.unseen ?? DEFAULT_UNSEEN;
  const captioned = captionDigits(digits.images, digits.labels, trainImages, unseenCombinations);
  const { captions, seenCaptions, pairs } = captioned;
  const seenTexts = Array.from(seenCaptions, (c) => captions[c].text);
  const vocabulary = Vocabulary.fromTexts(seenTexts);
  const galleryQueries = o.galleryQueries ?? defaultGalleryQueries(unseenCombinations);
  // A query the text tower cannot read fails here, before training: its words must be the captions'.
  vocabulary.bagOfWords(galleryQueries);
  if (o.k > Math.min(trainImages.length, seenCaptions.length)) {
    throw new RangeError(`k = ${o.k} exceeds min(training images, training captions) = ${Math.min(trainImages.length, seenCaptions.length)}`);
  }
  const graph = BipartiteGraph.fromEdges({ nLeft: trainImages.length, nRight: seenCaptions.length, left: pairs.image, right: pairs.caption });
  const edges = { n: trainImages.length, nRight: seenCaptions.length, src: pairs.image, dst: pairs.caption, weight: new Float32Array(pairs.image.length).fill(1) };
  const captionSeconds = (performance.now() - started) / 1000;
  const pcaStart = performance.now();
  const pca = o.pixelComponents ? fitPrincipalComponents(gatherRows(digits.images, trainImages), o.pixelComponents) : undefined;
  // The image tower's input: the pixels, or their principal coordinates (a fixed linear first stage).
  const imageInput = (rows: Int32Array) => (pca ? projectOnComponents(pca, gatherRows(digits.images, rows)) : gatherRows(digits.images, rows));
  const trainPixels = imageInput(trainImages);
  const componentSeconds = (performance.now() - pcaStart) / 1000;
  const lossProvider = o.lossProvider?.(graph);
  const twoTower = await runTwoTowerExperiment({
    graph, edges, k: o.k, encoder: o.encoder, leftFeatures: trainPixels, rightFeatures: vocabulary.bagOfWords(seenTexts, o.textBag), hidden: o.hidden, rightHidden: o.textHidden, rightEncoder: o.textEncoder, normalizeLeft: o.normalizeImages, normalizeRight: o.normalizeTexts,
    mode: o.mode, hyper: o.hyper, seed: o.seed, hooks: o.hooks, lossProvider,
    // Each evaluation embeds every training image (a forward pass as large as ~16 minibatches):
    // five along the run draw the curve at a fraction of the default twenty's cost.
    evalEvery: Math.max(1, Math.ceil(o.hyper.steps / 5)),
  }).finally(() => (lossProvider as { dispose?: () => void } | undefined)?.dispose?.());

  const evalStart = performance.now();
  const f = twoTower.towers.left;
  const g = twoTower.towers.right;
  const embedText = (texts: string[]) => toFloat64(embedWith(g, vocabulary.bagOfWords(texts, o.textBag)));
  const classTexts = Array.from({ length: 10 }, (_, d) => digitPhrasings(d)[0]);
  const classes = embedText(classTexts);
  const seenSpecs = Array.from(seenCaptions, (c) => captions[c]);
  const trainAttributes = Array.from(trainImages, (i) => captioned.attributes[i]);
  const testAttributes = Array.from(testImages, (i) => captioned.attributes[i]);
  const testEmbedding = toFloat64(embedWith(f, imageInput(testImages)));
  const seenEmbedding = toFloat64(twoTower.training.rightEmbedding!);
  const allCaptionEmbedding = embedText(captions.map((c) => c.text));
  const unseenIndices = Int32Array.from(captions.flatMap((_, c) => (captioned.seen[c] ? [] : [c])));
  const unseenSpecs = Array.from(unseenIndices, (c) => captions[c]);

  // The held-out images are searched as a user's collection is: one flat index over their
  // embeddings, for the seen and the unseen captions and the gallery.
  const unseenEmbedding = gatherRows(allCaptionEmbedding, unseenIndices);
  const shown = o.galleryImages ?? 8;
  const { heldOut, unseen, gallery } = await withIndexes([testEmbedding, allCaptionEmbedding, classes], async ([testIndex, captionIndex, classIndex]) => ({
    heldOut: {
      textToImage: await retrievalFigures(seenEmbedding, testIndex, (c, i) => describes(seenSpecs[c].spec, testAttributes[i]), 10),
      imageToTextRecallAt1: await recallAt1(testEmbedding, captionIndex, (i, c) => describes(captions[c].spec, testAttributes[i])),
      zeroShotAccuracy: await zeroShotAccuracy(testEmbedding, classIndex, testAttributes.map((a) => a.digit)),
    } satisfies SearchFigures,
    unseen: await retrievalFigures(unseenEmbedding, testIndex, (c, i) => describes(unseenSpecs[c].spec, testAttributes[i]), 10),
    gallery: await Promise.all(galleryQueries.map(async (query): Promise<GalleryRow> => {
      const top = await testIndex.index.search(embedText([query]), Math.min(shown, testImages.length));
      const ranked = Array.from(top.indices);
      const caption = captions.find((c) => c.text === query);
      return {
        query,
        unseen: caption ? !captioned.seen[captions.indexOf(caption)] : false,
        images: Int32Array.from(ranked, (i) => testImages[i]),
        hits: ranked.map((i) => (caption ? describes(caption.spec, testAttributes[i]) : null)),
      };
    })),
  }));
  // The optimum's class captions are the seen captions "a handwritten <digit>" (its E_t* rows).
  const classRows = Int32Array.from(classTexts, (t) => seenTexts.indexOf(t));
  const inSample = {
    learned: await searchFigures(toFloat64(twoTower.training.embedding), trainAttributes, seenEmbedding, seenSpecs, classes),
    optimum: await searchFigures(twoTower.optimalEmbedding, trainAttributes, twoTower.optimalRight, seenSpecs, gatherRows(twoTower.optimalRight, classRows)),
  };

  // The baseline zero-shot classification must beat: a ridge probe on the pixels with 10 labelled
  // training images per class, tested on the same held-out images.
  const trainLabels = Array.from(trainImages, (i) => digits.labels[i]);
  const labelled = probeSplit(trainLabels, 10, childSeed(o.seed, 4)).train.map((t) => trainImages[t]);
  const pixelProbeAccuracy = probeOnSplit(digits.images, digits.labels, { train: labelled, test: testImages });

  return {
    settings: {
      k: o.k, encoder: o.encoder, mode: o.mode, hyper: o.hyper, seed: o.seed, pixelComponents: o.pixelComponents,
      textEncoder: o.textEncoder, textBag: o.textBag, normalizeImages: o.normalizeImages, normalizeTexts: o.normalizeTexts,
    },
    twoTower, graph, captioned, vocabulary, trainImages, testImages, unseenCombinations, heldOut, unseen, inSample, pixelProbeAccuracy, gallery, keptVariance: pca?.keptVariance ?? 1,
    seconds: { captions: captionSeconds, components: componentSeconds, evaluation: (performance.now() - evalStart) / 1000 },
  };
}
