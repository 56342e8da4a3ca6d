import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MalformedFileError, SpeclinError } from '../src/index.js';
import { readMatrixFile, writeMatrixFile } from '../src/matrix-file.js';
import { python } from './helpers/python.js';
import { randomMatrix } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

const pyTest = testNeeding('python');
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-matrix-file-'));

function fileWith(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('text: commas and/or whitespace, comments and blank lines skipped, nan/inf kept for the caller to report', async (t) => {
  const file = fileWith('mixed.txt', '# an embedding\n1, 2 ,3\n\n4\t5  6\r\n-7.5e-1,+8,.5\nnan inf -inf\n');
  const M = await readMatrixFile(file);
  t.is(M.rows, 4);
  t.is(M.cols, 3);
  t.deepEqual(Array.from(M.data), [1, 2, 3, 4, 5, 6, -0.75, 8, 0.5, NaN, Infinity, -Infinity]);
  await t.throwsAsync(readMatrixFile(fileWith('ragged.csv', '1,2\n3\n')), { instanceOf: MalformedFileError, message: /ragged\.csv, line 2: 1 values, expected 2/ });
  await t.throwsAsync(readMatrixFile(fileWith('word.csv', '1,2\n3,abc\n')), { instanceOf: MalformedFileError, message: /word\.csv, line 2: 'abc' is not a number/ });
  await t.throwsAsync(readMatrixFile(fileWith('empty.csv', '# nothing\n')), { instanceOf: MalformedFileError, message: /holds no rows/ });
  const err = await t.throwsAsync(readMatrixFile(path.join(dir, 'absent.csv')), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_READ_FILE');
});

test('Matrix Market array: column-major values into a row-major Matrix; malformed files name the line', async (t) => {
  // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
  const M = await readMatrixFile(fileWith('a.mtx', '%%MatrixMarket matrix array real general\n% comment\n2 3\n1\n4\n2\n5\n3\n6\n'));
  t.deepEqual([M.rows, M.cols, ...M.data], [2, 3, 1, 2, 3, 4, 5, 6]);
  const cases: [string, string, RegExp][] = [
    ['coordinate.mtx', '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n', /line 1: expected the banner '%%MatrixMarket matrix array real general'/],
    ['short.mtx', '%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n', /ended after 3 of the 2 x 2 = 4 values .*truncated/],
    ['long.mtx', '%%MatrixMarket matrix array real general\n1 2\n1\n2\n3\n', /line 5: more values than the 1 x 2 = 2/],
    ['nosize.mtx', '%%MatrixMarket matrix array real general\n%\n', /ended before the size line/],
  ];
  for (const [name, text, message] of cases) await t.throwsAsync(readMatrixFile(fileWith(name, text)), { instanceOf: MalformedFileError, message });
});

test('writeMatrixFile then readMatrixFile round-trips .npy (dtype kept), .mtx and CSV (float64 values exactly)', async (t) => {
  const M64 = randomMatrix(Float64Array, 7, 3, 1);
  const M32 = randomMatrix(Float32Array, 5, 4, 2);
  for (const name of ['m.npy', 'm.mtx', 'm.csv']) {
    const file = path.join(dir, name);
    await writeMatrixFile(file, M64);
    const back = await readMatrixFile(file);
    t.deepEqual([back.rows, back.cols], [7, 3]);
    t.deepEqual(Array.from(back.data), Array.from(M64.data), name);
  }
  const file = path.join(dir, 'm32.npy');
  await writeMatrixFile(file, M32);
  t.deepEqual((await readMatrixFile(file)).data, M32.data);
});

pyTest('Matrix Market arrays written by scipy.io.mmwrite read as numpy has them, and scipy reads ours', async (t) => {
  const theirs = path.join(dir, 'scipy.mtx');
  const ours = path.join(dir, 'ours.mtx');
  const M = randomMatrix(Float64Array, 6, 4, 3);
  await writeMatrixFile(ours, M);
  const r = python<{ values: number[]; back: number[] }>(
    `import sys, json, numpy as np, scipy.io as sio
d = json.load(sys.stdin)
a = np.random.default_rng(1).standard_normal((5, 3)); sio.mmwrite(d['theirs'], a)
print(json.dumps({'values': a.ravel().tolist(), 'back': np.asarray(sio.mmread(d['ours'])).ravel().tolist()}))`,
    { theirs, ours },
  );
  t.true(readFileSync(theirs, 'utf8').startsWith('%%MatrixMarket matrix array real general'));
  const read = await readMatrixFile(theirs);
  t.deepEqual([read.rows, read.cols], [5, 3]);
  // mmwrite prints 16 significant digits: 1e-15 relative.
  read.data.forEach((v, i) => t.true(Math.abs(v - r.values[i]) <= 1e-15 * Math.abs(r.values[i]) + 1e-300));
  t.deepEqual(r.back, Array.from(M.data));
});
