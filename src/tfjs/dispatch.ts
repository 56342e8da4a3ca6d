// Which kernels run the op: the host path's C++ kernels, or the WGSL kernels on tfjs-backend-webgpu's
// own device.
import { currentPath } from './tensors.js';
import { hostKernels } from './host-kernels.js';
import { webgpuKernels } from './webgpu-kernels.js';
import type { TfjsKernels } from './kernels.js';

export function kernelsFor(): TfjsKernels {
  return currentPath() === 'webgpu' ? webgpuKernels() : hostKernels;
}
