// What the graph commands (eigs, optimum) share: the FILE argument, the graph-reading options,
// -k and --tol, and progress lines on stderr.
import { UsageError, numberOption, type ParsedArgs } from './args.js';
import { readEdgeList, readMatrixMarket } from '../io.js';
import type { Graph } from '../graph.js';

export const graphOptions = {
  symmetrize: { type: 'string' },
  isolated: { type: 'string' },
} as const;

/** Reads FILE the way every graph command does; option values are checked here. */
export async function readGraphFile(file: string, values: { symmetrize?: string; isolated?: string }, use: string): Promise<Graph> {
  const { symmetrize, isolated } = values;
  if (symmetrize !== undefined && symmetrize !== 'average' && symmetrize !== 'max')
    throw new UsageError(`--symmetrize must be 'average' or 'max', got '${symmetrize}'`, use);
  if (isolated !== undefined && isolated !== 'drop' && isolated !== 'error')
    throw new UsageError(`--isolated must be 'drop' or 'error', got '${isolated}'`, use);
  const options = { symmetrize: symmetrize as 'average' | 'max' | undefined, isolated: isolated as 'drop' | 'error' | undefined };
  return file.toLowerCase().endsWith('.mtx') ? readMatrixMarket(file, options) : readEdgeList(file, options);
}

/** Throttled progress lines on stderr (at most two a second). */
export function progressPrinter(k: number) {
  let last = 0;
  return (iteration: number, converged: number, maxResidual: number) => {
    const now = Date.now();
    if (now - last < 500) return;
    last = now;
    process.stderr.write(`iteration ${iteration}: ${converged}/${k} converged, max residual ${maxResidual.toExponential(2)}\n`);
  };
}

export function singleFile(positionals: string[], use: string): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'FILE is required' : `expected one FILE, got ${positionals.length}`, use);
  return positionals[0];
}

/** -k K (required, an integer >= 1) and --tol T (optional, > 0). */
export function spectrumOptions(values: ParsedArgs['values'], use: string): { k: number; tol: number | undefined } {
  if (values.k === undefined) throw new UsageError('-k K is required', use);
  const k = numberOption(values.k, '-k', use, { integer: true, min: 1 })!;
  const tol = numberOption(values.tol, '--tol', use, { min: 0, exclusiveMin: true });
  return { k, tol };
}
