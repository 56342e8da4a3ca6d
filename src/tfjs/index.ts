// speclin/tfjs: speclin's kernels as differentiable TensorFlow.js ops on float32 tensors.
// tfjs-backend-cpu, -wasm (and tfjs-node): the C++ kernels on the tensors' values.
// tfjs-backend-webgpu: the WGSL kernels on tfjs's own GPUDevice and buffers, nothing read back.
// @tensorflow/tfjs-core is a peer dependency: the main entry `speclin` never imports this module.
export { spectralLoss } from './spectral-loss.js';
export type { SpectralLossOptions } from './spectral-loss.js';
export { gram, crossGram, innerGram } from './gram.js';
export { populationLoss } from './population-loss.js';
