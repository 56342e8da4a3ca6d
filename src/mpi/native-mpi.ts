// Loads the optional MPI addon (native/mpi, built where CMake found MPI) and types its exports.
// SPECLIN_MPI_NATIVE_PATH overrides the path.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpeclinError } from '../errors.js';
import type { CommBuffer, ReduceOp } from '../collective.js';

export interface NativeMpi {
  init(threadLevel: 'serialized' | 'funneled'): { rank: number; size: number; library: string; threadLevel: 'serialized' | 'funneled' | 'single' };
  allreduce<A extends CommBuffer>(buffer: A, op: ReduceOp): A;
  broadcast<A extends CommBuffer>(buffer: A, root: number): A;
  barrier(): void;
  finalize(): void;
  /** MPI_Finalize, or MPI_Abort printing `message` where a collective is still in flight. */
  finalizeAtExit(message: string): void;
  abort(message: string): never;
  graphFromEdges(n: number, src: Int32Array, dst: Int32Array, weight: Float64Array | undefined, symmetrize: boolean): NativeDistributedGraph;
  graphMultiply(handle: unknown, X: Float64Array, columns: number): Float64Array;
  eigsh(handle: unknown, options: NativeEigshOptions): NativeEigshResult;
  /** The Promise forms (native/mpi/collective_async.h): the descriptor's MAX reduction and the work
   * on a worker thread, in the call's turn; `result` only where the reduced descriptor shows every
   * rank agreeing. ERR_MPI_THREADS where MPI gave less than MPI_THREAD_SERIALIZED. */
  graphFromEdgesAsync(n: number, src: Int32Array, dst: Int32Array, weight: Float64Array | undefined, symmetrize: boolean, descriptor: Float64Array): Promise<AsyncAnswer<NativeDistributedGraph>>;
  eigshAsync(handle: unknown, options: NativeEigshOptions, descriptor: Float64Array): Promise<AsyncAnswer<NativeEigshResult>>;
  /** The agreement check alone: a rank whose own arguments were refused takes part with it. */
  agreeAsync(descriptor: Float64Array): Promise<AsyncAnswer<never>>;
}

export interface AsyncAnswer<R> {
  /** The descriptor after its MAX reduction over every rank. */
  descriptor: Float64Array;
  result?: R;
}

/** A type, not an interface: agreeAcrossRanks takes it as a Record of numbers. */
export type NativeEigshOptions = {
  k: number;
  tol: number;
  block: number;
  basis: number;
  maxRestarts: number;
  seed: number;
  /** 0 'auto', 1 'lanczos', 2 'dense'. */
  method: number;
};

export interface NativeEigshResult {
  values: Float64Array;
  vectors: Float64Array;
  residuals: Float64Array;
  matvecs: number;
  iterations: number;
  converged: number;
  reductions: number;
  method: 'lanczos' | 'dense';
}

/** What graphFromEdges returns: the handle and this rank's view of the partition. */
export interface NativeDistributedGraph {
  handle: unknown;
  n: number;
  nnz: number;
  localNnz: number;
  firstRow: number;
  localRows: number;
  haloSize: number;
  sendCount: number;
  neighbours: number;
  totalWeight: number;
  degrees: Float64Array;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

let loaded: NativeMpi | undefined;

/** The MPI addon; SpeclinError ERR_MPI_UNAVAILABLE where it was not built. */
export function nativeMpi(): NativeMpi {
  if (loaded) return loaded;
  const candidates = process.env.SPECLIN_MPI_NATIVE_PATH
    ? [path.resolve(process.env.SPECLIN_MPI_NATIVE_PATH)]
    : [path.join(root, 'build', 'Release', 'speclin_mpi.node'), path.join(root, 'build', 'Debug', 'speclin_mpi.node')];
  const file = candidates.find((f) => existsSync(f));
  if (!file)
    throw new SpeclinError(
      'ERR_MPI_UNAVAILABLE',
      `speclin/mpi: the MPI addon is not built (looked for ${candidates.join(', ')}). It is built by ` +
        '`npm run build:native` where CMake finds MPI: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) and rebuild.',
    );
  loaded = require(file) as NativeMpi;
  return loaded;
}
