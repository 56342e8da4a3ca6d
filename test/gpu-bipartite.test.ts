// The bipartite (CLIP) side of the WebGPU backend, run for real (on CI: Mesa's lavapipe): P̄ and
// P̄^T products against a naive float64 loop, the two-tower population loss against the CPU's,
// svds against the CPU svds and numpy's SVD of the dense P̄, the training loss provider on a
// BipartiteGraph, and bad inputs. One device per process (helpers/webgpu.ts); every test is serial.
// Sizes are not multiples of 4 (the row padding), 64 (the Lanczos basis padding) or 256 (the
// workgroup size), so every kernel runs with partial rows and partial workgroups.
import test from 'ava';
import { BipartiteGraph, createWebGpuBackend, SpeclinError, populationLossSync, svds } from '../src/index.js';
import type { GpuMatrix } from '../src/index.js';
import type { Matrix } from '../src/types.js';
import { train } from '../src/train/loop.js';
import { tableEncoder } from '../src/train/encoders.js';
import { webGpuLossProvider } from '../src/train/webgpu-loss.js';
import { randomMatrix, rng } from './helpers/random.js';
import { denseProduct, relativeMaxError } from './helpers/reference.js';
import { host } from './helpers/gpu-reference.js';
import { openTestBackend } from './helpers/webgpu.js';
import { python } from './helpers/python.js';
import { numpySingularValues } from './helpers/numpy.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

const backend = await openTestBackend();

interface Pairs {
  nLeft: number;
  nRight: number;
  left: Int32Array;
  right: Int32Array;
  weight: Float64Array;
}

/** Every left node joined to `perLeft` random right nodes and every right node to one random left
 * node, weights in [0.5, 1.5): no isolated node, and connected in practice (σ_2 < 1 is checked
 * against numpy below). Duplicate pairs are summed by the graph, as by the dense reference. */
function randomPairs(nLeft: number, nRight: number, perLeft: number, seed: number): Pairs {
  const r = rng(seed);
  const left: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < nLeft; i++) for (let e = 0; e < perLeft; e++) { left.push(i); right.push(Math.floor(r() * nRight)); }
  for (let j = 0; j < nRight; j++) { left.push(Math.floor(r() * nLeft)); right.push(j); }
  return { nLeft, nRight, left: Int32Array.from(left), right: Int32Array.from(right), weight: Float64Array.from(left, () => 0.5 + r()) };
}

/** Dense P (float64, row-major nLeft x nRight), and P̄ = D_x^-1/2 P D_t^-1/2. */
function dense(p: Pairs) {
  const P = new Float64Array(p.nLeft * p.nRight);
  for (let e = 0; e < p.left.length; e++) P[p.left[e] * p.nRight + p.right[e]] += p.weight[e];
  const dl = new Float64Array(p.nLeft);
  const dr = new Float64Array(p.nRight);
  for (let i = 0; i < p.nLeft; i++) for (let j = 0; j < p.nRight; j++) { dl[i] += P[i * p.nRight + j]; dr[j] += P[i * p.nRight + j]; }
  const Pbar = P.map((x, q) => x / Math.sqrt(dl[Math.floor(q / p.nRight)] * dr[q % p.nRight]));
  return { P, Pbar };
}

const graphOf = (p: Pairs) => BipartiteGraph.fromEdges({ nLeft: p.nLeft, nRight: p.nRight, left: p.left, right: p.right, weight: p.weight });
const f64 = (m: Matrix<Float32Array>): Matrix<Float64Array> => ({ data: Float64Array.from(m.data), rows: m.rows, cols: m.cols });

