// The --backend option of the training commands: its parsing, and the WebGPU backend opened for
// the run. The `webgpu` package is optional, so the backend's module is loaded only here.
import type { WebGpuBackend } from '../gpu/backend.js';
import { UsageError } from './args.js';

export interface GpuSession {
  backend: WebGpuBackend;
  /** The adapter in words (vendor, architecture, description). */
  description: string;
  dispose(): void;
}

/** 'cpu' (the default) or 'webgpu'; anything else is a usage error. */
export function backendOption(value: unknown, usage: string): 'cpu' | 'webgpu' {
  const backend = value ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'webgpu') throw new UsageError(`--backend must be cpu or webgpu, got '${String(backend)}'`, usage);
  return backend;
}

/** Opens the WebGPU backend for `speclin <command>` and says on stderr what runs where (`parts`).
 * Without a usable device it says why and returns undefined: the command then exits with 1. */
export async function openWebGpu(command: string, parts: string): Promise<GpuSession | undefined> {
  let backend: WebGpuBackend;
  try {
    const { createWebGpuBackend } = await import('../gpu/backend.js');
    backend = await createWebGpuBackend();
  } catch (err) {
    process.stderr.write(`speclin ${command}: --backend webgpu: no usable WebGPU device (${err instanceof Error ? err.message : String(err)}); run without it for the CPU backend\n`);
    return undefined;
  }
  const info = backend.info as { description?: string; vendor?: string; architecture?: string };
  const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  process.stderr.write(`webgpu     ${description}: ${parts}\n`);
  return { backend, description, dispose: () => backend.dispose() };
}
