// spectralLoss against an independent float64 implementation written below from the reference
// code's definition (HaoChen et al. 2021, D(z1, z2, mu)), finite differences, the closed-form
// optimum of two small constructions, and the error contract.
import test from 'ava';
import { spectralLoss, spectralLossSync, setThreads, getThreads } from '../src/index.js';
import type { FloatArray, Matrix } from '../src/index.js';
import { normal, randomMatrix } from './helpers/random.js';
import { worstRatio } from './helpers/reference.js';

const U32 = 2 ** -24; // unit roundoff of float32
const U64 = 2 ** -53;

interface Reference {
  loss: number;
  positive: number;
  negative: number;
  gradZ: Float64Array;
  gradW: Float64Array;
  /** The same gradient formula with every term replaced by its absolute value: the scale that
   * bounds the rounding error of a computed gradient entry. */
  gradZMag: Float64Array;
  gradWMag: Float64Array;
  /** c * sum_{all i,j} ||ẑ_i||^2 ||ŵ_j||^2 / mu: bounds |negative| and its rounding error. */
  negativeScale: number;
}

/** Naive float64 loss and gradient: materializes S = Ẑ Ŵ^T, loops over every pair. */
function reference(
  Z: Matrix, W: Matrix,
  opts: { mu?: number; negatives?: 'offdiagonal' | 'all' } = {},
): Reference {
  const B = Z.rows;
  const k = Z.cols;
  const clip = opts.mu !== undefined;
  const mu = opts.mu ?? 1;
  const s = Math.sqrt(mu);
  const off = (opts.negatives ?? 'offdiagonal') === 'offdiagonal';
  const c = off ? 1 / (B * (B - 1)) : 1 / (B * B);
  // Clip as the reference does: keep a row only if its norm is strictly below sqrt(mu).
  const clipRows = (X: Matrix) => {
    const Xh = new Float64Array(B * k);
    const norms = new Float64Array(B);
    const clipped: boolean[] = [];
    for (let i = 0; i < B; i++) {
      let n2 = 0;
      for (let j = 0; j < k; j++) n2 += X.data[i * k + j] ** 2;
      const n = Math.sqrt(n2);
      norms[i] = n;
      clipped[i] = clip && !(n < s);
      for (let j = 0; j < k; j++) Xh[i * k + j] = clipped[i] ? (X.data[i * k + j] / n) * s : X.data[i * k + j];
    }
    return { Xh, norms, clipped };
  };
  const z = clipRows(Z);
  const w = clipRows(W);
  const S = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let d = 0;
      for (let p = 0; p < k; p++) d += z.Xh[i * k + p] * w.Xh[j * k + p];
      S[i * B + j] = d;
    }
  let pos = 0;
  for (let i = 0; i < B; i++) pos += S[i * B + i];
  let neg = 0;
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) if (!(off && i === j)) neg += S[i * B + j] ** 2;
  const positive = (-2 / B) * pos / mu;
  const negative = (c * neg) / mu;
  let sz = 0, sw = 0;
  for (let i = 0; i < B * k; i++) {
    sz += z.Xh[i] ** 2;
    sw += w.Xh[i] ** 2;
  }
  // dL/dẑ_i = (1/mu)(-(2/B) ŵ_i + 2c sum_{j in N(i)} S_ij ŵ_j), and symmetrically for ŵ_j.
  const gZh = new Float64Array(B * k), gWh = new Float64Array(B * k);
  const mZh = new Float64Array(B * k), mWh = new Float64Array(B * k);
  for (let i = 0; i < B; i++)
    for (let p = 0; p < k; p++) {
      let gz = (-2 / B) * w.Xh[i * k + p], mz = Math.abs(gz);
      let gw = (-2 / B) * z.Xh[i * k + p], mw = Math.abs(gw);
      for (let j = 0; j < B; j++) {
        if (off && i === j) continue;
        gz += 2 * c * S[i * B + j] * w.Xh[j * k + p];
        mz += 2 * c * Math.abs(S[i * B + j] * w.Xh[j * k + p]);
        gw += 2 * c * S[j * B + i] * z.Xh[j * k + p];
        mw += 2 * c * Math.abs(S[j * B + i] * z.Xh[j * k + p]);
      }
      gZh[i * k + p] = gz / mu; mZh[i * k + p] = mz / mu;
      gWh[i * k + p] = gw / mu; mWh[i * k + p] = mw / mu;
    }
  // Chain rule through x -> s x/||x||: the Jacobian (s/||x||)(I - u u^T), u = x/||x||.
  const back = (X: Matrix, r: typeof z, g: Float64Array, m: Float64Array) => {
    const out = new Float64Array(B * k), mag = new Float64Array(B * k);
    for (let i = 0; i < B; i++) {
      if (!r.clipped[i]) {
        for (let p = 0; p < k; p++) { out[i * k + p] = g[i * k + p]; mag[i * k + p] = m[i * k + p]; }
        continue;
      }
      const n = r.norms[i];
      let ug = 0, um = 0;
      for (let p = 0; p < k; p++) {
        ug += (X.data[i * k + p] / n) * g[i * k + p];
        um += Math.abs(X.data[i * k + p] / n) * m[i * k + p];
      }
      for (let p = 0; p < k; p++) {
        const u = X.data[i * k + p] / n;
        out[i * k + p] = (s / n) * (g[i * k + p] - u * ug);
        mag[i * k + p] = (s / n) * (m[i * k + p] + Math.abs(u) * um);
      }
    }
    return { out, mag };
  };
  const gz = back(Z, z, gZh, mZh);
  const gw = back(W, w, gWh, mWh);
  return {
    loss: positive + negative, positive, negative,
    gradZ: gz.out, gradW: gw.out, gradZMag: gz.mag, gradWMag: gw.mag,
    negativeScale: (c * sz * sw) / mu,
  };
}

