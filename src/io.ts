// Reading graphs from files: Matrix Market (coordinate) and plain edge lists. Files are streamed
// in chunks and parsed byte by byte into growing typed arrays, so a file of a hundred million
// lines is never held as text: memory is the edges themselves (4 + 4 + 8 bytes each).
import { createReadStream } from 'node:fs';
import { SpeclinError } from './errors.js';
import { BipartiteGraph, Graph, type GraphOptions } from './graph.js';

export interface ReadOptions extends GraphOptions {}

export interface ReadEdgeListOptions extends GraphOptions {
  /** Number of nodes; default: the largest id + 1. Ids must be below it. */
  n?: number;
}

/** A file that cannot be parsed: code ERR_MALFORMED_FILE, with the file and line in the message
 * and in `file` and `line`. */
export class MalformedFileError extends SpeclinError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super('ERR_MALFORMED_FILE', `${file}, line ${line}: ${message}`);
    this.name = 'MalformedFileError';
    this.file = file;
    this.line = line;
  }
}

const MAX_LINE = 1 << 20;
const SPACE = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a;

/** Calls onLine(buf, start, end, lineNumber) for every line of the file, in order, with the
 * bytes of the line (no newline). Only a partial line is carried from one chunk to the next. */
async function forEachLine(
  path: string,
  onLine: (buf: Buffer, start: number, end: number, line: number) => void,
): Promise<number> {
  let carry: Buffer | null = null;
  let line = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const raw of stream as AsyncIterable<Buffer>) {
    let chunk = raw;
    let pos = 0;
    if (carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        // No line of a graph file is this long: a binary file, or one without line breaks.
        if (carry.length + chunk.length > MAX_LINE)
          throw new MalformedFileError(path, line + 1, `the line is longer than ${MAX_LINE} bytes (not a text graph file?)`);
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined: Buffer = Buffer.concat([carry, chunk.subarray(0, nl)]);
      carry = null;
      onLine(joined, 0, joined.length, ++line);
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) break;
      onLine(chunk, pos, nl, ++line);
      pos = nl + 1;
    }
    if (pos < chunk.length) carry = Buffer.from(chunk.subarray(pos));
  }
  if (carry && carry.length > 0) onLine(carry, 0, carry.length, ++line);
  return line;
}

/** Token boundaries of one line: starts/ends of up to `max` whitespace-separated tokens; returns
 * the token count (max + 1 means "more than max"). Stops at a comment character. */
function tokenize(buf: Buffer, start: number, end: number, starts: Int32Array, ends: Int32Array, max: number, comment: number): number {
  let count = 0;
  let i = start;
  while (i < end) {
    let c = buf[i];
    while (i < end && (c === SPACE || c === TAB || c === CR)) c = buf[++i];
    if (i >= end || c === comment) break;
    const s = i;
    while (i < end && c !== SPACE && c !== TAB && c !== CR && c !== comment) c = buf[++i];
    if (count === max) return max + 1;
    starts[count] = s;
    ends[count] = i;
    count++;
  }
  return count;
}

const NOT_INTEGER = -1;
const TOO_LARGE = -2;

/** A non-negative decimal integer from bytes, NOT_INTEGER if the token is not one. */
function parseIndex(buf: Buffer, s: number, e: number): number {
  if (e - s > 15) return TOO_LARGE;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return NOT_INTEGER;
    v = v * 10 + d;
  }
  return v;
}

/** A decimal number (digits, sign, point, exponent only: no hex, no Infinity/NaN); NaN if not. */
function parseNumber(buf: Buffer, s: number, e: number): number {
  let simple = e - s <= 15;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) continue;
    simple = false;
    if (c !== 43 && c !== 45 && c !== 46 && c !== 69 && c !== 101) return NaN;
  }
  if (simple) return parseIndex(buf, s, e);
  const text = buf.toString('latin1', s, e);
  return text.length === 0 ? NaN : Number(text);
}

function text(buf: Buffer, s: number, e: number): string {
  const t = buf.toString('utf8', s, Math.min(e, s + 40));
  return e - s > 40 ? `${t}...` : t;
}

