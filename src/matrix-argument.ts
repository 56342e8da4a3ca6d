// Reading a Matrix or Batch argument once, into a plain object, before anything else happens.
//
// A caller's object may be a Proxy or carry getters; read twice, it may answer differently (a
// smaller view the second time, or a buffer it has just transferred). Every public function that
// takes a matrix passes it through readMatrix first, on the CPU and the WebGPU paths alike, and
// hands on only the plain copy of its fields: the same typed array, no longer behind a getter.
// The addon still re-checks each array's length against the shape right before it takes the data
// pointer (native/addon/common.cc), since an option's getter runs after the matrices are read.
import type { FloatArray, Matrix } from './types.js';

/** A matrix argument as read: plain fields, `batch` present only for a Batch. */
export interface MatrixArgument<T extends FloatArray = FloatArray> {
  data: T;
  rows: number;
  cols: number;
  batch?: number;
}

// The intrinsic getters, called directly: an own `length` or Symbol.toStringTag property on the
// caller's array, or a prototype swapped for Float32Array.prototype, cannot change what they report.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (key: PropertyKey) => Object.getOwnPropertyDescriptor(typedArrayPrototype, key)!.get!;
const kindOf = intrinsic(Symbol.toStringTag) as (this: unknown) => string | undefined;
const lengthOf = intrinsic('length') as (this: unknown) => number;

/** 'Float32Array', 'Float64Array', another typed array's name, or undefined for anything else. */
export function typedArrayKind(x: unknown): string | undefined {
  return ArrayBuffer.isView(x) ? kindOf.call(x) : undefined;
}

function readCount(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER)
    throw new RangeError(`${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/** Reads `value` as a Matrix (or a Batch where `allowBatch`): TypeError for a wrong type,
 * RangeError for a bad size or a data length that does not match the shape, naming `name`.
 * Each property is read exactly once. A Matrix argument may carry `batch: 1`. */
export function readMatrix<M extends Matrix>(name: string, value: M, allowBatch?: boolean): M;
export function readMatrix(name: string, value: unknown, allowBatch?: boolean): MatrixArgument;
export function readMatrix(name: string, value: unknown, allowBatch = false): MatrixArgument {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Array.isArray(value))
    throw new TypeError(`${name} must be a Matrix { data, rows, cols }${allowBatch ? ' or Batch' : ''}`);
  const { data, rows: r, cols: c, batch: b } = value as Record<string, unknown>;
  const kind = typedArrayKind(data);
  if (kind !== 'Float32Array' && kind !== 'Float64Array') throw new TypeError(`${name}.data must be a Float32Array or Float64Array`);
  const rows = readCount(`${name}.rows`, r);
  const cols = readCount(`${name}.cols`, c);
  let batch: number | undefined;
  if (b !== undefined) {
    batch = readCount(`${name}.batch`, b);
    if (batch === 0) throw new RangeError(`${name}.batch must be at least 1`);
    if (!allowBatch) {
      if (batch !== 1) throw new TypeError(`${name} must be a Matrix here, not a Batch (batch = ${batch})`);
      batch = undefined;
    }
  }
  if (rows === 0 || cols === 0)
    throw new RangeError(`${name} must have at least one row and one column, got ${rows} x ${cols}`);
  const count = (batch ?? 1) * rows * cols;
  const length = lengthOf.call(data);
  if (count !== length) {
    const shape = `${batch !== undefined ? `${batch} x ` : ''}${rows} x ${cols}`;
    throw new RangeError(
      `${name}.data has ${length} elements but ${shape} = ${count} were expected` +
        (length === 0 ? ' (its buffer is empty or detached)' : ''),
    );
  }
  const m: MatrixArgument = { data: data as FloatArray, rows, cols };
  if (batch !== undefined) m.batch = batch;
  return m;
}

/** readMatrix for a second argument that may be the first one again: the same object gives the
 * same plain copy, so that innerGram(Z, Z) still computes one triangle. */
export function readSecondMatrix<M extends Matrix>(name: string, value: M, first: unknown, firstRead: MatrixArgument, allowBatch = false): M {
  return (value === first ? firstRead : readMatrix(name, value as unknown, allowBatch)) as M;
}
