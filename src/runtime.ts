import { native } from './native.js';
import { callNative } from './errors.js';

/** Threads the core may use for one call (the calling thread included). 0 restores the default:
 * the machine's cores. */
export function setThreads(n: number): void {
  callNative(() => native.setThreads(n));
}

export function getThreads(): number {
  return native.getThreads();
}

export type KernelPath = 'auto' | 'portable' | 'avx2';

/** Forces the portable C++ micro-kernels ('portable') or the AVX2/FMA ones ('avx2'); 'auto' picks
 * by CPU detection. Mainly for tests and benchmarks. */
export function setKernelPath(path: KernelPath): void {
  callNative(() => native.setKernelPath(path));
}

/** The micro-kernel family in use now: 'avx2' or 'portable'. */
export function getKernelPath(): Exclude<KernelPath, 'auto'> {
  return native.getKernelPath();
}
