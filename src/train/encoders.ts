// The encoders f that the loop trains: a free embedding table (one row per node), a linear map of
// node features, and a 2-layer ReLU MLP. Forward and backward passes are written by hand on the
// Gram family: crossGram(X, W) = X W^T is every forward product, innerGram(G, X) = G^T X every
// weight gradient, and crossGram(G, W^T) the one backward product into a hidden layer.
import { crossGramSync, innerGramSync } from '../gram.js';
import type { FloatArray, Matrix } from '../types.js';
import { gaussian } from '../random.js';

export type EncoderKind = 'table' | 'linear' | 'mlp';

/** What a forward pass keeps for its backward pass. */
export interface ForwardPass<T extends FloatArray> {
  /** The embeddings of the requested nodes, rows x dim. */
  output: Matrix<T>;
  /** The nodes embedded (null: all of them, in order). */
  nodes: Int32Array | null;
  /** Encoder-specific intermediates (gathered inputs, hidden activations). */
  saved: Matrix<T>[];
}

export interface Encoder<T extends FloatArray = FloatArray> {
  readonly kind: EncoderKind;
  /** How many nodes it embeds. */
  readonly n: number;
  /** The embedding dimension k. */
  readonly dim: number;
  /** The trainable arrays, updated in place by an optimizer. */
  readonly params: T[];
  /** Embeds the given nodes (all nodes when omitted). */
  forward(nodes?: Int32Array): ForwardPass<T>;
  /** Adds d(loss)/d(params) to `grads`, given d(loss)/d(output) of one forward pass, so that the
   * two towers of a minibatch (anchors and positives) can share one set of gradients. */
  backward(pass: ForwardPass<T>, gradOutput: Matrix<T>, grads: T[]): void;
  /** Fresh zeroed arrays shaped like `params`. */
  zeroGrads(): T[];
  /** Embeds inputs it was not built on (rows x d, the features' width): linear and MLP encoders
   * only, a table has nothing to embed a new node with. */
  embed?(inputs: Matrix): Matrix<T>;
}

type Ctor<T extends FloatArray> = { new (n: number): T };

function ctorOf<T extends FloatArray>(data: T): Ctor<T> {
  return data.constructor as Ctor<T>;
}

function checkNodes(nodes: Int32Array | undefined, n: number): void {
  if (nodes === undefined) return;
  if (!(nodes instanceof Int32Array)) throw new TypeError('nodes must be an Int32Array');
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i];
    if (v < 0 || v >= n) throw new RangeError(`nodes[${i}] = ${v} is outside 0..${n - 1}`);
  }
}

function checkGradOutput(pass: ForwardPass<FloatArray>, g: Matrix): void {
  if (g.rows !== pass.output.rows || g.cols !== pass.output.cols) {
    throw new RangeError(
      `gradOutput must be ${pass.output.rows} x ${pass.output.cols} (the forward output), got ${g.rows} x ${g.cols}`,
    );
  }
}

/** Rows `nodes` of M (all of M, without copying, when nodes is null). */
export function gatherRows<T extends FloatArray>(M: Matrix<T>, nodes: Int32Array | null): Matrix<T> {
  if (nodes === null) return M;
  const c = M.cols;
  const out = new (ctorOf(M.data))(nodes.length * c);
  for (let i = 0; i < nodes.length; i++) out.set(M.data.subarray(nodes[i] * c, nodes[i] * c + c), i * c);
  return { data: out, rows: nodes.length, cols: c };
}

/** M's entries in another dtype (a float64 query for a float32 encoder, or the reverse). */
function convert<T extends FloatArray>(M: Matrix, ctor: Ctor<T>): Matrix<T> {
  const out = new ctor(M.data.length);
  for (let i = 0; i < out.length; i++) out[i] = M.data[i];
  return { data: out, rows: M.rows, cols: M.cols };
}

function addBias<T extends FloatArray>(M: Matrix<T>, b: T): void {
  const c = M.cols;
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < c; j++) M.data[i * c + j] += b[j];
}

function addInto(target: FloatArray, source: FloatArray): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/** Column sums accumulated in float64, added to `target`. */
function addColumnSums(target: FloatArray, G: Matrix): void {
  const c = G.cols;
  const s = new Float64Array(c);
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < c; j++) s[j] += G.data[i * c + j];
  for (let j = 0; j < c; j++) target[j] += s[j];
}

