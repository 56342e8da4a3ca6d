// Dense matrices from files, one row per node: embeddings to verify and node features to train
// on, as other tools write them. By extension: .npy (readNpy), .mtx (a Matrix Market array,
// column-major as the format stores it), anything else text with one row per line. Writing is
// the same by extension: .npy, .mtx, or CSV.
import { readFile, writeFile } from 'node:fs/promises';
import { SpeclinError } from './errors.js';
import { MalformedFileError } from './io.js';
import { readNpy, writeNpy } from './npy.js';
import type { Matrix } from './types.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SpeclinError('ERR_READ_FILE', `${file}: cannot read the file (${(err as Error).message})`);
  }
}

/** One number as numpy.savetxt and other writers spell it: decimal, or nan / inf / -inf (kept, so
 * that the caller's check can name the row that holds them). Undefined when not a number. */
function parseValue(token: string): number | undefined {
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return undefined;
  return Number(token);
}

/** Text: one row per line, values separated by commas and/or whitespace; blank lines and lines
 * starting with # are skipped. */
export async function readTextMatrix(file: string): Promise<Matrix<Float64Array>> {
  const lines = (await readText(file)).split('\n');
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  let firstLine = 0;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const tokens = line.split(/\s*,\s*|\s+/);
    if (cols < 0) {
      cols = tokens.length;
      firstLine = index + 1;
    } else if (tokens.length !== cols) {
      throw new MalformedFileError(file, index + 1, `${tokens.length} values, expected ${cols} (as on line ${firstLine}: every row needs the same number)`);
    }
    for (const token of tokens) {
      const v = parseValue(token);
      if (v === undefined) throw new MalformedFileError(file, index + 1, `'${token.slice(0, 40)}' is not a number`);
      values.push(v);
    }
    rows++;
  });
  if (rows === 0) throw new MalformedFileError(file, 1, 'the file holds no rows of numbers');
  return { data: Float64Array.from(values), rows, cols };
}

/** A Matrix Market array file (`%%MatrixMarket matrix array real general`, or integer): the
 * size line `rows cols`, then rows * cols values in column-major order. */
export async function readMatrixMarketArray(file: string): Promise<Matrix<Float64Array>> {
  const lines = (await readText(file)).split('\n');
  const banner = (lines[0] ?? '').trim().split(/\s+/).map((w) => w.toLowerCase());
  if (banner[0] !== '%%matrixmarket' || banner[1] !== 'matrix' || banner[2] !== 'array' || (banner[3] !== 'real' && banner[3] !== 'integer') || banner[4] !== 'general')
    throw new MalformedFileError(file, 1, `expected the banner '%%MatrixMarket matrix array real general' (a dense matrix), got '${(lines[0] ?? '').trim().slice(0, 80)}'`);
  let rows = -1, cols = -1, seen = 0;
  let data = new Float64Array(0);
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l].trim();
    if (line === '' || line.startsWith('%')) continue;
    const tokens = line.split(/\s+/);
    if (rows < 0) {
      if (tokens.length !== 2 || !tokens.every((t) => /^\d+$/.test(t)))
        throw new MalformedFileError(file, l + 1, `expected the size line 'rows cols', got '${line.slice(0, 80)}'`);
      [rows, cols] = tokens.map(Number);
      if (rows < 1 || cols < 1) throw new MalformedFileError(file, l + 1, `the matrix must have at least one row and one column, got ${rows} x ${cols}`);
      data = new Float64Array(rows * cols);
      continue;
    }
    for (const token of tokens) {
      const v = parseValue(token);
      if (v === undefined) throw new MalformedFileError(file, l + 1, `'${token.slice(0, 40)}' is not a number`);
      if (seen === rows * cols) throw new MalformedFileError(file, l + 1, `more values than the ${rows} x ${cols} = ${rows * cols} the size line announced`);
      // Column-major: the seen-th value is element (seen mod rows, seen div rows).
      const i = seen % rows;
      const j = (seen - i) / rows;
      data[i * cols + j] = v;
      seen++;
    }
  }
  if (rows < 0) throw new MalformedFileError(file, lines.length, 'the file ended before the size line (truncated?)');
  if (seen < rows * cols)
    throw new MalformedFileError(file, lines.length, `the file ended after ${seen} of the ${rows} x ${cols} = ${rows * cols} values the size line announced (truncated?)`);
  return { data, rows, cols };
}

/** A dense matrix from FILE by its extension: .npy (float32 or float64 as stored), .mtx (Matrix
 * Market array, float64), otherwise text (float64). Errors name the file. */
export async function readMatrixFile(file: string): Promise<Matrix> {
  if (/\.npy$/i.test(file)) return readNpy(file);
  if (/\.mtx$/i.test(file)) return readMatrixMarketArray(file);
  return readTextMatrix(file);
}

/** Writes a dense matrix by FILE's extension: .npy (its dtype), .mtx (a Matrix Market array),
 * otherwise CSV (one row per line). Numbers are written in full (shortest round-trip form). */
export async function writeMatrixFile(file: string, M: Matrix): Promise<void> {
  if (/\.npy$/i.test(file)) return writeNpy(file, M);
  const { data, rows, cols } = M;
  if (/\.mtx$/i.test(file)) {
    const lines = ['%%MatrixMarket matrix array real general', `${rows} ${cols}`];
    for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) lines.push(String(data[i * cols + j]));
    return writeFile(file, lines.join('\n') + '\n');
  }
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(Array.from(data.subarray(i * cols, (i + 1) * cols), String).join(','));
  return writeFile(file, lines.join('\n') + '\n');
}
