// The eigsh solver with its basis on a device (options.deviceBasis: the protocol the WebGPU
// backend answers in src/gpu/eigsh.ts), driven here by a float64 host double of that device
// (bench/lib/device-double.ts: a few lines per request kind, written from the protocol's
// description in native/core/eigsh.h, not from the GPU driver). Machines without a GPU run the
// shared solver's device side this way.
//
// References: numpy's dense eigenvalues and the host-basis solver on the same problems.
// Tolerances: the double works in float64, so the answers meet tol = 1e-10 (relative to ||A|| =
// 1) like the host solver, and eigenvalues agree with numpy to 1e-9 (a residual r bounds an
// isolated eigenvalue's error by r, and these spectra have gaps far above 1e-9).
import test from 'ava';
import { native } from '../src/native.js';
import type { NativeDeviceRequest, NativeEigshOptions, NativeEigshResult } from '../src/native-addon.js';
import { solveWithDeviceDouble } from '../bench/lib/device-double.js';
import { numpySymmetricEigenvalues } from './helpers/numpy.js';
import { normalizedAdjacency, random, union } from './helpers/graphs.js';
import { testNeeding } from './helpers/requirements.js';

const pyTest = testNeeding('python');

/** The dense symmetric M (n x n) solved with the basis on the host double. */
function solveOnDouble(M: Float64Array, n: number, options: NativeEigshOptions, beforeReply?: Parameters<typeof solveWithDeviceDouble>[4]) {
  const product = (x: Float64Array) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += M[i * n + p] * x[p];
      y[i] = s;
    }
    return y;
  };
  return solveWithDeviceDouble(n, product, options, Float64Array, beforeReply);
}

function maxResidual(M: Float64Array, n: number, r: NativeEigshResult): number {
  let worst = 0;
  for (let q = 0; q < r.cols; q++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let p = 0; p < n; p++) a += M[i * n + p] * r.vectors[p * r.cols + q];
      s += (a - r.values[q] * r.vectors[i * r.cols + q]) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(s));
  }
  return worst;
}

// Blocks of one vector see one copy of a repeated eigenvalue (a ring's doubles are missed), as the
// GPU documents: these spectra are simple.
pyTest('a device basis (blocks of 1, locking, restarts) finds the top eigenpairs as the host basis does', (t) => {
  for (const [name, g, k] of [['random 300', random(300, 0.03, 5), 6], ['random 400', random(400, 0.02, 11), 5]] as const) {
    const n = g.n;
    const M = normalizedAdjacency(g);
    const want = numpySymmetricEigenvalues(M, n).slice(0, k);
    const opts = { k, tol: 1e-10, blockSize: 1, seed: 3, normBound: 1, method: 'lanczos' };
    const { result: r, kinds } = solveOnDouble(M, n, opts);
    t.is(r.status, 'converged', name);
    t.deepEqual([...kinds].sort(), ['collect', 'extend', 'verify'], name);
    for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `${name}: value ${i}: ${r.values[i]} vs ${want[i]}`);
    t.true(maxResidual(M, n, r) <= 1e-10, name);
    // The host basis on the same problem: the same pairs (its own block and rounding).
    const host = native.eigshSync(native.denseOperator({ data: M, rows: n, cols: n }), { ...opts, blockSize: 2 });
    for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - host.values[i]) < 1e-9, `${name}: host value ${i}`);
    t.log(`${name}: device ${r.matvecs} products in ${r.iterations} steps; host (blocks of 2) ${host.matvecs}`);
  }
});

pyTest('a device basis locks known eigenvectors (lock request) and works in their complement', (t) => {
  const g = union(random(150, 0.06, 7), random(170, 0.05, 8));
  const n = g.n;
  const M = normalizedAdjacency(g);
  const want = numpySymmetricEigenvalues(M, n).slice(0, 5);
  // D^{1/2} 1_C per component, normalized: eigenvalue 1 twice.
  const deg = Array.from({ length: n }, (_, i) => g.A.subarray(i * n, (i + 1) * n).reduce((s, x) => s + x, 0));
  const defl = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) defl[i * 2 + (i < 150 ? 0 : 1)] = Math.sqrt(deg[i]);
  for (let q = 0; q < 2; q++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += defl[i * 2 + q] ** 2;
    for (let i = 0; i < n; i++) defl[i * 2 + q] /= Math.sqrt(s);
  }
  const { result: r, kinds } = solveOnDouble(M, n, { k: 5, tol: 1e-10, blockSize: 1, seed: 1, normBound: 1, deflate: defl });
  t.is(r.status, 'converged');
  t.true(kinds.has('lock'));
  for (let i = 0; i < 5; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-9, `value ${i}: ${r.values[i]} vs ${want[i]}`);
  t.true(maxResidual(M, n, r) <= 1e-10);
  // k <= c: the checked known vectors are the answer, no Lanczos step and no dense solve.
  const two = solveOnDouble(M, n, { k: 2, tol: 1e-10, blockSize: 1, normBound: 1, deflate: defl });
  t.deepEqual([two.result.status, two.result.iterations, two.result.matvecs], ['converged', 0, 2]);
});