function transpose<T extends FloatArray>(data: T, rows: number, cols: number): Matrix<T> {
  const out = new (ctorOf(data))(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return { data: out, rows: cols, cols: rows };
}

function randomArray<T extends FloatArray>(ctor: Ctor<T>, length: number, scale: number, seed: number): T {
  const g = gaussian(seed);
  const a = new ctor(length);
  for (let i = 0; i < length; i++) a[i] = g() * scale;
  return a;
}

function checkDim(name: string, v: number): void {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

export interface TableOptions {
  n: number;
  dim: number;
  dtype?: 'float32' | 'float64';
  seed?: number;
  /** Standard deviation of the initial entries. Small, so training starts near the saddle at 0
   * but off it. */
  initScale?: number;
}

/** A free embedding table: f(x) is row x of E (n x dim), every row a parameter. */
export function tableEncoder(options: TableOptions): Encoder {
  checkDim('n', options.n);
  checkDim('dim', options.dim);
  const ctor: Ctor<FloatArray> = options.dtype === 'float64' ? Float64Array : Float32Array;
  const { n, dim } = options;
  const E = randomArray(ctor, n * dim, options.initScale ?? 0.1, options.seed ?? 0);
  return {
    kind: 'table',
    n,
    dim,
    params: [E],
    forward(nodes) {
      checkNodes(nodes, n);
      const all = { data: E, rows: n, cols: dim };
      const output = nodes === undefined ? { data: E.slice(), rows: n, cols: dim } : gatherRows(all, nodes);
      return { output, nodes: nodes ?? null, saved: [] };
    },
    backward(pass, g, grads) {
      checkGradOutput(pass, g);
      const gE = grads[0];
      if (pass.nodes === null) {
        addInto(gE, g.data);
        return;
      }
      const nodes = pass.nodes;
      for (let i = 0; i < nodes.length; i++) {
        const base = nodes[i] * dim;
        for (let j = 0; j < dim; j++) gE[base + j] += g.data[i * dim + j];
      }
    },
    zeroGrads() {
      return [new ctor(n * dim)];
    },
  };
}

/** The rows of a new input for an encoder built on d-wide features, checked. */
function checkInputs(inputs: Matrix, d: number): void {
  checkFeatures(inputs);
  if (inputs.cols !== d) throw new RangeError(`inputs must have ${d} columns (the features the encoder was built on), got ${inputs.cols}`);
}

function checkFeatures(features: Matrix): void {
  if (!features || !(features.data instanceof Float32Array || features.data instanceof Float64Array)) {
    throw new TypeError('features must be a Matrix with a Float32Array or Float64Array data');
  }
  if (features.data.length !== features.rows * features.cols) {
    throw new RangeError(`features.data has length ${features.data.length}, expected rows * cols = ${features.rows * features.cols}`);
  }
}

export interface LinearOptions {
  /** Node features, n x d; the encoder's dtype is theirs. */
  features: Matrix;
  dim: number;
  seed?: number;
}

/** f(x) = W x + b, W dim x d. */
export function linearEncoder(options: LinearOptions): Encoder {
  const X = options.features;
  checkFeatures(X);
  checkDim('dim', options.dim);
  const ctor = ctorOf(X.data);
  const { dim } = options;
  const d = X.cols;
  const W = randomArray(ctor, dim * d, 1 / Math.sqrt(d), options.seed ?? 0);
  const b = new ctor(dim);
  const apply = (input: Matrix): Matrix => {
    const output = crossGramSync(input, { data: W, rows: dim, cols: d }) as Matrix;
    addBias(output, b);
    return output;
  };
  return {
    kind: 'linear',
    n: X.rows,
    dim,
    params: [W, b],
    forward(nodes) {
      checkNodes(nodes, X.rows);
      const input = gatherRows(X, nodes ?? null);
      return { output: apply(input), nodes: nodes ?? null, saved: [input] };
    },
    embed(inputs) {
      checkInputs(inputs, d);
      return apply(inputs.data instanceof ctor ? inputs : convert(inputs, ctor));
    },
    backward(pass, g, grads) {
      checkGradOutput(pass, g);
      addInto(grads[0], (innerGramSync(g, pass.saved[0]) as Matrix).data);
      addColumnSums(grads[1], g);
    },
    zeroGrads() {
      return [new ctor(dim * d), new ctor(dim)];
    },
  };
}

/** c y_i / |y_i| for each row y_i of Y (norms in float64; a zero row stays zero). */
function scaledUnitRows<T extends FloatArray>(Y: Matrix<T>, c: number): Matrix<T> {
  const out = new (ctorOf(Y.data))(Y.data.length);
  const k = Y.cols;
  for (let i = 0; i < Y.rows; i++) {
    let n2 = 0;
    for (let j = 0; j < k; j++) n2 += Y.data[i * k + j] ** 2;
    const f = n2 > 0 ? c / Math.sqrt(n2) : 0;
    for (let j = 0; j < k; j++) out[i * k + j] = Y.data[i * k + j] * f;
  }
  return { data: out, rows: Y.rows, cols: k };
}

/** Given G = d loss / d out for out = c y / |y| (row-wise), adds d loss / d c to gradScale[0] and
 * returns d loss / d y = (c / |y|) (g - u (u . g)) per row, u = y / |y|. */
function unitRowsBackward<T extends FloatArray>(Y: Matrix<T>, G: Matrix, c: number, gradScale: FloatArray): Matrix<T> {
  const out = new (ctorOf(Y.data))(Y.data.length);
  const k = Y.cols;
  let dc = 0;
  for (let i = 0; i < Y.rows; i++) {
    let n2 = 0;
    for (let j = 0; j < k; j++) n2 += Y.data[i * k + j] ** 2;
    if (!(n2 > 0)) continue;
    const n = Math.sqrt(n2);
    let ug = 0;
    for (let j = 0; j < k; j++) ug += (Y.data[i * k + j] / n) * G.data[i * k + j];
    dc += ug;
    for (let j = 0; j < k; j++) out[i * k + j] = (c / n) * (G.data[i * k + j] - (Y.data[i * k + j] / n) * ug);
  }
  gradScale[0] += dc;
  return { data: out, rows: Y.rows, cols: k };
}

export interface MlpOptions {
  features: Matrix;
  dim: number;
  /** The hidden layers' widths: one number (one hidden layer, default 256) or a list, input side
   * first. */
  hidden?: number | readonly number[];
  seed?: number;
  /** Ends in an L2 normalization times a learned scale c: f(x) = c y / |y|, y the last layer's
   * output (c starts at `normalize`, e.g. sqrt of the expected squared norm). Every embedding then
   * has the same norm, so that no input outranks the others in every search by its norm alone. */
  normalize?: number;
}

/** f(x) = W_L+1 relu(... relu(W1 x + b1) ...) + b_L+1 with L hidden layers (default one of 256:
 * f = W2 relu(W1 x + b1) + b2), He initialization for the ReLU layers. */
export function mlpEncoder(options: MlpOptions): Encoder {
  const X = options.features;
  checkFeatures(X);
  checkDim('dim', options.dim);
  const hidden = typeof options.hidden === 'number' || options.hidden === undefined ? [options.hidden ?? 256] : [...options.hidden];
  if (hidden.length === 0) throw new RangeError('hidden must list at least one layer width');
  hidden.forEach((h, i) => checkDim(`hidden[${i}]`, h));
  const ctor = ctorOf(X.data);
  const { dim } = options;
  const d = X.cols;
  const seed = options.seed ?? 0;
  const normalize = options.normalize;
  if (normalize !== undefined && !(normalize > 0 && Number.isFinite(normalize))) throw new RangeError(`normalize must be a positive scale, got ${normalize}`);
  // Layer l maps widths[l] to widths[l + 1]; the last one is the linear output layer.
  const widths = [d, ...hidden, dim];
  const layers = widths.slice(1).map((out, l) => {
    const inp = widths[l];
    const relu = l < hidden.length;
    return { inp, out, W: randomArray(ctor, out * inp, Math.sqrt((relu ? 2 : 1) / inp), seed + l), b: new ctor(out) };
  });
  const scale = normalize === undefined ? undefined : new ctor(1).fill(normalize);
  /** The activations of every hidden layer (after the ReLU), the last layer's output y and the
   * output (y, or scale y / |y| with normalize). */
  const apply = (input: Matrix): { H: Matrix[]; y: Matrix; output: Matrix } => {
    const H: Matrix[] = [];
    let x = input;
    for (let l = 0; l < layers.length; l++) {
      const { W, b, inp, out } = layers[l];
      const y = crossGramSync(x, { data: W, rows: out, cols: inp }) as Matrix;
      addBias(y, b);
      if (l === layers.length - 1) return { H, y, output: scale ? scaledUnitRows(y, scale[0]) : y };
      for (let i = 0; i < y.data.length; i++) if (y.data[i] < 0) y.data[i] = 0;
      H.push(y);
      x = y;
    }
    throw new Error('internal: an MLP has an output layer');
  };
  return {
    kind: 'mlp',
    n: X.rows,
    dim,
    params: [...layers.flatMap((l) => [l.W, l.b]), ...(scale ? [scale] : [])],
    forward(nodes) {
      checkNodes(nodes, X.rows);
      const input = gatherRows(X, nodes ?? null);
      const { H, y, output } = apply(input);
      return { output, nodes: nodes ?? null, saved: [input, ...H, y] };
    },
    embed(inputs) {
      checkInputs(inputs, d);
      return apply(inputs.data instanceof ctor ? inputs : convert(inputs, ctor)).output;
    },
    backward(pass, g, grads) {
      checkGradOutput(pass, g);
      // saved[l] is layer l's input: the features, then each hidden layer's activations; then y.
      let gOut: Matrix = scale ? unitRowsBackward(pass.saved[layers.length], g, scale[0], grads[2 * layers.length]) : g;
      for (let l = layers.length - 1; l >= 0; l--) {
        const { W, inp, out } = layers[l];
        const layerInput = pass.saved[l];
        addInto(grads[2 * l], (innerGramSync(gOut, layerInput) as Matrix).data);
        addColumnSums(grads[2 * l + 1], gOut);
        if (l === 0) break;
        // d loss / d (layer input) = G W = crossGram(G, W^T), then through the ReLU that made it
        // (its derivative is taken as 0 at 0, where the activation was clamped).
        const gIn = crossGramSync(gOut, transpose(W, out, inp)) as Matrix;
        for (let i = 0; i < gIn.data.length; i++) if (layerInput.data[i] <= 0) gIn.data[i] = 0;
        gOut = gIn;
      }
    },
    zeroGrads() {
      return [...layers.flatMap((l) => [new ctor(l.out * l.inp), new ctor(l.out)]), ...(scale ? [new ctor(1)] : [])];
    },
  };
}
