// `speclin search --keys K.npy --queries Q.npy -k 10 [--ivf NLIST --nprobe P]`: the k best keys of
// each query by inner product (or cosine) through createIndex, from files or a saved index.
import path from 'node:path';
import { UsageError, choice, numberOption, parse } from '../cli/args.js';
import { backendOption } from '../cli/webgpu-option.js';
import { readMatrixFile } from '../matrix-file.js';
import { createIndex, loadIndex, type SearchIndex } from '../search/search-index.js';

export const usage = `usage: speclin search (--keys K | --index DIR) --queries Q -k K [--ivf NLIST [--nprobe P]]
                      [--metric ip|cosine] [--backend cpu|webgpu] [--save DIR] [--json]

  For each row of the queries, the k rows of the keys with the largest inner product (or cosine),
  sorted by score, ties by the lower index (docs/search.md).
  --keys K            the keys, one per row: .npy (float32/float64), .mtx or text/CSV
  --index DIR         instead of --keys: an index saved by --save (or SearchIndex.save)
  --queries Q         the queries, same format and the keys' dimension
  -k, --k K           results per query (at most the number of keys)
  --ivf NLIST         an inverted-file index of NLIST lists (k-means) instead of exact search
  --nprobe P          with --ivf or an ivf --index: lists scanned per query (default 8)
  --metric M          ip (default) or cosine
  --backend B         cpu (default) or webgpu (the keys resident on the device; with --ivf the
                      lists are built on the CPU and scanned on the device)
  --seed S            the k-means seed of --ivf (default 0)
  --save DIR          also save the index to DIR
  --json              print { indices, scores } (arrays of rows) as one JSON object on stdout`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    keys: { type: 'string' },
    index: { type: 'string' },
    queries: { type: 'string' },
    k: { type: 'string', short: 'k' },
    ivf: { type: 'string' },
    nprobe: { type: 'string' },
    metric: { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    save: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, usage, false);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const keysFile = values.keys as string | undefined;
  const indexDir = values.index as string | undefined;
  const queriesFile = values.queries as string | undefined;
  if (!keysFile === !indexDir) throw new UsageError('give the keys as --keys K or a saved index as --index DIR (one of them)', usage);
  if (!queriesFile) throw new UsageError('--queries Q is required', usage);
  const k = numberOption(values.k, '-k', usage, { integer: true, min: 1 });
  if (k === undefined) throw new UsageError('-k K is required', usage);
  const nlist = numberOption(values.ivf, '--ivf', usage, { integer: true, min: 1 });
  const nprobe = numberOption(values.nprobe, '--nprobe', usage, { integer: true, min: 1 });
  const seed = numberOption(values.seed, '--seed', usage, { integer: true, min: 0 });
  const metric = choice(values.metric, '--metric', ['ip', 'cosine'] as const, 'ip', usage);
  const backend = backendOption(values.backend, usage);
  if (indexDir && (values.ivf !== undefined || values.metric !== undefined || values.seed !== undefined))
    throw new UsageError('--ivf, --metric and --seed describe a new index; a saved --index keeps its own', usage);
  if (nlist === undefined && values.seed !== undefined) throw new UsageError('--seed goes with --ivf', usage);

  const t0 = performance.now();
  const queries = await readMatrixFile(queriesFile);
  let index: SearchIndex;
  if (indexDir) {
    index = await loadIndex(indexDir, { backend });
  } else {
    const keys = await readMatrixFile(keysFile!);
    if (nlist !== undefined && nlist > keys.rows)
      throw new UsageError(`--ivf ${nlist}: at most the number of keys (${keys.rows}) lists`, usage);
    index = await createIndex(keys, nlist === undefined ? { metric, backend } : { metric, backend, kind: 'ivf', nlist, ...(nprobe ? { nprobe: Math.min(nprobe, nlist) } : {}), ...(seed !== undefined ? { seed } : {}) });
  }
  try {
    if (nprobe !== undefined && index.kind !== 'ivf') throw new UsageError('--nprobe goes with an ivf index (--ivf NLIST)', usage);
    if (nprobe !== undefined && nprobe > index.nlist!) throw new UsageError(`--nprobe must be at most the index's nlist (${index.nlist}), got ${nprobe}`, usage);
    if (k > index.size) throw new UsageError(`-k ${k} exceeds the number of keys (${index.size})`, usage);
    const built = performance.now();
    const r = await index.search(queries, k, nprobe !== undefined ? { nprobe } : {});
    const searched = performance.now();
    if (values.save) await index.save(values.save as string);
    const rows = (a: ArrayLike<number>) => Array.from({ length: r.rows }, (_, q) => Array.from(Array.prototype.slice.call(a, q * k, q * k + k) as number[]));
    if (values.json) {
      process.stdout.write(JSON.stringify({ indices: rows(r.indices), scores: rows(r.scores) }) + '\n');
      return 0;
    }
    const what = index.kind === 'ivf' ? `ivf, nlist ${index.nlist}, nprobe ${nprobe ?? index.nprobe}` : 'flat (exact)';
    process.stdout.write(
      `speclin search: ${r.rows} queries of ${path.basename(queriesFile)} against ${index.size} keys of ${path.basename(keysFile ?? indexDir!)} ` +
        `(dimension ${index.dim}, ${index.metric}, ${what}, ${index.backend}); index ${((built - t0) / 1e3).toFixed(2)} s, ` +
        `search ${((searched - built) / 1e3).toFixed(3)} s\n`,
    );
    const width = String(index.size - 1).length;
    for (let q = 0; q < r.rows; q++) {
      const cells = [];
      for (let j = 0; j < k; j++) cells.push(`${String(r.indices[q * k + j]).padStart(width)} (${r.scores[q * k + j].toPrecision(6)})`);
      process.stdout.write(`${String(q).padStart(String(r.rows - 1).length)}: ${cells.join('  ')}\n`);
    }
    return 0;
  } finally {
    index.dispose();
  }
}
