// The Gram family (gram, crossGram, innerGram; Sync and Promise forms) against a naive float64
// loop, on both micro-kernel paths, plus determinism, zero-copy views and every error case.
//
// Tolerance. Each output is a dot product of length k accumulated in the input's dtype. The
// reference is exact up to float64 rounding (the float32 inputs are exactly representable), so
// the error is the kernel's accumulation error, which we bound elementwise relative to the scale
// S_ij = sum_p |a_ip| |b_pj| (not to |C_ij|, which cancellation can make arbitrarily small):
//     |C_ij - ref_ij| <= 2 sqrt(k) eps S_ij.
// For k <= 16 this exceeds the deterministic worst case k u S_ij (u = eps / 2) of any summation
// order; for larger k the k rounding errors have random signs and their sum grows like sqrt(k)
// (observed maxima sit near 7 u S, well inside the bound even at k = 600). A wrong element
// (a skipped panel, a bad edge, a transposed tile) is off by O(S_ij), orders of magnitude more.
import test from 'ava';
import {
  crossGram,
  crossGramSync,
  getThreads,
  gram,
  gramSync,
  innerGram,
  innerGramSync,
  setKernelPath,
  setThreads,
  type Batch,
  type FloatArray,
  type Matrix,
} from '../src/index.js';
import { gemmKernel, setGemmAvx512 } from '../src/gram.js';
import { randomMatrix } from './helpers/random.js';
import { worstRatio } from './helpers/reference.js';

type Ctor = new (n: number) => FloatArray;
const dtypes: [string, Ctor, number][] = [
  ['float32', Float32Array, 2 ** -23],
  ['float64', Float64Array, 2 ** -52],
];

// Every test touches process-wide state (kernel path, threads) or compares bits, so they run one
// at a time.
const serial = test.serial;

/** Strided view of a batch of matrices: element (b, i, p) is data[b * sb + i * si + p * sp]. */
interface Strided { data: ArrayLike<number>; sb: number; si: number; sp: number }

/** out[b] = X[b] Y[b]^T (X[b] is m x k, Y[b] is n x k as strided views) in float64, with the
 * scale S of the tolerance. One loop serves Z Z^T, Z W^T and Z^T W. */
function reference(batch: number, m: number, n: number, k: number, X: Strided, Y: Strided): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  const x = X.data;
  const y = Y.data;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let a = 0;
        let xo = b * X.sb + i * X.si;
        let yo = b * Y.sb + j * Y.si;
        for (let p = 0; p < k; p++, xo += X.sp, yo += Y.sp) {
          const t = x[xo] * y[yo];
          s += t;
          a += Math.abs(t);
        }
        value[(b * m + i) * n + j] = s;
        scale[(b * m + i) * n + j] = a;
      }
  return { value, scale };
}

type Mat = Matrix & { batch?: number };
const rowsOf = (M: Mat): Strided => ({ data: M.data, sb: M.rows * M.cols, si: M.cols, sp: 1 });
const colsOf = (M: Mat): Strided => ({ data: M.data, sb: M.rows * M.cols, si: 1, sp: M.cols });
const refGram = (Z: Mat) => reference(Z.batch ?? 1, Z.rows, Z.rows, Z.cols, rowsOf(Z), rowsOf(Z));
const refCross = (Z: Mat, W: Mat) => reference(Z.batch ?? 1, Z.rows, W.rows, Z.cols, rowsOf(Z), rowsOf(W));
const refInner = (Z: Mat, W: Mat) => reference(Z.batch ?? 1, Z.cols, W.cols, Z.rows, colsOf(Z), colsOf(W));

/** Largest |got - ref| / (2 sqrt(k) eps S) over all elements: <= 1 passes. S = 0 only when a row
 * or column is all zeros; then the result must be exactly 0. */
function gramRatio(got: FloatArray, ref: { value: Float64Array; scale: Float64Array }, k: number, eps: number): number {
  const bound = 2 * Math.sqrt(k) * eps;
  return worstRatio(got, ref.value, (i) => bound * ref.scale[i]);
}

