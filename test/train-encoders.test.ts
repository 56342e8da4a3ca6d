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