if (backend) {
  const gpu = backend;

  // Products: the GPU rounds each stored weight of P or P̄ to float32 once (P̄ scaled on the host in
  // float64) and sums at most ~10 terms per entry in float32 with fma; against float64 the error
  // is a few units of 2^-24 relative to the sum of |terms|, so 1e-5 of the largest |entry| holds
  // with an order of magnitude to spare.
  test.serial('P x, P^T y, P̄ x and P̄^T y match a naive float64 loop', async (t) => {
    for (const [nLeft, nRight] of [[37, 53], [61, 29], [1, 7]]) {
      const p = randomPairs(nLeft, nRight, 3, nLeft * 100 + nRight);
      const { P, Pbar } = dense(p);
      const g = graphOf(p);
      const resident = gpu.uploadBipartite(g);
      t.is(resident.nLeft, nLeft);
      t.is(resident.nRight, nRight);
      t.is(resident.nnz, g.nnz);
      try {
        for (const normalized of [false, true]) {
          const M = normalized ? Pbar : P;
          for (const transpose of [false, true]) {
            const rows = transpose ? nLeft : nRight;
            const what = `${nLeft}x${nRight} ${normalized ? 'P̄' : 'P'}${transpose ? '^T' : ''}`;
            // One column (the vector kernel) and five (the multi-column kernel).
            const x = randomMatrix(Float32Array, rows, 1, rows + 1).data;
            const y = (await gpu.spmv(resident, x, { normalized, transpose })) as Float32Array;
            t.true(y instanceof Float32Array);
            t.is(y.length, transpose ? nRight : nLeft);
            t.true(relativeMaxError(y, denseProduct(M, nLeft, nRight, x, 1, transpose)) < 1e-5, what);
            const X = randomMatrix(Float32Array, rows, 5, rows + 2);
            const Y = host(await gpu.spmv(g, X, { normalized, transpose }));
            t.is(Y.rows, transpose ? nRight : nLeft);
            t.is(Y.cols, 5);
            t.true(relativeMaxError(Y.data, denseProduct(M, nLeft, nRight, X.data, 5, transpose)) < 1e-5, `${what}, 5 columns`);
          }
        }
        // A GpuMatrix in gives a GpuMatrix out; the same numbers as the host path.
        const X = randomMatrix(Float32Array, nRight, 3, 9);
        const Xg = gpu.upload(X);
        const Yg = (await gpu.spmv(resident, Xg, { normalized: true })) as GpuMatrix;
        t.is(Yg.rows, nLeft);
        const Yh = host(await gpu.spmv(resident, X, { normalized: true }));
        t.deepEqual((await gpu.download(Yg)).data, Yh.data);
        Xg.destroy();
        Yg.destroy();
      } finally {
        resident.destroy();
      }
    }
    // CSR arrays work as well as a BipartiteGraph; a left node with no pair is a zero row of P̄.
    const csr = { nLeft: 3, nRight: 2, indptr: [0, 2, 2, 3], indices: [0, 1, 1], values: [1, 3, 2] };
    const y = (await gpu.spmv(csr, new Float32Array([1, 1]), { normalized: true })) as Float32Array;
    // P̄ = [[1/sqrt(4*1), 3/sqrt(4*5)], [0, 0], [0, 2/sqrt(2*5)]]
    const want = [1 / 2 + 3 / Math.sqrt(20), 0, 2 / Math.sqrt(10)];
    t.true(relativeMaxError(y, want) < 1e-6);
  });

  // The population loss: both sides take the same float32 towers; the CPU accumulates in float64,
  // the GPU in compensated float32 partial sums added in float64 and float32 products with fma.
  // A float32 dot product of length K <= ~70 is off by ~sqrt(K) 2^-24 relative to the sum of
  // |terms|, so the gradients agree to 1e-4 of their largest entry and the loss to 1e-5 of
  // |trace term| + |cross term| (they partly cancel).
  test.serial('the bipartite populationLoss and both gradients match the CPU', async (t) => {
    for (const [nLeft, nRight, k] of [[45, 70, 3], [70, 45, 6], [13, 9, 1]]) {
      const p = randomPairs(nLeft, nRight, 4, nLeft + 7 * nRight);
      const g = graphOf(p);
      const Ex = randomMatrix(Float32Array, nLeft, k, nLeft + k, 0.3);
      const Et = randomMatrix(Float32Array, nRight, k, nRight + k, 0.3);
      const want = populationLossSync(g, f64(Ex), f64(Et));
      // The loss's two terms, to scale its tolerance: the cross term in float64 here, the trace term
      // the rest of the CPU's loss.
      const cross = crossTerm(g, Ex, Et);
      const scale = Math.abs(want.loss - cross) + Math.abs(cross);
      const got = await gpu.populationLoss(g, Ex, Et);
      const what = `${nLeft}x${nRight}, k ${k}`;
      t.true(Math.abs(got.loss - want.loss) <= 1e-5 * scale, `${what}: loss ${got.loss} vs ${want.loss}`);
      const gl = host(got.gradLeft);
      const gr = host(got.gradRight);
      t.deepEqual([gl.rows, gl.cols, gr.rows, gr.cols], [nLeft, k, nRight, k]);
      t.true(relativeMaxError(gl.data, want.gradLeft.data) < 1e-4, `${what}: gradLeft`);
      t.true(relativeMaxError(gr.data, want.gradRight.data) < 1e-4, `${what}: gradRight`);
      // Resident graph and GpuMatrix towers: outputs stay on the GPU, same numbers.
      const resident = gpu.uploadBipartite(g);
      const ex = gpu.upload(Ex);
      const et = gpu.upload(Et);
      const kept = await gpu.populationLoss(resident, ex, et);
      t.is(kept.loss, got.loss);
      t.deepEqual((await gpu.download(kept.gradLeft as GpuMatrix)).data, gl.data);
      t.deepEqual((await gpu.download(kept.gradRight as GpuMatrix)).data, gr.data);
      for (const x of [ex, et, kept.gradLeft as GpuMatrix, kept.gradRight as GpuMatrix]) x.destroy();
      resident.destroy();
    }
  });

  /** <Ex^T Dx Ex, Et^T Dt Et>_F in float64 from the marginals: the cross term of the loss. */
  function crossTerm(g: BipartiteGraph, Ex: Matrix<Float32Array>, Et: Matrix<Float32Array>): number {
    const k = Ex.cols;
    const gramOf = (E: Matrix<Float32Array>, p: Float64Array) => {
      const M = new Float64Array(k * k);
      for (let i = 0; i < E.rows; i++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) M[a * k + b] += p[i] * E.data[i * k + a] * E.data[i * k + b];
      return M;
    };
    const Mx = gramOf(Ex, g.marginalsLeft);
    const Mt = gramOf(Et, g.marginalsRight);
    return Mx.reduce((s, x, q) => s + x * Mt[q], 0);
  }

  // svds: the Gram eigenproblem (norm 1) is solved to tol = 1e-5 in float32 Lanczos, so each σ^2 is
  // within ~1e-5 of the truth (|λ - θ| <= ||r|| for a symmetric matrix, plus float32 rounding of
  // ~1e-6) and σ within 1e-5 / (2σ) < 1e-5 for the σ >= 0.6 of these graphs: 5e-5 leaves room.
  // Vectors are checked by their true triplet residuals ||P̄ v - σ u|| and ||P̄^T u - σ v|| in
  // float64 (bounded by the Gram residual / σ <= 1e-5 / 0.6 plus float32 entries of ~1e-7: 1e-4),
  // unit-orthogonality to 1e-5 (float32 Gram-Schmidt: ~1e-6), and against numpy's vectors up to
  // sign where the gaps to the neighbouring σ exceed 1e-2 (angle <= residual / gap, so
  // |u . u_numpy| > 1 - 1e-2 is far from any wrong vector).
  pyTest.serial('svds on the GPU: singular triplets of P̄ against numpy and the CPU svds, both sides', async (t) => {
    let compared = 0;
    for (const [nLeft, nRight, k] of [[45, 70, 4], [83, 37, 5]]) {
      const p = randomPairs(nLeft, nRight, 5, nLeft * 3 + nRight);
      const { Pbar } = dense(p);
      const g = graphOf(p);
      const np = python<{ s: number[]; u: number[][]; v: number[][] }>(
        'import json,sys,numpy as np\nd=json.load(sys.stdin)\nA=np.array(d["P"]).reshape(d["r"],d["c"])\n' +
          'u,s,vt=np.linalg.svd(A)\nprint(json.dumps({"s":s.tolist(),"u":u.T.tolist(),"v":vt.tolist()}))',
        { P: Array.from(Pbar), r: nLeft, c: nRight },
      );
      t.true(Math.abs(np.s[0] - 1) < 1e-12 && np.s[1] < 0.99, `${nLeft}x${nRight}: connected (σ_1 = 1 once)`);
      const r = await gpu.svds(g, { k, seed: 3 });
      const cpu = await svds(g, { k, tol: 1e-10 });
      const what = `${nLeft}x${nRight}`;
      t.true(r.converged);
      t.is(r.side, cpu.side);
      t.is(r.side, nLeft <= nRight ? 'left' : 'right');
      t.deepEqual([r.left.rows, r.left.cols, r.right.rows, r.right.cols], [nLeft, k, nRight, k]);
      t.true(r.left.data instanceof Float32Array && r.right.data instanceof Float32Array);
      t.true(r.products >= 2 * k && r.iterations >= 1);
      for (let q = 0; q < k; q++) {
        t.true(Math.abs(r.values[q] - np.s[q]) < 5e-5, `${what}: σ_${q} ${r.values[q]} vs numpy ${np.s[q]}`);
        t.true(Math.abs(r.values[q] - cpu.values[q]) < 5e-5, `${what}: σ_${q} ${r.values[q]} vs CPU ${cpu.values[q]}`);
      }
      for (let q = 0; q < k; q++) {
        const u = Float64Array.from({ length: nLeft }, (_, i) => r.left.data[i * k + q]);
        const v = Float64Array.from({ length: nRight }, (_, j) => r.right.data[j * k + q]);
        const Pv = denseProduct(Pbar, nLeft, nRight, v, 1, false);
        const Ptu = denseProduct(Pbar, nLeft, nRight, u, 1, true);
        const res1 = Math.hypot(...Pv.map((x, i) => x - r.values[q] * u[i]));
        const res2 = Math.hypot(...Ptu.map((x, j) => x - r.values[q] * v[j]));
        t.true(res1 < 1e-4 && res2 < 1e-4, `${what}: triplet ${q} residuals ${res1}, ${res2}`);
        // The reported residual is the first of these, up to the float32 products it came from.
        t.true(Math.abs(r.residuals[q] - res1) < 1e-5, `${what}: reported residual ${r.residuals[q]} vs ${res1}`);
        const gapPrev = q === 0 ? Infinity : np.s[q - 1] - np.s[q];
        const gapNext = np.s[q] - np.s[q + 1];
        if (Math.min(gapPrev, gapNext) > 1e-2) {
          const cu = Math.abs(u.reduce((s, x, i) => s + x * np.u[q][i], 0));
          const cv = Math.abs(v.reduce((s, x, j) => s + x * np.v[q][j], 0));
          t.true(cu > 1 - 1e-2 && cv > 1 - 1e-2, `${what}: vectors ${q} vs numpy: |cos| ${cu}, ${cv}`);
          compared++;
        }
      }
      for (const M of [r.left, r.right]) {
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            let s = 0;
            for (let i = 0; i < M.rows; i++) s += M.data[i * k + a] * M.data[i * k + b];
            t.true(Math.abs(s - (a === b ? 1 : 0)) < 1e-5, `${what}: orthonormality (${a}, ${b}): ${s}`);
          }
        }
      }
      t.log(`${what}, k ${k}: ${r.iterations} Lanczos steps, ${r.products} products (CPU: ${cpu.iterations} iterations, ${cpu.products} products)`);
    }
    t.true(compared >= 4, `only ${compared} singular vectors had gaps > 1e-2 to compare with numpy`);

    // The other reduction path (workgroup tree vs subgroups) in the Lanczos norms and dot products.
    const modes = gpu.info.features.includes('subgroups') ? (['tree', 'subgroups'] as const) : (['tree'] as const);
    const p = randomPairs(45, 70, 5, 45 * 3 + 70);
    const g = graphOf(p);
    const want = await svds(g, { k: 4, tol: 1e-10 });
    for (const mode of modes) {
      gpu.reductions = mode;
      const r = await gpu.svds(g, { k: 4, seed: 5 });
      for (let q = 0; q < 4; q++) t.true(Math.abs(r.values[q] - want.values[q]) < 5e-5, `${mode}: σ_${q} ${r.values[q]} vs ${want.values[q]}`);
    }
  });

  /** Pairs of independent blocks side by side: one connected component per block. */
  function unionOf(blocks: Pairs[]): Pairs {
    const left: number[] = [];
    const right: number[] = [];
    const weight: number[] = [];
    let l0 = 0;
    let r0 = 0;
    for (const b of blocks) {
      b.left.forEach((i, e) => { left.push(l0 + i); right.push(r0 + b.right[e]); weight.push(b.weight[e]); });
      l0 += b.nLeft;
      r0 += b.nRight;
    }
    return { nLeft: l0, nRight: r0, left: Int32Array.from(left), right: Int32Array.from(right), weight: Float64Array.from(weight) };
  }

  // σ = 1 once per connected component: svds locks D^{1/2} 1_C of the solved side per component
  // (the left side, then the right side when it is the smaller). Tolerances as in the test above;
  // the locked σ = sqrt(Rayleigh quotient of a float32 vector) to 1e-6.
  pyTest.serial('svds on the GPU deflates the components of a bipartite graph: σ = 1 once per component', async (t) => {
    for (const [lefts, rights] of [[[23, 41, 17], [40, 30, 50]], [[50, 61, 33], [20, 35, 27]]]) {
      const p = unionOf(lefts.map((nl, b) => randomPairs(nl, rights[b], 3, 100 + nl + b)));
      const { Pbar } = dense(p);
      const np = numpySingularValues(Pbar, p.nLeft, p.nRight);
      const what = `${p.nLeft}x${p.nRight}`;
      t.true(np.slice(0, 3).every((x) => Math.abs(x - 1) < 1e-12) && np[3] < 0.99, `${what}: three components`);
      const g = graphOf(p);
      for (const k of [5, 2]) {
        const r = await gpu.svds(g, { k, seed: 2 });
        t.true(r.converged);
        t.is(r.side, p.nLeft <= p.nRight ? 'left' : 'right');
        for (let q = 0; q < k; q++) t.true(Math.abs(r.values[q] - np[q]) < (q < 3 ? 1e-6 : 5e-5), `${what}, k ${k}: σ_${q} ${r.values[q]} vs ${np[q]}`);
        for (let q = 0; q < k; q++) {
          const u = Float64Array.from({ length: p.nLeft }, (_, i) => r.left.data[i * k + q]);
          const v = Float64Array.from({ length: p.nRight }, (_, j) => r.right.data[j * k + q]);
          const res1 = Math.hypot(...denseProduct(Pbar, p.nLeft, p.nRight, v, 1, false).map((x, i) => x - r.values[q] * u[i]));
          const res2 = Math.hypot(...denseProduct(Pbar, p.nLeft, p.nRight, u, 1, true).map((x, j) => x - r.values[q] * v[j]));
          t.true(res1 < 1e-4 && res2 < 1e-4, `${what}, k ${k}: triplet ${q} residuals ${res1}, ${res2}`);
        }
        for (const M of [r.left, r.right]) {
          for (let a = 0; a < k; a++) {
            for (let b = 0; b < k; b++) {
              let s = 0;
              for (let i = 0; i < M.rows; i++) s += M.data[i * k + a] * M.data[i * k + b];
              t.true(Math.abs(s - (a === b ? 1 : 0)) < 1e-5, `${what}, k ${k}: orthonormality (${a}, ${b}): ${s}`);
            }
          }
        }
        // k = 2 < 3 components: two locked vectors, their two checking Gram products and the two
        // completing ones, each of two P̄ products; no Lanczos step.
        if (k === 2) t.deepEqual([r.iterations, r.products], [0, 8]);
        t.log(`${what}, k ${k}: ${r.iterations} Lanczos steps, ${r.products} products`);
      }
      // A block that is not made of singular vectors of the solved side: a RangeError naming the column.
      const n = Math.min(p.nLeft, p.nRight);
      const bad = Float64Array.from({ length: n * 2 }, (_, q) => (q % 2 === 0 ? 1 : q % 5));
      await t.throwsAsync(gpu.svds(g, { k: 4, deflate: { data: bad, rows: n, cols: 2 } }), { instanceOf: RangeError, message: /^eigsh: deflate column 0 is not an eigenvector/ });
      // deflate: false: the single-vector solver alone; whatever copies of 1 it finds are true triplets.
      const plain = await gpu.svds(g, { k: 3, seed: 2, deflate: false });
      t.true(plain.residuals.every((x) => x < 1e-4) && Math.abs(plain.values[0] - 1) < 1e-5);
    }
  });

  test.serial('bad inputs: RangeErrors naming the argument and what was expected', async (t) => {
    const p = randomPairs(12, 7, 2, 5);
    const g = graphOf(p);
    await t.throwsAsync(gpu.svds(g, { k: 7 }), { instanceOf: RangeError, message: /^options\.k: expected an integer in \[1, 6\] \(min\(nLeft, nRight\) - 1\), got 7/ });
    await t.throwsAsync(gpu.svds(g, { k: 0 }), { instanceOf: RangeError, message: /^options\.k/ });
    await t.throwsAsync(gpu.svds(g, { k: 2, tol: 1e-9 }), { instanceOf: RangeError, message: /^options\.tol/ });
    await t.throwsAsync(gpu.svds({ n: 3, indptr: [0, 0, 0, 0], indices: [] } as never, { k: 1 }), { instanceOf: TypeError, message: /^svds: expected a bipartite graph/ });
    await t.throwsAsync(gpu.spmv(g, new Float32Array(12)), { instanceOf: RangeError, message: /^x: expected 7 rows \(graph\.nRight, for P x\), got 12/ });
    await t.throwsAsync(gpu.spmv(g, new Float32Array(7), { transpose: true }), { instanceOf: RangeError, message: /^x: expected 12 rows \(graph\.nLeft, for P\^T y\), got 7/ });
    const Ex = randomMatrix(Float32Array, 12, 3, 1);
    const Et = randomMatrix(Float32Array, 7, 3, 2);
    await t.throwsAsync(gpu.populationLoss(g, Et, Ex), { instanceOf: RangeError, message: /^Ex: expected 12 rows/ });
    await t.throwsAsync(gpu.populationLoss(g, Ex, randomMatrix(Float32Array, 7, 2, 2)), { instanceOf: RangeError, message: /^Et: expected 3 columns \(Ex\.cols\), got 2/ });
    await t.throwsAsync(gpu.populationLoss(g, Ex, undefined as never), { instanceOf: TypeError, message: /Et is missing/ });
    await t.throwsAsync(gpu.populationLoss(g, randomMatrix(Float64Array, 12, 3, 1), Et), { instanceOf: TypeError, message: /float32/ });
    const bad = { nLeft: 2, nRight: 2, indptr: [0, 1, 2], indices: [0, 1] };
    t.throws(() => gpu.uploadBipartite({ ...bad, indices: [0, 2] }), { instanceOf: RangeError, message: /^graph\.indices\[1\]: expected a right node in \[0, 2\), got 2/ });
    t.throws(() => gpu.uploadBipartite({ ...bad, values: [1, -1] }), { instanceOf: RangeError, message: /^graph\.values\[1\]: expected a finite weight >= 0/ });
    t.throws(() => gpu.uploadBipartite({ ...bad, indptr: [0, 1] }), { instanceOf: RangeError, message: /^graph\.indptr: expected 3 entries/ });
    t.throws(() => gpu.uploadBipartite({ ...bad, nRight: 0 }), { instanceOf: RangeError, message: /^graph\.nRight/ });
    const resident = gpu.uploadBipartite(bad);
    const other = await createWebGpuBackend({ device: gpu.runtime.ctx.device });
    await t.throwsAsync(other.spmv(resident, new Float32Array(2)), { instanceOf: TypeError, message: /^graph: this GpuBipartiteGraph belongs to another WebGPU backend/ });
    other.dispose(); // leaves the shared device alive (a device passed in is the caller's)
    resident.destroy();
    await t.throwsAsync(gpu.spmv(resident, new Float32Array(2)), { instanceOf: SpeclinError, message: /^graph: this GpuBipartiteGraph was destroyed/ });
    // Not converged: the error carries the triplets computed so far, completed like a result.
    const err = await t.throwsAsync(gpu.svds(graphOf(randomPairs(90, 130, 5, 8)), { k: 4, maxIterations: 1, ncv: 6 }), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_NOT_CONVERGED');
    t.regex((err as SpeclinError).message, /^svds: /);
    const partial = (err as SpeclinError).partial as { converged: boolean; values: Float64Array; left: { rows: number } };
    t.false(partial.converged);
    // The pairs that converged only (the CPU's partial result): here the locked σ = 1.
    t.true(partial.values.length < 4);
    t.is(partial.left.rows, 90);
  });

  // Training on a BipartiteGraph with the WebGPU provider: its population loss is the CPU's to the
  // float32 tolerances above, and a full-batch run records its GPU parts and approaches the optimum
  // -sum σ_i^2 (the CPU's float64 final evaluation, as on every provider).
  test.serial('the training loss provider takes a BipartiteGraph: two towers on the GPU', async (t) => {
    const p = randomPairs(40, 30, 4, 21);
    const g = graphOf(p);
    const k = 3;
    const provider = webGpuLossProvider(gpu, g);
    try {
      const Ex = randomMatrix(Float64Array, 40, k, 1, 0.3);
      const Et = randomMatrix(Float64Array, 30, k, 2, 0.3);
      const got = await provider.populationLoss(Ex, Et);
      const want = populationLossSync(g, Ex, Et);
      t.true(got.gradLeft.data instanceof Float64Array && got.gradRight!.data instanceof Float64Array);
      t.true(relativeMaxError(got.gradLeft.data, want.gradLeft.data) < 1e-4);
      t.true(relativeMaxError(got.gradRight!.data, want.gradRight.data) < 1e-4);
      t.true(Math.abs(got.loss - want.loss) < 1e-5);
      const cpu = await svds(g, { k, tol: 1e-10 });
      const optimum = -cpu.values.reduce((s, x) => s + x * x, 0);
      const r = await train({
        graph: g, encoder: tableEncoder({ n: 40, dim: k, dtype: 'float32', seed: 1 }),
        rightEncoder: tableEncoder({ n: 30, dim: k, dtype: 'float32', seed: 2 }),
        mode: 'fullbatch', steps: 300, lr: 0.05, optimizer: 'adam', lossProvider: provider, evalEvery: 100,
      });
      t.deepEqual(r.gpuParts, ['full-batch populationLoss and its gradient', 'scheduled population-loss evaluations (all but the final one)']);
      // Adam at lr 0.05 for 300 full-batch steps from a random table: within 1% of the optimum.
      t.true(r.finalPopulationLoss >= optimum - 1e-9, `${r.finalPopulationLoss} below the optimum ${optimum}`);
      t.true((r.finalPopulationLoss - optimum) / Math.abs(optimum) < 1e-2, `final ${r.finalPopulationLoss} vs optimum ${optimum}`);
    } finally {
      provider.dispose();
    }
  });
}
