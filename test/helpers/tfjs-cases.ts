// The speclin/tfjs test cases, written once and registered per tfjs backend: test/tfjs.test.ts
// runs them on cpu and wasm, test/tfjs-webgpu.test.ts on webgpu (its own process: one device).
//
// The independent side is tfjs itself: HaoChen et al.'s D(z1, z2, mu) (models/spectral.py of
// jhaochenz96/spectral_contrastive_learning) written below with tfjs ops and differentiated by
// tfjs's autograd, and the Gram products written with tf.matMul.
import type { ExecutionContext, TestFn } from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Graph } from '../../src/graph.js';
import { SpeclinError } from '../../src/errors.js';
import { spectralLoss, gram, crossGram, innerGram, populationLoss } from '../../src/tfjs/index.js';
import { relativeMaxError } from './reference.js';
import { normal } from './random.js';

const U32 = 2 ** -24;

/** The reference D(z1, z2, mu) in tfjs: rows of norm >= sqrt(mu) rescaled to norm sqrt(mu), the
 * loss divided by mu; with mu undefined neither (speclin's default). 'all' keeps the diagonal
 * of the squared similarities and averages over B^2 (the reference's formula is 'offdiagonal'). */
export function referenceD(z: tf.Tensor2D, w: tf.Tensor2D, mu: number | undefined, negatives: 'offdiagonal' | 'all'): tf.Scalar {
  return tf.tidy(() => {
    const [B, k] = z.shape;
    const clip = (x: tf.Tensor2D) => {
      if (mu === undefined) return x;
      const norm = tf.norm(x, 2, 1, true);
      // Carries no gradient, as the reference's .float() of a comparison (examples/lib/tfjs-node.ts).
      const keep = tf.less(norm, Math.sqrt(mu));
      // F.normalize: x / max(||x||, 1e-12)
      const normalized = tf.mul(tf.div(x, tf.maximum(norm, 1e-12)), Math.sqrt(mu));
      return tf.where(tf.broadcastTo(keep, x.shape), x, normalized) as tf.Tensor2D;
    };
    const z1 = clip(z);
    const z2 = clip(w);
    const part1 = tf.mul(tf.mean(tf.mul(z1, z2)), -2 * k);
    const square = tf.square(tf.matMul(z1, z2, false, true));
    const part2 =
      negatives === 'offdiagonal'
        ? tf.mul(tf.mean(tf.mul(square, tf.sub(1, tf.eye(B)))), B / (B - 1))
        : tf.mean(square);
    return tf.div(tf.add(part1, part2), mu ?? 1) as tf.Scalar;
  });
}

/** A B x k float32 tensor of seeded normal rows, row i scaled to norm spread[0] .. spread[1]
 * times sqrt(mu) (so that mu clipping leaves some rows and rescales others). */
export function rows(B: number, k: number, seed: number, norms?: [number, number]): tf.Tensor2D {
  const g = normal(seed);
  const data = new Float32Array(B * k);
  for (let i = 0; i < B; i++) {
    let n2 = 0;
    for (let j = 0; j < k; j++) {
      data[i * k + j] = g();
      n2 += data[i * k + j] ** 2;
    }
    if (norms) {
      const target = norms[0] + ((norms[1] - norms[0]) * i) / Math.max(1, B - 1);
      for (let j = 0; j < k; j++) data[i * k + j] *= target / Math.sqrt(n2);
    }
  }
  return tf.tensor2d(data, [B, k]);
}

// tf.data(), not dataSync(): tfjs-backend-webgpu cannot read synchronously under Dawn in Node.
const values = async (t: tf.Tensor) => (await t.data()) as Float32Array;

export interface CaseOptions {
  /** Dimensions of the loss cases: small on lavapipe. */
  B: number;
  k: number;
}