/** Typed arrays that double their capacity: the edges, without a JS array per edge. */
class Edges {
  src = new Int32Array(1024);
  dst = new Int32Array(1024);
  weight: Float32Array | Float64Array | null;
  count = 0;
  constructor(weighted: boolean, float32: boolean) {
    this.weight = weighted ? (float32 ? new Float32Array(1024) : new Float64Array(1024)) : null;
  }
  push(u: number, v: number, w: number): void {
    if (this.count === this.src.length) this.grow();
    this.src[this.count] = u;
    this.dst[this.count] = v;
    if (this.weight) this.weight[this.count] = w;
    this.count++;
  }
  private grow(): void {
    const cap = this.src.length * 2;
    const src = new Int32Array(cap); src.set(this.src); this.src = src;
    const dst = new Int32Array(cap); dst.set(this.dst); this.dst = dst;
    if (this.weight) {
      const w = this.weight instanceof Float32Array ? new Float32Array(cap) : new Float64Array(cap);
      w.set(this.weight);
      this.weight = w;
    }
  }
  finish(): { src: Int32Array; dst: Int32Array; weight?: Float32Array | Float64Array } {
    const out: { src: Int32Array; dst: Int32Array; weight?: Float32Array | Float64Array } = {
      src: this.src.subarray(0, this.count),
      dst: this.dst.subarray(0, this.count),
    };
    if (this.weight) out.weight = this.weight.subarray(0, this.count);
    return out;
  }
}

interface MatrixMarketHeader {
  field: 'real' | 'integer' | 'pattern';
  symmetric: boolean;
}

function parseBanner(file: string, buf: Buffer, s: number, e: number): MatrixMarketHeader {
  const words = buf.toString('utf8', s, e).trim().split(/\s+/);
  const fail = (msg: string): never => { throw new MalformedFileError(file, 1, msg); };
  if (words[0]?.toLowerCase() !== '%%matrixmarket')
    fail(`expected the Matrix Market banner '%%MatrixMarket matrix coordinate <field> <symmetry>', got '${text(buf, s, e)}'`);
  if (words.length !== 5) fail(`the banner needs 5 words ('%%MatrixMarket matrix coordinate <field> <symmetry>'), got ${words.length}`);
  const [, object, format, field, symmetry] = words.map((w) => w.toLowerCase());
  if (object !== 'matrix') fail(`only 'matrix' objects are supported, got '${object}'`);
  if (format !== 'coordinate') fail(`only the 'coordinate' format is supported (a graph is sparse), got '${format}'`);
  if (field !== 'real' && field !== 'integer' && field !== 'pattern')
    fail(`the field must be 'real', 'integer' or 'pattern', got '${field}'`);
  if (symmetry !== 'general' && symmetry !== 'symmetric')
    fail(`the symmetry must be 'general' or 'symmetric', got '${symmetry}'`);
  return { field: field as MatrixMarketHeader['field'], symmetric: symmetry === 'symmetric' };
}

interface ParsedMatrixMarket {
  rows: number;
  cols: number;
  /** The line of the size line, named when the declared size does not fit the entries. */
  sizeLine: number;
  edges: ReturnType<Edges['finish']>;
}

