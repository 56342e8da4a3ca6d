import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy, writeNpy, SpeclinError, type Matrix } from '../src/index.js';
import { python } from './helpers/python.js';
import { randomMatrix } from './helpers/random.js';
import { testNeeding } from './helpers/requirements.js';

// numpy writes (and reads) the reference files; skipped with a notice where python3 lacks it.
const pyTest = testNeeding('python');

const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-npy-'));

interface Written { file: string; shape: number[]; values: number[] }

// Files written by numpy.lib.format.write_array in every layout readNpy accepts. `values` is the
// array in row-major (C) order as float64 numbers, which hold float32 values exactly.
function numpyFiles(): Written[] {
  return python<Written[]>(
    `import sys, json, numpy as np
d = json.load(sys.stdin); out = []
rng = np.random.default_rng(7)
base = rng.standard_normal((5, 3))
for version in [(1, 0), (2, 0), (3, 0)]:
  for dtype in ['<f4', '>f4', '<f8', '>f8']:
    for order in ['C', 'F']:
      for shape in [(5, 3), (7,), (1, 4), (4, 1), (0, 3)]:
        a = np.asarray(rng.standard_normal(shape), dtype=dtype, order=order)
        if shape == (5, 3): a = np.asarray(base, dtype=dtype, order=order)
        f = '%s/v%d-%s-%s-%s.npy' % (d['dir'], version[0], dtype.replace('<', 'le').replace('>', 'be'), order, 'x'.join(map(str, shape)))
        with open(f, 'wb') as fp: np.lib.format.write_array(fp, a, version=version)
        out.append({'file': f, 'shape': list(shape), 'values': a.astype(np.float64).ravel(order='C').tolist()})
print(json.dumps(out))`,
    { dir },
  );
}

pyTest('readNpy reads numpy-written files: versions 1.0/2.0/3.0, float32/float64, both byte orders, C and Fortran order', async (t) => {
  const files = numpyFiles();
  t.is(files.length, 3 * 4 * 2 * 5);
  for (const f of files) {
    const M = await readNpy(f.file);
    const name = path.basename(f.file);
    t.is(M.data instanceof Float32Array ? 'f4' : 'f8', /f4/.test(name) ? 'f4' : 'f8', name);
    t.is(M.rows, f.shape[0], name);
    // A 1-D array of length n is n x 1.
    t.is(M.cols, f.shape.length === 2 ? f.shape[1] : 1, name);
    // Exact: conversion of byte order and layout moves bits, it does no arithmetic.
    t.deepEqual(Array.from(M.data), f.values, name);
  }
});

pyTest('writeNpy writes files numpy.load reads back with the same dtype, shape and values', async (t) => {
  const cases: Matrix[] = [randomMatrix(Float32Array, 6, 4, 1), randomMatrix(Float64Array, 3, 9, 2), randomMatrix(Float64Array, 1, 1, 3), { data: new Float32Array(0), rows: 0, cols: 5 }];
  const files: string[] = [];
  for (const [i, M] of cases.entries()) {
    const file = path.join(dir, `written-${i}.npy`);
    await writeNpy(file, M);
    files.push(file);
    // The data starts on a 64-byte boundary, as numpy's own writer aligns it.
    const bytes = readFileSync(file);
    t.is((10 + bytes.readUInt16LE(8)) % 64, 0);
  }
  const got = python<{ dtype: string; shape: number[]; values: number[]; fortran: boolean }[]>(
    `import sys, json, numpy as np
out = []
for f in json.load(sys.stdin):
  a = np.load(f)
  out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'values': a.astype(np.float64).ravel().tolist(), 'fortran': bool(np.isfortran(a))})
print(json.dumps(out))`,
    files,
  );
  cases.forEach((M, i) => {
    t.is(got[i].dtype, M.data instanceof Float32Array ? '<f4' : '<f8');
    t.deepEqual(got[i].shape, [M.rows, M.cols]);
    t.deepEqual(got[i].values, Array.from(M.data));
  });
});

test('writeNpy then readNpy is the identity (dtype, shape, bits)', async (t) => {
  for (const M of [randomMatrix(Float32Array, 17, 5, 4), randomMatrix(Float64Array, 8, 33, 5)]) {
    M.data[3] = -0;
    M.data[4] = 1e-310; // a float64 subnormal (in float32: rounds to 0 on both sides)
    const file = path.join(dir, `roundtrip-${M.data.constructor.name}.npy`);
    await writeNpy(file, M);
    const back = await readNpy(file);
    t.is(back.data.constructor, M.data.constructor);
    t.is(back.rows, M.rows);
    t.is(back.cols, M.cols);
    t.deepEqual(back.data, M.data);
  }
});