function batchOf<T extends FloatArray>(ctor: { new (n: number): T }, batch: number, rows: number, cols: number, seed: number): Batch<T> {
  const m = randomMatrix(ctor, batch * rows, cols, seed);
  return { data: m.data, rows, cols, batch };
}

type Kernel = 'avx512' | 'avx2' | 'portable';

/** Runs fn on each micro-kernel family this CPU has (AVX-512, AVX2, portable), restoring
 * automatic selection after. */
function onEachPath(fn: (kernel: Kernel) => void): void {
  const kernels = availableKernels();
  try {
    for (const k of kernels) {
      useKernel(k);
      fn(k);
    }
  } finally {
    useKernel('auto');
  }
}

function availableKernels(): Kernel[] {
  useKernel('auto');
  const best = gemmKernel();
  return best === 'avx512' ? ['avx512', 'avx2', 'portable'] : best === 'avx2' ? ['avx2', 'portable'] : ['portable'];
}

function useKernel(k: Kernel | 'auto'): void {
  setGemmAvx512(k !== 'avx2');
  setKernelPath(k === 'auto' ? 'auto' : k === 'portable' ? 'portable' : 'avx2');
  if (k !== 'auto' && gemmKernel() !== k) throw new Error(`could not select the ${k} kernels`);
}

// Shapes cross every blocking boundary: micro-tiles (6 x 16, 4 x 8), kc = 256 (k = 257, 300),
// mc (144, 128 rows), and nc = 3072 columns (3100), with 1 and primes for ragged edges.
const gramShapes: [number, number][] = [
  [1, 1], [1, 7], [7, 1], [7, 17], [17, 33], [33, 7], [255, 33], [257, 257], [1000, 17], [300, 300], [3100, 3],
];
const crossShapes: [number, number, number][] = [
  [1, 1, 1], [7, 17, 33], [17, 7, 1], [33, 255, 7], [255, 33, 257], [257, 257, 300], [1000, 33, 17],
  [7, 3100, 5], [100, 1000, 64],
];
// innerGram's results up to 256 x 256 go through the tall-skinny kernels (rows split into parts
// of 512 or more, W^T Z when W is much narrower); larger ones through the packed GEMM.
const innerShapes: [number, number, number][] = [
  [1, 1, 1], [7, 17, 33], [33, 1, 7], [257, 33, 17], [1000, 17, 33], [300, 257, 255], [17, 300, 7],
  [5000, 37, 2], [2100, 2, 37], [1100, 128, 128],
];

