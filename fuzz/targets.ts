// Every public function of speclin as a fuzz target: an arbitrary describing one call (plain data,
// printable and shrinkable) and a builder that makes the live, hostile arguments and the call.
import fc from 'fast-check';
import * as speclin from '../src/index.js';
import { Graph, BipartiteGraph } from '../src/index.js';
import {
  argArb, buildArg, buildOptions, countArb, detach, dtypeArb, hostileSizes, lcg, matrixSpecArb, optionTrapArb,
  type ArgSpec, type Built, type OptionTrap,
} from './hostile-values.js';

/** One call, ready to run. */
export interface Call {
  invoke: () => unknown;
  /** The inputs to check unchanged afterwards (those the case did not sabotage itself). */
  inputs: Built[];
  /** Run right after invoke() returns, before a Promise settles: detaches or mutates inputs. */
  after?: () => void;
  /** A check of a successful result (a silent wrong result is a failure too). */
  check?: (result: unknown) => string | undefined;
}

export interface Target {
  name: string;
  weight: number;
  /** Uses the WebGPU backend: run only where an adapter exists. */
  gpu?: boolean;
  arb: fc.Arbitrary<object>;
  build(desc: any, seed: number): Call;
}

/** What a Promise form's caller does to its inputs before the Promise settles. */
type AfterCall = 'nothing' | 'detach-inputs' | 'overwrite-inputs';
const afterArb: fc.Arbitrary<AfterCall> = fc.oneof({ weight: 4, arbitrary: fc.constant('nothing' as const) }, { weight: 1, arbitrary: fc.constantFrom<AfterCall>('detach-inputs', 'overwrite-inputs') });
function afterCall(what: AfterCall, inputs: Built[]): (() => void) | undefined {
  if (what === 'nothing') return undefined;
  return () => {
    for (const b of inputs) {
      if (!b.data) continue;
      if (what === 'detach-inputs') detach(b.data.buffer);
      else b.data.fill(Number.NaN);
    }
  };
}

const finite = (name: string, x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? undefined : `${name} is ${String(x)}, not a finite number`);

// ---- graphs ----------------------------------------------------------------------------------

/** Edges with self-loops, duplicates, zero, negative, NaN and huge weights. */
const edgeListArb = fc.record({
  n: countArb(fc.integer({ min: 1, max: 8 })),
  edges: fc.array(fc.tuple(fc.integer({ min: -1, max: 9 }), fc.integer({ min: -1, max: 9 })), { maxLength: 16 }),
  weights: fc.oneof(
    { weight: 3, arbitrary: fc.constant('none' as const) },
    { weight: 3, arbitrary: fc.constant('ones' as const) },
    { weight: 1, arbitrary: fc.constantFrom('zero', 'negative', 'nan', 'infinity', 'huge', 'subnormal', 'short', 'float32-huge') },
  ),
  indexKind: fc.constantFrom('array', 'Int32Array', 'Uint32Array', 'shared', 'detached', 'Float64Array', 'junk'),
  symmetrize: fc.constantFrom(false, true, 'max', 'average', 'min'),
  isolated: fc.constantFrom(undefined, 'error', 'drop', 'keep'),
  dtype: fc.constantFrom(undefined, 'float32', 'float64', 'float16'),
});

function indexArray(values: number[], kind: string): unknown {
  switch (kind) {
    case 'array': return values;
    case 'Int32Array': return Int32Array.from(values);
    case 'Uint32Array': return Uint32Array.from(values.map((v) => Math.max(v, 0)));
    case 'shared': { const a = new Int32Array(new SharedArrayBuffer(4 * values.length)); a.set(values); return a; }
    case 'detached': { const a = Int32Array.from(values); detach(a.buffer); return a; }
    case 'Float64Array': return Float64Array.from(values);
    default: return { length: values.length };
  }
}

function weightArray(count: number, kind: string): unknown {
  const w = new Float64Array(kind === 'short' ? Math.max(0, count - 1) : count);
  const value = ({ ones: 1, zero: 0, negative: -1, nan: Number.NaN, infinity: Infinity, huge: 1e308, subnormal: 5e-324, short: 1, 'float32-huge': 3e38 } as Record<string, number>)[kind];
  w.fill(value);
  if (kind === 'float32-huge') return Float32Array.from(w);
  if (kind !== 'ones' && w.length > 0) w[0] = 1;
  return w;
}