/** Random pairs with correlated partners (w_i near z_i), row norms spread over [0.3, 3] so that
 * clipping at mu = 1 is active on some rows and not on others. */
function pairs<T extends FloatArray>(ctor: { new (n: number): T }, B: number, k: number, seed: number) {
  const Z = randomMatrix<T>(ctor, B, k, seed);
  const W = randomMatrix<T>(ctor, B, k, seed + 1);
  const g = normal(seed + 2);
  for (let i = 0; i < B; i++) {
    const target = 0.3 + 2.7 * Math.abs(Math.sin(1 + i * 0.7 + g()));
    for (const X of [Z, W]) {
      let n2 = 0;
      for (let j = 0; j < k; j++) n2 += X.data[i * k + j] ** 2;
      const f = target / Math.sqrt(n2);
      for (let j = 0; j < k; j++) X.data[i * k + j] *= f;
    }
    for (let j = 0; j < k; j++) W.data[i * k + j] = 0.6 * Z.data[i * k + j] + 0.4 * W.data[i * k + j];
  }
  return { Z, W };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
// ---- float64: agreement with the naive implementation, both algorithms ---------------------

const shapes64: [number, number][] = [[2, 1], [3, 5], [17, 33], [64, 512], [300, 7], [129, 257], [1000, 2]];
for (const [B, k] of shapes64)
  for (const negatives of ['offdiagonal', 'all'] as const)
    test(`float64 B=${B} k=${k} ${negatives}, mu clipping on some rows: both algorithms match the naive reference`, (t) => {
      const { Z, W } = pairs(Float64Array, B, k, B * 1000 + k);
      const ref = reference(Z, W, { mu: 1, negatives });
      for (const algorithm of ['gram', 'pairwise'] as const) {
        const r = spectralLossSync(Z, W, { mu: 1, negatives, algorithm });
        t.is(r.algorithm, algorithm);
        if (B >= 17) t.true(r.clippedZ > 0 && r.clippedZ < B, 'clipping is active on some rows only');
        // float64 throughout: rounding errors are ~ n u relative to the absolute-value scales
        // (n <= 2(B + k)); 1e-12 leaves a wide margin yet catches any wrong term or coefficient.
        const tol = 1e-12;
        t.true(Math.abs(r.positive - ref.positive) <= tol * Math.abs(ref.positive), `${algorithm} positive`);
        t.true(Math.abs(r.negative - ref.negative) <= tol * ref.negativeScale, `${algorithm} negative`);
        t.true(Math.abs(r.loss - (r.positive + r.negative)) === 0);
        t.true(worstRatio(r.gradZ.data, ref.gradZ, (i) => tol * (ref.gradZMag[i] + 1e-300)) <= 1, `${algorithm} gradZ`);
        t.true(worstRatio(r.gradW.data, ref.gradW, (i) => tol * (ref.gradWMag[i] + 1e-300)) <= 1, `${algorithm} gradW`);
      }
    });

test('float64 without mu: no clipping, no division', (t) => {
  const { Z, W } = pairs(Float64Array, 40, 9, 7);
  const ref = reference(Z, W);
  const r = spectralLossSync(Z, W);
  t.is(r.clippedZ, 0);
  t.true(Math.abs(r.loss - ref.loss) <= 1e-12 * (Math.abs(ref.positive) + ref.negativeScale));
  t.true(maxAbsDiff(r.gradZ.data, ref.gradZ) <= 1e-12 * maxAbs(ref.gradZMag));
  // mu scales: with mu large enough to clip nothing, everything is divided by mu.
  const big = spectralLossSync(Z, W, { mu: 1e6 });
  t.is(big.clippedZ + big.clippedW, 0);
  t.true(Math.abs(big.loss * 1e6 - r.loss) <= 1e-12 * Math.abs(r.loss) * 10);
});

// ---- float32 against the float64 reference ---------------------------------------------------

// Shapes up to B = 2000 and k = 512 (B, k chosen so that 'auto' takes both paths).
const shapes32: [number, number][] = [[2, 1], [5, 512], [33, 100], [256, 256], [700, 3], [2000, 64], [400, 512], [150, 500]];
for (const [B, k] of shapes32)
  test(`float32 B=${B} k=${k}: within the float32 rounding bound of the float64 reference`, (t) => {
    const { Z, W } = pairs(Float32Array, B, k, 31 * B + k);
    // The float32 values are converted exactly, so the reference sees the same inputs.
    const ref = reference(Z, W, { mu: 1 });
    const auto = spectralLossSync(Z, W, { mu: 1 });
    // Error bound: every product is a float32 dot product of length n <= max(B, k), whose error
    // is at most gamma_n = n u / (1 - n u) times the sum of |terms| (Higham, Thm 3.5); the
    // clipping rounds each element once more (u), and the gradient's GEMMs chain two products
    // (lengths B and k, or k and B). Hence bounds of gamma_{2(B+k)+4} times the absolute-value
    // scales; float64 accumulation of the scalars adds nothing at this level.
    const n = 2 * (B + k) + 4;
    const gamma = (n * U32) / (1 - n * U32);
    for (const r of [auto, spectralLossSync(Z, W, { mu: 1, algorithm: 'gram' }), spectralLossSync(Z, W, { mu: 1, algorithm: 'pairwise' })]) {
      t.true(Math.abs(r.positive - ref.positive) <= 4 * U32 * Math.abs(ref.positive) + 1e-300, `${r.algorithm} positive`);
      t.true(Math.abs(r.negative - ref.negative) <= gamma * ref.negativeScale, `${r.algorithm} negative`);
      t.true(worstRatio(r.gradZ.data, ref.gradZ, (i) => gamma * ref.gradZMag[i] + 1e-30) <= 1, `${r.algorithm} gradZ`);
      t.true(worstRatio(r.gradW.data, ref.gradW, (i) => gamma * ref.gradWMag[i] + 1e-30) <= 1, `${r.algorithm} gradW`);
      t.true(r.gradZ.data instanceof Float32Array);
    }
  });

test("'auto' picks pairwise when B is well below k and gram otherwise", (t) => {
  const small = pairs(Float32Array, 64, 512, 1);
  t.is(spectralLossSync(small.Z, small.W).algorithm, 'pairwise');
  const tall = pairs(Float32Array, 512, 64, 2);
  t.is(spectralLossSync(tall.Z, tall.W).algorithm, 'gram');
});

// ---- finite differences ---------------------------------------------------------------------

for (const negatives of ['offdiagonal', 'all'] as const)
  for (const mu of [undefined, 1.3] as const)
    test(`finite differences (float64, ${negatives}, mu=${mu ?? 'none'}) match both gradients`, (t) => {
      const B = 5, k = 4;
      const { Z, W } = pairs(Float64Array, B, k, 100);
      const opts = { mu, negatives };
      const f = (Zd: Float64Array, Wd: Float64Array) =>
        spectralLossSync({ data: Zd, rows: B, cols: k }, { data: Wd, rows: B, cols: k }, opts).loss;
      if (mu !== undefined) {
        const r = spectralLossSync(Z, W, opts);
        t.true(r.clippedZ > 0 && r.clippedZ < B, 'the clipping is exercised');
      }
      // Central differences: truncation O(h^2 |f'''|) ~ 1e-12 and cancellation O(u |f| / h) ~
      // 1e-10 at h = 1e-6; 1e-7 relative to the largest gradient entry is far above both, far
      // below any wrong term. No row is within h of the clipping sphere (norms vary by > 1e-3).
      const h = 1e-6;
      for (const algorithm of ['gram', 'pairwise'] as const) {
        const r = spectralLossSync(Z, W, { ...opts, algorithm });
        const scale = Math.max(maxAbs(r.gradZ.data), maxAbs(r.gradW.data));
        for (const [which, X, G] of [['Z', Z, r.gradZ], ['W', W, r.gradW]] as const) {
          for (let e = 0; e < B * k; e++) {
            const plus = Float64Array.from(X.data), minus = Float64Array.from(X.data);
            plus[e] += h;
            minus[e] -= h;
            const fd = which === 'Z'
              ? (f(plus, W.data as Float64Array) - f(minus, W.data as Float64Array)) / (2 * h)
              : (f(Z.data as Float64Array, plus) - f(Z.data as Float64Array, minus)) / (2 * h);
            t.true(Math.abs(fd - G.data[e]) <= 1e-7 * scale, `${algorithm} d/d${which}[${e}]: fd ${fd} vs ${G.data[e]}`);
          }
        }
      }
    });

// ---- known optima ---------------------------------------------------------------------------

// With negatives 'all' and no mu, L(Z, W) = -(2/B) tr(Z W^T) + (1/B^2) ||Z W^T||_F^2
//   = (1/B^2) ||Z W^T - B I||_F^2 - B.
// Z W^T has rank <= k, so by Eckart-Young the minimum over (Z, W) is (1/B^2) B^2 (B - k) - B = -k
// (k <= B), attained exactly when Z W^T = B P for a rank-k orthogonal projection P, for example
// Z = W = sqrt(B) Q with Q^T Q = I_k. There the gradient vanishes.
test("'all' negatives: loss -k and zero gradient at Z = W = sqrt(B) Q; gradient descent reaches -k", (t) => {
  const B = 6, k = 2;
  // Q: two orthonormal columns of length 6.
  const Q = new Float64Array(B * k);
  for (let i = 0; i < B; i++) {
    Q[i * k] = 1 / Math.sqrt(B);
    Q[i * k + 1] = (i < 3 ? 1 : -1) / Math.sqrt(B);
  }
  const Z = { data: Q.map((x) => x * Math.sqrt(B)), rows: B, cols: k };
  for (const algorithm of ['gram', 'pairwise'] as const) {
    const r = spectralLossSync(Z, Z, { negatives: 'all', algorithm });
    t.true(Math.abs(r.loss + k) <= 1e-14 * k);
    t.true(maxAbs(r.gradZ.data) <= 1e-15 && maxAbs(r.gradW.data) <= 1e-15);
  }
  // From a random start, plain gradient descent on (Z, W) converges to the minimum -k: the
  // loss has no spurious local minima (every local minimum of a low-rank approximation
  // objective is global), so reaching -k within 1e-9 checks the gradient end to end.
  const Zt = randomMatrix(Float64Array, B, k, 5, 0.5);
  const Wt = randomMatrix(Float64Array, B, k, 6, 0.5);
  let loss = 0;
  for (let step = 0; step < 3000; step++) {
    const r = spectralLossSync(Zt, Wt, { negatives: 'all' });
    loss = r.loss;
    for (let i = 0; i < B * k; i++) {
      Zt.data[i] -= 0.5 * r.gradZ.data[i];
      Wt.data[i] -= 0.5 * r.gradW.data[i];
    }
  }
  t.true(Math.abs(loss + k) <= 1e-9, `loss after descent ${loss}`);
});

// With off-diagonal negatives and clipping, |ẑ_i.ŵ_i| <= mu, so positive >= -2 and negative >= 0:
// L >= -2, with equality iff every ẑ_i = ŵ_i has norm sqrt(mu) and ẑ_i.ŵ_j = 0 for i != j, which
// B <= k orthogonal directions allow. (Without mu the off-diagonal loss is unbounded below: a
// diagonal S = t diag(1, 0, ..., 0) gives -2t/B.) Rows longer than sqrt(mu) are clipped onto
// the optimum, and their gradient, radial there, is projected away: it is exactly zero.
test('off-diagonal negatives with mu: loss -2 and zero gradient at orthogonal rows beyond the clip', (t) => {
  const B = 4, k = 6, mu = 2;
  const Z = { data: new Float64Array(B * k), rows: B, cols: k };
  for (let i = 0; i < B; i++) Z.data[i * k + i + 1] = 3 * (i + 1); // norms 3..12 > sqrt(2)
  for (const algorithm of ['gram', 'pairwise'] as const) {
    const r = spectralLossSync(Z, Z, { mu, algorithm });
    t.is(r.clippedZ, B);
    t.true(Math.abs(r.loss + 2) <= 1e-15 && Math.abs(r.negative) <= 1e-15);
    t.true(maxAbs(r.gradZ.data) <= 1e-16 && maxAbs(r.gradW.data) <= 1e-16);
  }
});

// ---- the reference code's boundary and the CLIP case ----------------------------------------

test('a row of norm exactly sqrt(mu) counts as clipped, as in the reference (mask uses <)', (t) => {
  const Z = { data: new Float64Array([2, 0, 0, 1, 0.5, 0.5]), rows: 3, cols: 2 };
  const W = { data: new Float64Array([1, 1, 0.2, 0.1, -1, 0]), rows: 3, cols: 2 };
  const r = spectralLossSync(Z, W, { mu: 4 });
  t.is(r.clippedZ, 1); // the row (2, 0) has norm 2 = sqrt(4)
  const ref = reference(Z, W, { mu: 4 });
  t.true(maxAbsDiff(r.gradZ.data, ref.gradZ) <= 1e-15);
  // Its gradient is projected: no radial component along (1, 0).
  t.true(Math.abs(r.gradZ.data[0]) <= 1e-17);
});

test('two towers (CLIP case): unrelated Z and W, loss symmetric under swapping the towers', (t) => {
  const Z = randomMatrix(Float64Array, 50, 16, 41);
  const W = randomMatrix(Float64Array, 50, 16, 42, 3);
  const a = spectralLossSync(Z, W, { mu: 4 });
  const b = spectralLossSync(W, Z, { mu: 4 });
  t.true(Math.abs(a.loss - b.loss) <= 1e-13 * Math.abs(a.loss));
  t.true(maxAbsDiff(a.gradZ.data, b.gradW.data) <= 1e-13 * maxAbs(a.gradZ.data));
});

// ---- Promise form, determinism, inputs untouched ------------------------------------------

test('the Promise form equals the Sync form; inputs are not modified', async (t) => {
  const { Z, W } = pairs(Float32Array, 300, 64, 3);
  const zCopy = Float32Array.from(Z.data), wCopy = Float32Array.from(W.data);
  const s = spectralLossSync(Z, W, { mu: 1 });
  const p = await spectralLoss(Z, W, { mu: 1 });
  t.is(p.loss, s.loss);
  t.deepEqual(p.gradZ.data, s.gradZ.data);
  t.deepEqual(p.gradW.data, s.gradW.data);
  t.deepEqual(Z.data, zCopy);
  t.deepEqual(W.data, wCopy);
});

test('options.out: the gradients are written in place, with the bits of a call without it', (t) => {
  const cases: [{ new (n: number): FloatArray }, 'gram' | 'pairwise', number | undefined][] = [
    [Float32Array, 'gram', undefined], [Float32Array, 'pairwise', 1], [Float64Array, 'gram', 0.5],
  ];
  for (const [Ctor, algorithm, mu] of cases) {
    const { Z, W } = pairs<FloatArray>(Ctor, 257, 33, 11);
    const fresh = spectralLossSync(Z, W, { algorithm, mu });
    // Views at an offset into larger buffers, prefilled with NaN: every element must be written.
    const size = Z.rows * Z.cols;
    const backing: FloatArray = new Ctor(3 * size + 8).fill(NaN);
    const gradZ = { data: backing.subarray(5, 5 + size), rows: Z.rows, cols: Z.cols };
    const gradW = { data: backing.subarray(2 * size + 7, 3 * size + 7), rows: Z.rows, cols: Z.cols };
    const r = spectralLossSync(Z, W, { algorithm, mu, out: { gradZ, gradW } });
    t.is(r.gradZ.data, gradZ.data, 'the result holds the caller\'s array');
    t.is(r.gradW.data, gradW.data);
    t.is(r.loss, fresh.loss);
    t.deepEqual(Array.from(gradZ.data), Array.from(fresh.gradZ.data), `${Ctor.name} ${algorithm}`);
    t.deepEqual(Array.from(gradW.data), Array.from(fresh.gradW.data));
    t.true(Number.isNaN(backing[4]) && Number.isNaN(backing[5 + size]) && Number.isNaN(backing[2 * size + 6]), 'nothing outside the views is written');
  }
});

test('options.out: bad matrices are named; the Promise form refuses it', async (t) => {
  const { Z, W } = pairs(Float32Array, 16, 4, 2);
  const m = (data: Float32Array | Float64Array, rows = 16, cols = 4) => ({ data, rows, cols });
  const ok = () => m(new Float32Array(64));
  t.throws(() => spectralLossSync(Z, W, { out: 3 as never }), { instanceOf: TypeError, message: /options\.out must be \{ gradZ, gradW \}/ });
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: ok() } as never }), { instanceOf: TypeError, message: /options\.out\.gradW must be a Matrix/ });
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: m(new Float64Array(64)), gradW: ok() } }), { instanceOf: TypeError, message: /options\.out\.gradZ is float64 but Z is float32/ });
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: ok(), gradW: m(new Float32Array(64), 8, 8) } }), { instanceOf: RangeError, message: /options\.out\.gradW is 8 x 8 but Z is 16 x 4/ });
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: Z, gradW: ok() } }), { instanceOf: RangeError, message: /options\.out\.gradZ shares memory with Z/ });
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: ok(), gradW: m(W.data.subarray(0, 64)) } }), { instanceOf: RangeError, message: /options\.out\.gradW shares memory with W/ });
  const shared = new Float32Array(100);
  t.throws(() => spectralLossSync(Z, W, { out: { gradZ: m(shared.subarray(0, 64)), gradW: m(shared.subarray(36, 100)) } }), { instanceOf: RangeError, message: /gradZ and options\.out\.gradW share memory/ });
  await t.throwsAsync(spectralLoss(Z, W, { out: { gradZ: ok(), gradW: ok() } }), { instanceOf: RangeError, message: /options\.out is for spectralLossSync/ });
  const zCopy = Float32Array.from(Z.data);
  t.deepEqual(Z.data, zCopy, 'refused calls leave the inputs alone');
});

