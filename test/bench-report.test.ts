// The pieces of `speclin bench` that need no measurement: the bound of a case against hand-computed
// limits, --compare's ratios and geometric means, the JSON schema (also against documents that
// must fail it), the HTML report's self-containment, and the atomic write of the report.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchInputError, compareDocuments, readBenchDocument } from '../src/bench/compare.js';
import { SCHEMA_VERSION, type BenchDocument } from '../src/bench/document.js';
import type { BenchCase } from '../src/bench/harness.js';
import { renderBenchReport } from '../src/bench/html-report.js';
import { boundOf, type MachineLimits } from '../src/bench/limits.js';
import { writeFileAtomic } from '../src/bench/run.js';
import { validate } from './helpers/json-schema.js';
import { writeFileSync } from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(path.join(root, 'src', 'bench', 'report.schema.json'), 'utf8'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-report-'));

const limits: MachineLimits = {
  peakGflops: { float32: 100, float64: 50 },
  readGBps: 10,
  writeGBps: 5,
  isa: 'avx2',
  threads: 2,
  bufferBytes: 2 ** 28,
  cache: { bufferBytes: 2 ** 24, readGBps: 40, writeGBps: 20 },
};

function kase(over: Partial<BenchCase>): BenchCase {
  return { id: 'x', kernel: 'k', label: 'x', dtype: 'float32', speclin: { seconds: 1 }, peers: {}, ...over };
}

test('boundOf: the longer of flops at peak and traffic at bandwidth, as a fraction of the time', (t) => {
  // 1e11 flops at 100 GFLOP/s = 1 s; 1e8 B read at 10 GB/s + 5e7 B written at 5 GB/s = 0.02 s.
  const peak = boundOf(kase({ flops: 1e11, readBytes: 1e8, writeBytes: 5e7, speclin: { seconds: 2 } }), limits)!;
  t.is(peak.kind, 'peak');
  t.is(peak.seconds, 1);
  t.is(peak.fraction, 0.5);
  // float64 halves the peak: 1e9 flops = 0.02 s; 1e9 B read = 0.1 s + 1e9 B written = 0.2 s.
  const bw = boundOf(kase({ dtype: 'float64', flops: 1e9, readBytes: 1e9, writeBytes: 1e9, speclin: { seconds: 0.6 } }), limits)!;
  t.is(bw.kind, 'bandwidth');
  t.true(Math.abs(bw.seconds - 0.3) < 1e-12);
  t.true(Math.abs(bw.fraction - 0.5) < 1e-12);
  // 8 MB fits the 16 MiB cache buffer: 4e6 B at 40 GB/s + 4e6 B at 20 GB/s = 3e-4 s.
  const cache = boundOf(kase({ flops: 1e3, readBytes: 4e6, writeBytes: 4e6, speclin: { seconds: 6e-4 } }), limits)!;
  t.is(cache.kind, 'cache bandwidth');
  t.true(Math.abs(cache.seconds - 3e-4) < 1e-15);
  t.is(boundOf(kase({}), limits), undefined);
});

function doc(cases: [string, string, number][]): BenchDocument {
  const suites = [...new Set(cases.map((c) => c[0]))].map((suite) => ({
    suite,
    environment: { timing: 'test' },
    cases: cases.filter((c) => c[0] === suite).map(([, id, seconds]) => kase({ id, label: id, speclin: { seconds } })),
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'speclin', version: '0.0.0' },
    createdAt: '2026-01-01T00:00:00.000Z',
    quick: true,
    machine: { cpu: 'test cpu <&>', isa: 'avx2 (gemm: avx2)', threads: 2, logicalCpus: 2, memoryBytes: 2 ** 34, lastLevelCacheBytes: 2 ** 25, platform: 'linux', node: 'v20' },
    limits,
    loadAverage: { start: 0.5, end: 0.7 },
    peers: [{ name: 'numpy', available: false, reason: 'not here', suites: [...new Set(cases.map((c) => c[0]))] }],
    suites,
  };
}

test('compareDocuments: b / a per case in both runs, geometric means per suite and over all', (t) => {
  const a = doc([['gram', 'g1', 1], ['gram', 'g2', 2], ['spmv', 's1', 4], ['spmv', 'gone', 1]]);
  const b = doc([['gram', 'g1', 2], ['gram', 'g2', 1], ['spmv', 's1', 8], ['eigs', 'new', 1]]);
  const c = compareDocuments(a, b);
  t.deepEqual(c.cases.map((x) => [x.suite, x.id, x.ratio]), [['gram', 'g1', 2], ['gram', 'g2', 0.5], ['spmv', 's1', 2]]);
  // gram: sqrt(2 * 0.5) = 1; all: cbrt(2 * 0.5 * 2) = 2^(1/3).
  t.true(Math.abs(c.suites.find((s) => s.suite === 'gram')!.geomean - 1) < 1e-12);
  t.true(Math.abs(c.geomean - 2 ** (1 / 3)) < 1e-12);
  t.deepEqual(c.onlyInA, ['spmv: gone']);
  t.deepEqual(c.onlyInB, ['eigs: new']);
});

test('readBenchDocument refuses unreadable, non-JSON, foreign and other-version files by name', (t) => {
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const cases: [string, RegExp][] = [
    [path.join(dir, 'missing.json'), /cannot read .*missing\.json/],
    [write('text.json', 'not json'), /is not JSON/],
    [write('foreign.json', JSON.stringify({ name: 'something else' })), /not a speclin bench report/],
    [write('v2.json', JSON.stringify({ ...doc([]), schemaVersion: 2 })), /schemaVersion 2; this speclin reads version 1/],
    [write('bad.json', JSON.stringify({ ...doc([]), suites: [{ suite: 'gram', cases: [{ id: 'a' }] }] })), /malformed/],
  ];
  for (const [file, message] of cases) {
    const err = t.throws(() => readBenchDocument(file), { instanceOf: BenchInputError });
    t.regex(err!.message, message);
  }
  t.is(readBenchDocument(write('good.json', JSON.stringify(doc([['gram', 'g', 1]])))).suites[0].cases[0].id, 'g');
});

test('the schema accepts a document and rejects broken ones (the validator can fail)', (t) => {
  const good = doc([['gram', 'g1', 1]]);
  good.suites[0].cases[0] = { ...good.suites[0].cases[0], flops: 10, readBytes: 4, writeBytes: 4, peers: { numpy: { seconds: 2, meanSeconds: 3 } }, bound: { kind: 'peak', seconds: 0.5, fraction: 0.5 }, metrics: { n: 3, algorithm: 'gram' } };
  t.deepEqual(validate(schema, JSON.parse(JSON.stringify(good))), []);
  t.true(validate(schema, { ...good, schemaVersion: 2 }).some((e) => /schemaVersion/.test(e)));
  const noSeconds = JSON.parse(JSON.stringify(good));
  delete noSeconds.suites[0].cases[0].speclin.seconds;
  t.true(validate(schema, noSeconds).some((e) => /missing seconds/.test(e)));
  t.true(validate(schema, { ...good, extra: 1 }).some((e) => /unexpected property extra/.test(e)));
  const badBound = JSON.parse(JSON.stringify(good));
  badBound.suites[0].cases[0].bound.kind = 'magic';
  t.true(validate(schema, badBound).some((e) => /bound\.kind/.test(e)));
});

test('the HTML report is one self-contained file: inline SVG, no external asset, text escaped', (t) => {
  const d = doc([['gram', 'g1', 1e-3], ['gram', 'g2', 2e-3]]);
  d.suites[0].cases[0] = { ...d.suites[0].cases[0], flops: 1e8, readBytes: 1e6, writeBytes: 1e6, peers: { numpy: { seconds: 2e-3 } }, bound: boundOf({ ...d.suites[0].cases[0], flops: 1e8, readBytes: 1e6, writeBytes: 1e6 }, limits) };
  const html = renderBenchReport(d);
  t.true(html.startsWith('<!doctype html>'));
  t.true((html.match(/<svg /g) ?? []).length >= 2, 'a bar chart and the roofline');
  t.regex(html, /test cpu &lt;&amp;&gt;/);
  t.regex(html, /float32 peak 100/);
  // No src= or href= at all, and the only URLs are the SVG namespace.
  t.notRegex(html, /\s(src|href)=/);
  t.deepEqual([...new Set(html.match(/https?:\/\/[^"'\s<]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
});

test('writeFileAtomic replaces the file whole, and a failed write leaves neither a partial file nor a temporary', (t) => {
  const target = path.join(dir, 'report.html');
  writeFileAtomic(target, 'first');
  writeFileAtomic(target, 'second');
  t.is(readFileSync(target, 'utf8'), 'second');
  // Renaming onto a non-empty folder fails: the folder stays as it was and no temporary remains.
  const folder = path.join(dir, 'occupied');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'keep'), 'x');
  t.throws(() => writeFileAtomic(folder, 'never'));
  t.deepEqual(readdirSync(folder), ['keep']);
  t.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  t.false(existsSync(path.join(dir, 'never')));
});
