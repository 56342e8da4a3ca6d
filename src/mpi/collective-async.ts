// The Promise forms' collectives: the agreement check of src/collective.ts and the collective work
// both run on a worker thread (native/mpi/collective_async.h), in the place this call takes in the
// rank program, which is fixed when it is called (native/mpi/collective_lane.h): so a rank's main
// thread goes on, and its collectives still run in program order, one at a time.
import { callNativeAsync } from '../errors.js';
import { checkAgreement, describeCall, type Communicator } from '../collective.js';
import { nativeMpi, type AsyncAnswer } from './native-mpi.js';

/**
 * Describes the call (describeCall: `describe` reads and checks this rank's arguments), then starts
 * `start(fields, descriptor)`, the native Promise form, at once (before any await, so that the call
 * takes its place now); a rank whose arguments were refused takes part in the check alone. After
 * the reduction, every rank throws what agreeAcrossRanks would (its own error, ERR_MPI_PEER_FAILED
 * or ERR_MPI_MISMATCH), or gets the result.
 */
export async function collectiveAsync<F extends Record<string, number>, R>(
  comm: Communicator,
  operation: string,
  describe: () => F,
  start: (fields: F, descriptor: Float64Array) => Promise<AsyncAnswer<R>>,
): Promise<{ fields: F; result: R }> {
  const call = describeCall(comm, operation, describe);
  const fields = call.fields;
  const answer = await callNativeAsync(() => (fields ? start(fields, call.buffer) : nativeMpi().agreeAsync(call.buffer)));
  call.buffer.set(answer.descriptor);
  const agreed = checkAgreement(comm, call);
  if (answer.result === undefined) throw new Error(`${operation}: the ranks agreed but the native collective did not run (a bug in speclin/mpi)`);
  return { fields: agreed, result: answer.result };
}