test('the Promise form copies its inputs: detaching them right after the call changes nothing', async (t) => {
  const { Z, W } = pairs(Float64Array, 64, 8, 5);
  const want = spectralLossSync(Z, W, { mu: 1 });
  const pending = spectralLoss(Z, W, { mu: 1 });
  structuredClone(Z.data.buffer, { transfer: [Z.data.buffer] });
  structuredClone(W.data.buffer, { transfer: [W.data.buffer] });
  t.is(Z.data.length, 0, 'detached');
  const got = await pending;
  t.is(got.loss, want.loss);
  t.deepEqual(got.gradW.data, want.gradW.data);
});

test('bit-identical on repeated calls, at 1 and at 3 threads', (t) => {
  const { Z, W } = pairs(Float32Array, 700, 96, 4);
  const before = getThreads();
  try {
    for (const threads of [1, 3]) {
      setThreads(threads);
      for (const algorithm of ['gram', 'pairwise'] as const) {
        const a = spectralLossSync(Z, W, { mu: 1, algorithm });
        const b = spectralLossSync(Z, W, { mu: 1, algorithm });
        t.is(a.loss, b.loss);
        t.deepEqual(a.gradZ.data, b.gradZ.data);
      }
    }
  } finally {
    setThreads(before === 0 ? 0 : before);
  }
});

