// Seeded random data for tests: the same seed gives the same matrices on every machine.
import type { FloatArray, Matrix } from '../../src/types.js';

/** mulberry32: small, fast, and good enough for test data. Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller). */
export function normal(seed: number): () => number {
  const u = rng(seed);
  return () => {
    const a = Math.max(u(), 1e-300);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

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
