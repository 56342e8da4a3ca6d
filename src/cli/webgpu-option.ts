// The --backend option of the training commands: its parsing, and the WebGPU backend of the run:
// the process's shared device (the one `backend: 'webgpu'` calls use), held for the command.
import type { WebGpuBackend } from '../gpu/backend.js';
import { holdSharedWebGpu } from '../gpu/shared.js';
import { UsageError } from './args.js';

export interface GpuSession {
  backend: WebGpuBackend;
  /** The adapter in words (vendor, architecture, description). */
  description: string;
  /** Releases the hold: the shared device is disposed after its linger. */
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
  let held: Awaited<ReturnType<typeof holdSharedWebGpu>>;
  try {
    held = await holdSharedWebGpu();
  } catch (err) {
    process.stderr.write(`speclin ${command}: --backend webgpu: no usable WebGPU device (${err instanceof Error ? err.message : String(err)}); run without it for the CPU backend\n`);
    return undefined;
  }
  const { backend, release } = held;
  const info = backend.info as { description?: string; vendor?: string; architecture?: string };
  const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  process.stderr.write(`webgpu     ${description}: ${parts}\n`);
  return { backend, description, dispose: release };
}