test('a device basis: the dense path asks for products; a short run returns the converged pairs only; replies are checked', (t) => {
  const g = random(120, 0.08, 9);
  const n = g.n;
  const M = normalizedAdjacency(g);
  const dense = solveOnDouble(M, n, { k: 3, tol: 1e-10, normBound: 1 });
  t.deepEqual([...dense.kinds], ['product']);
  t.is(dense.result.status, 'converged');
  t.is(dense.result.matvecs, n);
  const short = solveOnDouble(M, n, { k: 4, tol: 1e-10, blockSize: 1, normBound: 1, method: 'lanczos', maxIterations: 3 });
  t.is(short.result.status, 'not-converged');
  t.true(short.result.cols < 4);
  // A reply of the wrong length or with a NaN is a RangeError; the host step refuses the solver.
  const solver = native.eigshSolverNew(n, { k: 2, blockSize: 1, method: 'lanczos', deviceBasis: true });
  const first = native.eigshDeviceStep(solver);
  t.is(first?.kind, 'extend');
  // From column 0 of a basis of max(2.5 k + 2 b, k + 4 b) = 7 (blocks of 1, k = 2): 7 steps to
  // fill it, answered by (1 + 1) + (2 + 1) + ... + (7 + 1) = 35 values.
  t.like(first, { column: 0, steps: 7, basis: 7 });
  t.throws(() => native.eigshSolverStep(solver), { instanceOf: TypeError, message: /keeps its basis on a device/ });
  t.throws(() => native.eigshDeviceStep(solver, new Float64Array(3)), { instanceOf: RangeError, message: /coefficients has 3 elements, expected 35/ });
  t.throws(() => native.eigshDeviceStep(solver, new Float64Array(35).fill(NaN)), { instanceOf: RangeError, message: /NaN/ });
  // Stopped before its vectors were collected: no pairs (they live on the device).
  t.like(native.eigshSolverResult(solver, true), { status: 'aborted', cols: 0 });
  const host = native.eigshSolverNew(n, { k: 2 });
  t.throws(() => native.eigshDeviceStep(host), { instanceOf: TypeError, message: /keeps its basis on the host/ });
  t.throws(() => native.eigshSolverNew(n, { k: 2, deviceBasis: 1 as unknown as boolean }), { instanceOf: TypeError, message: /deviceBasis must be a boolean/ });
});

// Hostile replies: before every true answer, junk of every kind (another type, the wrong length,
// a NaN or an infinity, a verify without its X) is a TypeError or RangeError that leaves the
// solver where it was: the solve then ends bit-identical to an undisturbed one.
test('a device basis: junk replies are refused without changing the solve', (t) => {
  const g = random(300, 0.03, 21);
  const M = normalizedAdjacency(g);
  const options = { k: 4, tol: 1e-10, blockSize: 1, seed: 2, normBound: 1, method: 'lanczos' };
  const clean = solveOnDouble(M, g.n, options).result;
  let refused = 0;
  const junk = (req: NativeDeviceRequest, solver: unknown, Y: Float64Array, X?: Float64Array) => {
    const step = native.eigshDeviceStep as (...args: unknown[]) => unknown;
    const nan = Y.slice();
    nan[Y.length >> 1] = Number.NaN;
    const inf = Y.slice();
    inf[0] = Number.POSITIVE_INFINITY;
    const tries: [unknown[], ErrorConstructor][] = [
      [[solver, Array.from(Y), X], TypeError],
      [[solver, new Float32Array(Y), X], TypeError],
      [[solver, new Float64Array(Y.length + 1), X], RangeError],
      [[{}, Y, X], TypeError],
    ];
    if (Y.length > 0) tries.push([[solver, Y.subarray(1), X], RangeError], [[solver, nan, X], RangeError], [[solver, inf, X], RangeError]);
    if (req.kind === 'verify') tries.push([[solver, Y], TypeError], [[solver, Y, X!.subarray(1)], RangeError]);
    for (const [args, type] of tries) {
      t.throws(() => step(...args), { instanceOf: type });
      refused++;
    }
  };
  const hostile = solveOnDouble(M, g.n, options, junk).result;
  t.true(refused > 50);
  t.is(hostile.status, 'converged');
  t.deepEqual([hostile.matvecs, hostile.iterations], [clean.matvecs, clean.iterations]);
  t.deepEqual(Array.from(hostile.values), Array.from(clean.values));
  t.deepEqual(Array.from(hostile.vectors), Array.from(clean.vectors));
});
