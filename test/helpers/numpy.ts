// numpy references the tests share: the spectra of a dense matrix, of a graph's normalized
// adjacency Ā = D^-1/2 A D^-1/2 and of a bipartite graph's P̄ = D_x^-1/2 P D_t^-1/2, computed by
// LAPACK through numpy, independently of speclin. Repeated entries are summed, as the graphs do.
import { python } from './python.js';

/** Singular values (descending) of a dense rows x cols matrix, row-major. */
export function numpySingularValues(M: ArrayLike<number>, rows: number, cols: number): number[] {
  return python<number[]>(
    'import sys, json, numpy as np\n' +
      'd = json.load(sys.stdin)\n' +
      'print(json.dumps(np.linalg.svd(np.array(d["M"]).reshape(d["r"], d["c"]), compute_uv=False).tolist()))',
    { M: Array.from(M), r: rows, c: cols },
  );
}

/** Eigenvalues (descending) of a dense symmetric n x n matrix (LAPACK syevd), or with `normalized`
 * of its normalized adjacency D^-1/2 A D^-1/2. */
export function numpySymmetricEigenvalues(A: ArrayLike<number>, n: number, normalized = false): number[] {
  return python<number[]>(
    'import sys, json, numpy as np\n' +
      'd = json.load(sys.stdin); A = np.array(d["A"], dtype=np.float64).reshape(d["n"], d["n"])\n' +
      'deg = A.sum(1); M = A / np.sqrt(np.outer(deg, deg)) if d["normalized"] else A\n' +
      'print(json.dumps(sorted(np.linalg.eigvalsh(M).tolist(), reverse=True)))',
    { A: Array.from(A), n, normalized },
  );
}

/** Eigenvalues (descending) of Ā for a dense symmetric n x n A. */
export function numpyNormalizedEigenvalues(A: ArrayLike<number>, n: number): number[] {
  return numpySymmetricEigenvalues(A, n, true);
}

/** Singular values (descending) of P̄ for the pairs (left[e], right[e]) of weight weight[e]. */
export function numpyNormalizedSingularValues(
  nLeft: number, nRight: number, pairs: { left: ArrayLike<number>; right: ArrayLike<number>; weight: ArrayLike<number> },
): number[] {
  return python<number[]>(
    'import sys, json, numpy as np\n' +
      'd = json.load(sys.stdin); P = np.zeros((d["nl"], d["nr"]))\n' +
      'np.add.at(P, (np.array(d["l"], dtype=int), np.array(d["r"], dtype=int)), np.array(d["w"], dtype=float))\n' +
      'Pb = P / np.sqrt(np.outer(P.sum(1), P.sum(0)))\n' +
      'print(json.dumps(np.linalg.svd(Pb, compute_uv=False).tolist()))',
    { nl: nLeft, nr: nRight, l: Array.from(pairs.left), r: Array.from(pairs.right), w: Array.from(pairs.weight) },
  );
}
