// What a wrapper needs of a communicator to run a collective, and the two rules every collective
// of speclin follows. src/mpi's initMpi() gives a Communicator over MPI_COMM_WORLD; it is declared
// here, below that layer, so that the main entry's functions take a `comm` option without loading
// MPI (and a test can hand them any object with these methods).
//
// 1. Before collective work, the ranks check by one allreduce that they agree on the call's shape
//    (k, sizes, options): ranks that disagree all get a SpeclinError instead of exchanging buffers
//    of different lengths, which hangs or corrupts.
// 2. A rank whose local part fails still takes part in the reduction, with a failure flag, so that
//    every rank throws (the failing one its own error, the others ERR_MPI_PEER_FAILED) rather than
//    the others waiting forever.
import { SpeclinError } from './errors.js';

export type ReduceOp = 'sum' | 'max' | 'min';
export type CommBuffer = Float64Array | Float32Array | Int32Array;

export interface Communicator {
  /** This process's rank in 0 .. size - 1. */
  readonly rank: number;
  readonly size: number;
  /** Combines `buffer` element-wise over every rank, in place (and returns it). */
  allreduce<A extends CommBuffer>(buffer: A, op?: ReduceOp): A;
  /** Overwrites `buffer` on every rank with root's (in place, returned). */
  broadcast<A extends CommBuffer>(buffer: A, root?: number): A;
  barrier(): void;
  finalize(): void;
  /** Ends every rank of the job, after printing the reason with this rank's number. */
  abort(reason: unknown): never;
}

/** TypeError unless `comm` has a Communicator's members. */
export function checkCommunicator(where: string, comm: unknown): Communicator {
  const c = comm as Partial<Communicator> | null;
  if (typeof c !== 'object' || c === null || typeof c.allreduce !== 'function' || !Number.isInteger(c.rank) || !Number.isInteger(c.size))
    throw new TypeError(`${where}: options.comm must be a communicator from initMpi() ({ rank, size, allreduce, ... })`);
  return c as Communicator;
}

// Fixed, so that two ranks calling different collectives still exchange buffers of one length
// (native/mpi/collective_async.h has the same number).
export const DESCRIPTOR_SLOTS = 32;

/** A number for an operation's name (FNV-1a, 24 bits: exact in float64 and in the max/min). */
function operationCode(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h & 0xffffff;
}

/** A call's descriptor for the agreement check (rule 1), before its MAX reduction: `buffer` holds
 * the rank's fields as (v, -v) pairs and the failure slots; `fields` what `describe` returned, or
 * `error` what it threw. */
export interface CallDescription<F> {
  operation: string;
  buffer: Float64Array;
  names: string[];
  values: number[];
  fields?: F;
  error?: unknown;
}

/** Runs `describe` (it reads and checks the rank's arguments) and encodes its fields (finite
 * numbers: encode strings and absent options as codes) or its failure for the reduction. */
export function describeCall<F extends Record<string, number>>(comm: Communicator, operation: string, describe: () => F): CallDescription<F> {
  let fields: F | undefined;
  let error: unknown;
  try {
    fields = describe();
  } catch (e) {
    error = e;
  }
  const names = ['operation', ...Object.keys(fields ?? {})];
  const values = [operationCode(operation), ...Object.values(fields ?? {})];
  const slots = DESCRIPTOR_SLOTS - 2;  // the last two: a failure flag and the failing rank
  if (values.length > slots / 2) throw new Error(`agreeAcrossRanks: ${operation} has more than ${slots / 2 - 1} fields`);
  const buffer = new Float64Array(DESCRIPTOR_SLOTS).fill(-Infinity);
  values.forEach((v, i) => {
    buffer[2 * i] = v;
    buffer[2 * i + 1] = -v;
  });
  buffer[slots] = fields ? 0 : 1;
  buffer[slots + 1] = fields ? -1 : comm.rank;
  return { operation, buffer, names, values, fields, error };
}

/** After `call.buffer`'s MAX reduction over every rank: the rank's fields, or the error every rank
 * throws (its own where it failed, ERR_MPI_PEER_FAILED where another did, ERR_MPI_MISMATCH where
 * the fields differ). */
export function checkAgreement<F>(comm: Communicator, call: CallDescription<F>): F {
  const { operation, buffer: d, names, values, fields } = call;
  const slots = DESCRIPTOR_SLOTS - 2;
  if (!fields) throw call.error;
  if (d[slots] > 0)
    throw new SpeclinError('ERR_MPI_PEER_FAILED', `${operation}: rank ${d[slots + 1]} refused its arguments (that rank reports why); no result on this rank`);
  for (let i = 0; i < values.length; i++) {
    const max = d[2 * i];
    const min = -d[2 * i + 1];
    if (max === min) continue;
    const what = names[i] === 'operation' ? 'which collective operation runs' : names[i];
    throw new SpeclinError(
      'ERR_MPI_MISMATCH',
      `${operation}: the ${comm.size} ranks disagree on ${what}` +
        (names[i] === 'operation' ? '' : ` (from ${min} to ${max}; this rank has ${values[i]})`) +
        '; every rank must make the same collective call with the same shape and options',
    );
  }
  return fields;
}

/**
 * Checks, by one allreduce of DESCRIPTOR_SLOTS numbers, that every rank runs `operation` with the
 * same fields (describeCall). `describe` reads and checks the rank's arguments; if it throws, the
 * rank still takes part, flagged, and then rethrows. Throws a SpeclinError on every other rank then
 * (ERR_MPI_PEER_FAILED) and when the fields differ (ERR_MPI_MISMATCH). Returns what `describe`
 * returned. (The Promise forms of speclin/mpi run the same reduction on a worker thread, with
 * the collective work, and then checkAgreement.)
 */
export function agreeAcrossRanks<F extends Record<string, number>>(comm: Communicator, operation: string, describe: () => F): F {
  const call = describeCall(comm, operation, describe);
  comm.allreduce(call.buffer, 'max');
  return checkAgreement(comm, call);
}

/** Appends the failure slots, reduces, and throws on every rank if any rank failed. */
function finishSum(comm: Communicator, operation: string, local: Float64Array | undefined, length: number, error: unknown): Float64Array {
  const buffer = new Float64Array(length + 2);
  if (local) buffer.set(local);
  else {
    buffer[length] = 1;
    buffer[length + 1] = comm.rank + 1;
  }
  comm.allreduce(buffer, 'sum');
  const failed = buffer[length];
  if (!local) throw error;
  if (failed > 0)
    throw new SpeclinError(
      'ERR_MPI_PEER_FAILED',
      `${operation}: ${failed === 1 ? `rank ${buffer[length + 1] - 1} failed` : `${failed} ranks failed`} in its local part (that rank reports why); no result on this rank`,
    );
  return buffer.subarray(0, length);
}

/** Sums `local()` (length numbers) over every rank, by rule 2 above. */
export function sumAcrossRanksSync(comm: Communicator, operation: string, length: number, local: () => Float64Array): Float64Array {
  let mine: Float64Array | undefined;
  let error: unknown;
  try {
    mine = local();
  } catch (e) {
    error = e;
  }
  return finishSum(comm, operation, mine, length, error);
}

/** The Promise form: `local` may run off the main thread; the reduction runs on it. */
export async function sumAcrossRanks(comm: Communicator, operation: string, length: number, local: () => Promise<Float64Array>): Promise<Float64Array> {
  let mine: Float64Array | undefined;
  let error: unknown;
  try {
    mine = await local();
  } catch (e) {
    error = e;
  }
  return finishSum(comm, operation, mine, length, error);
}
