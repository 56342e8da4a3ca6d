// DistributedGraph: a graph's normalized adjacency Ā, row-partitioned over the ranks (native/mpi/
// distributed_graph.h): each rank owns consecutive rows holding about nnz / P entries. Built collectively from edges
// that any rank may hold, or read from a Matrix Market file, each rank its own byte range.
import { open } from 'node:fs/promises';
import { callNative } from '../errors.js';
import { agreeAcrossRanks, type Communicator } from '../collective.js';
import { nativeMpi, type NativeDistributedGraph } from './native-mpi.js';
import { collectiveAsync } from './collective-async.js';

export interface DistributedEdges {
  /** Nodes in the whole graph (the same on every rank). */
  n: number;
  /** This rank's share of the entries: any subset (rank 0 all of them, or each rank a part). */
  src: Int32Array;
  dst: Int32Array;
  weight?: Float64Array;
  /** Each entry (u, v), u != v, also adds (v, u). Default false: give both directions. */
  symmetrize?: boolean;
}

export class DistributedGraph {
  readonly comm: Communicator;
  readonly n: number;
  /** Stored entries of the whole graph (both directions of an edge count). */
  readonly nnz: number;
  /** Stored entries of this rank's rows. The rows are split so that these are about nnz / P. */
  readonly localNnz: number;
  /** This rank's rows: [firstRow, firstRow + localRows). */
  readonly firstRow: number;
  readonly localRows: number;
  /** Entries of x this rank receives per product of one column (its halo), and sends. */
  readonly haloSize: number;
  readonly sendCount: number;
  /** Ranks it exchanges with (receive and send counted apart). */
  readonly neighbours: number;
  /** Degrees (row sums) of this rank's rows, and the whole graph's total weight. */
  readonly degrees: Float64Array;
  readonly totalWeight: number;
  /** @internal */
  readonly handle: unknown;

  private constructor(comm: Communicator, g: NativeDistributedGraph) {
    this.comm = comm;
    this.handle = g.handle;
    this.n = g.n;
    this.nnz = g.nnz;
    this.localNnz = g.localNnz;
    this.firstRow = g.firstRow;
    this.localRows = g.localRows;
    this.haloSize = g.haloSize;
    this.sendCount = g.sendCount;
    this.neighbours = g.neighbours;
    this.degrees = g.degrees;
    this.totalWeight = g.totalWeight;
  }

  /** Collective: every rank calls it with its share of the entries. Sync, as Graph.fromEdges is
   * (readMatrixMarket builds on a worker thread). */
  static fromEdges(comm: Communicator, edges: DistributedEdges): DistributedGraph {
    let checked: CheckedEdges | undefined;
    agreeAcrossRanks(comm, 'DistributedGraph.fromEdges', () => {
      checked = checkEdges(edges);
      return { n: checked.n, symmetrize: checked.symmetrize ? 1 : 0 };
    });
    const { n, src, dst, weight, symmetrize } = checked!;
    return new DistributedGraph(comm, callNative(() => nativeMpi().graphFromEdges(n, src, dst, weight, symmetrize)));
  }

  /**
   * Collective: reads a Matrix Market coordinate file (real, integer or pattern; general or
   * symmetric; square). Each rank reads its 1/P of the data's bytes: a line belongs to the rank
   * whose byte range holds its first byte, so the ranks agree on the boundaries without talking.
   * The entries then go to the owners of their rows (as fromEdges), on a worker thread: the
   * collective takes its place in the rank program when this rank's reading is done.
   */
  static async readMatrixMarket(comm: Communicator, path: string): Promise<DistributedGraph> {
    let part: CheckedEdges | undefined;
    let failure: unknown;
    try {
      const p = await readPart(path, comm.rank, comm.size);
      part = checkEdges({ n: p.n, src: p.src, dst: p.dst, weight: p.weight, symmetrize: p.symmetric });
    } catch (e) {
      failure = e;
    }
    const { result } = await collectiveAsync(
      comm,
      'DistributedGraph.readMatrixMarket',
      () => {
        if (!part) throw failure;
        return { n: part.n, symmetrize: part.symmetrize ? 1 : 0 };
      },
      (_, descriptor) => nativeMpi().graphFromEdgesAsync(part!.n, part!.src, part!.dst, part!.weight, part!.symmetrize, descriptor),
    );
    return new DistributedGraph(comm, result);
  }

  /** Y = Ā X for this rank's rows (X: localRows x columns, row-major, float64). Collective. */
  multiply(X: Float64Array, columns = 1): Float64Array {
    return callNative(() => nativeMpi().graphMultiply(this.handle, X, columns));
  }

  /** p(x) = degree / total weight for this rank's rows. */
  get marginals(): Float64Array {
    return this.degrees.map((d) => d / this.totalWeight);
  }
}

type CheckedEdges = Required<Omit<DistributedEdges, 'weight'>> & { weight?: Float64Array };

/** A rank's share of the entries, checked: TypeError for wrong array types, RangeError for ids
 * outside 0..n-1 and weights that are not finite and nonnegative. */
