// The linear probe: ridge regression one-vs-rest on a few labelled examples per class, evaluated
// on every other example. The same probe (same split, same preprocessing, same ridge) runs on the
// learned embedding, the exact eigenvectors and the raw pixels, so the three accuracies compare
// representations, not probes. It is solved in the dual (an m x m system, m = labelled examples),
// which costs the same for 16 features as for 784.
import { crossGramSync, gramSync } from '../gram.js';
import type { Matrix } from '../types.js';
import { permutation } from '../random.js';
import { choleskySolve } from '../dense.js';

export interface ProbeOptions {
  /** Labelled examples per class (10 by default). */
  perClass?: number;
  seed?: number;
  /** Ridge strength relative to the mean squared norm of the (normalized, centred) training rows.
   * Fixed, not tuned on the test set. */
  ridge?: number;
}

export interface ProbeSplit {
  train: Int32Array;
  test: Int32Array;
}

/** The first `perClass` examples of each class in a seeded permutation; the rest are the test set. */
export function probeSplit(labels: ArrayLike<number>, perClass: number, seed: number): ProbeSplit {
  const order = permutation(labels.length, seed);
  const taken = new Map<number, number>();
  const train: number[] = [];
  const test: number[] = [];
  for (const i of order) {
    const c = labels[i];
    const t = taken.get(c) ?? 0;
    if (t < perClass) {
      taken.set(c, t + 1);
      train.push(i);
    } else test.push(i);
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Rows scaled to unit length (zero rows stay zero), in float64. */
function normalizedRows(X: Matrix, rows: Int32Array): Float64Array {
  const d = X.cols;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[base + j] * X.data[base + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[r * d + j] = X.data[base + j] * inv;
  }
  return out;
}

/** Test accuracy in [0, 1] of the ridge probe on features X (n x d) with integer labels. */
export function probeAccuracy(X: Matrix, labels: ArrayLike<number>, options: ProbeOptions = {}): number {
  if (labels.length !== X.rows) throw new RangeError(`labels must have length ${X.rows}, got ${labels.length}`);
  const split = probeSplit(labels, options.perClass ?? 10, options.seed ?? 0);
  return probeOnSplit(X, labels, split, options.ridge ?? 1e-2);
}

export function probeOnSplit(X: Matrix, labels: ArrayLike<number>, split: ProbeSplit, ridge = 1e-2): number {
  if (split.test.length === 0) throw new RangeError('the probe has no examples left to evaluate: every example is a labelled one (fewer than perClass + 1 per class)');
  if (split.train.length === 0) throw new RangeError('the probe has no labelled examples');
  const d = X.cols;
  const classes = Array.from(new Set(Array.from(labels))).sort((a, b) => a - b);
  const c = classes.length;
  const classIndex = new Map(classes.map((v, i) => [v, i]));
  const m = split.train.length;
  const Xtr = normalizedRows(X, split.train);
  const Xte = normalizedRows(X, split.test);
  // Centre both on the training mean: the intercept then is the mean of the targets.
  const mean = new Float64Array(d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) mean[j] += Xtr[i * d + j] / m;
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) Xtr[i * d + j] -= mean[j];
  for (let i = 0; i < split.test.length; i++) for (let j = 0; j < d; j++) Xte[i * d + j] -= mean[j];
  const Y = new Float64Array(m * c);
  const yMean = new Float64Array(c);
  for (let i = 0; i < m; i++) {
    const col = classIndex.get(labels[split.train[i]])!;
    Y[i * c + col] = 1;
    yMean[col] += 1 / m;
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < c; j++) Y[i * c + j] -= yMean[j];
  const K = gramSync({ data: Xtr, rows: m, cols: d }) as Matrix<Float64Array>;
  let trace = 0;
  for (let i = 0; i < m; i++) trace += K.data[i * m + i];
  const lambda = ridge * Math.max(trace / m, 1e-12);
  for (let i = 0; i < m; i++) K.data[i * m + i] += lambda;
  const alpha = choleskySolve(K.data, m, Y, c);
  const cross = crossGramSync({ data: Xte, rows: split.test.length, cols: d }, { data: Xtr, rows: m, cols: d }) as Matrix<Float64Array>;
  let correct = 0;
  for (let t = 0; t < split.test.length; t++) {
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < c; j++) {
      let s = yMean[j];
      for (let i = 0; i < m; i++) s += cross.data[t * m + i] * alpha[i * c + j];
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    if (classes[arg] === labels[split.test[t]]) correct++;
  }
  return correct / split.test.length;
}
