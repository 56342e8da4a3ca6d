// `speclin eigs FILE -k K [--tol T] [--json]`: the top-k eigenpairs of a graph's normalized
// adjacency Ā. FILE is read by extension: .mtx as Matrix Market, anything else as an edge list.
import { UsageError, parse, numberOption } from '../cli/args.js';
import { graphOptions, progressPrinter, readGraphFile, singleFile, spectrumOptions } from '../cli/graph-file.js';
import { eigsh } from '../eigsh.js';

export const usage = `usage: speclin eigs FILE -k K [--tol T] [--block-size B] [--max-iterations N] [--seed S]
                    [--symmetrize average|max] [--isolated drop] [--json]

  The k algebraically largest eigenvalues of the normalized adjacency D^{-1/2} A D^{-1/2} of the
  graph in FILE (.mtx: Matrix Market; otherwise an edge list 'u v [w]' per line), with their
  true residuals ||Āv - λv||. --json prints { values, residuals, matvecs, seconds } on stdout.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    k: { type: 'string', short: 'k' },
    tol: { type: 'string' },
    'block-size': { type: 'string' },
    'max-iterations': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    ...graphOptions,
  }, usage);
  const file = singleFile(positionals, usage);
  const { k, tol } = spectrumOptions(values, usage);
  const blockSize = numberOption(values['block-size'], '--block-size', usage, { integer: true, min: 1 });
  const maxIterations = numberOption(values['max-iterations'], '--max-iterations', usage, { integer: true, min: 1 });
  const seed = numberOption(values.seed, '--seed', usage, { integer: true, min: 0 });
  const graph = await readGraphFile(file, values, usage);
  if (k > graph.n) throw new UsageError(`-k must be at most the number of nodes, ${graph.n}; got ${k}`, usage);
  const t0 = process.hrtime.bigint();
  const r = await eigsh(graph, { k, tol, blockSize, maxIterations, seed, onProgress: progressPrinter(k) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ values: Array.from(r.values), residuals: Array.from(r.residuals), matvecs: r.matvecs, seconds })}\n`);
    return 0;
  }
  process.stdout.write(`${file}: n = ${graph.n}, top ${k} eigenvalues of D^-1/2 A D^-1/2 (${r.method}, ${r.matvecs} products, ${seconds.toFixed(3)} s)\n`);
  process.stdout.write('   i  eigenvalue              residual\n');
  for (let i = 0; i < k; i++)
    process.stdout.write(`${String(i + 1).padStart(4)}  ${r.values[i].toFixed(15).padStart(19)}  ${r.residuals[i].toExponential(2)}\n`);
  return 0;
}