type EdgeList = typeof edgeListArb extends fc.Arbitrary<infer T> ? T : never;
function buildEdges(d: EdgeList): Record<string, unknown> {
  const src = d.edges.map((e) => e[0]);
  const dst = d.edges.map((e) => e[1]);
  const input: Record<string, unknown> = {
    n: d.n, src: indexArray(src, d.indexKind), dst: indexArray(dst, d.indexKind), symmetrize: d.symmetrize, isolated: d.isolated, dtype: d.dtype,
  };
  if (d.weights !== 'none') input.weight = weightArray(src.length, d.weights);
  return input;
}

/** A small valid graph to compute on: a ring, a path, a complete graph or two components. */
const graphArb = fc.record({ shape: fc.constantFrom('ring', 'path', 'complete', 'two rings', 'self-loops'), n: fc.integer({ min: 3, max: 12 }), dtype: dtypeArb });
function makeGraph(d: { shape: string; n: number; dtype: string }): Graph {
  const { n } = d;
  const src: number[] = [];
  const dst: number[] = [];
  const add = (a: number, b: number) => { src.push(a, b); dst.push(b, a); };
  if (d.shape === 'complete') for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  else if (d.shape === 'two rings') { const h = Math.floor(n / 2); for (let i = 0; i < h; i++) add(i, (i + 1) % h); for (let i = h; i < n; i++) add(i, i + 1 < n ? i + 1 : h); }
  else for (let i = 0; i < (d.shape === 'path' ? n - 1 : n); i++) add(i, (i + 1) % n);
  if (d.shape === 'self-loops') for (let i = 0; i < n; i++) { src.push(i); dst.push(i); }
  const weight = d.dtype === 'float32' ? new Float32Array(src.length).fill(1) : new Float64Array(src.length).fill(1);
  return Graph.fromEdges({ n, src: Int32Array.from(src), dst: Int32Array.from(dst), weight });
}
function makeBipartite(nLeft: number, nRight: number, dtype: string): BipartiteGraph {
  const left: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < Math.max(nLeft, nRight); i++) { left.push(i % nLeft); right.push(i % nRight); left.push(i % nLeft); right.push((i + 1) % nRight); }
  const weight = dtype === 'float32' ? new Float32Array(left.length).fill(1) : new Float64Array(left.length).fill(1);
  return BipartiteGraph.fromEdges({ nLeft, nRight, left: Int32Array.from(left), right: Int32Array.from(right), weight });
}

/** Objects that pretend to be a Graph or an operator, carrying another object's internals. */
const forgeries = ['Object.create(Graph.prototype)', 'spread copy of a Graph', 'operator with another n', 'Graph handle as _native', 'rectangular handle as _native', 'symmetric handle as _nativeRect', 'plain object as _native', 'number as _native'] as const;
function forge(kind: (typeof forgeries)[number], g: Graph, b: BipartiteGraph): unknown {
  const op = g.normalized();
  switch (kind) {
    case 'Object.create(Graph.prototype)': return Object.assign(Object.create(Graph.prototype), { n: g.n, marginals: g.marginals });
    case 'spread copy of a Graph': return { ...g, normalized: g.normalized, components: g.components, toCSR: g.toCSR };
    case 'operator with another n': return { n: g.n + 3, multiply() {}, _native: op._native };
    case 'Graph handle as _native': return { n: g.n, multiply() {}, _native: Graph.handleOf(g) };
    case 'rectangular handle as _native': return { n: g.n, multiply() {}, _native: b.normalized()._nativeRect };
    case 'symmetric handle as _nativeRect': return { rows: g.n, cols: g.n, multiply() {}, multiplyTranspose() {}, _nativeRect: op._native };
    case 'plain object as _native': return { n: g.n, multiply() {}, _native: { pointer: 1 } };
    case 'number as _native': return { n: g.n, multiply() {}, _native: 12345 };
  }
}

// ---- targets ------------------------------------------------------------------------------------

const gpuOption = { backend: 'webgpu' as const };

/** options.out: none, a correct result matrix, or one the call must refuse (another dtype or
 * shape, an input's own memory, not a matrix). The Promise forms refuse any. */