for (const [name, ctor, eps] of dtypes) {
  serial(`gramSync matches the float64 loop (${name}, every kernel family)`, (t) => {
    for (const [rows, cols] of gramShapes) {
      const Z = randomMatrix(ctor, rows, cols, rows * 1009 + cols);
      const ref = refGram(Z);
      onEachPath((path) => {
        const out = gramSync(Z);
        t.is(out.rows, rows);
        t.is(out.cols, rows);
        t.true(out.data instanceof ctor);
        const r = gramRatio(out.data, ref, cols, eps);
        t.true(r <= 1, `${path} ${rows}x${cols}: error ${r.toFixed(2)} x tolerance`);
      });
    }
  });

  serial(`crossGramSync matches the float64 loop (${name}, every kernel family)`, (t) => {
    for (const [m, n, k] of crossShapes) {
      const Z = randomMatrix(ctor, m, k, m * 31 + k);
      const W = randomMatrix(ctor, n, k, n * 37 + k + 1);
      const ref = refCross(Z, W);
      onEachPath((path) => {
        const out = crossGramSync(Z, W);
        t.deepEqual([out.rows, out.cols], [m, n]);
        const r = gramRatio(out.data, ref, k, eps);
        t.true(r <= 1, `${path} ${m}x${k} . (${n}x${k})^T: error ${r.toFixed(2)} x tolerance`);
      });
    }
  });

  serial(`innerGramSync matches the float64 loop (${name}, every kernel family)`, (t) => {
    for (const [r, kz, kw] of innerShapes) {
      const Z = randomMatrix(ctor, r, kz, r * 7 + kz);
      const W = randomMatrix(ctor, r, kw, r * 11 + kw + 3);
      const ref = refInner(Z, W);
      const refSelf = refInner(Z, Z);
      onEachPath((path) => {
        const out = innerGramSync(Z, W);
        t.deepEqual([out.rows, out.cols], [kz, kw]);
        const e = gramRatio(out.data, ref, r, eps);
        t.true(e <= 1, `${path} (${r}x${kz})^T ${r}x${kw}: error ${e.toFixed(2)} x tolerance`);
        const self = innerGramSync(Z, Z);
        const es = gramRatio(self.data, refSelf, r, eps);
        t.true(es <= 1, `${path} Z^T Z, Z ${r}x${kz}: error ${es.toFixed(2)} x tolerance`);
      });
    }
  });

  serial(`batched forms match the float64 loop, including 1024 products of 64x32 (${name})`, (t) => {
    for (const [batch, rows, cols, wrows] of [[3, 17, 33, 7], [5, 1, 1, 1], [2, 257, 300, 9], [1024, 64, 32, 64]]) {
      const Z = batchOf(ctor, batch, rows, cols, batch + rows);
      const W = batchOf(ctor, batch, wrows, cols, batch + wrows + 99);
      const V = batchOf(ctor, batch, rows, wrows, batch * 3 + 1);
      const refC = refCross(Z, W);
      // The large batch is the benchmark's Z W^T; the other products of it add little.
      const refG = batch > 100 ? null : refGram(Z);
      const refI = batch > 100 ? null : refInner(Z, V);
      onEachPath((path) => {
        const c = crossGramSync(Z, W);
        t.deepEqual([c.batch, c.rows, c.cols], [batch, rows, wrows]);
        t.true(gramRatio(c.data, refC, cols, eps) <= 1, `${path} crossGram batch ${batch}x${rows}x${cols}`);
        if (!refG || !refI) return;
        const g = gramSync(Z);
        t.deepEqual([g.batch, g.rows, g.cols], [batch, rows, rows]);
        t.true(gramRatio(g.data, refG, cols, eps) <= 1, `${path} gram batch ${batch}x${rows}x${cols}`);
        const inner = innerGramSync(Z, V);
        t.deepEqual([inner.batch, inner.rows, inner.cols], [batch, cols, wrows]);
        t.true(gramRatio(inner.data, refI, rows, eps) <= 1, `${path} innerGram batch ${batch}x${rows}`);
      });
    }
  });

  serial(`the AVX-512, AVX2 and portable kernels agree within twice the tolerance (${name})`, (t) => {
    const kernels = availableKernels();
    if (kernels.length === 1) {
      // Nothing to compare on this CPU; forcing AVX2 must then be refused, not crash.
      t.throws(() => setKernelPath('avx2'), { instanceOf: RangeError });
      return;
    }
    const Z = randomMatrix(ctor, 257, 300, 5);
    const W = randomMatrix(ctor, 255, 300, 6);
    const ref = refCross(Z, W);
    const results = new Map<Kernel, FloatArray>();
    try {
      for (const k of kernels) {
        useKernel(k);
        results.set(k, crossGramSync(Z, W).data);
      }
    } finally {
      useKernel('auto');
    }
    const portable = results.get('portable')!;
    for (const k of kernels.filter((x) => x !== 'portable')) {
      const got = results.get(k)!;
      // Each is within 1 x tolerance of the reference, so they are within 2 x of each other.
      const diff = { value: new Float64Array(portable), scale: new Float64Array(ref.scale.map((s) => 2 * s)) };
      t.true(gramRatio(got, diff, 300, eps) <= 1, k);
      // FMA (one rounding) against multiply-then-add (two): really different kernels ran.
      t.notDeepEqual(got, portable, k);
    }
  });
}

