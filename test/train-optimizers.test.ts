import test from 'ava';
import { adam, sgd, type Optimizer } from '../src/train/optimizers.js';

// f(x) = 1/2 sum_i h_i x_i^2 - b_i x_i, minimum at x_i = b_i / h_i; condition number 20.
const h = [1, 4, 20];
const b = [1, -2, 3];
function run(opt: Optimizer, steps: number, decay = false): Float64Array {
  const x = new Float64Array(3);
  const g = new Float64Array(3);
  const lr0 = opt.lr;
  for (let s = 0; s < steps; s++) {
    if (decay) opt.lr = lr0 / Math.sqrt(1 + s / 50);
    for (let i = 0; i < 3; i++) g[i] = h[i] * x[i] - b[i];
    opt.step([x], [g]);
  }
  return x;
}

test('SGD with momentum converges on an ill-conditioned quadratic', (t) => {
  const x = run(sgd({ lr: 0.04, momentum: 0.9 }), 400);
  // Heavy ball with lr = 0.04, momentum 0.9 contracts each coordinate by about sqrt(0.9) per step:
  // after 400 steps the error is below 1e-8 of the start.
  for (let i = 0; i < 3; i++) t.true(Math.abs(x[i] - b[i] / h[i]) < 1e-8, `x[${i}] = ${x[i]}`);
});

test('SGD momentum follows the heavy-ball recurrence exactly', (t) => {
  const opt = sgd({ lr: 0.1, momentum: 0.5 });
  const p = Float64Array.from([1]);
  opt.step([p], [Float64Array.from([2])]); // v = 2, p = 1 - 0.2
  opt.step([p], [Float64Array.from([-1])]); // v = 0.5 * 2 - 1 = 0, p unchanged
  opt.step([p], [Float64Array.from([4])]); // v = 4, p = 0.8 - 0.4
  t.true(Math.abs(p[0] - 0.4) < 1e-15);
});

test('Adam converges on the quadratic and its first step is lr * sign(g)', (t) => {
  const first = adam({ lr: 0.01 });
  const p = Float64Array.from([0, 0]);
  first.step([p], [Float64Array.from([3, -1e-3])]);
  // Bias correction makes m/sqrt(v) = g/|g| exactly on step 1 (up to eps = 1e-8 against |g|).
  t.true(Math.abs(p[0] + 0.01) < 1e-10 && Math.abs(p[1] - 0.01) < 1e-7);
  const x = run(adam({ lr: 0.05 }), 3000, true);
  // Adam's steady-state jitter scales with lr (here ~ 0.05 / sqrt(61) at the end): 1e-3 is loose
  // enough for that and far tighter than the O(1) distance at the start.
  for (let i = 0; i < 3; i++) t.true(Math.abs(x[i] - b[i] / h[i]) < 1e-3, `x[${i}] = ${x[i]}`);
});

test('optimizers reject bad hyperparameters and mismatched gradients', (t) => {
  t.throws(() => sgd({ lr: -1 }), { instanceOf: RangeError, message: /lr/ });
  t.throws(() => sgd({ lr: 0.1, momentum: 1 }), { instanceOf: RangeError, message: /momentum/ });
  t.throws(() => adam({ lr: 0.1, beta2: 1.5 }), { instanceOf: RangeError, message: /beta2/ });
  t.throws(() => adam({ lr: '1' as unknown as number }), { instanceOf: TypeError });
  const opt = adam({ lr: 0.1 });
  t.throws(() => opt.step([new Float32Array(3)], [new Float32Array(2)]), { instanceOf: RangeError, message: /grads\[0\] has length 2/ });
});
