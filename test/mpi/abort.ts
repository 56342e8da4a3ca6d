// Rank program of test/mpi.test.ts: rank 1 throws while the others wait in an allreduce. The job
// must end (MPI_Abort), naming the rank and the error, instead of hanging.
import { initMpi } from '../../src/mpi/index.js';
import { report } from './report.js';

const comm = initMpi();
comm.barrier();
if (comm.rank === 1) throw new Error('a deliberate failure between two collectives');
comm.allreduce(new Float64Array(4));
report(comm.rank, { finished: true });