serial('gram and innerGram(Z, Z) are exactly symmetric (one triangle computed, then mirrored)', (t) => {
  onEachPath((path) => {
    for (const ctor of [Float32Array, Float64Array] as Ctor[]) {
      const Z = randomMatrix(ctor, 301, 37, 3);
      for (const [name, out, n] of [
        ['gram', gramSync(Z), 301],
        ['innerGram(Z, Z)', innerGramSync(Z, Z), 37],
      ] as const) {
        let asym = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < i; j++) if (out.data[i * n + j] !== out.data[j * n + i]) asym++;
        t.is(asym, 0, `${path} ${name}: ${asym} pairs differ`);
      }
    }
  });
});

serial('innerGram(Z, Z) takes the one-triangle path and agrees with innerGram(Z, copy of Z)', (t) => {
  const Z = randomMatrix(Float64Array, 500, 70, 8);
  const same = innerGramSync(Z, Z);
  const copy = innerGramSync(Z, { data: Z.data.slice(), rows: Z.rows, cols: Z.cols });
  t.true(gramRatio(same.data, { value: new Float64Array(copy.data), scale: refInner(Z, Z).scale.map((s) => 2 * s) }, 500, 2 ** -52) <= 1);
});

serial('results are bit-identical across repeated calls and thread counts', (t) => {
  const initial = getThreads();
  const Z = randomMatrix(Float32Array, 700, 300, 11);
  const W = randomMatrix(Float32Array, 650, 300, 12);
  // Tall-skinny innerGram: 6000 rows are 11 parts, whatever the thread count.
  const T = randomMatrix(Float32Array, 6000, 96, 13);
  const U = randomMatrix(Float32Array, 6000, 40, 14);
  try {
    setThreads(1);
    const c1 = crossGramSync(Z, W);
    const g1 = gramSync(Z);
    const i1 = innerGramSync(T, U);
    const s1 = innerGramSync(T, T);
    setThreads(0);
    const c2 = crossGramSync(Z, W);
    const g2 = gramSync(Z);
    const c3 = crossGramSync(Z, W);
    const i2 = innerGramSync(T, U);
    setThreads(3);
    const g3 = gramSync(Z);
    const i3 = innerGramSync(T, U);
    const s3 = innerGramSync(T, T);
    t.deepEqual(c1.data, c2.data);
    t.deepEqual(c2.data, c3.data);
    t.deepEqual(g1.data, g2.data);
    t.deepEqual(g1.data, g3.data);
    t.deepEqual(i1.data, i2.data);
    t.deepEqual(i1.data, i3.data);
    t.deepEqual(s1.data, s3.data);
  } finally {
    setThreads(0);
  }
  t.is(getThreads(), initial);
});

serial('Promise forms give the same bits as the Sync forms', async (t) => {
  const Z = randomMatrix(Float64Array, 130, 40, 21);
  const W = randomMatrix(Float64Array, 90, 40, 22);
  const V = randomMatrix(Float64Array, 130, 9, 23);
  t.deepEqual((await gram(Z)).data, gramSync(Z).data);
  t.deepEqual((await crossGram(Z, W)).data, crossGramSync(Z, W).data);
  t.deepEqual((await innerGram(Z, V)).data, innerGramSync(Z, V).data);
  t.deepEqual((await innerGram(Z, Z)).data, innerGramSync(Z, Z).data);
  const B = batchOf(Float32Array, 4, 10, 6, 24);
  const gb = await gram(B);
  t.is(gb.batch, 4);
  t.deepEqual(gb.data, gramSync(B).data);
});

serial('the Promise form copies its inputs: changing them after the call does not change the result', async (t) => {
  const Z = randomMatrix(Float32Array, 200, 64, 31);
  const expected = gramSync(Z).data;
  const pending = gram(Z);
  Z.data.fill(Number.NaN);
  t.deepEqual((await pending).data, expected);
});

