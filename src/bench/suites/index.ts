// The suites that ship with the package, in the order `speclin bench` runs them.
import type { Suite } from '../harness.js';
import { eigs } from './eigs.js';
import { gram } from './gram.js';
import { loss } from './loss.js';
import { spmv } from './spmv.js';

export const shippedSuites: readonly Suite[] = [gram, loss, spmv, eigs];
