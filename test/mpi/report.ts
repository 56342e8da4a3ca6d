// What a rank program reports: one JSON file per rank in the folder test/helpers/mpi.ts gave it
// (mpirun forwards the ranks' stdout, and long lines of several ranks can interleave there).
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export function report(rank: number, result: object): void {
  const dir = process.env.SPECLIN_MPI_REPORT_DIR;
  const line = JSON.stringify({ rank, ...result });
  if (dir) writeFileSync(path.join(dir, `rank-${rank}.json`), line);
  else console.log(line);
}
