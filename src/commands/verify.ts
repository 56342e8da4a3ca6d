// `speclin verify --graph G --embedding E.npy`: checks an embedding trained anywhere against the
// closed-form optimum of the spectral contrastive loss (verifyEmbedding); `--bipartite` checks two
// towers on an m x n Matrix Market file of pairs.
import path from 'node:path';
import { UsageError, parse, numberOption } from '../cli/args.js';
import { graphOptions, progressPrinter, readGraphFile } from '../cli/graph-file.js';
import { readMatrixMarket } from '../io.js';
import { readMatrixFile } from '../matrix-file.js';
import { checkEmbedding, verifyEmbedding, type BipartiteEmbeddingVerification, type EmbeddingVerification } from '../verify.js';
import { formatTable } from '../report/table.js';

export const usage = `usage: speclin verify --graph FILE --embedding E [-k K] [--tol T] [--json]
       speclin verify --bipartite --graph P.mtx --left EX --right ET [-k K] [--tol T] [--json]

  How close an embedding trained anywhere (row i: node i's f(x_i)) is to the optimum of the
  spectral contrastive loss on the graph: its population loss, the closed-form optimum for k
  dimensions, the relative gap, the principal angles to the optimal subspace, and ||Ā - F Fᵀ||²_F
  (F = D^1/2 E) against its minimum.
  --graph FILE        the graph: Matrix Market (.mtx) or an edge list (with --symmetrize and
                      --isolated as in speclin eigs); with --bipartite an m x n .mtx file of pairs
  --embedding E       the embedding, one row per node: .npy (float32/float64, C or Fortran order),
                      .mtx (Matrix Market array), or text/CSV (comma or whitespace separated)
  --left EX --right ET   with --bipartite: the two towers' embeddings (nLeft and nRight rows)
  -k, --k K           the optimum's dimension (default: the embedding's columns)
  --tol T             eigensolver tolerance (default 1e-10)
  --json              print the result as one JSON object on stdout`;

const BAR = 40;

/** One line per angle, largest first, with a bar on a 0-90 degree scale. */
function angleChart(title: string, angles: number[]): string {
  const lines = [`${title} (degrees, largest first; bar: 0 to 90)`];
  angles.forEach((a, i) => {
    const filled = Math.round((Math.min(Math.max(a, 0), 90) / 90) * BAR);
    lines.push(`  θ${String(i + 1).padEnd(3)} ${a.toFixed(4).padStart(9)}  |${'#'.repeat(filled)}${' '.repeat(BAR - filled)}|`);
  });
  return lines.join('\n') + '\n';
}

function summary(r: EmbeddingVerification | BipartiteEmbeddingVerification): [string, string][] {
  return [
    ['dimension k', String(r.k)],
    ['population loss L', String(r.loss)],
    ['closed-form optimum L*', String(r.optimum)],
    ['relative gap (L - L*)/|L*|', `${r.relativeGap.toExponential(4)} (${(r.relativeGap * 100).toFixed(4)} %)`],
    ['||Ā - F Fᵀ||²_F', String(r.frobeniusError)],
    ['its minimum over rank k', String(r.frobeniusMinimum)],
  ];
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    graph: { type: 'string' },
    embedding: { type: 'string' },
    bipartite: { type: 'boolean' },
    left: { type: 'string' },
    right: { type: 'string' },
    k: { type: 'string', short: 'k' },
    tol: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...graphOptions,
  }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const graphFile = values.graph as string | undefined;
  if (!graphFile) throw new UsageError('--graph FILE is required', usage);
  const k = numberOption(values.k, '-k', usage, { integer: true, min: 1 });
  const tol = numberOption(values.tol, '--tol', usage, { min: 0, exclusiveMin: true });
  const json = Boolean(values.json);
  const solver = { ...(k !== undefined ? { k } : {}), ...(tol !== undefined ? { tol } : {}) };

  if (values.bipartite) {
    const [left, right] = [values.left as string | undefined, values.right as string | undefined];
    if (values.embedding !== undefined) throw new UsageError('--bipartite takes --left EX and --right ET, not --embedding', usage);
    if (!left || !right) throw new UsageError('--bipartite needs --left EX and --right ET', usage);
    if (!/\.mtx$/i.test(graphFile)) throw new UsageError('--bipartite needs a Matrix Market (.mtx) graph file', usage);
    const [graph, Ex, Et] = await Promise.all([
      readMatrixMarket(graphFile, { bipartite: true, isolated: values.isolated === 'drop' ? 'drop' : undefined }),
      readMatrixFile(left),
      readMatrixFile(right),
    ]);
    checkEmbedding(Ex, left, graph.nLeft, `left node (row) of ${path.basename(graphFile)}`);
    checkEmbedding(Et, right, graph.nRight, `right node (column) of ${path.basename(graphFile)}`);
    if (Ex.cols !== Et.cols) throw new RangeError(`${left} has ${Ex.cols} columns but ${right} has ${Et.cols}; expected the same dimension`);
    const limit = Math.min(graph.nLeft, graph.nRight);
    if ((k ?? Ex.cols) > limit) throw new UsageError(`-k (default: the embeddings' ${Ex.cols} columns) must be at most min(nLeft, nRight) = ${limit}; got ${k ?? Ex.cols}`, usage);
    const r = await verifyEmbedding(graph, Ex, Et, { ...solver, onProgress: progressPrinter(k ?? Ex.cols) });
    if (json) {
      process.stdout.write(JSON.stringify(r) + '\n');
      return 0;
    }
    process.stdout.write(formatTable(`speclin verify: ${path.basename(left)}, ${path.basename(right)} on ${path.basename(graphFile)} (${graph.nLeft} x ${graph.nRight})`, [
      ...summary(r).map(([a, b]) => [a.replace('Ā', 'P̄').replace('F Fᵀ', 'Fx Ftᵀ'), b] as [string, string]),
      ['σ_k', r.singularValues[r.k - 1].toPrecision(8)],
    ]));
    process.stdout.write(angleChart('principal angles, left tower', r.principalAnglesDegLeft));
    process.stdout.write(angleChart('principal angles, right tower', r.principalAnglesDegRight));
    return 0;
  }

  if (values.left !== undefined || values.right !== undefined) throw new UsageError('--left and --right go with --bipartite', usage);
  const file = values.embedding as string | undefined;
  if (!file) throw new UsageError('--embedding E is required', usage);
  const [graph, E] = await Promise.all([readGraphFile(graphFile, values, usage), readMatrixFile(file)]);
  checkEmbedding(E, file, graph.n, `node of ${path.basename(graphFile)}`);
  if ((k ?? E.cols) > graph.n) throw new UsageError(`-k (default: the embedding's ${E.cols} columns) must be at most the number of nodes, ${graph.n}; got ${k ?? E.cols}`, usage);
  const r = await verifyEmbedding(graph, E, { ...solver, onProgress: progressPrinter(k ?? E.cols) });
  if (json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  process.stdout.write(formatTable(`speclin verify: ${path.basename(file)} on ${path.basename(graphFile)} (n = ${graph.n})`, [
    ...summary(r),
    ['λ_k', r.eigenvalues[r.k - 1].toPrecision(8)],
  ]));
  process.stdout.write(angleChart('principal angles to span(U_k)', r.principalAnglesDeg));
  return 0;
}
