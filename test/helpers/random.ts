// Seeded random data for tests: the same seed gives the same matrices on every machine. The
// generators are the package's own (src/random.ts); only data comes from them, never a reference.
import { uniform, gaussian } from '../../src/random.js';
import type { FloatArray, Matrix } from '../../src/types.js';

/** Floats in [0, 1) from a seed. */
export const rng = uniform;

/** Standard normal samples from a seed. */
export const normal = gaussian;
export function randomMatrix<T extends FloatArray>(
  ctor: { new (n: number): T },
  rows: number,
  cols: number,
  seed: number,
  scale = 1,
): Matrix<T> {
  const g = normal(seed);
  const data = new ctor(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = g() * scale;
  return { data, rows, cols };
}
