import test from 'ava';
import { linearEncoder, mlpEncoder, tableEncoder, type Encoder } from '../src/train/encoders.js';
import type { Matrix } from '../src/index.js';
import { randomMatrix, rng } from './helpers/random.js';

// loss(params) = <G, f(nodes)>_F is linear in the output, so d loss / d params is exactly what
// backward(pass, G) must produce; central differences in float64 with h = 1e-6 have truncation
// error O(h^2 * |f'''|) ~ 1e-12 and rounding error ~ 1e-16 / h ~ 1e-10 relative, so 1e-6 relative
// leaves a wide margin while any wrong term (a missing transpose, a dropped bias) is O(1).
function checkGradients(t: import('ava').ExecutionContext, encoder: Encoder, nodes: Int32Array | undefined, seed: number) {
  const rows = nodes ? nodes.length : encoder.n;
  const G = randomMatrix(Float64Array, rows, encoder.dim, seed) as Matrix<Float64Array>;
  const objective = () => {
    const out = encoder.forward(nodes).output;
    let s = 0;
    for (let i = 0; i < out.data.length; i++) s += out.data[i] * G.data[i];
    return s;
  };
  const grads = encoder.zeroGrads();
  encoder.backward(encoder.forward(nodes), G, grads);
  const pick = rng(seed + 1);
  const h = 1e-6;
  let worst = 0;
  encoder.params.forEach((p, which) => {
    let scale = 0;
    for (const g of grads[which]) scale = Math.max(scale, Math.abs(g));
    for (let trial = 0; trial < 25; trial++) {
      const j = Math.floor(pick() * p.length);
      const saved = p[j];
      p[j] = saved + h;
      const up = objective();
      p[j] = saved - h;
      const down = objective();
      p[j] = saved;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grads[which][j]) / Math.max(scale, 1e-12));
    }
  });
  t.true(worst < 1e-6, `largest relative gradient error ${worst}`);
}

test('table encoder: gradients by finite differences, repeated nodes accumulate', (t) => {
  const enc = tableEncoder({ n: 9, dim: 4, dtype: 'float64', seed: 3 });
  checkGradients(t, enc, Int32Array.from([2, 5, 2, 8, 0, 2]), 10);
  checkGradients(t, enc, undefined, 11);
});

test('linear encoder: gradients by finite differences', (t) => {
  const X = randomMatrix(Float64Array, 12, 7, 4);
  const enc = linearEncoder({ features: X, dim: 5, seed: 5 });
  enc.params[1].set([0.1, -0.2, 0.3, 0, 0.5]);
  checkGradients(t, enc, Int32Array.from([3, 3, 11, 0]), 12);
  checkGradients(t, enc, undefined, 13);
});

test('MLP encoder: gradients by finite differences through the ReLU', (t) => {
  const X = randomMatrix(Float64Array, 15, 6, 6);
  const enc = mlpEncoder({ features: X, dim: 3, hidden: 10, seed: 7 });
  const u = rng(8);
  for (const p of enc.params) for (let i = 0; i < p.length; i++) p[i] += 0.1 * (u() - 0.5);
  checkGradients(t, enc, Int32Array.from([1, 4, 4, 14, 9]), 14);
  checkGradients(t, enc, undefined, 15);
});

test('MLP encoder with several hidden layers: gradients by finite differences, forward as naive products', (t) => {
  const X = randomMatrix(Float64Array, 13, 6, 30);
  const enc = mlpEncoder({ features: X, dim: 3, hidden: [8, 5], seed: 31 });
  t.deepEqual(enc.params.map((p) => p.length), [8 * 6, 8, 5 * 8, 5, 3 * 5, 3]);
  const u = rng(32);
  for (const p of enc.params) for (let i = 0; i < p.length; i++) p[i] += 0.1 * (u() - 0.5);
  checkGradients(t, enc, Int32Array.from([0, 7, 7, 12]), 33);
  checkGradients(t, enc, undefined, 34);
  // The forward pass against a naive float64 loop over the three layers (1e-12: float64 sums of
  // at most 8 products of O(1) terms).
  const layer = (W: ArrayLike<number>, b: ArrayLike<number>, x: number[], relu: boolean) =>
    Array.from({ length: b.length }, (_, a) => {
      let s = b[a];
      for (let j = 0; j < x.length; j++) s += W[a * x.length + j] * x[j];
      return relu ? Math.max(0, s) : s;
    });
  const [W1, b1, W2, b2, W3, b3] = enc.params;
  const out = enc.forward(Int32Array.from([5])).output;
  const want = layer(W3, b3, layer(W2, b2, layer(W1, b1, Array.from(X.data.subarray(30, 36)), true), true), false);
  want.forEach((w, c) => t.true(Math.abs(out.data[c] - w) < 1e-12, `output ${c}: ${out.data[c]} vs ${w}`));
  // embed of new rows is the forward pass of the same rows.
  t.deepEqual(Array.from(enc.embed!({ data: X.data.slice(30, 36), rows: 1, cols: 6 }).data), Array.from(out.data));
  // One width is the one-hidden-layer MLP, the same initial weights as a list of one.
  t.deepEqual(mlpEncoder({ features: X, dim: 3, hidden: 8, seed: 4 }).params, mlpEncoder({ features: X, dim: 3, hidden: [8], seed: 4 }).params);
  t.throws(() => mlpEncoder({ features: X, dim: 3, hidden: [] }), { instanceOf: RangeError, message: /at least one layer/ });
  t.throws(() => mlpEncoder({ features: X, dim: 3, hidden: [4, 0] }), { instanceOf: RangeError, message: /hidden\[1\] must be a positive integer/ });
});

