import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, BipartiteGraph, readMatrixMarket, readEdgeList, MalformedFileError, SpeclinError } from '../src/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => path.join(fixtures, name);

function dense(g: Graph): number[] {
  const { indptr, indices, values } = g.toCSR();
  const A = new Array<number>(g.n * g.n).fill(0);
  for (let i = 0; i < g.n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) A[i * g.n + indices[p]] = values[p];
  return A;
}

// The path 0-1-2-3 with weights 0.5, 1.25, 3 and a self-loop of 2 on node 2.
const pathGraph = [
  0, 0.5, 0, 0,
  0.5, 0, 1.25, 0,
  0, 1.25, 2, 3,
  0, 0, 3, 0,
];

test('readMatrixMarket: real general and real symmetric give the same graph', async (t) => {
  const general = await readMatrixMarket(fixture('general.mtx'));
  const symmetric = await readMatrixMarket(fixture('symmetric.mtx'));
  t.true(general instanceof Graph);
  t.deepEqual(dense(general), pathGraph);
  t.deepEqual(dense(symmetric), pathGraph);
  t.deepEqual(Array.from(symmetric.degrees), [0.5, 1.75, 6.25, 3]);
});

test('readMatrixMarket: pattern, integer (case-insensitive banner), float32, bipartite', async (t) => {
  const cycle = await readMatrixMarket(fixture('pattern.mtx'));
  t.is(cycle.n, 5);
  t.is(cycle.nnz, 10);
  t.deepEqual(Array.from(cycle.degrees), [2, 2, 2, 2, 2]);
  const fromList = await readEdgeList(fixture('edges-unweighted.txt'));
  t.deepEqual(dense(cycle), dense(fromList));
  const int = await readMatrixMarket(fixture('integer.mtx'));
  t.deepEqual(dense(int), [0, 2, 0, 2, 0, 7, 0, 7, 0]);
  const f32 = await readMatrixMarket(fixture('general.mtx'), { dtype: 'float32' });
  t.is(f32.dtype, 'float32');
  t.deepEqual(dense(f32), pathGraph);  // every weight is exact in float32
  const b = await readMatrixMarket(fixture('rectangular.mtx'), { bipartite: true });
  t.true(b instanceof BipartiteGraph);
  t.is(b.nLeft, 2);
  t.is(b.nRight, 3);
  t.deepEqual(Array.from(b.degreesLeft), [3, 1.5]);
  t.deepEqual(Array.from(b.degreesRight), [1, 3, 0.5]);
  await t.throwsAsync(readMatrixMarket(fixture('rectangular.mtx')), { instanceOf: MalformedFileError, message: /line 2: .*must be square, got 2 x 3/ });
});

test('readEdgeList: weights, comments, blank lines, tabs; symmetrize and n options', async (t) => {
  // each edge is listed once: asymmetric unless symmetrized
  await t.throwsAsync(readEdgeList(fixture('edges.txt')), { instanceOf: RangeError, message: /not symmetric/ });
  const g = await readEdgeList(fixture('edges.txt'), { symmetrize: 'max' });
  t.is(g.n, 4);
  t.deepEqual(dense(g), [
    0, 1.5, 0.25, 0,
    1.5, 0, 2, 0,
    0.25, 2, 0, 4,
    0, 0, 4, 0,
  ]);
  const padded = await readEdgeList(fixture('edges.txt'), { symmetrize: 'max', n: 6, isolated: 'drop' });
  t.is(padded.n, 4);
  t.deepEqual(Array.from(padded.nodeMap!), [0, 1, 2, 3]);
  await t.throwsAsync(readEdgeList(fixture('edges.txt'), { symmetrize: 'max', n: 3 }), {
    instanceOf: MalformedFileError, message: /edges.txt, line 6: node id 3 is outside \[0, 3\) \(n\)/,
  });
});

