import test from 'ava';
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
];
for (const [file, line, message] of malformedEdges) {
  test(`readEdgeList: malformed ${file} names line ${line}`, async (t) => {
    const err = await t.throwsAsync(readEdgeList(fixture(`malformed/${file}`)), { instanceOf: MalformedFileError });
    t.is((err as MalformedFileError).line, line);
    t.regex(err!.message, message);
  });
}

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