type OutKind = 'none' | 'fresh' | 'input memory' | 'wrong shape' | 'wrong dtype' | 'junk';
const outArb = fc.constantFrom<OutKind>('none', 'none', 'fresh', 'input memory', 'wrong shape', 'wrong dtype', 'junk');

function buildOut(kind: OutKind, rows: number, cols: number, input: Built): unknown {
  const Ctor = input.data instanceof Float64Array ? Float64Array : Float32Array;
  const n = rows * cols;
  switch (kind) {
    case 'none': return undefined;
    case 'fresh': return { data: new Ctor(n), rows, cols };
    case 'input memory': {
      const data = input.data;
      // The input's own elements, as many as the result has (refused for sharing memory), or the
      // whole input with the result's shape (refused for its length) when it is shorter or
      // detached (a detached buffer has no views to take).
      try {
        if (data && data.length >= n && n > 0) return { data: data.subarray(0, n), rows, cols };
      } catch {
        // detached
      }
      return { data, rows, cols };
    }
    case 'wrong shape': return { data: new Ctor(n + cols), rows: rows + 1, cols };
    case 'wrong dtype': return { data: new (Ctor === Float32Array ? Float64Array : Float32Array)(n), rows, cols };
    case 'junk': return 'out';
  }
}

/** Rows and columns of a matrix spec (2 x 2 for junk, which the call refuses anyway). */
const shapeOf = (spec: ArgSpec) => (spec.kind === 'matrix' ? { rows: spec.rows, cols: spec.cols } : { rows: 2, cols: 2 });

function gramTarget(fn: 'gram' | 'crossGram' | 'innerGram', form: 'sync' | 'promise' | 'webgpu'): Target {
  const two = fn !== 'gram';
  return {
    name: `${fn}${form === 'sync' ? 'Sync' : form === 'webgpu' ? ' (webgpu)' : ''}`,
    weight: form === 'webgpu' ? 1 : 3,
    gpu: form === 'webgpu',
    arb: fc.record({
      Z: argArb({ dtype: form === 'webgpu' ? fc.constant('float32') : undefined }),
      W: argArb({ dtype: form === 'webgpu' ? fc.constant('float32') : undefined }),
      second: fc.constantFrom('own', 'same object', 'same buffer'),
      out: outArb,
      after: afterArb,
    }),
    build(d: { Z: ArgSpec; W: ArgSpec; second: string; out: OutKind; after: AfterCall }, seed) {
      const Z = buildArg(d.Z, seed);
      let W = buildArg(d.W, seed + 1);
      if (d.second === 'same object') W = Z;
      else if (d.second === 'same buffer' && Z.data && Z.data.buffer.byteLength > 0 && d.Z.kind === 'matrix') {
        // A second view of Z's buffer (a detached buffer has none: W stays its own matrix then).
        try {
          W = { value: { data: Z.data.subarray(0), rows: d.Z.rows, cols: d.Z.cols }, data: Z.data, sabotaged: Z.sabotaged };
        } catch {
          // keep the own W
        }
      }
      const f = (speclin as unknown as Record<string, (...a: unknown[]) => unknown>)[form === 'sync' ? `${fn}Sync` : fn];
      const args = two ? [Z.value, W.value] : [Z.value];
      const z = shapeOf(d.Z), w = two ? shapeOf(d.second === 'own' ? d.W : d.Z) : z;
      const [rows, cols] = fn === 'innerGram' ? [z.cols, w.cols] : fn === 'crossGram' ? [z.rows, w.rows] : [z.rows, z.rows];
      const out = buildOut(d.out, rows, cols, Z);
      if (form === 'webgpu') args.push(out === undefined ? gpuOption : { ...gpuOption, out });
      else if (out !== undefined) args.push({ out });
      return { invoke: () => f(...args), inputs: two ? [Z, W] : [Z], after: form === 'sync' ? undefined : afterCall(d.after, [Z, W]) };
    },
  };
}