serial('subarray views with a byteOffset are read in place, at any alignment', (t) => {
  for (const ctor of [Float32Array, Float64Array] as Ctor[]) {
    const Z = randomMatrix(ctor, 37, 29, 41);
    const W = randomMatrix(ctor, 23, 29, 42);
    for (const offset of [1, 3, 8]) {
      const big = new ctor(Z.data.length + W.data.length + 2 * offset);
      big.fill(Number.NaN);  // anything read outside the views would poison the result
      const zv = big.subarray(offset, offset + Z.data.length);
      zv.set(Z.data);
      const wv = big.subarray(2 * offset + Z.data.length, 2 * offset + Z.data.length + W.data.length);
      wv.set(W.data);
      t.true(zv.byteOffset > 0);
      const Zv = { data: zv, rows: 37, cols: 29 };
      const Wv = { data: wv, rows: 23, cols: 29 };
      t.deepEqual(crossGramSync(Zv, Wv).data, crossGramSync(Z, W).data);
      t.deepEqual(gramSync(Zv).data, gramSync(Z).data);
      t.deepEqual(innerGramSync(Zv, Zv).data, innerGramSync(Z, Z).data);
    }
  }
});

serial('NaN and Infinity propagate to exactly the outputs that read them', (t) => {
  onEachPath((path) => {
    for (const ctor of [Float32Array, Float64Array] as Ctor[]) {
      const Z = randomMatrix(ctor, 20, 9, 51);
      const W = randomMatrix(ctor, 19, 9, 52);
      Z.data[3 * 9 + 4] = Number.NaN;  // row 3 of Z
      W.data[7 * 9 + 0] = Number.POSITIVE_INFINITY;  // row 7 of W
      const c = crossGramSync(Z, W).data;
      const g = gramSync(Z).data;
      for (let i = 0; i < 20; i++)
        for (let j = 0; j < 19; j++) {
          const v = c[i * 19 + j];
          if (i === 3) t.true(Number.isNaN(v), `${path} cross (${i},${j})`);
          else if (j === 7) t.false(Number.isFinite(v), `${path} cross (${i},${j})`);
          else t.true(Number.isFinite(v), `${path} cross (${i},${j})`);
        }
      for (let i = 0; i < 20; i++)
        for (let j = 0; j < 20; j++)
          t.is(Number.isNaN(g[i * 20 + j]), i === 3 || j === 3, `${path} gram (${i},${j})`);
    }
  });
});

// ---- bad input ------------------------------------------------------------------------------

const goodZ = () => randomMatrix(Float32Array, 4, 3, 1);

serial('wrong types are TypeErrors naming the argument', async (t) => {
  const Z = goodZ();
  const bad: [string, () => unknown, RegExp][] = [
    ['missing Z', () => (gramSync as any)(), /Z must be a Matrix/],
    ['Z a typed array', () => gramSync(Z.data as any), /Z must be a Matrix/],
    ['Z null', () => gramSync(null as any), /Z must be a Matrix/],
    ['Z.data a plain array', () => gramSync({ ...Z, data: [1, 2] as any }), /Z\.data must be a Float32Array or Float64Array/],
    ['Z.data an Int32Array', () => gramSync({ ...Z, data: new Int32Array(12) as any }), /Z\.data must be/],
    ['Z.rows a string', () => gramSync({ ...Z, rows: '4' as any }), /Z\.rows must be a number/],
    ['missing W', () => (crossGramSync as any)(Z), /W must be a Matrix/],
    ['W a number', () => crossGramSync(Z, 3 as any), /W must be a Matrix/],
    ['W.cols undefined', () => innerGramSync(Z, { data: Z.data, rows: 4 } as any), /W\.cols must be a number/],
    ['mixed dtypes', () => crossGramSync(Z, { data: new Float64Array(6), rows: 2, cols: 3 } as any), /Z is float32 but W is float64/],
  ];
  for (const [what, call, message] of bad) t.throws(call, { instanceOf: TypeError, message }, what);
  await t.throwsAsync(gram(null as any), { instanceOf: TypeError, message: /Z must be a Matrix/ });
  await t.throwsAsync(crossGram(Z, { data: new Float64Array(3), rows: 1, cols: 3 } as any), { instanceOf: TypeError, message: /both must have the same dtype/ });
});

