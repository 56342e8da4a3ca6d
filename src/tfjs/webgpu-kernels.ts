// Placeholder replaced by the WebGPU path.
import { SpeclinError } from '../errors.js';
import type { TfjsKernels } from './kernels.js';
export function webgpuKernels(): TfjsKernels {
  throw new SpeclinError('ERR_TFJS_WEBGPU', 'speclin/tfjs: the webgpu backend is not supported yet');
}