function checkEdges(edges: DistributedEdges): CheckedEdges {
  const e = edges as Partial<DistributedEdges>;
  if (typeof e !== 'object' || e === null) throw new TypeError('DistributedGraph.fromEdges: edges must be an object { n, src, dst, weight? }');
  if (!Number.isInteger(e.n) || (e.n as number) < 1 || (e.n as number) > 2 ** 31 - 1) throw new RangeError(`DistributedGraph.fromEdges: n must be an integer in 1..2^31-1, got ${e.n}`);
  if (!(e.src instanceof Int32Array) || !(e.dst instanceof Int32Array)) throw new TypeError('DistributedGraph.fromEdges: src and dst must be Int32Arrays');
  if (e.src.length !== e.dst.length) throw new RangeError(`DistributedGraph.fromEdges: src has ${e.src.length} entries but dst ${e.dst.length}`);
  if (e.weight !== undefined && (!(e.weight instanceof Float64Array) || e.weight.length !== e.src.length))
    throw new TypeError('DistributedGraph.fromEdges: weight must be a Float64Array with one entry per edge');
  for (const [name, ids] of [['src', e.src], ['dst', e.dst]] as const)
    for (let i = 0; i < ids.length; i++)
      if (ids[i] < 0 || ids[i] >= e.n!) throw new RangeError(`DistributedGraph.fromEdges: ${name}[${i}] = ${ids[i]} is not a node id in 0..${e.n! - 1}`);
  if (e.weight) for (let i = 0; i < e.weight.length; i++) if (!(e.weight[i] >= 0) || !Number.isFinite(e.weight[i])) throw new RangeError(`DistributedGraph.fromEdges: weight[${i}] = ${e.weight[i]} is not a finite nonnegative number`);
  return { n: e.n!, src: e.src, dst: e.dst, weight: e.weight, symmetrize: Boolean(e.symmetrize) };
}

/** This rank's lines of a Matrix Market file, as 0-based entries. */
async function readPart(path: string, rank: number, size: number) {
  const fh = await open(path, 'r');
  try {
    const { size: bytes } = await fh.stat();
    // The banner, comments and size line: at most the first 1 MiB.
    const head = Buffer.alloc(Math.min(bytes, 1 << 20));
    await fh.read(head, 0, head.length, 0);
    const text = head.toString('latin1');
    const banner = /^%%MatrixMarket\s+matrix\s+coordinate\s+(real|integer|pattern)\s+(general|symmetric)\s*$/im.exec(text.slice(0, text.indexOf('\n')));
    if (!banner) throw new RangeError(`${path}: not a Matrix Market coordinate file of real, integer or pattern entries, general or symmetric`);
    let at = text.indexOf('\n') + 1;
    let sizeLine = '';
    while (at < text.length) {
      const end = text.indexOf('\n', at);
      const line = text.slice(at, end < 0 ? text.length : end).trim();
      at = end < 0 ? text.length : end + 1;
      if (line === '' || line.startsWith('%')) continue;
      sizeLine = line;
      break;
    }
    const dims = sizeLine.split(/\s+/).map(Number);
    if (dims.length !== 3 || !dims.every(Number.isInteger) || dims[0] !== dims[1])
      throw new RangeError(`${path}: the size line '${sizeLine}' must give a square matrix: rows cols entries`);
    const start = at;
    const length = bytes - start;
    const lo = start + Math.floor((length * rank) / size);
    const hi = start + Math.floor((length * (rank + 1)) / size);
    // From lo (or the first line start after it) through the end of the line that holds hi - 1.
    const chunks: Buffer[] = [];
    let pos = lo > start ? lo - 1 : lo;
    const block = 1 << 20;
    for (;;) {
      const buf = Buffer.alloc(Math.min(block, Math.max(0, bytes - pos)));
      if (buf.length === 0) break;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      chunks.push(buf.subarray(0, bytesRead));
      pos += bytesRead;
      if (pos >= hi && buf.subarray(0, bytesRead).indexOf(10, Math.max(0, hi - (pos - bytesRead))) >= 0) break;
      if (bytesRead === 0) break;
    }
    let data = Buffer.concat(chunks).toString('latin1');
    const base = lo > start ? lo - 1 : lo;
    // A line is this rank's when its first byte is in [lo, hi).
    let first = 0;
    if (lo > start) {
      const nl = data.indexOf('\n');
      first = nl < 0 ? data.length : nl + 1;  // the byte before lo ended a line iff nl === 0
    }
    const src: number[] = [];
    const dst: number[] = [];
    const weight: number[] = [];
    const pattern = banner[1].toLowerCase() === 'pattern';
    let i = first;
    while (i < data.length && base + i < hi) {
      const end = data.indexOf('\n', i);
      const line = data.slice(i, end < 0 ? data.length : end).trim();
      i = end < 0 ? data.length : end + 1;
      if (line === '' || line.startsWith('%')) continue;
      const f = line.split(/\s+/);
      const u = Number(f[0]) - 1;
      const v = Number(f[1]) - 1;
      const w = pattern ? 1 : Number(f[2]);
      if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0 || u >= dims[0] || v >= dims[0] || !Number.isFinite(w))
        throw new RangeError(`${path}: bad entry '${line}'`);
      src.push(u);
      dst.push(v);
      weight.push(w);
    }
    data = '';
    return {
      n: dims[0],
      symmetric: banner[2].toLowerCase() === 'symmetric',
      src: Int32Array.from(src),
      dst: Int32Array.from(dst),
      weight: Float64Array.from(weight),
    };
  } finally {
    await fh.close();
  }
}