// A hand-made .npy file: header text and data bytes as given.
function npyBytes(header: string, data: Buffer, version = 1): Buffer {
  const pad = ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64);
  const h = Buffer.from(header + pad + '\n', 'latin1');
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, 0, 0]);
  prefix.writeUInt16LE(h.length, 8);
  return Buffer.concat([prefix, h, data]);
}

function fileWith(name: string, bytes: Buffer | string): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

test('other dtypes are a TypeError naming the file and the dtype found', async (t) => {
  for (const descr of ['<i8', '<f2', '<c16', '|u1', '<U3', '|b1']) {
    const file = fileWith(`dtype-${descr.replace(/[<|]/, '')}.npy`, npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 2), }`, Buffer.alloc(64)));
    const err = await t.throwsAsync(readNpy(file), { instanceOf: TypeError });
    t.true(err!.message.includes(file), err!.message);
    t.true(err!.message.includes(`'${descr}'`), err!.message);
  }
  const structured = fileWith('structured.npy', npyBytes(`{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }`, Buffer.alloc(16)));
  await t.throwsAsync(readNpy(structured), { instanceOf: TypeError, message: /structured.npy.*structured dtype \[\('a', '<f4'\), \('b', '<i4'\)\]/ });
});

test('bad magic, truncated files, unknown versions and unreadable files are SpeclinErrors naming the file', async (t) => {
  const good = npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`, Buffer.alloc(48));
  const cases: [string, Buffer | string, RegExp][] = [
    ['csv-renamed.npy', '1,2,3\n4,5,6\n', /not a \.npy file/],
    ['empty.npy', '', /not a \.npy file/],
    ['short-data.npy', good.subarray(0, good.length - 1), /announces 3 x 2 float64 values \(48 bytes\) but only 47 bytes follow \(truncated\?\)/],
    ['short-header.npy', good.subarray(0, 40), /ends inside the \d+-byte header/],
    ['version-4.npy', Buffer.concat([good.subarray(0, 6), Buffer.from([4, 0]), good.subarray(8)]), /unsupported \.npy format version 4\.0/],
    ['no-shape.npy', npyBytes(`{'descr': '<f8', 'fortran_order': False, }`, Buffer.alloc(8)), /no 'shape' entry/],
  ];
  for (const [name, bytes, message] of cases) {
    const file = fileWith(name, bytes);
    const err = await t.throwsAsync(readNpy(file), { instanceOf: SpeclinError, message });
    t.is((err as SpeclinError).code, 'ERR_MALFORMED_FILE');
    t.true(err!.message.startsWith(file), err!.message);
  }
  const missing = path.join(dir, 'no-such-file.npy');
  const err = await t.throwsAsync(readNpy(missing), { instanceOf: SpeclinError });
  t.is((err as SpeclinError).code, 'ERR_READ_FILE');
  t.true(err!.message.includes(missing));
});

test('0-D and 3-D arrays are a RangeError naming the file and the shape', async (t) => {
  for (const [shape, bytes] of [['()', 8], ['(2, 2, 2)', 64]] as const) {
    const file = fileWith(`shape-${bytes}.npy`, npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`, Buffer.alloc(bytes)));
    await t.throwsAsync(readNpy(file), { instanceOf: RangeError, message: /shape-\d+\.npy: the array has shape \(.*\); expected a 1-D \(n\) or 2-D \(n, k\) array/ });
  }
});

test('writeNpy checks its arguments', async (t) => {
  const file = path.join(dir, 'bad.npy');
  await t.throwsAsync(writeNpy(file, { data: new Int32Array(4), rows: 2, cols: 2 } as unknown as Matrix), { instanceOf: TypeError });
  await t.throwsAsync(writeNpy(file, { data: new Float32Array(5), rows: 2, cols: 2 }), { instanceOf: RangeError, message: /5 elements, expected rows \* cols = 4/ });
  await t.throwsAsync(writeNpy(42 as unknown as string, { data: new Float32Array(4), rows: 2, cols: 2 }), { instanceOf: TypeError });
});
