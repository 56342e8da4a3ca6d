// The hostile arguments of the property-based suite: fast-check arbitraries that generate plain,
// printable descriptions (so that a failing case prints as data and shrinks), and the builders that
// turn a description into the live object handed to speclin (a Proxy, a getter that detaches a
// buffer, a SharedArrayBuffer view, ...). Builders run once per call: a shrink re-run gets fresh
// buffers.
import fc from 'fast-check';

export type Dtype = 'float32' | 'float64';
/** What the elements hold. */
export type Fill = 'random' | 'zero' | 'nan' | 'infinity' | 'subnormal' | 'huge' | 'negative';
/** Where the elements live. */
export type Storage = 'plain' | 'shared' | 'offset' | 'resizable' | 'detached';
/** How the matrix object misbehaves when read. */
export type Trap =
  | 'none'
  | 'getter-detaches-data' // reading `cols` transfers away data's buffer
  | 'proxy-detaches-data' // a Proxy whose `batch` trap transfers away data's buffer
  | 'getter-shrinks-data' // `data` answers a 1-element view after the first read
  | 'getter-resizes-data' // reading `cols` shrinks the resizable buffer under data
  | 'getter-throws'; // reading `rows` throws a plain Error

/** A lie about the shape: a value put in place of rows, cols or batch. */
export type Lie = { field: 'rows' | 'cols' | 'batch'; value: unknown };

export interface MatrixSpec {
  kind: 'matrix';
  dtype: Dtype;
  rows: number;
  cols: number;
  fill: Fill;
  storage: Storage;
  trap: Trap;
  lie?: Lie;
}

/** Something that is not a matrix at all. */
export interface JunkSpec {
  kind: 'junk';
  value: string; // a key of junkValues
}

export type ArgSpec = MatrixSpec | JunkSpec;

const junkValues: Record<string, () => unknown> = {
  undefined: () => undefined,
  null: () => null,
  number: () => 3,
  string: () => 'matrix',
  array: () => [[1, 2], [3, 4]],
  'empty object': () => ({}),
  'bare Float32Array': () => new Float32Array(4),
  'Int32Array data': () => ({ data: new Int32Array(4), rows: 2, cols: 2 }),
  'array data': () => ({ data: [1, 2, 3, 4], rows: 2, cols: 2 }),
  'Proxy of a Float32Array as data': () => ({ data: new Proxy(new Float32Array(4), {}), rows: 2, cols: 2 }),
  'Int32Array posing as Float32Array': () => ({ data: Object.setPrototypeOf(new Int32Array(4), Float32Array.prototype), rows: 2, cols: 2 }),
  'empty data': () => ({ data: new Float32Array(0), rows: 0, cols: 0 }),
  'revoked Proxy': () => {
    const { proxy, revoke } = Proxy.revocable({ data: new Float32Array(4), rows: 2, cols: 2 }, {});
    revoke();
    return proxy;
  },
  function: () => () => 0,
  symbol: () => Symbol('matrix'),
  bigint: () => 4n,
};
export const junkNames = Object.keys(junkValues);

/** Sizes a caller might wrongly pass: wrong, negative, fractional, NaN, huge, not numbers. */
export const hostileSizes: unknown[] = [0, -1, 1.5, Number.NaN, Infinity, 2 ** 31, 2 ** 53, 1e300, '3', null, undefined, true, 3n];

export const dtypeArb: fc.Arbitrary<Dtype> = fc.constantFrom('float32', 'float64');

export function matrixSpecArb(opts: { rows?: fc.Arbitrary<number>; cols?: fc.Arbitrary<number>; dtype?: fc.Arbitrary<Dtype> } = {}): fc.Arbitrary<MatrixSpec> {
  return fc.record(
    {
      kind: fc.constant('matrix' as const),
      dtype: opts.dtype ?? dtypeArb,
      // Small and few sizes, so that independently drawn arguments often fit together.
      rows: opts.rows ?? fc.integer({ min: 1, max: 4 }),
      cols: opts.cols ?? fc.integer({ min: 1, max: 3 }),
      fill: fc.oneof(
        { weight: 6, arbitrary: fc.constant('random' as const) },
        { weight: 1, arbitrary: fc.constantFrom<Fill>('zero', 'nan', 'infinity', 'subnormal', 'huge', 'negative') },
      ),
      storage: fc.oneof(
        { weight: 6, arbitrary: fc.constant('plain' as const) },
        { weight: 1, arbitrary: fc.constantFrom<Storage>('shared', 'offset', 'resizable', 'detached') },
      ),
      trap: fc.oneof(
        { weight: 6, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constantFrom<Trap>('getter-detaches-data', 'proxy-detaches-data', 'getter-shrinks-data', 'getter-resizes-data', 'getter-throws') },
      ),
      lie: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.record({ field: fc.constantFrom<Lie['field']>('rows', 'cols', 'batch'), value: fc.constantFrom(...hostileSizes, 1, 2) }) },
      ),
    },
  ).map(({ lie, ...m }) => (lie === undefined ? m : { ...m, lie }));
}

/** A matrix argument: usually a matrix, sometimes junk. */
export function argArb(opts: Parameters<typeof matrixSpecArb>[0] = {}): fc.Arbitrary<ArgSpec> {
  return fc.oneof(
    { weight: 9, arbitrary: matrixSpecArb(opts) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: fc.constantFrom(...junkNames) }) },
  );
}