function spectralLossTarget(form: 'sync' | 'promise' | 'webgpu'): Target {
  const dtype = form === 'webgpu' ? fc.constant<'float32'>('float32') : undefined;
  const rows = fc.integer({ min: 1, max: 6 });
  return {
    name: `spectralLoss${form === 'sync' ? 'Sync' : form === 'webgpu' ? ' (webgpu)' : ''}`,
    weight: form === 'webgpu' ? 1 : 3,
    gpu: form === 'webgpu',
    arb: fc.record({
      B: rows,
      Z: matrixSpecArb({ dtype }),
      W: argArb({ dtype }),
      same: fc.boolean(),
      options: fc.record({ mu: fc.constantFrom(undefined, 1, 0, -1, Number.NaN, '1', 1e-300), negatives: fc.constantFrom(undefined, 'all', 'offdiagonal', 'some'), algorithm: fc.constantFrom(undefined, 'auto', 'gram', 'pairwise', 'fast') }, { requiredKeys: [] }),
      outZ: outArb,
      outW: outArb,
      trap: optionTrapArb,
      after: afterArb,
    }),
    build(d: { B: number; Z: ArgSpec & { rows: number }; W: ArgSpec; same: boolean; options: Record<string, unknown>; outZ: OutKind; outW: OutKind; trap: OptionTrap; after: AfterCall }, seed) {
      const Z = buildArg({ ...d.Z, rows: d.B } as ArgSpec, seed);
      const W = d.same ? Z : buildArg(d.W.kind === 'matrix' ? { ...d.W, rows: d.B, cols: (d.Z as { cols: number }).cols } : d.W, seed + 1);
      const { cols } = shapeOf(d.Z);
      const withOut = d.outZ === 'none' && d.outW === 'none'
        ? d.options
        : { ...d.options, out: { gradZ: buildOut(d.outZ, d.B, cols, Z), gradW: buildOut(d.outW, d.B, cols, W) } };
      const options = buildOptions(form === 'webgpu' ? { ...withOut, ...gpuOption } : withOut, d.trap, Z);
      const f = form === 'sync' ? speclin.spectralLossSync : speclin.spectralLoss;
      return {
        invoke: () => (f as (...a: unknown[]) => unknown)(Z.value, W.value, options),
        inputs: [Z, W].map((b) => (d.trap === 'none' ? b : { ...b, sabotaged: true })),
        after: form === 'sync' ? undefined : afterCall(d.after, [Z, W]),
        check: (r) => finite('loss', (r as { loss: number }).loss),
      };
    },
  };
}

function topKTarget(form: 'sync' | 'promise' | 'webgpu'): Target {
  const dtype = form === 'webgpu' ? fc.constant<'float32'>('float32') : undefined;
  return {
    name: `topK${form === 'sync' ? 'Sync' : form === 'webgpu' ? ' (webgpu)' : ''}`,
    weight: form === 'webgpu' ? 1 : 3,
    gpu: form === 'webgpu',
    arb: fc.record({ Q: argArb({ dtype, cols: fc.constant(3) }), K: argArb({ dtype, cols: fc.constant(3) }), k: countArb(fc.integer({ min: 0, max: 7 })), same: fc.boolean(), after: afterArb }),
    build(d: { Q: ArgSpec; K: ArgSpec; k: unknown; same: boolean; after: AfterCall }, seed) {
      const Q = buildArg(d.Q, seed);
      const K = d.same ? Q : buildArg(d.K, seed + 1);
      const args = [Q.value, K.value, d.k, ...(form === 'webgpu' ? [gpuOption] : [])];
      const f = form === 'sync' ? speclin.topKSync : speclin.topK;
      return { invoke: () => (f as (...a: unknown[]) => unknown)(...args), inputs: [Q, K], after: form === 'sync' ? undefined : afterCall(d.after, [Q, K]) };
    },
  };
}