/** Registers every case for one backend; `use` makes it the current tfjs backend. */
export function registerTfjsCases(test: TestFn, backendName: string, use: () => Promise<void>, opts: CaseOptions): void {
  const title = (s: string) => `${backendName}: ${s}`;
  const { B, k } = opts;
  const serial = test.serial;

  for (const negatives of ['offdiagonal', 'all'] as const) {
    for (const mu of [undefined, 1] as const) {
      for (const algorithm of ['gram', 'pairwise'] as const) {
        serial(title(`spectralLoss and its gradients equal tfjs autograd of D(z, w, mu) (mu ${mu ?? 'none'}, ${negatives}, ${algorithm})`), async (t) => {
          await use();
          // Row norms from 0.5 to 1.5 around sqrt(mu) = 1: about half the rows are clipped.
          const z = rows(B, k, 101, [0.5, 1.5]);
          const w = rows(B, k, 202, [0.5, 1.5]);
          const options = { mu, negatives, algorithm };
          const mine = tf.grads((a: tf.Tensor, b: tf.Tensor) => spectralLoss(a as tf.Tensor2D, b as tf.Tensor2D, options));
          const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => referenceD(a as tf.Tensor2D, b as tf.Tensor2D, mu, negatives));
          const loss = (await values(spectralLoss(z, w, options)))[0];
          const want = (await values(referenceD(z, w, mu, negatives)))[0];
          const [gz, gw] = mine([z, w]);
          const [rz, rw] = ref([z, w]);
          // Both sides are float32: the loss sums B^2 squared dot products of length k, each term
          // at most ||z_i||^2 ||w_j||^2 <= 2.25^2 here; a summation of n terms errs by at most
          // ~n u times the sum of magnitudes, and both sides sum in blocks (n ~ B + k). The
          // tolerance is 4 (B + k) u relative to the loss's magnitude scale (|positive| +
          // |negative| <= 2 * 2.25 + 2.25^2): a wrong term or a wrong scale errs by O(1).
          const scale = 2 * 2.25 + 2.25 ** 2;
          t.true(Math.abs(loss - want) <= 4 * (B + k) * U32 * scale, `loss ${loss} vs reference ${want}`);
          // Gradients: each entry is a sum of B terms of size <= 2 c_neg ||s|| ||w|| / mu; relative to
          // the largest entry the same 4 (B + k) u bound holds, with a factor 4 for the clipping's
          // Jacobian (a projection: its terms cancel to the size of the result).
          const tol = 16 * (B + k) * U32;
          t.true(relativeMaxError(await values(gz), await values(rz)) <= tol, `gradZ error ${relativeMaxError(await values(gz), await values(rz))} > ${tol}`);
          t.true(relativeMaxError(await values(gw), await values(rw)) <= tol, `gradW error ${relativeMaxError(await values(gw), await values(rw))} > ${tol}`);
          tf.dispose([z, w, gz, gw, rz, rw]);
        });
      }
    }
  }

  serial(title('spectralLoss works under tf.variableGrads, optimizer.minimize and tf.tidy, and leaks no tensor'), async (t) => {
    await use();
    const z0 = rows(B, k, 7);
    const x = tf.variable(rows(B, k, 8), true, 'x');
    const before = tf.memory().numTensors;
    // variableGrads: the gradient of a loss of x through a product (z0 + x) reaches x.
    const { value, grads } = tf.variableGrads(() => spectralLoss(tf.add(z0, x) as tf.Tensor2D, x));
    const ref = tf.variableGrads(() => referenceD(tf.add(z0, x) as tf.Tensor2D, x, undefined, 'offdiagonal'));
    t.true(relativeMaxError(await values(grads.x), await values(ref.grads.x)) <= 16 * (B + k) * U32);
    t.true(Math.abs((await values(value))[0] - (await values(ref.value))[0]) <= 4 * (B + k) * U32 * Math.abs((await values(ref.value))[0]) + 1e-6);
    tf.dispose([value, grads.x, ref.value, ref.grads.x]);
    t.is(tf.memory().numTensors, before, 'variableGrads left tensors behind');
    // A cotangent other than 1 (the loss scaled by -2.5 downstream) scales both gradients.
    const scaled = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(spectralLoss(a as tf.Tensor2D, b as tf.Tensor2D), -2.5))([z0, x]);
    const scaledRef = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(referenceD(a as tf.Tensor2D, b as tf.Tensor2D, undefined, 'offdiagonal'), -2.5))([z0, x]);
    for (let i = 0; i < 2; i++) {
      const e = relativeMaxError(await values(scaled[i]), await values(scaledRef[i]));
      t.true(e <= 16 * (B + k) * U32, `scaled gradient ${i}: error ${e}`);
    }
    tf.dispose([...scaled, ...scaledRef]);
    // A training step inside tf.tidy: the loss decreases, nothing is left behind.
    const optimizer = tf.train.sgd(0.05);
    const step = async () => {
      const cost = tf.tidy(() => optimizer.minimize(() => spectralLoss(tf.add(z0, x) as tf.Tensor2D, x), true)!);
      const v = (await values(cost))[0];
      cost.dispose();
      return v;
    };
    await step(); // the optimizer's own slots are created by the first step
    const settled = tf.memory().numTensors;
    const first = await step();
    let last = first;
    for (let i = 0; i < 5; i++) last = await step();
    t.true(last < first, `loss went from ${first} to ${last}`);
    t.is(tf.memory().numTensors, settled, 'a training step inside tf.tidy left tensors behind');
    // The forward pass alone (no tape) leaves only its result.
    const plain = tf.memory().numTensors;
    const l = spectralLoss(z0, x);
    t.is(tf.memory().numTensors, plain + 1);
    tf.dispose([l, z0, x]);
    optimizer.dispose();
  });

  serial(title("a tf.sequential model: gradients reach model.trainableWeights as under autograd, and optimizer.minimize over them trains without leaks"), async (t) => {
    await use();
    // 8 -> 16 (tanh) -> 6 dense layers (6 columns: not a multiple of 4, the GPU's row padding).
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [8], units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }), biasInitializer: 'ones' }),
        tfl.layers.dense({ units: 6, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
      ],
    });
    const weights = model.trainableWeights.map((v) => v.read() as tf.Variable);
    t.is(weights.length, 4);
    const x1 = rows(B, 8, 41);
    const x2 = tf.tidy(() => tf.add(x1, tf.mul(rows(B, 8, 42), 0.3))) as tf.Tensor2D;
    const encode = (x: tf.Tensor2D) => model.apply(x) as tf.Tensor2D;
    const mine = tf.variableGrads(() => spectralLoss(encode(x1), encode(x2), { mu: 1 }), weights);
    const ref = tf.variableGrads(() => referenceD(encode(x1), encode(x2), 1, 'offdiagonal'), weights);
    // dL/dz and dL/dw agree to 16 (B + k) u (the loss cases above); both sides carry them back
    // through the same tfjs ops (matMuls of length <= 16 and B, tanh), a linear map whose own
    // rounding is a few u per entry: the same bound, relative to each weight's largest entry.
    // Observed ~3e-7 on cpu and wasm; a wrong scale or a lost path (e.g. w's) errs by O(1).
    const tol = 16 * (B + 6) * U32;
    for (const v of weights) {
      const e = relativeMaxError(await values(mine.grads[v.name]), await values(ref.grads[v.name]));
      t.true(e <= tol, `${v.name}: gradient error ${e} > ${tol}`);
      t.true(Math.max(...Array.from(await values(mine.grads[v.name]), Math.abs)) > 0, `${v.name}: zero gradient`);
    }
    tf.dispose([mine.value, ref.value, ...Object.values(mine.grads), ...Object.values(ref.grads)]);
    // Adam over exactly the model's weights, inside tf.tidy: every weight moves, the loss falls,
    // and once the optimizer's slots exist a step leaves no tensor behind.
    const optimizer = tf.train.adam(0.01);
    const start = await Promise.all(weights.map((v) => values(v).then((a) => Float32Array.from(a))));
    const step = async () => {
      const cost = tf.tidy(() => optimizer.minimize(() => spectralLoss(encode(x1), encode(x2), { mu: 1 }), true, weights)!);
      const v = (await values(cost))[0];
      cost.dispose();
      return v;
    };
    const first = await step();
    const settled = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 10; i++) last = await step();
    t.is(tf.memory().numTensors, settled, 'a training step inside tf.tidy left tensors behind');
    t.true(last < first, `loss ${first} -> ${last}`);
    for (let i = 0; i < weights.length; i++) {
      const now = await values(weights[i]);
      t.true(now.some((x, j) => x !== start[i][j]), `${weights[i].name} did not move`);
    }
    optimizer.dispose();
    model.dispose();
    tf.dispose([x1, x2]);
  });

  serial(title('gram, crossGram, innerGram and their gradients equal tf.matMul under tfjs autograd'), async (t) => {
    await use();
    const n = 24;
    const m = 17;
    const kk = 6; // 6 columns: not a multiple of 4 (the GPU's row padding)
    const z = rows(n, kk, 31);
    const w = rows(m, kk, 32);
    const v = rows(n, 5, 33);
    // Products of length <= 24 in float32 on both sides: 8 * 24 u relative to the largest entry.
    const tol = 8 * 24 * U32;
    // A random cotangent, so that the gradient is not just the sum of the output's rows.
    const weightsFor = (shape: [number, number], seed: number) => rows(shape[0], shape[1], seed);
    const check = async (name: string, mine: (...x: tf.Tensor[]) => tf.Tensor, ref: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) => {
      const out = mine(...inputs);
      const refOut = ref(...inputs);
      t.deepEqual(out.shape, refOut.shape, `${name}: shape`);
      t.true(relativeMaxError(await values(out), await values(refOut)) <= tol, `${name}: value error ${relativeMaxError(await values(out), await values(refOut))}`);
      const dy = weightsFor(out.shape as [number, number], 99);
      const g = tf.grads((...x: tf.Tensor[]) => tf.sum(tf.mul(mine(...x), dy)))(inputs);
      const r = tf.grads((...x: tf.Tensor[]) => tf.sum(tf.mul(ref(...x), dy)))(inputs);
      for (let i = 0; i < g.length; i++) {
        const e = relativeMaxError(await values(g[i]), await values(r[i]));
        t.true(e <= tol, `${name}: gradient ${i} error ${e}`);
      }
      tf.dispose([out, refOut, dy, ...g, ...r]);
    };
    await check('gram', (a) => gram(a as tf.Tensor2D), (a) => tf.matMul(a, a, false, true), [z]);
    await check('crossGram', (a, b) => crossGram(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.matMul(a, b, false, true), [z, w]);
    await check('innerGram', (a, b) => innerGram(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.matMul(a, b, true, false), [z, v]);
    await check('innerGram(z, z)', (a) => innerGram(a as tf.Tensor2D, a as tf.Tensor2D), (a) => tf.matMul(a, a, true, false), [z]);
    tf.dispose([z, w, v]);
  });

  serial(title('populationLoss and its gradient equal tfjs autograd of -2 tr(E^T A E) + ||E^T D E||^2'), async (t) => {
    await use();
    // A ring of 12 nodes with chords and weights: A scaled to sum 1, D its row sums.
    const n = 12;
    const src: number[] = [];
    const dst: number[] = [];
    const weight: number[] = [];
    for (let i = 0; i < n; i++) {
      src.push(i); dst.push((i + 1) % n); weight.push(1 + (i % 3));
      if (i % 4 === 0) { src.push(i); dst.push((i + 5) % n); weight.push(0.5); }
    }
    const graph = Graph.fromEdges({ n, src: Int32Array.from(src), dst: Int32Array.from(dst), weight: Float32Array.from(weight), symmetrize: 'average' });
    const dense = new Float32Array(n * n);
    let total = 0;
    src.forEach((s, e) => { dense[s * n + dst[e]] += weight[e]; dense[dst[e] * n + s] += weight[e]; total += 2 * weight[e]; });
    const A = tf.div(tf.tensor2d(dense, [n, n]), total) as tf.Tensor2D;
    const d = tf.sum(A, 1, true);
    const E = rows(n, 3, 77);
    const ref = (e: tf.Tensor2D) => {
      const tr = tf.sum(tf.mul(e, tf.matMul(A, e)));
      const M = tf.matMul(e, tf.mul(d, e), true, false);
      return tf.add(tf.mul(tr, -2), tf.sum(tf.square(M)));
    };
    const loss = (await values(populationLoss(graph, E)))[0];
    const want = (await values(ref(E)))[0];
    // Sums over n = 12 nodes of products of length 3, in float32: 64 n u relative to the terms'
    // magnitude (|2 tr| + ||M||^2, both O(||E||^2 / n) here, bounded by 1 + the loss).
    t.true(Math.abs(loss - want) <= 64 * n * U32 * (1 + Math.abs(want)), `loss ${loss} vs ${want}`);
    const g = tf.grad((e: tf.Tensor) => populationLoss(graph, e as tf.Tensor2D))(E);
    const r = tf.grad((e: tf.Tensor) => ref(e as tf.Tensor2D))(E);
    t.true(relativeMaxError(await values(g), await values(r)) <= 64 * n * U32, `gradient error ${relativeMaxError(await values(g), await values(r))}`);
    tf.dispose([A, d, E, g, r]);
  });

  serial(title('bad input: dtype TypeErrors, shape RangeErrors, disposed tensors, before any kernel'), async (t) => {
    await use();
    const z = rows(8, 4, 1);
    const w = rows(8, 4, 2);
    const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    t.throws(() => spectralLoss(ints, w), { instanceOf: TypeError, message: /spectralLoss: z must be a float32 tensor, got int32/ });
    t.throws(() => spectralLoss(z, ints), { instanceOf: TypeError, message: /w must be a float32 tensor/ });
    t.throws(() => gram({ data: new Float32Array(4), rows: 2, cols: 2 } as unknown as tf.Tensor2D), { instanceOf: TypeError, message: /gram: z must be a tf.Tensor/ });
    t.throws(() => spectralLoss(z, rows(8, 5, 3)), { instanceOf: RangeError, message: /w must have z's shape \[8, 4\]/ });
    t.throws(() => spectralLoss(tf.zeros([8]) as unknown as tf.Tensor2D, w), { instanceOf: RangeError, message: /z must be a rank-2 tensor/ });
    t.throws(() => spectralLoss(z, w, { mu: -1 }), { instanceOf: RangeError, message: /mu/ });
    t.throws(() => spectralLoss(rows(1, 4, 4), rows(1, 4, 5)), { instanceOf: RangeError, message: /at least 2 rows/ });
    t.throws(() => crossGram(z, rows(3, 5, 6)), { instanceOf: RangeError, message: /crossGram: w must have z's 4 columns/ });
    t.throws(() => innerGram(z, rows(3, 4, 6)), { instanceOf: RangeError, message: /innerGram: w must have z's 8 rows/ });
    t.throws(() => populationLoss({} as Graph, z), { instanceOf: TypeError, message: /graph must be a speclin Graph/ });
    // Every op checks its tensors by the same rule, naming its own arguments.
    t.throws(() => gram(ints as tf.Tensor2D), { instanceOf: TypeError, message: /gram: z must be a float32 tensor, got int32/ });
    t.throws(() => crossGram(z, ints), { instanceOf: TypeError, message: /crossGram: w must be a float32 tensor/ });
    t.throws(() => innerGram(ints, z), { instanceOf: TypeError, message: /innerGram: z must be a float32 tensor/ });
    const ring = Graph.fromEdges({ n: 8, src: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), dst: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 0]), symmetrize: 'average' });
    t.throws(() => populationLoss(ring, tf.cast(z, 'int32') as tf.Tensor2D), { instanceOf: TypeError, message: /populationLoss: embedding must be a float32 tensor, got int32/ });
    t.throws(() => populationLoss(ring, rows(7, 4, 10)), { instanceOf: RangeError, message: /populationLoss: embedding must have one row per node \(8\), got shape \[7, 4\]/ });
    t.throws(() => gram(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D), { instanceOf: RangeError, message: /gram: z must be a rank-2 tensor/ });
    const disposed = rows(8, 4, 9);
    disposed.dispose();
    t.throws(() => spectralLoss(disposed, w), { instanceOf: SpeclinError, message: /spectralLoss: z has been disposed/ });
    tf.dispose([z, w, ints]);
  });
}