async function parseMatrixMarket(file: string, float32: boolean): Promise<ParsedMatrixMarket> {
  let header: MatrixMarketHeader | null = null;
  let rows = -1, cols = -1, expected = -1, seen = 0, sizeLine = 0;
  let edges: Edges | null = null;
  const starts = new Int32Array(4), ends = new Int32Array(4);
  const lastLine = await forEachLine(file, (buf, s, e, line) => {
    if (line === 1) {
      header = parseBanner(file, buf, s, e);
      return;
    }
    const h = header!;
    if (e > s && buf[s] === 0x25 /* % */) return;
    const count = tokenize(buf, s, e, starts, ends, 3, -1);
    if (count === 0) return;
    if (rows < 0) {
      if (count !== 3) throw new MalformedFileError(file, line, `expected the size line 'rows cols entries', got '${text(buf, s, e)}'`);
      const v = [0, 1, 2].map((t) => parseIndex(buf, starts[t], ends[t]));
      if (v.some((x) => x < 0)) throw new MalformedFileError(file, line, `the size line must hold three non-negative integers, got '${text(buf, s, e)}'`);
      [rows, cols, expected] = v;
      if (rows < 1 || cols < 1) throw new MalformedFileError(file, line, `the matrix must have at least one row and one column, got ${rows} x ${cols}`);
      if (rows > 2147483647 || cols > 2147483647) throw new MalformedFileError(file, line, `at most 2^31 - 1 rows and columns are supported, got ${rows} x ${cols}`);
      if (h.symmetric && rows !== cols) throw new MalformedFileError(file, line, `a symmetric matrix must be square, got ${rows} x ${cols}`);
      sizeLine = line;
      // Storage grows with the entries actually read: the size line is only a claim (reserving
      // by it, a 5-line file declaring 1e8 entries takes 1 GB before its truncation is found).
      edges = new Edges(h.field !== 'pattern', float32);
      return;
    }
    const want = h.field === 'pattern' ? 2 : 3;
    if (count !== want)
      throw new MalformedFileError(file, line, `expected ${want === 2 ? "'row col'" : "'row col value'"} (${want} numbers for a ${h.field} matrix), got '${text(buf, s, e)}'`);
    if (seen === expected) throw new MalformedFileError(file, line, `more entries than the ${expected} the size line announced`);
    const i = parseIndex(buf, starts[0], ends[0]);
    const j = parseIndex(buf, starts[1], ends[1]);
    if (i < 0) throw new MalformedFileError(file, line, `the row index '${text(buf, starts[0], ends[0])}' is not a positive integer`);
    if (j < 0) throw new MalformedFileError(file, line, `the column index '${text(buf, starts[1], ends[1])}' is not a positive integer`);
    if (i < 1 || i > rows) throw new MalformedFileError(file, line, `row index ${i} is outside [1, ${rows}]`);
    if (j < 1 || j > cols) throw new MalformedFileError(file, line, `column index ${j} is outside [1, ${cols}]`);
    let w = 1;
    if (want === 3) {
      w = h.field === 'integer' ? parseSignedInteger(buf, starts[2], ends[2]) : parseNumber(buf, starts[2], ends[2]);
      if (Number.isNaN(w)) throw new MalformedFileError(file, line, `'${text(buf, starts[2], ends[2])}' is not ${h.field === 'integer' ? 'an integer' : 'a number'}`);
      if (!Number.isFinite(w) || w < 0) throw new MalformedFileError(file, line, `the weight ${text(buf, starts[2], ends[2])} must be finite and >= 0`);
    }
    seen++;
    edges!.push(i - 1, j - 1, w);
    if (h.symmetric && i !== j) edges!.push(j - 1, i - 1, w);
  });
  if (lastLine === 0) throw new MalformedFileError(file, 1, 'the file is empty (expected a %%MatrixMarket banner)');
  if (rows < 0) throw new MalformedFileError(file, lastLine + 1, 'the file ended before the size line (truncated?)');
  if (seen < expected)
    throw new MalformedFileError(file, lastLine + 1, `the file ended after ${seen} of the ${expected} entries the size line announced (truncated?)`);
  return { rows, cols, sizeLine, edges: edges!.finish() };
}

function parseSignedInteger(buf: Buffer, s: number, e: number): number {
  if (e > s && (buf[s] === 45 || buf[s] === 43)) {
    const v = parseIndex(buf, s + 1, e);
    return v < 0 ? NaN : buf[s] === 45 ? -v : v;
  }
  const v = parseIndex(buf, s, e);
  return v < 0 ? NaN : v;
}

type EdgeArrays = ReturnType<Edges['finish']>;

/** Checks a node count the file claims (a size line, or the largest id) against what its `m`
 * edges can touch (`touchable`: 2m on a graph, m on each side of a bipartite one). A graph holds
 * O(n) per node, so n is trusted only as far as the edges support it: beyond that every extra
 * node would be isolated. With isolated 'error' (the default) that is an error here, before
 * anything of size n exists (else a 2-line edge list naming node 2e8 takes 5 GB to fail);
 * with 'drop', true means: renumber the touched ids here (relabel), in memory proportional to
 * the edges. */
