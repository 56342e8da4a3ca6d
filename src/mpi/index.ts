// The `speclin/mpi` subpath: beyond one process, over MPI (Open MPI, MPICH). docs/mpi.md.
export { initMpi, type InitMpiOptions, type MpiCommunicator } from './communicator.js';
export type { Communicator, ReduceOp, CommBuffer } from '../collective.js';