function populationLossTarget(form: 'sync' | 'promise' | 'webgpu'): Target {
  return {
    name: `populationLoss${form === 'sync' ? 'Sync' : form === 'webgpu' ? ' (webgpu)' : ''}`,
    weight: form === 'webgpu' ? 1 : 2,
    gpu: form === 'webgpu',
    arb: fc.record({
      graph: graphArb, E: argArb({ dtype: form === 'webgpu' ? fc.constant('float32') : undefined }),
      rowsMatch: fc.boolean(), bipartite: form === 'webgpu' ? fc.constant(false) : fc.boolean(), forged: fc.option(fc.constantFrom(...forgeries), { freq: 6 }), after: afterArb,
    }),
    build(d: { graph: { shape: string; n: number; dtype: string }; E: ArgSpec; rowsMatch: boolean; bipartite: boolean; forged: (typeof forgeries)[number] | null; after: AfterCall }, seed) {
      const g = makeGraph(d.graph);
      const f = (form === 'sync' ? speclin.populationLossSync : speclin.populationLoss) as (...a: unknown[]) => unknown;
      if (d.bipartite) {
        const b = makeBipartite(d.graph.n, Math.max(2, d.graph.n - 1), d.graph.dtype);
        const Ex = buildArg(d.E.kind === 'matrix' && d.rowsMatch ? { ...d.E, rows: b.nLeft } : d.E, seed);
        const Et = buildArg(d.E.kind === 'matrix' && d.rowsMatch ? { ...d.E, rows: b.nRight } : d.E, seed + 1);
        const target = d.forged ? forge(d.forged, g, b) : b;
        return { invoke: () => f(target, Ex.value, Et.value), inputs: [Ex, Et], after: form === 'sync' ? undefined : afterCall(d.after, [Ex, Et]) };
      }
      const E = buildArg(d.E.kind === 'matrix' && d.rowsMatch ? { ...d.E, rows: g.n } : d.E, seed);
      const target = d.forged ? forge(d.forged, g, makeBipartite(3, 3, 'float64')) : g;
      const args = [target, E.value, ...(form === 'webgpu' ? [gpuOption] : [])];
      return {
        invoke: () => f(...args), inputs: [E], after: form === 'sync' ? undefined : afterCall(d.after, [E]),
        check: (r) => finite('loss', (r as { loss: number }).loss),
      };
    },
  };
}

const construction: Target[] = [
  {
    name: 'Graph.fromEdges', weight: 3, arb: edgeListArb,
    build: (d) => { const input = buildEdges(d); return { invoke: () => Graph.fromEdges(input as never), inputs: [] }; },
  },
  {
    name: 'BipartiteGraph.fromEdges', weight: 2, arb: fc.tuple(edgeListArb, countArb(fc.integer({ min: 1, max: 8 }))),
    build: ([d, nRight]) => {
      const e = buildEdges(d);
      return { invoke: () => BipartiteGraph.fromEdges({ nLeft: e.n, nRight, left: e.src, right: e.dst, weight: e.weight, isolated: e.isolated, dtype: e.dtype } as never), inputs: [] };
    },
  },
  {
    name: 'Graph.fromCSR', weight: 2,
    arb: fc.record({ n: countArb(fc.integer({ min: 1, max: 6 })), rows: fc.array(fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 4 }), { minLength: 0, maxLength: 7 }), indptrKind: fc.constantFrom('Int32Array', 'BigInt64Array', 'array', 'Float64Array', 'broken', 'null'), weights: fc.constantFrom('none', 'ones', 'negative', 'nan', 'huge', 'short'), symmetrize: fc.constantFrom(false, 'max') }),
    build: (d) => {
      const indptr = [0];
      const indices: number[] = [];
      for (const r of d.rows) { indices.push(...r); indptr.push(indices.length); }
      if (d.indptrKind === 'broken' && indptr.length > 1) indptr[1] = indptr[indptr.length - 1] + 5;
      const ip = d.indptrKind === 'Int32Array' || d.indptrKind === 'broken' ? Int32Array.from(indptr)
        : d.indptrKind === 'BigInt64Array' ? BigInt64Array.from(indptr.map(BigInt))
        : d.indptrKind === 'Float64Array' ? Float64Array.from(indptr) : d.indptrKind === 'null' ? null : indptr;
      const input = { n: d.n, indptr: ip, indices: Int32Array.from(indices), values: d.weights === 'none' ? undefined : weightArray(indices.length, d.weights), symmetrize: d.symmetrize };
      return { invoke: () => Graph.fromCSR(input as never), inputs: [] };
    },
  },
  {
    name: 'Graph.fromDense', weight: 2,
    arb: fc.record({ A: argArb(), square: fc.boolean(), fill: fc.constantFrom('random', 'zero', 'nan', 'negative', 'huge', 'subnormal'), trap: optionTrapArb }),
    build: (d: { A: ArgSpec; square: boolean; fill: string; trap: OptionTrap }, seed) => {
      const spec = d.A.kind === 'matrix' && d.square ? { ...d.A, cols: d.A.rows, fill: d.fill === 'random' ? 'zero' : d.fill } as ArgSpec : d.A;
      const A = buildArg(spec, seed);
      if (A.data && d.fill === 'random' && spec.kind === 'matrix' && !A.sabotaged && A.data.length > 0) {
        const n = spec.rows;
        const rnd = lcg(seed);
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A.data[i * n + j] = A.data[j * n + i] = rnd() < 0.5 ? 0 : rnd();
      }
      const options = buildOptions({ symmetrize: 'max' }, d.trap, A);
      return { invoke: () => Graph.fromDense(A.value as never, options as never), inputs: [{ ...A, sabotaged: A.sabotaged || d.trap !== 'none' }] };
    },
  },
  {
    name: 'denseOperator / denseRectangularOperator', weight: 1, arb: fc.tuple(argArb(), fc.boolean()),
    build: ([a, rect], seed) => {
      const A = buildArg(a, seed);
      return { invoke: () => (rect ? speclin.denseRectangularOperator(A.value as never) : speclin.denseOperator(A.value as never)), inputs: [A] };
    },
  },
];

