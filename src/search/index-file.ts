// The files of a saved index: a directory with index.json (a small versioned header), keys.npy
// (the keys in id order, readable by numpy.load) and, for ivf, centroids.npy. The inverted lists
// are not stored: loading reassigns each key to its nearest centroid, the same computation that
// built them, which is cheaper to keep right than a second format.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SpeclinError } from '../errors.js';
import { readNpy, writeNpy } from '../npy.js';
import type { Matrix } from '../types.js';

export const INDEX_FORMAT = 'speclin-index';
export const INDEX_VERSION = 1;

export interface IndexHeader {
  kind: 'flat' | 'ivf';
  metric: 'ip' | 'cosine';
  dtype: 'float32' | 'float64';
  dim: number;
  size: number;
  nlist?: number;
  nprobe?: number;
  iterations?: number;
  seed?: number;
}

export async function writeIndexFiles(dir: string, header: IndexHeader, keys: Matrix, centroids: Matrix | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeNpy(path.join(dir, 'keys.npy'), keys);
  if (centroids) await writeNpy(path.join(dir, 'centroids.npy'), centroids);
  // The header last: a directory whose write was interrupted has no valid header.
  await writeFile(path.join(dir, 'index.json'), `${JSON.stringify({ format: INDEX_FORMAT, version: INDEX_VERSION, ...header }, null, 2)}\n`);
}

function bad(file: string, message: string): SpeclinError {
  return new SpeclinError('ERR_MALFORMED_FILE', `${file}: ${message}`);
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function parseHeader(file: string, text: string): IndexHeader {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad(file, 'not JSON (truncated?); expected the header that SearchIndex.save writes');
  }
  if (h === null || typeof h !== 'object' || h.format !== INDEX_FORMAT)
    throw bad(file, `not a speclin index header (expected "format": "${INDEX_FORMAT}")`);
  if (h.version !== INDEX_VERSION)
    throw new SpeclinError('ERR_INDEX_VERSION', `${file}: index format version ${JSON.stringify(h.version)}; this speclin reads version ${INDEX_VERSION}`);
  if (h.kind !== 'flat' && h.kind !== 'ivf') throw bad(file, `"kind" must be "flat" or "ivf", got ${JSON.stringify(h.kind)}`);
  if (h.metric !== 'ip' && h.metric !== 'cosine') throw bad(file, `"metric" must be "ip" or "cosine", got ${JSON.stringify(h.metric)}`);
  if (h.dtype !== 'float32' && h.dtype !== 'float64') throw bad(file, `"dtype" must be "float32" or "float64", got ${JSON.stringify(h.dtype)}`);
  for (const key of h.kind === 'ivf' ? ['dim', 'size', 'nlist', 'nprobe'] : ['dim', 'size'])
    if (!positive(h[key])) throw bad(file, `"${key}" must be a positive integer, got ${JSON.stringify(h[key])}`);
  return h as unknown as IndexHeader;
}

async function readMatching(file: string, rows: number, cols: number, dtype: string): Promise<Matrix> {
  const m = await readNpy(file);
  const got = m.data instanceof Float32Array ? 'float32' : 'float64';
  if (m.rows !== rows || m.cols !== cols || got !== dtype)
    throw bad(file, `holds ${m.rows} x ${m.cols} ${got} values but index.json announces ${rows} x ${cols} ${dtype} (a file from another index?)`);
  return m;
}

export async function readIndexFiles(dir: string): Promise<{ header: IndexHeader; keys: Matrix; centroids?: Matrix }> {
  const file = path.join(dir, 'index.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpeclinError('ERR_READ_FILE', `${file}: cannot read the index header (${(err as Error).message}); expected a directory written by SearchIndex.save`);
  }
  const header = parseHeader(file, text);
  const keys = await readMatching(path.join(dir, 'keys.npy'), header.size, header.dim, header.dtype);
  if (header.kind === 'flat') return { header, keys };
  const centroids = await readMatching(path.join(dir, 'centroids.npy'), header.nlist!, header.dim, header.dtype);
  return { header, keys, centroids };
}