// Every malformed case: the error is a SpeclinError with code ERR_MALFORMED_FILE and the line.
const malformed: [string, number, RegExp][] = [
  ['truncated.mtx', 6, /ended after 3 of the 4 entries/],
  ['wrong-banner.mtx', 1, /expected the Matrix Market banner/],
  ['array-format.mtx', 1, /only the 'coordinate' format/],
  ['complex-field.mtx', 1, /field must be 'real', 'integer' or 'pattern', got 'complex'/],
  ['bad-number.mtx', 5, /'abc' is not a number/],
  ['row-out-of-range.mtx', 4, /row index 4 is outside \[1, 3\]/],
  ['col-zero.mtx', 4, /column index 0 is outside \[1, 3\]/],
  ['too-many.mtx', 4, /more entries than the 1/],
  ['bad-size-line.mtx', 2, /expected the size line/],
  ['negative.mtx', 3, /the weight -1 must be finite and >= 0/],
  ['missing-value.mtx', 3, /expected 'row col value'/],
  ['integer-not-integer.mtx', 3, /'1.5' is not an integer/],
  ['no-size-line.mtx', 2, /ended before the size line/],
  ['empty.mtx', 1, /the file is empty/],
  ['nan-value.mtx', 3, /'NaN' is not a number/],
  ['zero-based.mtx', 3, /row index 0 is outside \[1, 3\]/],
  ['crlf-bad-value.mtx', 5, /'x1' is not a number/],
  ['too-few.mtx', 5, /ended after 2 of the 3 entries/],
  ['huge-declared-truncated.mtx', 6, /ended after 2 of the 1000000000 entries/],
  ['huge-declared.mtx', 3, /declares 100000000 nodes, but its edges touch at most 8 of them.*isolated: 'drop'/],
];
for (const [file, line, message] of malformed) {
  test(`readMatrixMarket: malformed ${file} names line ${line}`, async (t) => {
    const err = await t.throwsAsync(readMatrixMarket(fixture(`malformed/${file}`)), { instanceOf: MalformedFileError });
    t.true(err instanceof SpeclinError);
    t.is((err as MalformedFileError).code, 'ERR_MALFORMED_FILE');
    t.is((err as MalformedFileError).line, line);
    t.regex(err!.message, new RegExp(`${file}, line ${line}: `));
    t.regex(err!.message, message);
  });
}

const malformedEdges: [string, number, RegExp][] = [
  ['edges-bad-id.txt', 3, /the node id 'x' is not a non-negative integer/],
  ['edges-mixed-weights.txt', 2, /line 1 has weight but this line has none/],
  ['edges-nan.txt', 2, /the weight 'NaN' is not a number/],
  ['edges-negative-id.txt', 3, /the node id '-1' is not a non-negative integer/],
  ['edges-too-many-tokens.txt', 1, /expected 'u v' or 'u v w'/],
  ['edges-empty.txt', 1, /holds no edges/],
  ['edges-zero-bytes.txt', 1, /holds no edges/],
  ['edges-crlf-bad.txt', 3, /the weight 'x' is not a number/],
  ['edges-id-too-large.txt', 3, /the node id '99999999999999999999' is not a non-negative integer/],
  ['edges-huge-id.txt', 1, /node id 200000000 makes 200000001 nodes, but its edges touch at most 4/],
];
for (const [file, line, message] of malformedEdges) {
  test(`readEdgeList: malformed ${file} names line ${line}`, async (t) => {
    const err = await t.throwsAsync(readEdgeList(fixture(`malformed/${file}`)), { instanceOf: MalformedFileError });
    t.is((err as MalformedFileError).line, line);
    t.regex(err!.message, message);
  });
}

test('CRLF line ends read as LF ones', async (t) => {
  t.deepEqual(dense(await readMatrixMarket(fixture('general-crlf.mtx'))), pathGraph);
});

