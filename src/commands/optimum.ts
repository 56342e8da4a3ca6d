// `speclin optimum FILE -k K [--json]`: the optimum of the spectral contrastive loss with k
// dimensions, -sum_{i<=k} max(λ_i, 0)^2, from the top-k eigenvalues of the graph's Ā (or, with
// --bipartite and a rectangular .mtx file, -sum σ_i^2 of P̄).
import { UsageError, parse } from '../cli/args.js';
import { graphOptions, progressPrinter, readGraphFile, singleFile, spectrumOptions } from '../cli/graph-file.js';
import { readMatrixMarket } from '../io.js';
import { closedFormOptimum } from '../closed-form.js';

export const usage = `usage: speclin optimum FILE -k K [--tol T] [--bipartite] [--symmetrize average|max] [--isolated drop] [--json]

  The minimum of the spectral contrastive loss over k-dimensional embeddings,
  -sum_{i<=k} max(λ_i, 0)^2 with λ the eigenvalues of D^{-1/2} A D^{-1/2} of the graph in FILE
  (.mtx: Matrix Market; otherwise an edge list). --bipartite reads an m x n .mtx file as the joint
  P of a two-tower (CLIP) problem: -sum σ_i^2 of D_x^{-1/2} P D_t^{-1/2}.
  --json prints { loss, eigenvalues } (or { loss, singularValues }) on stdout.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    k: { type: 'string', short: 'k' },
    tol: { type: 'string' },
    bipartite: { type: 'boolean' },
    json: { type: 'boolean' },
    ...graphOptions,
  }, usage);
  const file = singleFile(positionals, usage);
  const { k, tol } = spectrumOptions(values, usage);
  const onProgress = progressPrinter(k);
  if (values.bipartite) {
    if (!file.toLowerCase().endsWith('.mtx')) throw new UsageError('--bipartite needs a Matrix Market (.mtx) file', usage);
    const g = await readMatrixMarket(file, { bipartite: true, isolated: values.isolated === 'drop' ? 'drop' : undefined });
    if (k > Math.min(g.nLeft, g.nRight)) throw new UsageError(`-k must be at most min(rows, cols) = ${Math.min(g.nLeft, g.nRight)}; got ${k}`, usage);
    const opt = await closedFormOptimum(g, k, { tol, onProgress });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ loss: opt.loss, singularValues: Array.from(opt.singularValues) })}\n`);
      return 0;
    }
    process.stdout.write(`${file}: ${g.nLeft} x ${g.nRight}, optimum with k = ${k}: loss = ${opt.loss}\n`);
    process.stdout.write(`singular values: ${Array.from(opt.singularValues).map((v) => v.toPrecision(12)).join(' ')}\n`);
    return 0;
  }
  const graph = await readGraphFile(file, values, usage);
  if (k > graph.n) throw new UsageError(`-k must be at most the number of nodes, ${graph.n}; got ${k}`, usage);
  const opt = await closedFormOptimum(graph, k, { tol, onProgress });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ loss: opt.loss, eigenvalues: Array.from(opt.eigenvalues) })}\n`);
    return 0;
  }
  process.stdout.write(`${file}: n = ${graph.n}, optimum of the spectral contrastive loss with k = ${k}: ${opt.loss}\n`);
  process.stdout.write(`eigenvalues: ${Array.from(opt.eigenvalues).map((v) => v.toPrecision(12)).join(' ')}\n`);
  return 0;
}
