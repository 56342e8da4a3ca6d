// NumPy's .npy format (numpy.lib.format), for exchanging embeddings with Python trainers: versions
// 1.0, 2.0 and 3.0 of the header; float32 and float64 in either byte order and in C or Fortran
// order. What is read comes back row-major and little-endian (the layout of a speclin Matrix).
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { SpeclinError } from './errors.js';
import type { FloatArray, Matrix } from './types.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
// numpy pads the header so that the data starts on a multiple of 64 bytes (for memory mapping).
const ALIGN = 64;

interface NpyHeader {
  bytes: 4 | 8;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function malformed(file: string, message: string): SpeclinError {
  return new SpeclinError('ERR_MALFORMED_FILE', `${file}: ${message}`);
}

/** The header dict numpy writes, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
 * Parsed for the three keys only, with patterns rather than an evaluator: it is a Python literal. */
function parseHeader(file: string, buf: Buffer): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC))
    throw malformed(file, 'not a .npy file (it does not start with the magic string \\x93NUMPY)');
  const major = buf[6];
  if (major !== 1 && major !== 2 && major !== 3)
    throw malformed(file, `unsupported .npy format version ${major}.${buf[7]} (expected 1.0, 2.0 or 3.0)`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lengthBytes) throw malformed(file, 'the file ends inside the header (truncated?)');
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lengthBytes;
  const dataOffset = start + headerLength;
  if (buf.length < dataOffset) throw malformed(file, `the file ends inside the ${headerLength}-byte header (truncated?)`);
  const text = buf.toString(major === 3 ? 'utf8' : 'latin1', start, dataOffset);
  const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr) {
    const structured = /['"]descr['"]\s*:\s*(\[[^\]]*\])/.exec(text);
    if (structured) throw new TypeError(`${file}: the array has the structured dtype ${structured[1]}; expected float32 or float64 ('<f4', '<f8')`);
    throw malformed(file, `the header has no 'descr' entry: ${text.trim()}`);
  }
  if (!fortran) throw malformed(file, `the header has no 'fortran_order' entry: ${text.trim()}`);
  if (!shape) throw malformed(file, `the header has no 'shape' entry: ${text.trim()}`);
  const m = /^([<>=|])f([48])$/.exec(descr[2]);
  if (!m) throw new TypeError(`${file}: the array's dtype is '${descr[2]}'; expected float32 or float64 ('<f4', '<f8', or big-endian '>f4', '>f8')`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dims.some((d) => !/^\d+L?$/.test(d))) throw malformed(file, `the shape (${shape[1]}) is not a tuple of non-negative integers`);
  return {
    bytes: Number(m[2]) as 4 | 8,
    // '=' is the writer's native order; numpy writes '<' or '>', and only a hand-made file has '='.
    littleEndian: m[1] === '<' || (m[1] === '=' && endianness() === 'LE'),
    fortranOrder: fortran[1] === 'True',
    shape: dims.map((d) => Number.parseInt(d, 10)),
    dataOffset,
  };
}

/** Parses the bytes of a .npy file (`file` names it in errors). */
export function parseNpy(buf: Buffer, file = 'the .npy data'): Matrix {
  const h = parseHeader(file, buf);
  if (h.shape.length === 0 || h.shape.length > 2)
    throw new RangeError(`${file}: the array has shape (${h.shape.join(', ')}); expected a 1-D (n) or 2-D (n, k) array`);
  const rows = h.shape[0];
  const cols = h.shape.length === 2 ? h.shape[1] : 1;
  const count = rows * cols;
  const need = count * h.bytes;
  const have = buf.length - h.dataOffset;
  if (have < need)
    throw malformed(file, `the header announces ${rows} x ${cols} ${h.bytes === 4 ? 'float32' : 'float64'} values (${need} bytes) but only ${have} bytes follow (truncated?)`);
  const data: FloatArray = h.bytes === 4 ? new Float32Array(count) : new Float64Array(count);
  const view = new DataView(buf.buffer, buf.byteOffset + h.dataOffset, need);
  const get = h.bytes === 4 ? (o: number) => view.getFloat32(o, h.littleEndian) : (o: number) => view.getFloat64(o, h.littleEndian);
  if (!h.fortranOrder || cols === 1 || rows === 1) {
    for (let e = 0; e < count; e++) data[e] = get(e * h.bytes);
  } else {
    // Fortran order stores column j contiguously: element (i, j) is at j * rows + i.
    for (let j = 0; j < cols; j++)
      for (let i = 0; i < rows; i++) data[i * cols + j] = get((j * rows + i) * h.bytes);
  }
  return { data, rows, cols };
}

/** Reads a .npy file of float32 or float64 values as a row-major Matrix of that dtype. A 1-D array
 * of length n becomes n x 1. Other dtypes: TypeError; a truncated file or one that is not .npy:
 * SpeclinError (code ERR_MALFORMED_FILE), each naming the file. */
export async function readNpy(path: string): Promise<Matrix> {
  if (typeof path !== 'string') throw new TypeError('readNpy(path): path must be a string');
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new SpeclinError('ERR_READ_FILE', `${path}: cannot read the file (${(err as Error).message})`);
  }
  return parseNpy(buf, path);
}

/** The bytes of a .npy file (version 1.0, or 2.0 if the header needs more than 65535 bytes) of a
 * row-major matrix, little-endian, in its dtype. */
export function formatNpy(matrix: Matrix): Buffer {
  checkMatrix(matrix);
  const { data, rows, cols } = matrix;
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  let major = 1;
  let pad = (ALIGN - ((10 + dict.length + 1) % ALIGN)) % ALIGN;
  if (dict.length + pad + 1 > 0xffff) {
    major = 2;
    pad = (ALIGN - ((12 + dict.length + 1) % ALIGN)) % ALIGN;
  }
  const header = Buffer.from(dict + ' '.repeat(pad) + '\n', 'latin1');
  const prefix = Buffer.alloc(major === 1 ? 10 : 12);
  MAGIC.copy(prefix, 0);
  prefix[6] = major;
  prefix[7] = 0;
  if (major === 1) prefix.writeUInt16LE(header.length, 8);
  else prefix.writeUInt32LE(header.length, 8);
  const body = Buffer.alloc(data.byteLength);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (data instanceof Float32Array) for (let e = 0; e < data.length; e++) view.setFloat32(e * 4, data[e], true);
  else for (let e = 0; e < data.length; e++) view.setFloat64(e * 8, data[e], true);
  return Buffer.concat([prefix, header, body]);
}

/** Writes a row-major Matrix (float32 or float64) as a .npy file that numpy.load reads as an
 * array of shape (rows, cols) and the matrix's dtype. */
export async function writeNpy(path: string, matrix: Matrix): Promise<void> {
  if (typeof path !== 'string') throw new TypeError('writeNpy(path, matrix): path must be a string');
  await writeFile(path, formatNpy(matrix));
}

function checkMatrix(m: Matrix): void {
  if (m === null || typeof m !== 'object' || !(m.data instanceof Float32Array || m.data instanceof Float64Array))
    throw new TypeError('writeNpy: matrix must be { data: Float32Array | Float64Array, rows, cols }');
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0)
    throw new RangeError(`writeNpy: rows and cols must be non-negative integers, got ${m.rows} x ${m.cols}`);
  if (m.data.length !== m.rows * m.cols)
    throw new RangeError(`writeNpy: data has ${m.data.length} elements, expected rows * cols = ${m.rows * m.cols}`);
}