serial('bad shapes and sizes are RangeErrors naming the argument and what was expected', async (t) => {
  const Z = goodZ();
  const bad: [string, () => unknown, RegExp][] = [
    ['rows*cols != length', () => gramSync({ ...Z, rows: 5 }), /Z\.data has 12 elements but 5 x 3 = 15 were expected/],
    ['batch*rows*cols != length', () => gramSync({ ...Z, batch: 2 }), /Z\.data has 12 elements but 2 x 4 x 3 = 24 were expected/],
    ['zero rows', () => gramSync({ data: new Float32Array(0), rows: 0, cols: 3 }), /Z must have at least one row and one column, got 0 x 3/],
    ['zero cols', () => crossGramSync(Z, { data: new Float32Array(0), rows: 2, cols: 0 }), /W must have at least one row and one column/],
    ['zero batch', () => gramSync({ data: new Float32Array(0), rows: 4, cols: 3, batch: 0 }), /Z\.batch must be at least 1/],
    ['negative rows', () => gramSync({ ...Z, rows: -4 }), /Z\.rows must be a non-negative integer/],
    ['fractional cols', () => gramSync({ ...Z, cols: 2.5 }), /Z\.cols must be a non-negative integer/],
    ['NaN rows', () => gramSync({ ...Z, rows: Number.NaN }), /Z\.rows must be a non-negative integer/],
    ['crossGram column mismatch', () => crossGramSync(Z, randomMatrix(Float32Array, 4, 5, 2)), /crossGram: Z has 3 columns but W has 5/],
    ['innerGram row mismatch', () => innerGramSync(Z, randomMatrix(Float32Array, 5, 3, 2)), /innerGram: Z has 4 rows but W has 5/],
    ['batch mismatch', () => crossGramSync({ ...batchOf(Float32Array, 2, 4, 3, 1) }, { ...batchOf(Float32Array, 3, 4, 3, 2) }), /Z has batch 2 but W has batch 3/],
  ];
  for (const [what, call, message] of bad) t.throws(call, { instanceOf: RangeError, message }, what);
  await t.throwsAsync(innerGram(Z, randomMatrix(Float32Array, 5, 3, 2)), { instanceOf: RangeError, message: /Z has 4 rows but W has 5/ });
});

serial('a result larger than a typed array can hold is a RangeError, before any allocation', async (t) => {
  // 70000 x 70000 float64 = 39 GB of output from a 560 kB input; 2^17 x 2^17 float32 is 2^34
  // elements. Both forms must refuse without trying to allocate (a Promise form that allocated
  // natively first would exhaust memory instead).
  const tall64 = { data: new Float64Array(70000), rows: 70000, cols: 1 };
  const tall32 = { data: new Float32Array(2 ** 17), rows: 2 ** 17, cols: 1 };
  t.throws(() => gramSync(tall64), { instanceOf: RangeError, message: /gram: the result would be 70000 x 70000 float64 .*more than a typed array can hold/ });
  t.throws(() => crossGramSync(tall32, tall32), { instanceOf: RangeError, message: /crossGram: the result would be 131072 x 131072 float32/ });
  await t.throwsAsync(gram(tall64), { instanceOf: RangeError, message: /more than a typed array can hold/ });
  const wide = { data: new Float32Array(2 ** 17), rows: 1, cols: 2 ** 17 };
  await t.throwsAsync(innerGram(wide, wide), { instanceOf: RangeError, message: /innerGram: the result would be 131072 x 131072/ });
  // The process is still healthy.
  t.is(gramSync(goodZ()).rows, 4);
});

