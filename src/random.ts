// Seeded randomness for training: every draw in the loop, the sampler and the initializers comes
// from one of these generators, so a seed fixes the whole run.

/** mulberry32: 32 bits of state, fast, and statistically adequate for sampling and initialization.
 * Returns floats in [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller on a mulberry32 stream). */
export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => {
    const a = Math.max(u(), 1e-300);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

/** Derives independent-looking seeds for the parts of a run (sampler, initializer, probe split)
 * from one user seed, so that changing one part's consumption does not shift another's stream. */
export function childSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Int32Array {
  const u = uniform(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** A rows x cols matrix of standard normal draws times `scale` from a seed (benchmarks' and tests'
 * data: the same seed gives the same matrix on every machine). */
export function randomMatrix<T extends Float32Array | Float64Array>(
  ctor: { new (n: number): T },
  rows: number,
  cols: number,
  seed: number,
  scale = 1,
): { data: T; rows: number; cols: number } {
  const g = gaussian(seed);
  const data = new ctor(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = g() * scale;
  return { data, rows, cols };
}