// ---- errors ---------------------------------------------------------------------------------

test('bad input: shapes, options and non-finite values are named', async (t) => {
  const Z = randomMatrix(Float64Array, 4, 3, 1);
  const W = randomMatrix(Float64Array, 4, 3, 2);
  t.throws(() => spectralLossSync(Z, randomMatrix(Float64Array, 5, 3, 2)), { instanceOf: RangeError, message: /B must match/ });
  t.throws(() => spectralLossSync(Z, randomMatrix(Float64Array, 4, 2, 2)), { instanceOf: RangeError, message: /dimension k/ });
  t.throws(() => spectralLossSync(Z as Matrix, randomMatrix(Float32Array, 4, 3, 2)), { instanceOf: TypeError, message: /dtype/ });
  const one = randomMatrix(Float64Array, 1, 3, 1);
  t.throws(() => spectralLossSync(one, one), { instanceOf: RangeError, message: /at least 2 pairs/ });
  t.true(Number.isFinite(spectralLossSync(one, one, { negatives: 'all' }).loss));
  for (const mu of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
    t.throws(() => spectralLossSync(Z, W, { mu }), { instanceOf: RangeError, message: /options\.mu/ });
  t.throws(() => spectralLossSync(Z, W, { mu: '1' as unknown as number }), { instanceOf: TypeError, message: /options\.mu/ });
  t.throws(() => spectralLossSync(Z, W, { negatives: 'some' as 'all' }), { instanceOf: RangeError, message: /options\.negatives/ });
  t.throws(() => spectralLossSync(Z, W, { algorithm: 'fast' as 'gram' }), { instanceOf: RangeError, message: /options\.algorithm/ });
  t.throws(() => spectralLossSync(Z, { data: W.data, rows: 4 } as unknown as Matrix), { instanceOf: TypeError, message: /W\.cols/ });
  const bad = { data: Float64Array.from(Z.data), rows: 4, cols: 3 };
  bad.data[7] = Number.NaN;
  t.throws(() => spectralLossSync(bad, W), { instanceOf: RangeError, message: /Z contains NaN at row 2, column 1/ });
  const inf = { data: Float32Array.from(W.data), rows: 4, cols: 3 };
  inf.data[11] = Number.NEGATIVE_INFINITY;
  const z32 = { data: Float32Array.from(Z.data), rows: 4, cols: 3 };
  for (const algorithm of ['gram', 'pairwise'] as const)
    t.throws(() => spectralLossSync(z32, inf, { algorithm }), { instanceOf: RangeError, message: /W contains Infinity at row 3/ });
  await t.throwsAsync(spectralLoss(bad, W), { instanceOf: RangeError, message: /Z contains NaN/ });
  await t.throwsAsync(spectralLoss(Z, W, { mu: 0 }), { instanceOf: RangeError, message: /options\.mu/ });
});
