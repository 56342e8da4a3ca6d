// initMpi(): MPI_COMM_WORLD as a Communicator (src/collective.ts).
import { callNative } from '../errors.js';
import type { CommBuffer, Communicator, ReduceOp } from '../collective.js';
import { nativeMpi } from './native-mpi.js';

export interface MpiCommunicator extends Communicator {
  /** The MPI library's version line, e.g. 'Open MPI v4.1.4'. */
  readonly library: string;
  /** The thread support MPI_Init_thread gave (speclin asks for MPI_THREAD_SERIALIZED). The Promise
   * forms (distributedEigsh, ..., readMatrixMarket) run collectives on a worker thread and need
   * 'serialized'; below it they reject with ERR_MPI_THREADS and only the Sync forms run. */
  readonly threadLevel: 'serialized' | 'funneled' | 'single';
}

export interface InitMpiOptions {
  /** An uncaught exception or unhandled rejection on any rank ends the whole job by MPI_Abort,
   * printing the rank and the error, rather than leaving the other ranks waiting in a collective.
   * Default true. */
  abortOnUncaught?: boolean;
  /** The thread support to ask MPI for: 'serialized' (default; the Promise forms run their
   * collectives on a worker thread) or 'funneled' (only the main thread calls MPI: the Promise
   * forms reject with ERR_MPI_THREADS, the Sync forms run). */
  threadLevel?: 'serialized' | 'funneled';
}

let world: MpiCommunicator | undefined;

/** Initializes MPI (once per process) and returns MPI_COMM_WORLD. MPI is finalized when the
 * process exits, if comm.finalize() was not called. */
export function initMpi(options: InitMpiOptions = {}): MpiCommunicator {
  if (world) return world;
  const mpi = nativeMpi();
  const requested = options.threadLevel ?? 'serialized';
  if (requested !== 'serialized' && requested !== 'funneled')
    throw new RangeError(`initMpi: threadLevel must be 'serialized' or 'funneled', got ${String(requested)}`);
  const info = callNative(() => mpi.init(requested));
  const { rank, size } = info;
  const abort = (reason: unknown): never => {
    const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    return mpi.abort(`speclin: rank ${rank} of ${size} failed: ${text}; aborting the MPI job`);
  };
  const checkRoot = (r: number) => {
    if (!Number.isInteger(r) || r < 0 || r >= size) throw new RangeError(`comm.broadcast: root must be a rank in 0..${size - 1}, got ${r}`);
    return r;
  };
  world = {
    rank,
    size,
    library: info.library,
    threadLevel: info.threadLevel,
    allreduce: <A extends CommBuffer>(buffer: A, op: ReduceOp = 'sum') => callNative(() => mpi.allreduce(buffer, op)),
    broadcast: <A extends CommBuffer>(buffer: A, r = 0) => callNative(() => mpi.broadcast(buffer, checkRoot(r))),
    barrier: () => callNative(() => mpi.barrier()),
    finalize: () => callNative(() => mpi.finalize()),
    abort,
  };
  if (options.abortOnUncaught ?? true) {
    process.on('uncaughtException', abort);
    process.on('unhandledRejection', abort);
  }
  // A process.exit() while a Promise form's collective is in flight aborts the job (finalizing
  // would wait for a collective the other ranks may never join).
  process.on('exit', (code) => mpi.finalizeAtExit(`speclin: rank ${rank} of ${size} exited (code ${code}) while a collective was in flight; aborting the MPI job`));
  return world;
}