test('MLP encoder ending in a scaled L2 normalization: unit rows times the scale, gradients by finite differences', (t) => {
  const X = randomMatrix(Float64Array, 11, 5, 40);
  const enc = mlpEncoder({ features: X, dim: 4, hidden: [7, 6], seed: 41, normalize: 2.5 });
  t.is(enc.params.length, 7);
  t.deepEqual(Array.from(enc.params[6]), [2.5]);
  const u = rng(42);
  for (const p of enc.params.slice(0, 6)) for (let i = 0; i < p.length; i++) p[i] += 0.1 * (u() - 0.5);
  // Every output row has norm c (1e-14: a float64 norm of 4 terms).
  const out = enc.forward().output;
  for (let i = 0; i < out.rows; i++) {
    let n2 = 0;
    for (let j = 0; j < 4; j++) n2 += out.data[i * 4 + j] ** 2;
    t.true(Math.abs(Math.sqrt(n2) - 2.5) < 1e-14, `row ${i}: norm ${Math.sqrt(n2)}`);
  }
  // The output is the unnormalized MLP's, rescaled (same weights without the last parameter).
  const plain = mlpEncoder({ features: X, dim: 4, hidden: [7, 6], seed: 41 });
  plain.params.forEach((p, i) => p.set(enc.params[i]));
  const y = plain.forward(Int32Array.from([3])).output.data;
  const ny = Math.hypot(...y);
  const o3 = enc.forward(Int32Array.from([3])).output.data;
  for (let j = 0; j < 4; j++) t.true(Math.abs(o3[j] - (2.5 * y[j]) / ny) < 1e-14);
  checkGradients(t, enc, Int32Array.from([2, 2, 9, 0]), 43);
  checkGradients(t, enc, undefined, 44);
  t.throws(() => mlpEncoder({ features: X, dim: 4, normalize: 0 }), { instanceOf: RangeError, message: /normalize must be a positive scale/ });
});

test('forward passes match naive float64 products', (t) => {
  const X = randomMatrix(Float64Array, 6, 5, 20);
  const enc = mlpEncoder({ features: X, dim: 2, hidden: 4, seed: 21 });
  const [W1, b1, W2, b2] = enc.params;
  const out = enc.forward(Int32Array.from([4, 1])).output;
  [4, 1].forEach((node, r) => {
    const h = Array.from({ length: 4 }, (_, a) => {
      let s = b1[a];
      for (let j = 0; j < 5; j++) s += W1[a * 5 + j] * X.data[node * 5 + j];
      return Math.max(0, s);
    });
    for (let c = 0; c < 2; c++) {
      let s = b2[c];
      for (let a = 0; a < 4; a++) s += W2[c * 4 + a] * h[a];
      t.true(Math.abs(out.data[r * 2 + c] - s) < 1e-12);
    }
  });
});

test('encoders reject bad arguments', (t) => {
  t.throws(() => tableEncoder({ n: 0, dim: 3 }), { instanceOf: RangeError, message: /n must be a positive integer/ });
  t.throws(() => tableEncoder({ n: 4, dim: 2 }).forward(Int32Array.from([4])), { instanceOf: RangeError, message: /outside 0..3/ });
  t.throws(() => tableEncoder({ n: 4, dim: 2 }).forward([1] as unknown as Int32Array), { instanceOf: TypeError });
  t.throws(() => linearEncoder({ features: { data: [1, 2] as unknown as Float64Array, rows: 1, cols: 2 }, dim: 2 }), { instanceOf: TypeError });
  const enc = tableEncoder({ n: 4, dim: 2 });
  const pass = enc.forward(Int32Array.from([1, 2]));
  t.throws(() => enc.backward(pass, { data: new Float32Array(2), rows: 1, cols: 2 }, enc.zeroGrads()), { instanceOf: RangeError, message: /gradOutput must be 2 x 2/ });
});