test("a size or id beyond the edges: isolated 'drop' keeps the touched nodes, named by their ids in the file", async (t) => {
  const list = await readEdgeList(fixture('malformed/edges-huge-id.txt'), { isolated: 'drop' });
  t.is(list.n, 2);
  t.deepEqual(Array.from(list.nodeMap!), [0, 200000000]);
  t.deepEqual(Array.from(list.degrees), [1, 1]);
  // 'symmetric' entries (2,1) and (3,2): the path 1-2-3 (1-based) among 1e8 declared nodes.
  const mm = await readMatrixMarket(fixture('malformed/huge-declared.mtx'), { isolated: 'drop' });
  t.deepEqual(Array.from(mm.nodeMap!), [0, 1, 2]);
  t.deepEqual(Array.from(mm.degrees), [1, 2, 1]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'speclin-io-'));
  try {
    // Rows 1 and 5e7 of a 5e7 x 3 matrix; a zero weight also drops right node 3 natively: the
    // two renumberings compose.
    const file = path.join(dir, 'tall.mtx');
    await writeFile(file, '%%MatrixMarket matrix coordinate real general\n50000000 3 3\n1 1 1\n50000000 2 2\n1 3 0\n');
    const b = await readMatrixMarket(file, { bipartite: true, isolated: 'drop' });
    t.deepEqual(Array.from(b.nodeMapLeft!), [0, 49999999]);
    t.deepEqual(Array.from(b.nodeMapRight!), [0, 1]);
    await t.throwsAsync(readMatrixMarket(file, { bipartite: true }), { instanceOf: MalformedFileError, message: /line 2: the size line declares 50000000 nodes/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a huge declared size or node id with a tiny body: the peak resident set stays small', async (t) => {
  // Read in a fresh process, whose peak resident set (maxRSS) is then the reader's plus the
  // process's own; a second process that loads the same modules and reads nothing measures the
  // latter in the same conditions (355 MB under the ASan build against 90 MB without, measured). Before storage
  // grew with the data, these files took 817 MB (a 1e8 x 1e8 declaration) and 4.6-5.1 GB (node id
  // 2e8) before failing. 150 MB above the baseline is a fifth of the smallest old figure.
  const files = ['huge-declared.mtx', 'huge-declared-truncated.mtx', 'edges-huge-id.txt'].map((f) => fixture(`malformed/${f}`));
  // The same program reads the files, or (for the baseline) an empty list of them.
  const script = (read: string[]) => `
    import { readMatrixMarket, readEdgeList } from ${JSON.stringify(path.resolve(fixtures, '../../src/index.ts'))};
    const codes = [];
    for (const f of ${JSON.stringify(read)}) {
      for (const isolated of ['error', 'drop']) {
        try { await (f.endsWith('.mtx') ? readMatrixMarket : readEdgeList)(f, { isolated }); codes.push('ok'); }
        catch (e) { codes.push(e.code); }
      }
    }
    console.log(JSON.stringify({ codes, maxRssMB: process.resourceUsage().maxRSS / 1024 }));`;
  const peak = (source: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { codes: string[]; maxRssMB: number };
  };
  const { codes, maxRssMB } = peak(script(files));
  const baseline = peak(script([])).maxRssMB;
  t.deepEqual(codes, ['ERR_MALFORMED_FILE', 'ok', 'ERR_MALFORMED_FILE', 'ERR_MALFORMED_FILE', 'ERR_MALFORMED_FILE', 'ok']);
  t.true(maxRssMB - baseline < 150, `peak resident set ${maxRssMB.toFixed(0)} MB, ${baseline.toFixed(0)} MB without the reads`);
  t.log(`peak resident set of the reading process: ${maxRssMB.toFixed(0)} MB; of the same process without the reads: ${baseline.toFixed(0)} MB`);
});

test('a line longer than 1 MiB is an error, not a quadratic wait', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'speclin-io-'));
  try {
    const file = path.join(dir, 'long.txt');
    await writeFile(file, `0 1\n1 0\n${'7'.repeat(3 << 20)}`);
    const err = await t.throwsAsync(readEdgeList(file), { instanceOf: MalformedFileError, message: /line 3: the line is longer than 1048576 bytes/ });
    t.is((err as MalformedFileError).line, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readers: bad arguments and missing files', async (t) => {
  await t.throwsAsync(readMatrixMarket(42 as never), { instanceOf: TypeError });
  await t.throwsAsync(readEdgeList(fixture('edges.txt'), { n: 0 }), { instanceOf: RangeError });
  await t.throwsAsync(readEdgeList(fixture('does-not-exist.txt')), { code: 'ENOENT' });
});

test('streams a 3-million-line edge list without holding it as text', async (t) => {
  // A ring of 1.5M nodes, both directions, integer weights, with a comment every 100k lines:
  // ~50 MB of text. Held as JS strings the text would add at least its size to the V8 heap
  // (latin1 strings: one byte per character); streamed, the heap only sees the young-generation
  // churn of chunk handling (V8's semispaces, up to 16 MB), and the edges live in typed arrays
  // outside it. Half the file size separates the two.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'speclin-io-'));
  const file = path.join(dir, 'ring.txt');
  const n = 1_500_000;
  try {
    const out = createWriteStream(file);
    let chunk = '';
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const w = 1 + (i % 7);
      chunk += `${i} ${j} ${w}\n${j} ${i} ${w}\n`;
      if (i % 50_000 === 0) chunk += `# line block ${i}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
    const size = (await stat(file)).size;
    t.true(size > 35e6);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 2);
    const g = await readEdgeList(file);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    t.is(g.n, n);
    t.is(g.nnz, 2 * n);
    let expected = 0;
    for (let i = 0; i < n; i++) expected += 2 * (1 + (i % 7));
    t.is(g.totalWeight, expected);
    t.is(g.degrees[0], 1 + 1 + ((n - 1) % 7));
    t.true(peak - before < size / 2, `heap grew by ${((peak - before) / 1e6).toFixed(1)} MB for a ${(size / 1e6).toFixed(1)} MB file`);
    t.log(`file ${(size / 1e6).toFixed(1)} MB, peak heap growth ${((peak - before) / 1e6).toFixed(1)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
