// `speclin train --graph FILE -k K`: trains an embedding of any graph (a Matrix Market file or an
// edge list) against its closed-form optimum; a free table by default, or a linear map / MLP of
// node features read from a file.
import path from 'node:path';
import type { Graph } from '../graph.js';
import { readEdgeList, readMatrixMarket } from '../io.js';
import type { Matrix } from '../types.js';
import { runExperiment } from '../train/experiment.js';
import { edgesOfCSR } from '../data/edge-list.js';
import { readMatrixFile, writeMatrixFile } from '../matrix-file.js';
import { checkEmbedding } from '../verify.js';
import { formatTable } from '../report/table.js';
import { UsageError, parse } from '../cli/args.js';
import { progressHooks, summaryRows, trainingFlags, trainingOptions } from '../cli/training-flags.js';
import type { Communicator } from '../collective.js';

export const usage = `usage: speclin train --graph FILE -k K [options]
  --graph FILE        the graph: Matrix Market (.mtx) or an edge list (src dst [weight] per line)
  -k, --k K           embedding dimension (integer >= 1)
  --features FILE     node features for --encoder linear|mlp, one row per node in node order:
                      .npy, a Matrix Market array (.mtx), or text (comma or whitespace separated)
  --encoder NAME      table (default), linear or mlp
  --mode MODE         minibatch (default) or fullbatch
  --steps N  --batch-size B  --lr LR  --optimizer adam|sgd  --hidden H  --seed S
  --distributed       data-parallel over MPI, under mpirun -np P: each rank draws batch-size/P
                      pairs, the negatives span the whole batch, gradients are summed by
                      allreduce; rank 0 prints and writes (minibatch mode; docs/mpi.md)
  --json              print the summary as one JSON object on stdout
  --out FILE          write the learned embedding (n x k, float32): FILE.npy as .npy (for
                      numpy.load and speclin verify), FILE.mtx as a Matrix Market array, else CSV`;

/** Node features as float32, one row per node (a text, .npy or Matrix Market array file). */
async function readFeatures(file: string, n: number): Promise<Matrix<Float32Array>> {
  const M = await readMatrixFile(file);
  checkEmbedding(M, file, n);
  return M.data instanceof Float32Array ? (M as Matrix<Float32Array>) : { data: Float32Array.from(M.data), rows: M.rows, cols: M.cols };
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, { ...trainingOptions, graph: { type: 'string' }, features: { type: 'string' }, distributed: { type: 'boolean' } }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const flags = trainingFlags(values, usage);
  const file = values.graph as string | undefined;
  if (!file) throw new UsageError('--graph FILE is required', usage);
  if (flags.encoder !== 'table' && !values.features) throw new UsageError(`--encoder ${flags.encoder} needs --features FILE`, usage);
  if (values.distributed && flags.mode !== 'minibatch') throw new UsageError('--distributed trains in minibatch mode', usage);
  const comm = values.distributed ? (await import('../mpi/index.js')).initMpi() : undefined;
  try {
    return await trainOnGraph(file, flags, values.features as string | undefined, comm);
  } catch (e) {
    // One rank failing alone would leave the others waiting in a collective.
    if (comm && comm.size > 1) comm.abort(e);
    throw e;
  }
}

async function trainOnGraph(file: string, flags: ReturnType<typeof trainingFlags>, featureFile: string | undefined, comm: Communicator | undefined): Promise<number> {
  const lead = !comm || comm.rank === 0;
  const started = performance.now();
  const graph: Graph = /\.mtx$/i.test(file) ? await readMatrixMarket(file) : await readEdgeList(file, { symmetrize: 'max' });
  const features = featureFile ? await readFeatures(featureFile, graph.n) : undefined;
  const result = await runExperiment({
    graph,
    edges: edgesOfCSR(graph.n, graph.toCSR()),
    k: flags.k,
    encoder: flags.encoder,
    features,
    hidden: flags.hidden,
    mode: flags.mode,
    hyper: flags.hyper,
    seed: flags.seed,
    comm,
    hooks: lead ? progressHooks(flags.hyper.steps) : undefined,
  });
  // Every rank holds the same parameters (checked by checksum); rank 0 reports.
  if (!lead) return 0;
  if (flags.out) await writeMatrixFile(flags.out, result.training.embedding);
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({
        n: graph.n,
        k: flags.k,
        optimum: result.optimum,
        finalPopulationLoss: result.finalPopulationLoss,
        relativeGap: result.relativeGap,
        maxPrincipalAngleDeg: result.maxPrincipalAngleDeg,
        seconds,
        encoder: flags.encoder,
        mode: flags.mode,
        steps: flags.hyper.steps,
        ...(comm ? { ranks: comm.size, batchPerRank: Math.floor(flags.hyper.batchSize / comm.size) } : {}),
        ...(flags.out ? { embedding: path.resolve(flags.out) } : {}),
      }) + '\n',
    );
  } else {
    const ranks: [string, string][] = comm ? [['ranks', `${comm.size} (data-parallel, ${flags.hyper.batchSize} pairs per step in all)`]] : [];
    process.stdout.write(formatTable(`speclin train: ${path.basename(file)}`, [...summaryRows(flags, result, graph.n), ...ranks, ['total', `${seconds.toFixed(1)} s`]]));
    if (flags.out) process.stdout.write(`embedding written to ${path.resolve(flags.out)}\n`);
  }
  return 0;
}
