// eigsh on small graphs whose Krylov space runs out: rings, paths and complete graphs of n = 3..40,
// every k <= n. Lanczos with a basis as large as the space used to stop with "could not extend the
// Krylov basis" (a 12-node ring, k = 3); an exhausted Krylov space is an exact invariant subspace,
// and its pairs are the answer. Reference: the spectra in closed form (independent of any solver):
//   ring C_n:     Ā = A / 2,         eigenvalues cos(2 pi j / n), j = 0..n-1
//   path P_n:     Ā = D^-1/2 A D^-1/2 eigenvalues cos(pi j / (n - 1)), j = 0..n-1
//   complete K_n: Ā = (J - I) / (n - 1), eigenvalues 1 and -1/(n - 1) (n - 1 times)
import test from 'ava';
import { Graph, eigshSync } from '../src/index.js';

type Kind = 'ring' | 'path' | 'complete';

function graph(kind: Kind, n: number): { g: Graph; dense: Float64Array } {
  const src: number[] = [];
  const dst: number[] = [];
  const add = (a: number, b: number) => { src.push(a, b); dst.push(b, a); };
  if (kind === 'complete') for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  else for (let i = 0; i < (kind === 'ring' ? n : n - 1); i++) add(i, (i + 1) % n);
  const g = Graph.fromEdges({ n, src: Int32Array.from(src), dst: Int32Array.from(dst), });
  // Ā as a dense float64 matrix, by a naive loop over the edges (the residual check's operator).
  const A = new Float64Array(n * n);
  for (let e = 0; e < src.length; e++) A[src[e] * n + dst[e]] += 1;
  const d = Array.from({ length: n }, (_, i) => A.subarray(i * n, (i + 1) * n).reduce((s, x) => s + x, 0));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] /= Math.sqrt(d[i] * d[j]);
  return { g, dense: A };
}

function spectrum(kind: Kind, n: number): number[] {
  const v = kind === 'ring' ? Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * j) / n))
    : kind === 'path' ? Array.from({ length: n }, (_, j) => Math.cos((Math.PI * j) / (n - 1)))
    : [1, ...Array.from({ length: n - 1 }, () => -1 / (n - 1))];
  return v.sort((a, b) => b - a);
}

for (const kind of ['ring', 'path', 'complete'] as const) {
  test(`${kind}s of n = 3..40, every k <= n: the top-k eigenvalues in closed form, true residuals below tol`, (t) => {
    let solves = 0;
    for (let n = 3; n <= 40; n++) {
      const { g, dense } = graph(kind, n);
      const exact = spectrum(kind, n);
      for (let k = 1; k <= n; k++) {
        // Lanczos wherever its basis fits (k + 2 blockSize <= n, blockSize 2), with and without the
        // deflated component vector; the dense path otherwise.
        const runs: { method: 'lanczos' | 'auto'; deflate: boolean }[] = k + 4 <= n
          ? [{ method: 'lanczos', deflate: true }, { method: 'lanczos', deflate: false }]
          : [{ method: 'auto', deflate: true }];
        for (const { method, deflate } of runs) {
          const what = `${kind} n=${n} k=${k} ${method} deflate=${deflate}`;
          const r = eigshSync(g, { k, method, deflate });
          solves++;
          // |λ - θ| <= ||Āv - θv|| for a unit v (symmetric Ā), and the solver's tol is 1e-8 relative
          // to ||Ā|| = 1: 1e-8 bounds the eigenvalue error (plus rounding).
          for (let q = 0; q < k; q++) {
            if (Math.abs(r.values[q] - exact[q]) > 1.01e-8) t.fail(`${what}: eigenvalue ${q} is ${r.values[q]}, expected ${exact[q]}`);
          }
          // The vectors: residuals ||Āv - θv|| recomputed with the dense Ā (float64 naive loop) below
          // tol, and orthonormal columns to 1e-10 (Lanczos and Jacobi keep them to ~1e-14).
          const V = r.vectors.data;
          for (let q = 0; q < k; q++) {
            let r2 = 0;
            for (let i = 0; i < n; i++) {
              let s = 0;
              for (let j = 0; j < n; j++) s += dense[i * n + j] * V[j * k + q];
              r2 += (s - r.values[q] * V[i * k + q]) ** 2;
            }
            if (!(Math.sqrt(r2) <= 1.01e-8)) t.fail(`${what}: residual of pair ${q} is ${Math.sqrt(r2)}`);
            for (let p = 0; p <= q; p++) {
              let dot = 0;
              for (let i = 0; i < n; i++) dot += V[i * k + p] * V[i * k + q];
              if (Math.abs(dot - (p === q ? 1 : 0)) > 1e-10) t.fail(`${what}: columns ${p} and ${q} have dot ${dot}`);
            }
          }
        }
      }
    }
    t.log(`${solves} solves`);
    t.pass();
  });
}
