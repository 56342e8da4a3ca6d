// `speclin search` end to end (a child process each): --json against the naive float64 scan on
// integer data (float32 is exact there, so equality is exact, ties included), ivf with every list
// probed, --save then --index, the human output, and bad arguments.
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpy } from '../src/index.js';
import { cli } from './helpers/cli.js';
import { ints, naive } from './helpers/search-reference.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-cli-search-'));
const K = ints(Float32Array, 500, 16, 1);
const Q = ints(Float32Array, 12, 16, 2);
const keys = path.join(dir, 'K.npy');
const queries = path.join(dir, 'Q.npy');
const wrong = path.join(dir, 'Q15.npy');
const ready = Promise.all([writeNpy(keys, K), writeNpy(queries, Q), writeNpy(wrong, ints(Float32Array, 3, 15, 3))]);
const want = naive(Q, K, 7);
const rows = (a: ArrayLike<number>) => Array.from({ length: Q.rows }, (_, q) => Array.from(a).slice(q * 7, q * 7 + 7));

test('search --json: { indices, scores } as rows, exactly the naive scan', async (t) => {
  await ready;
  const r = await cli('search', '--keys', keys, '--queries', queries, '-k', '7', '--json');
  t.is(r.status, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { indices: rows(want.indices), scores: rows(want.scores) });
});

test('search --ivf with every list probed equals exact search; --save then --index gives the same', async (t) => {
  await ready;
  const saved = path.join(dir, 'ivf-index');
  const a = await cli('search', '--keys', keys, '--queries', queries, '-k', '7', '--ivf', '10', '--nprobe', '10', '--save', saved, '--json');
  t.is(a.status, 0, a.stderr);
  t.deepEqual(JSON.parse(a.stdout).indices, rows(want.indices));
  t.like(JSON.parse(readFileSync(path.join(saved, 'index.json'), 'utf8')), { kind: 'ivf', nlist: 10, size: 500 });
  const b = await cli('search', '--index', saved, '--queries', queries, '-k', '7', '--nprobe', '10', '--json');
  t.is(b.status, 0, b.stderr);
  t.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
});

test('search without --json: a header line, then one line per query', async (t) => {
  await ready;
  const r = await cli('search', '--keys', keys, '--queries', queries, '-k', '3');
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0], /12 queries of Q.npy against 500 keys of K.npy \(dimension 16, ip, flat \(exact\), cpu\)/);
  t.is(lines.length, 1 + Q.rows);
  t.regex(lines[1], new RegExp(`^ *0: +${want.indices[0]} \\(`));
});

test('search: bad arguments exit 2 with the usage; a query of the wrong dimension exits 1 naming it', async (t) => {
  await ready;
  for (const args of [
    ['--keys', keys, '--queries', queries],
    ['--keys', keys, '-k', '3'],
    ['--queries', queries, '-k', '3'],
    ['--keys', keys, '--queries', queries, '-k', '0'],
    ['--keys', keys, '--queries', queries, '-k', '501'],
    ['--keys', keys, '--queries', queries, '-k', '3', '--nprobe', '2'],
    ['--keys', keys, '--queries', queries, '-k', '3', '--ivf', '10', '--nprobe', '11'],
    ['--keys', keys, '--queries', queries, '-k', '3', '--metric', 'l2'],
    ['--keys', keys, '--queries', queries, '-k', '3', '--bogus'],
  ]) {
    const r = await cli('search', ...args);
    t.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /usage: speclin search/);
  }
  const r = await cli('search', '--keys', keys, '--queries', wrong, '-k', '3');
  t.is(r.status, 1);
  t.regex(r.stderr, /queries have 15 columns but the index holds keys of dimension 16/);
});
