export type { Batch, Dtype, FloatArray, Matrix } from './types.js';
export { SpeclinError } from './errors.js';
export { setThreads, getThreads, setKernelPath, getKernelPath } from './runtime.js';
export type { KernelPath } from './runtime.js';
export { gram, gramSync, crossGram, crossGramSync, innerGram, innerGramSync } from './gram.js';
export { spectralLoss, spectralLossSync } from './spectral-loss.js';
export type { SpectralLossOptions, SpectralLossResult } from './spectral-loss.js';
export { topK, topKSync } from './topk.js';
export type { TopKResult } from './topk.js';
export { Graph, BipartiteGraph, NormalizedAdjacency, NormalizedBiadjacency } from './graph.js';
export type {
  Symmetrize, GraphOptions, EdgesInput, CSRInput, BipartiteEdgesInput, Components, CSRArrays,
} from './graph.js';
export { stochasticBlockModel } from './sbm.js';
export type { StochasticBlockModelOptions } from './sbm.js';
export { populationLoss, populationLossSync } from './population-loss.js';
export type { PopulationLossResult, BipartitePopulationLossResult } from './population-loss.js';
export { readMatrixMarket, readEdgeList, MalformedFileError } from './io.js';
export type { ReadOptions, ReadEdgeListOptions } from './io.js';
export { createWebGpuBackend } from './gpu/backend.js';
export type { GpuMatrix, GpuGraph, GpuBipartiteGraph, WebGpuBackend } from './gpu/backend.js';
export { eigsh, eigshSync, denseOperator } from './eigsh.js';
export type { EigshOptions, EigshResult } from './eigsh.js';
export type { SymmetricOperator, RectangularOperator } from './operator.js';
export { svds, svdsSync, svdsSide, denseRectangularOperator } from './svds.js';
export type { SvdsOptions, SvdsResult } from './svds.js';
export { closedFormOptimum, closedFormOptimumSync } from './closed-form.js';
export type { ClosedFormOptimum, ClosedFormBipartiteOptimum, ClosedFormOptions } from './closed-form.js';
export * from './train/index.js';