const graphMethods: Target = {
  name: 'graph methods (spmv, components, normalized().multiply, toCSR)', weight: 3,
  arb: fc.record({
    graph: graphArb, method: fc.constantFrom('spmv vector', 'spmv matrix', 'components', 'multiply', 'multiply same buffer', 'toCSR', 'borrowed method'),
    columns: countArb(fc.integer({ min: 1, max: 3 })), length: fc.constantFrom('right', 'short', 'long', 'empty'), x: matrixSpecArb({ dtype: dtypeArb }),
  }),
  build(d: { graph: { shape: string; n: number; dtype: string }; method: string; columns: unknown; length: string; x: ArgSpec & { rows: number; cols: number } }, seed) {
    const g = makeGraph(d.graph);
    const cols = typeof d.columns === 'number' && Number.isInteger(d.columns) && d.columns > 0 && d.columns < 8 ? d.columns : 1;
    const len = { right: g.n * cols, short: g.n * cols - 1, long: g.n * cols + 1, empty: 0 }[d.length]!;
    const f64 = () => { const a = new Float64Array(Math.max(len, 0)); const r = lcg(seed); for (let i = 0; i < a.length; i++) a[i] = r(); return a; };
    switch (d.method) {
      case 'spmv vector': { const x = d.graph.dtype === 'float32' ? new Float32Array(f64()) : f64(); return { invoke: () => g.spmv(x), inputs: [{ value: x, data: x, sabotaged: false }] }; }
      case 'spmv matrix': { const X = buildArg({ ...d.x, rows: d.length === 'right' ? g.n : d.x.rows } as ArgSpec, seed); return { invoke: () => g.spmv(X.value as never), inputs: [X] }; }
      case 'components': return { invoke: () => g.components(), inputs: [] };
      case 'toCSR': return { invoke: () => g.toCSR(), inputs: [] };
      case 'borrowed method': return { invoke: () => [Graph.prototype.toCSR, Graph.prototype.components, Graph.prototype.normalized].map((m) => (m as (this: unknown) => unknown).call({ n: 3 })), inputs: [] };
      case 'multiply same buffer': { const X = f64(); return { invoke: () => g.normalized().multiply(X, X, d.columns as number), inputs: [] }; }
      default: { const X = f64(); const Y = new Float64Array(X.length); return { invoke: () => g.normalized().multiply(X, Y, d.columns as number), inputs: [{ value: X, data: X, sabotaged: false }] }; }
    }
  },
};

