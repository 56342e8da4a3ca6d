// The training layer's public surface: encoders, optimizers, the pair sampler, the loop, metrics,
// the probe, and the data helpers of the demo.
export { tableEncoder, linearEncoder, mlpEncoder, gatherRows } from './encoders.js';
export type { Encoder, EncoderKind, ForwardPass, TableOptions, LinearOptions, MlpOptions } from './encoders.js';
export { sgd, adam } from './optimizers.js';
export type { Optimizer, SgdOptions, AdamOptions } from './optimizers.js';
export { AliasTable, PairSampler } from './sampler.js';
export { edgesOfCSR } from '../data/edge-list.js';
export type { EdgeList } from '../data/edge-list.js';
export { train, cpuLossProvider } from './loop.js';
export type { TrainMode, TrainOptions, TrainResult, EvalRecord, Reference, LossProvider, MinibatchLoss, PopulationLossValue } from './loop.js';
export { webGpuLossProvider } from './webgpu-loss.js';
export type { WebGpuLossProvider } from './webgpu-loss.js';
export { maxPrincipalAngleDeg, maxPrincipalAngleBetween, maxPrincipalAngleToEmbedding, relativeGap } from './metrics.js';
export { probeAccuracy, probeSplit } from './probe.js';
export type { ProbeOptions, ProbeSplit } from './probe.js';
export { runExperiment, runTwoTowerExperiment, defaultHyperParameters } from './experiment.js';
export type { ExperimentOptions, ExperimentResult, TwoTowerOptions, TwoTowerResult, HyperParameters } from './experiment.js';
export { loadMnist } from '../data/mnist.js';
export type { Digits } from '../data/mnist.js';
export { knnGraph, knnGraphAsync, crossKnnGraph, nearestNeighbours, nearestNeighboursAsync, nearestNeighboursOnWebGpu } from '../data/knn-graph.js';
export type { KnnGraph, KnnGraphOptions, CrossKnnGraph, CrossGram } from '../data/knn-graph.js';
// CLIP on captioned digits: captions from pixels, the tokenizer, principal components of the
// pixels, the retrieval metrics and the experiment that `speclin clip` runs.
export { measureDigit, captionDigits, allCaptions, captionText, describes, DEFAULT_UNSEEN } from '../data/captions.js';
export type { DigitMeasures, CaptionSpec, ImageAttributes, Caption, CaptionedDigits, HeldOutCombination } from '../data/captions.js';
export { tokenize, Vocabulary } from '../data/tokenizer.js';
export { fitPrincipalComponents, projectOnComponents } from '../data/principal-components.js';
export type { PrincipalComponents } from '../data/principal-components.js';
export { precisionAtK, averagePrecision, ranking, retrievalFigures, recallAt1, zeroShotAccuracy, indexKeys, type IndexedKeys } from './retrieval.js';
export type { Relevance, RetrievalFigures } from './retrieval.js';
export { runCaptionExperiment, CAPTION_DEFAULTS, captionHyperParameters } from './caption-experiment.js';
export type { CaptionExperimentOptions, CaptionExperimentResult, CaptionSettings, SearchFigures, GalleryRow } from './caption-experiment.js';
