export type { Batch, Dtype, FloatArray, Matrix } from './types.js';
export { SpeclinError } from './errors.js';
export { setThreads, getThreads, setKernelPath, getKernelPath } from './runtime.js';
export type { KernelPath } from './runtime.js';
export { gram, gramSync, crossGram, crossGramSync, innerGram, innerGramSync } from './gram.js';
export { createWebGpuBackend } from './gpu/backend.js';
export type { GpuMatrix, GpuGraph, WebGpuBackend } from './gpu/backend.js';
