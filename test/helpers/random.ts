// Seeded random data for tests: the same seed gives the same matrices on every machine. The
// generators are the package's own (src/random.ts); only data comes from them, never a reference.
import { uniform, gaussian } from '../../src/random.js';

/** Floats in [0, 1) from a seed. */
export const rng = uniform;

/** Standard normal samples from a seed. */
export const normal = gaussian;
export { randomMatrix } from '../../src/random.js';