function eigshTarget(fn: 'eigsh' | 'svds' | 'closedFormOptimum', form: 'sync' | 'promise' | 'webgpu'): Target {
  return {
    name: `${fn}${form === 'sync' ? 'Sync' : form === 'webgpu' ? ' (webgpu)' : ''}`,
    weight: form === 'webgpu' ? 1 : 2,
    gpu: form === 'webgpu',
    arb: fc.record({
      graph: graphArb,
      target: fc.constantFrom('graph', 'bipartite', 'dense operator', 'js operator', 'forged', 'junk'),
      forgery: fc.constantFrom(...forgeries),
      k: countArb(fc.integer({ min: 0, max: 14 })),
      options: fc.record({
        tol: fc.constantFrom(undefined, 1e-8, 0, -1, Number.NaN, 1e-5),
        blockSize: fc.constantFrom(undefined, 1, 2, 3, 0, 1.5, 100),
        method: fc.constantFrom(undefined, 'auto', 'lanczos', 'dense', 'qr'),
        v0: fc.constantFrom(undefined, 'right', 'short', 'nan', 'junk'),
        deflate: fc.constantFrom(undefined, true, false, 'junk'),
        maxIterations: fc.constantFrom(undefined, 1, 0, 1000),
      }, { requiredKeys: [] }),
      trap: optionTrapArb,
    }),
    build(d: { graph: { shape: string; n: number; dtype: string }; target: string; forgery: (typeof forgeries)[number]; k: unknown; options: Record<string, unknown>; trap: OptionTrap }, seed) {
      const g = makeGraph(d.graph);
      const b = makeBipartite(d.graph.n, Math.max(2, d.graph.n - 2), d.graph.dtype);
      const n = g.n;
      const dense = () => { const A = new Float64Array(n * n); const r = lcg(seed); for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = r() - 0.5; return A; };
      const target = {
        graph: fn === 'svds' ? b : g,
        bipartite: b,
        'dense operator': fn === 'svds' ? speclin.denseRectangularOperator({ data: dense(), rows: n, cols: n }) : speclin.denseOperator({ data: dense(), rows: n, cols: n }),
        'js operator': { n, multiply: (X: Float64Array, Y: Float64Array, c: number) => g.normalized().multiply(X, Y, c) },
        forged: forge(d.forgery, g, b),
        junk: 42,
      }[d.target];
      const o: Record<string, unknown> = { ...d.options, k: d.k };
      const v0 = o.v0 as string | undefined;
      if (v0 !== undefined) o.v0 = v0 === 'junk' ? 'v0' : new Float64Array(v0 === 'short' ? n - 1 : n).fill(v0 === 'nan' ? Number.NaN : 1);
      if (o.deflate === 'junk') o.deflate = { data: new Float64Array(n), rows: n, cols: 1 };
      if (form === 'webgpu') Object.assign(o, gpuOption, { v0: undefined, blockSize: undefined, method: undefined });
      const options = buildOptions(o, d.trap, undefined);
      const k = o.k;
      const call = {
        eigsh: () => (form === 'sync' ? speclin.eigshSync : speclin.eigsh)(target as never, options as never),
        svds: () => (form === 'sync' ? speclin.svdsSync : speclin.svds)(target as never, options as never),
        closedFormOptimum: () => (form === 'sync' ? speclin.closedFormOptimumSync : speclin.closedFormOptimum)(target as never, k as never, options as never),
      }[fn];
      const spectrumOfAbar = fn === 'eigsh' && (d.target === 'graph' || d.target === 'js operator');
      return {
        invoke: call,
        inputs: [],
        // Ā's eigenvalues lie in [-1, 1]: anything outside, returned as converged, is a wrong result.
        check: (r) => {
          if (!spectrumOfAbar) return undefined;
          const values = (r as { values: Float64Array }).values;
          const bad = Array.from(values).find((v) => !(v >= -1 - 1e-5 && v <= 1 + 1e-5));
          return bad === undefined ? undefined : `eigenvalue ${bad} of a normalized adjacency is outside [-1, 1]`;
        },
      };
    },
  };
}

const runtimeTarget: Target = {
  name: 'setThreads', weight: 1, arb: fc.record({ n: fc.constantFrom(...hostileSizes, 1, 2) }),
  build: ({ n }) => ({ invoke: () => { const before = speclin.getThreads(); try { speclin.setThreads(n as number); } finally { speclin.setThreads(before); } }, inputs: [] }),
};

export const targets: Target[] = [
  ...(['gram', 'crossGram', 'innerGram'] as const).flatMap((fn) => (['sync', 'promise', 'webgpu'] as const).map((f) => gramTarget(fn, f))),
  ...(['sync', 'promise', 'webgpu'] as const).map(spectralLossTarget),
  ...(['sync', 'promise', 'webgpu'] as const).map(topKTarget),
  ...(['sync', 'promise', 'webgpu'] as const).map(populationLossTarget),
  ...construction,
  graphMethods,
  ...(['eigsh', 'svds', 'closedFormOptimum'] as const).flatMap((fn) => (['sync', 'promise'] as const).map((f) => eigshTarget(fn, f))),
  eigshTarget('eigsh', 'webgpu'),
  runtimeTarget,
];