function needsRelabel(file: string, line: number, what: string, n: number, touchable: number, isolated: unknown): boolean {
  if (n <= touchable) return false;
  if (isolated === 'drop') return true;
  throw new MalformedFileError(
    file, line,
    `${what} ${n} nodes, but its edges touch at most ${touchable} of them: the others would be ` +
      "isolated (degree zero, where D^{-1/2} is undefined); pass isolated: 'drop' to keep only the nodes that have edges",
  );
}

/** The distinct ids in `a` and `b` (ascending), and both arrays renumbered to positions in it. */
function relabel(a: Int32Array, b: Int32Array): { ids: Int32Array; a: Int32Array; b: Int32Array } {
  const all = new Int32Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  all.sort();
  let count = 0;
  for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) all[count++] = all[k];
  const ids = all.slice(0, count);
  const at = (id: number): number => {
    let lo = 0, hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < id) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  return { ids, a: a.map(at), b: b.map(at) };
}

/** The original id of each node of a graph built from relabelled ids (which may itself have
 * dropped nodes whose edges all weigh zero: `kept`). */
function composeNodeMap(ids: Int32Array, kept: Int32Array | undefined): Int32Array {
  return kept ? kept.map((k) => ids[k]) : ids;
}

/** A Graph from a file's edges; `n` nodes as the file claims them, checked by needsRelabel. */
function graphFromFile(file: string, line: number, what: string, n: number, edges: EdgeArrays, options: GraphOptions): Graph {
  if (!needsRelabel(file, line, what, n, 2 * edges.src.length, options.isolated))
    return Graph.fromEdges({ ...options, n, ...edges });
  const r = relabel(edges.src, edges.dst);
  const g = Graph.fromEdges({ ...options, n: r.ids.length, ...edges, src: r.a, dst: r.b });
  // The renumbering happened here rather than in the native constructor: the graph's nodeMap
  // must still name the file's ids.
  (g as { nodeMap?: Int32Array }).nodeMap = composeNodeMap(r.ids, g.nodeMap);
  return g;
}

/** A BipartiteGraph from a file's edges (rows: left, columns: right), as graphFromFile. */
function bipartiteFromFile(
  file: string, line: number, rows: number, cols: number, edges: EdgeArrays,
  options: { isolated?: 'error' | 'drop'; dtype?: 'float32' | 'float64' },
): BipartiteGraph {
  const m = edges.src.length;
  const left = needsRelabel(file, line, 'the size line declares', rows, m, options.isolated);
  const right = needsRelabel(file, line, 'the size line declares', cols, m, options.isolated);
  if (!left && !right) {
    return BipartiteGraph.fromEdges({ nLeft: rows, nRight: cols, left: edges.src, right: edges.dst, weight: edges.weight, isolated: options.isolated, dtype: options.dtype });
  }
  const l = left ? relabel(edges.src, new Int32Array(0)) : undefined;
  const r = right ? relabel(edges.dst, new Int32Array(0)) : undefined;
  const g = BipartiteGraph.fromEdges({
    nLeft: l ? l.ids.length : rows, nRight: r ? r.ids.length : cols,
    left: l ? l.a : edges.src, right: r ? r.a : edges.dst,
    weight: edges.weight, isolated: options.isolated, dtype: options.dtype,
  });
  const maps = g as { nodeMapLeft?: Int32Array; nodeMapRight?: Int32Array };
  if (l) maps.nodeMapLeft = composeNodeMap(l.ids, g.nodeMapLeft);
  if (r) maps.nodeMapRight = composeNodeMap(r.ids, g.nodeMapRight);
  return g;
}

/** Reads a Matrix Market coordinate file (real, integer or pattern; general or symmetric) as a
 * Graph: entry (i, j, w) is the edge weight A(i-1, j-1) (ids become 0-based); a symmetric file's
 * off-diagonal entries are mirrored. Pattern entries weigh 1. The options are Graph.fromEdges's
 * (a 'general' file must hold both directions of each edge unless `symmetrize`). */