test('options.out: the Sync forms write into the caller\'s memory, with the bits of a new result', (t) => {
  for (const Ctor of [Float32Array, Float64Array] as { new (n: number): FloatArray }[]) {
    const Z = randomMatrix<FloatArray>(Ctor, 70, 19, 5);
    const W = randomMatrix<FloatArray>(Ctor, 45, 19, 6);
    const V = randomMatrix<FloatArray>(Ctor, 70, 23, 7);
    const cases: [string, () => Matrix<FloatArray>, (out: Matrix<FloatArray>) => Matrix<FloatArray>, number, number][] = [
      ['gramSync', () => gramSync(Z), (out) => gramSync(Z, { out }), 70, 70],
      ['crossGramSync', () => crossGramSync(Z, W), (out) => crossGramSync(Z, W, { out }), 70, 45],
      ['innerGramSync', () => innerGramSync(Z, V), (out) => innerGramSync(Z, V, { out }), 19, 23],
      ['innerGramSync (Z, Z)', () => innerGramSync(Z, Z), (out) => innerGramSync(Z, Z, { out }), 19, 19],
    ];
    for (const [name, fresh, into, rows, cols] of cases) {
      const expected = fresh();
      // A view at an odd offset of a NaN-filled buffer: every element written, nothing around it.
      const backing: FloatArray = new Ctor(rows * cols + 10).fill(NaN);
      const out = { data: backing.subarray(3, 3 + rows * cols), rows, cols };
      const r = into(out);
      t.is(r.data, out.data, `${name}: the result holds the caller's array`);
      t.deepEqual(Array.from(out.data), Array.from(expected.data), `${name} ${Ctor.name}`);
      t.true(Number.isNaN(backing[2]) && Number.isNaN(backing[3 + rows * cols]), `${name}: nothing outside the view written`);
    }
  }
  // A batch into a Batch.
  const Zb = { ...randomMatrix(Float32Array, 3 * 8, 5, 9), rows: 8, batch: 3 };
  const expected = gramSync(Zb);
  const out = { data: new Float32Array(3 * 64), rows: 8, cols: 8, batch: 3 };
  const r = gramSync(Zb, { out });
  t.is(r.data, out.data);
  t.is((r as Batch<Float32Array>).batch, 3);
  t.deepEqual(out.data, expected.data);
});

test('options.out: wrong dtype, shape or shared memory is named, and nothing is written', (t) => {
  const Z = randomMatrix(Float32Array, 12, 4, 1);
  const W = randomMatrix(Float32Array, 10, 4, 2);
  t.throws(() => gramSync(Z, 5 as never), { instanceOf: TypeError, message: /gramSync: options must be an object/ });
  t.throws(() => gramSync(Z, { out: new Float32Array(144) as never }), { instanceOf: TypeError, message: /options\.out must be a Matrix/ });
  t.throws(() => gramSync(Z, { out: { data: new Float64Array(144), rows: 12, cols: 12 } as never }), { instanceOf: TypeError, message: /gram: options\.out is float64 but the inputs are float32/ });
  t.throws(() => crossGramSync(Z, W, { out: { data: new Float32Array(144), rows: 12, cols: 12 } }), { instanceOf: RangeError, message: /crossGram: options\.out is 12 x 12 but the result is 12 x 10/ });
  const big = new Float32Array(200);
  const Zin = { data: big.subarray(0, 48), rows: 12, cols: 4 };
  const untouched = Float32Array.from(big);
  t.throws(() => gramSync(Zin, { out: { data: big.subarray(40, 184), rows: 12, cols: 12 } }), { instanceOf: RangeError, message: /gram: options\.out shares memory with an input/ });
  const Win = { data: big.subarray(0, 40), rows: 10, cols: 4 };
  t.throws(() => innerGramSync(W, Win, { out: { data: big.subarray(36, 52), rows: 4, cols: 4 } }), { instanceOf: RangeError, message: /innerGram: options\.out shares memory with an input/ });
  t.deepEqual(big, untouched, 'refused calls write nothing');
});
