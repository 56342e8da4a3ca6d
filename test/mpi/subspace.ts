// How far a row-distributed k-column basis is from a single process's one: with M = Uᵀ X summed
// over the ranks (each its rows), the cosines of the principal angles are M's singular values, so
// max |MᵀM - I| is 0 when the two spans agree, whatever basis each solver chose inside a repeated
// eigenvalue or singular value.
import type { Communicator } from '../../src/collective.js';

export function subspaceError(comm: Communicator, full: Float64Array, part: { data: Float64Array; rows: number; first: number }, k: number): number {
  const M = new Float64Array(k * k);
  for (let i = 0; i < part.rows; i++)
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) M[a * k + b] += full[(part.first + i) * k + a] * part.data[i * k + b];
  comm.allreduce(M);
  let e = 0;
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += M[c * k + a] * M[c * k + b];
      e = Math.max(e, Math.abs(s - (a === b ? 1 : 0)));
    }
  return e;
}
