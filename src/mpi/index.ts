// The `speclin/mpi` subpath: beyond one process, over MPI (Open MPI, MPICH). docs/mpi.md.
export { initMpi, type InitMpiOptions, type MpiCommunicator } from './communicator.js';
export type { Communicator, ReduceOp, CommBuffer } from '../collective.js';
export { DistributedGraph, type DistributedEdges } from './distributed-graph.js';
export {
  distributedEigsh,
  distributedEigshSync,
  distributedClosedFormOptimum,
  distributedClosedFormOptimumSync,
  type DistributedEigshOptions,
  type DistributedEigshResult,
} from './distributed-eigsh.js';
export {
  DistributedBipartiteGraph,
  distributedSvds,
  distributedSvdsSync,
  distributedBipartiteOptimum,
  distributedBipartiteOptimumSync,
  type DistributedBipartiteEdges,
  type DistributedSvdsResult,
  type SideRows,
} from './distributed-svds.js';
