export type { Batch, Dtype, FloatArray, Matrix } from './types.js';
export { SpeclinError } from './errors.js';
export { setThreads, getThreads, setKernelPath, getKernelPath } from './runtime.js';
export type { KernelPath } from './runtime.js';
export { gram, gramSync, crossGram, crossGramSync, innerGram, innerGramSync } from './gram.js';
export { spectralLoss, spectralLossSync } from './spectral-loss.js';
export type { SpectralLossOptions, SpectralLossResult } from './spectral-loss.js';
export { topK, topKSync } from './topk.js';
export type { TopKResult } from './topk.js';