export async function readMatrixMarket(path: string, options?: ReadOptions & { bipartite?: false }): Promise<Graph>;
/** With `bipartite: true` an m x n file is read as a BipartiteGraph (rows: left, columns: right). */
export async function readMatrixMarket(
  path: string, options: { bipartite: true; isolated?: 'error' | 'drop'; dtype?: 'float32' | 'float64' },
): Promise<BipartiteGraph>;
export async function readMatrixMarket(
  path: string, options: ReadOptions & { bipartite?: boolean } = {},
): Promise<Graph | BipartiteGraph> {
  if (typeof path !== 'string') throw new TypeError('readMatrixMarket(path): path must be a string');
  const { rows, cols, sizeLine, edges } = await parseMatrixMarket(path, options.dtype === 'float32');
  if (options.bipartite) return bipartiteFromFile(path, sizeLine, rows, cols, edges, options);
  if (rows !== cols)
    throw new MalformedFileError(path, sizeLine, `a graph's adjacency must be square, got ${rows} x ${cols} (pass bipartite: true for a rectangular P)`);
  const { bipartite: _ignored, ...graphOptions } = options;
  return graphFromFile(path, sizeLine, 'the size line declares', rows, edges, graphOptions);
}

/** Reads an edge list: one edge `u v` or `u v w` per line (0-based ids, whitespace-separated;
 * every line weighted or none), `#` starts a comment. The options are Graph.fromEdges's; a file
 * that lists each undirected edge once needs `symmetrize: 'max'`. */
export async function readEdgeList(path: string, options: ReadEdgeListOptions = {}): Promise<Graph> {
  if (typeof path !== 'string') throw new TypeError('readEdgeList(path): path must be a string');
  const limit = options.n;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new RangeError(`n must be a positive integer, got ${limit}`);
  let edges: Edges | null = null;
  let weighted = false;
  let maxId = -1, maxIdLine = 0;
  let firstDataLine = 0;
  const starts = new Int32Array(3), ends = new Int32Array(3);
  const float32 = options.dtype === 'float32';
  await forEachLine(path, (buf, s, e, line) => {
    const count = tokenize(buf, s, e, starts, ends, 3, 0x23 /* # */);
    if (count === 0) return;
    if (count < 2 || count > 3) throw new MalformedFileError(path, line, `expected 'u v' or 'u v w', got '${text(buf, s, e)}'`);
    if (!edges) {
      weighted = count === 3;
      firstDataLine = line;
      edges = new Edges(weighted, float32);
    } else if ((count === 3) !== weighted) {
      throw new MalformedFileError(path, line, `line ${firstDataLine} ${weighted ? 'has' : 'has no'} weight but this line ${count === 3 ? 'has one' : 'has none'}: every edge needs one or none does`);
    }
    const u = parseIndex(buf, starts[0], ends[0]);
    const v = parseIndex(buf, starts[1], ends[1]);
    if (u < 0) throw new MalformedFileError(path, line, `the node id '${text(buf, starts[0], ends[0])}' is not a non-negative integer`);
    if (v < 0) throw new MalformedFileError(path, line, `the node id '${text(buf, starts[1], ends[1])}' is not a non-negative integer`);
    const top = limit ?? 2147483647;
    if (u >= top) throw new MalformedFileError(path, line, `node id ${u} is outside [0, ${top})${limit === undefined ? '' : ' (n)'}`);
    if (v >= top) throw new MalformedFileError(path, line, `node id ${v} is outside [0, ${top})${limit === undefined ? '' : ' (n)'}`);
    let w = 1;
    if (weighted) {
      w = parseNumber(buf, starts[2], ends[2]);
      if (Number.isNaN(w)) throw new MalformedFileError(path, line, `the weight '${text(buf, starts[2], ends[2])}' is not a number`);
      if (!Number.isFinite(w) || w < 0) throw new MalformedFileError(path, line, `the weight ${text(buf, starts[2], ends[2])} must be finite and >= 0`);
    }
    if (Math.max(u, v) > maxId) {
      maxId = Math.max(u, v);
      maxIdLine = line;
    }
    edges.push(u, v, w);
  });
  if (!edges) throw new MalformedFileError(path, 1, 'the file holds no edges');
  const { n: _n, ...graphOptions } = options;
  const finished = (edges as Edges).finish();
  // A caller's own n is its choice; only a size claimed by the file is checked.
  if (limit !== undefined) return Graph.fromEdges({ ...graphOptions, n: limit, ...finished });
  return graphFromFile(path, maxIdLine, `node id ${maxId} makes`, maxId + 1, finished, graphOptions);
}