function fillValue(fill: Fill, rnd: () => number): number {
  switch (fill) {
    case 'random': return rnd() * 2 - 1;
    case 'zero': return 0;
    case 'nan': return rnd() < 0.3 ? Number.NaN : rnd();
    case 'infinity': return rnd() < 0.3 ? (rnd() < 0.5 ? Infinity : -Infinity) : rnd();
    case 'subnormal': return 1e-40 * (rnd() + 0.1) * (rnd() < 0.5 ? 1e-270 : 1);
    case 'huge': return 3e38 * (rnd() < 0.5 ? -1 : 1) * (rnd() < 0.5 ? 1 : 1e270);
    case 'negative': return -rnd() - 0.5;
  }
}

/** A small deterministic generator, so that a built value depends only on its description. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function detach(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
}

/** A typed array of `count` elements in the given storage. */
function storageArray(dtype: Dtype, count: number, storage: Storage): Float32Array | Float64Array {
  const C = dtype === 'float32' ? Float32Array : Float64Array;
  const bytes = count * C.BYTES_PER_ELEMENT;
  switch (storage) {
    case 'shared': return new C(new SharedArrayBuffer(bytes) as unknown as ArrayBuffer);
    case 'offset': return new C(new ArrayBuffer(bytes + 3 * C.BYTES_PER_ELEMENT), C.BYTES_PER_ELEMENT, count); // not 64-byte aligned
    case 'resizable': return new C(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(bytes, { maxByteLength: bytes * 2 }));
    default: return new C(count);
  }
}

/** What was built: the live argument, and its data array (to check it is left unchanged). */
export interface Built {
  value: unknown;
  data?: Float32Array | Float64Array;
  /** Whether building it already sabotaged the data (traps that detach or shrink). */
  sabotaged: boolean;
}

export function buildArg(spec: ArgSpec, seed: number): Built {
  if (spec.kind === 'junk') return { value: junkValues[spec.value](), sabotaged: false };
  const count = spec.rows * spec.cols;
  const data = storageArray(spec.dtype, count, spec.storage);
  const rnd = lcg(seed);
  for (let i = 0; i < count; i++) data[i] = fillValue(spec.fill, rnd);
  if (spec.storage === 'detached') detach(data.buffer);
  const fields: Record<string, unknown> = { rows: spec.rows, cols: spec.cols };
  if (spec.lie) fields[spec.lie.field] = spec.lie.value;
  const plain = () => ({ data, ...fields });
  let value: unknown;
  switch (spec.trap) {
    case 'none':
      value = plain();
      break;
    case 'getter-detaches-data':
      value = { data, rows: fields.rows, get cols() { detach(data.buffer); return fields.cols; }, ...(fields.batch !== undefined ? { batch: fields.batch } : {}) };
      break;
    case 'proxy-detaches-data':
      value = new Proxy(plain(), { get(t, k) { if (k === 'batch' || k === 'cols') detach(data.buffer); return (t as Record<PropertyKey, unknown>)[k]; } });
      break;
    case 'getter-shrinks-data': {
      let reads = 0;
      value = { get data() { return reads++ === 0 ? data : data.subarray(0, 1); }, rows: fields.rows, cols: fields.cols, ...(fields.batch !== undefined ? { batch: fields.batch } : {}) };
      break;
    }
    case 'getter-resizes-data':
      value = {
        data, rows: fields.rows,
        get cols() { const b = data.buffer as ArrayBuffer & { resize?: (n: number) => void; resizable?: boolean }; if (b.resizable && b.resize) b.resize(0); else detach(b); return fields.cols; },
        ...(fields.batch !== undefined ? { batch: fields.batch } : {}),
      };
      break;
    case 'getter-throws':
      value = { data, get rows(): number { throw new Error('a getter threw'); }, cols: fields.cols };
      break;
  }
  return { value, data, sabotaged: spec.trap !== 'none' && spec.trap !== 'getter-throws' };
}

/** An integer argument (k, n, columns): usually valid, sometimes one of the hostile sizes. */
export function countArb(valid: fc.Arbitrary<number>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...hostileSizes) });
}

/** An options object, possibly with a getter that sabotages an input when read. */
export type OptionTrap = 'none' | 'getter-detaches-first-input' | 'proxy-detaches-first-input' | 'not-an-object';
export const optionTrapArb: fc.Arbitrary<OptionTrap> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('none' as const) },
  { weight: 1, arbitrary: fc.constantFrom<OptionTrap>('getter-detaches-first-input', 'proxy-detaches-first-input', 'not-an-object') },
);

export function buildOptions(options: Record<string, unknown> | undefined, trap: OptionTrap, victim: Built | undefined): unknown {
  const base = { ...(options ?? {}) };
  const hit = () => { if (victim?.data) detach(victim.data.buffer); };
  switch (trap) {
    case 'none': return options;
    case 'not-an-object': return 'options';
    case 'getter-detaches-first-input': {
      const o: Record<string, unknown> = { ...base };
      const key = Object.keys(base)[0] ?? 'backend';
      const v = base[key];
      Object.defineProperty(o, key, { get() { hit(); return v; }, enumerable: true });
      return o;
    }
    case 'proxy-detaches-first-input':
      return new Proxy(base, { get(t, k) { hit(); return t[k as string]; } });
  }
}
