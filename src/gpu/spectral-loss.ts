/// <reference types="@webgpu/types" />
// The spectral contrastive loss and its gradient on the GPU, both algorithms:
//   L = -(2/B) sum_i z_i.w_i + c_neg sum_{(i,j)} (z_i.w_j)^2,
//   c_neg = 1/(B(B-1)) over i != j ('offdiagonal') or 1/B^2 over all (i, j) ('all'),
// optionally on rows clipped to norm sqrt(mu), the loss then divided by mu.
// 'pairwise' (O(B^2 k)): S = Z W^T with the squares and the trace reduced in the GEMM's epilogue;
//   grad_Z = (-(2/B) W + 2 c_neg S0 W) / mu, grad_W = (-(2/B) Z + 2 c_neg S0^T Z) / mu (S0: S, its
//   diagonal zeroed for 'offdiagonal').
// 'gram' (O(B k^2)): sum_{i,j} (z_i.w_j)^2 = <Z^T Z, W^T W>_F, minus sum_i s_i^2 (s_i = z_i.w_i)
//   for 'offdiagonal'; grad_Z = (-(2/B) W + 2 c_neg (Z W^T W - diag(s) W)) / mu.
// The scalar terms are compensated float32 partial sums per workgroup, added in float64 here after
// the one readback of the call, or reduced on the device by a caller that records the plan itself
// (speclin/tfjs on tfjs's device, which reads nothing back).
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, allocateResult, paddedStride, type GpuMatrix } from './matrix.js';
import { encodeGemm, gemmTiles } from './gram.js';
import { kernels, programs } from './programs.js';
import { usePlan, type RecordedPlan } from './plan.js';
import { encodeFrobeniusDot, frobeniusGroups, PartialSums, type PartialTerm } from './reduce.js';

export interface SpectralLossOptions {
  mu?: number;
  negatives?: 'offdiagonal' | 'all';
  algorithm?: 'auto' | 'gram' | 'pairwise';
}

export interface SpectralLossParts<M> {
  loss: number;
  positive: number;
  negative: number;
  gradZ: M;
  gradW: M;
}

export function checkLossOptions(Z: GpuMatrix, W: GpuMatrix, options: SpectralLossOptions) {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected an object');
  const { mu, negatives = 'offdiagonal', algorithm = 'auto' } = options;
  if (mu !== undefined && (typeof mu !== 'number' || !Number.isFinite(mu) || mu <= 0)) {
    throw new RangeError(`options.mu: expected a positive finite number, got ${String(mu)}`);
  }
  if (negatives !== 'offdiagonal' && negatives !== 'all') {
    throw new RangeError(`options.negatives: expected 'offdiagonal' or 'all', got ${String(negatives)}`);
  }
  if (algorithm !== 'auto' && algorithm !== 'gram' && algorithm !== 'pairwise') {
    throw new RangeError(`options.algorithm: expected 'auto', 'gram' or 'pairwise', got ${String(algorithm)}`);
  }
  if (Z.batch !== undefined || W.batch !== undefined) throw new RangeError('Z: spectralLoss takes one matrix per tower, not a batch');
  if (W.rows !== Z.rows || W.cols !== Z.cols) {
    throw new RangeError(`W: expected ${Z.rows} x ${Z.cols} like Z, got ${W.rows} x ${W.cols}`);
  }
  if (negatives === 'offdiagonal' && Z.rows < 2) throw new RangeError("Z: 'offdiagonal' negatives need at least 2 rows");
  const B = Z.rows;
  const k = Z.cols;
  // Pairwise: S, then S W and S^T Z, 6 B^2 k flops. Gram: Z^T Z and W^T W (upper tiles only,
  // 2 B k^2 together), then Z (W^T W) and W (Z^T Z), 4 B k^2: 6 B k^2. Pairwise wins for B < k.
  const chosen = algorithm === 'auto' ? (B <= k ? 'pairwise' : 'gram') : algorithm;
  return { mu, negatives, algorithm: chosen as 'gram' | 'pairwise' };
}

/** The commands of one loss evaluation, recorded but not submitted: who submits decides whether
 * to read the partial sums back (spectralLossOnGpu) or reduce them on the device (speclin/tfjs). */
export interface SpectralLossPlan extends RecordedPlan {
  gradZ: GpuMatrix;
  gradW: GpuMatrix;
  /** The partial sums; `positive` and `negative` say how to add them up into the two terms. */
  sums: PartialSums;
  positive: PartialTerm[];
  negative: PartialTerm[];
}

export async function spectralLossOnGpu(
  ctx: GpuContext,
  pipes: Pipelines,
  owner: object,
  Z: GpuMatrix,
  W: GpuMatrix,
  options: SpectralLossOptions,
): Promise<SpectralLossParts<GpuMatrix>> {
  return usePlan(planSpectralLoss(ctx, pipes, owner, Z, W, options), async (plan) => {
    await ctx.submit(plan.encode);
    await plan.sums.read(ctx);
    const positive = plan.sums.evaluate(plan.positive);
    const negative = plan.sums.evaluate(plan.negative);
    return { loss: positive + negative, positive, negative, gradZ: plan.gradZ, gradW: plan.gradW };
  });
}

/** Checks the arguments, allocates the results and temporaries, and records the loss's commands. */
export function planSpectralLoss(
  ctx: GpuContext,
  pipes: Pipelines,
  owner: object,
  Z: GpuMatrix,
  W: GpuMatrix,
  options: SpectralLossOptions,
  outputs: { gradZ?: GpuMatrix; gradW?: GpuMatrix } = {},
): SpectralLossPlan {
  const { mu, negatives, algorithm } = checkLossOptions(Z, W, options);
  const B = Z.rows;
  const k = Z.cols;
  const offdiag = negatives === 'offdiagonal';
  const cNeg = offdiag ? 1 / (B * (B - 1)) : 1 / (B * B);
  const cPos = -2 / B;
  const scale = 1 / (mu ?? 1);

  // Encoding adds uniforms to `temps`: release() runs after the submit.
  const temps: GPUBuffer[] = [];
  const owned: GpuMatrix[] = [];
  const release = () => {
    for (const t of temps) t.destroy();
    for (const m of owned) m.destroy();
  };
  const gradZ = allocateResult(ctx, owner, 'gradZ', B, k, outputs.gradZ);
  const gradW = allocateResult(ctx, owner, 'gradW', B, k, outputs.gradW);
  try {
    // Partial-sum regions: the pairwise GEMM's epilogue writes one slot per tile; the gram
    // algorithm's row dots one per workgroup of rows, and <Z^T Z, W^T W>_F its own.
    const sums = new PartialSums();
    const gramCount4 = (k * paddedStride(k)) / 4;
    if (algorithm === 'pairwise') sums.region('pairs', gemmTiles(B, B, false));
    else sums.region('rows', Math.ceil(B / kernels.rowDots.workgroupSize)).region('frob', frobeniusGroups(gramCount4));
    temps.push(sums.allocate(ctx, 'loss partials'));

    let z = Z;
    let w = W;
    const params = pipes.uniform(programs.spectralLoss, 'params', { rows: B, stride4: Z.stride / 4, mu: mu ?? 1 });
    temps.push(params);
    let factors: GPUBuffer[] = [];
    const encoders: ((enc: GPUCommandEncoder) => void)[] = [];
    if (mu !== undefined) {
      z = allocate(ctx, owner, 'clipped Z', B, k);
      w = allocate(ctx, owner, 'clipped W', B, k);
      owned.push(z, w);
      factors = [ctx.storage('row factors', B * 4), ctx.storage('row factors', B * 4)];
      temps.push(...factors);
      encoders.push((enc) => {
        pipes.dispatch(enc, kernels.clipRows, { bindings: { params, x: Z.buffer, out: z.buffer, factor: factors[0] }, invocations: B });
        pipes.dispatch(enc, kernels.clipRows, { bindings: { params, x: W.buffer, out: w.buffer, factor: factors[1] }, invocations: B });
      });
    }
    const alpha = 2 * cNeg * scale;
    const beta = cPos * scale;
    let positive: PartialTerm[];
    let negative: PartialTerm[];
    if (algorithm === 'pairwise') {
      const S = allocate(ctx, owner, `the pairwise algorithm's S = Z W^T (${B} x ${B}; use algorithm 'gram')`, B, B);
      owned.push(S);
      encoders.push((enc) => {
        encodeGemm(ctx, pipes, enc, { a: z, transA: false, b: w, transB: true, c: S, loss: { partials: sums.binding('pairs'), maskDiagonal: offdiag } }, temps);
        encodeGemm(ctx, pipes, enc, { a: S, transA: false, b: w, transB: false, c: gradZ, alpha, axpy: { d: w, beta } }, temps);
        encodeGemm(ctx, pipes, enc, { a: S, transA: true, b: z, transB: false, c: gradW, alpha, axpy: { d: z, beta } }, temps);
      });
      // The epilogue's field 0: the squares (diagonal masked for 'offdiagonal'); field 1: the trace.
      negative = [sums.term('pairs', 0, cNeg * scale)];
      positive = [sums.term('pairs', 1, cPos * scale)];
    } else {
      const Gz = allocate(ctx, owner, 'Z^T Z', k, k);
      const Gw = allocate(ctx, owner, 'W^T W', k, k);
      owned.push(Gz, Gw);
      const s = ctx.storage('row dots', B * 4);
      temps.push(s);
      const gamma = offdiag ? -alpha : 0;
      encoders.push((enc) => {
        encodeGemm(ctx, pipes, enc, { a: z, transA: true, b: z, transB: false, c: Gz, upper: true }, temps);
        encodeGemm(ctx, pipes, enc, { a: w, transA: true, b: w, transB: false, c: Gw, upper: true }, temps);
        pipes.dispatch(enc, kernels.rowDots, { bindings: { params, x: z.buffer, y: w.buffer, s, partials: sums.binding('rows') }, invocations: B });
        encodeFrobeniusDot(pipes, enc, Gz.buffer, Gw.buffer, gramCount4, sums.binding('frob'), temps);
        encodeGemm(ctx, pipes, enc, { a: z, transA: false, b: Gw, transB: false, c: gradZ, alpha, axpy: { d: w, beta, gamma, v: s } }, temps);
        encodeGemm(ctx, pipes, enc, { a: w, transA: false, b: Gz, transB: false, c: gradW, alpha, axpy: { d: z, beta, gamma, v: s } }, temps);
      });
      // rows: field 0 the positive dots s_i, field 1 their squares; the sum over i != j is the
      // sum over all (i, j) minus the diagonal's squares.
      positive = [sums.term('rows', 0, cPos * scale)];
      negative = [sums.term('frob', 0, cNeg * scale)];
      if (offdiag) negative.push(sums.term('rows', 1, -cNeg * scale));
    }
    if (mu !== undefined) {
      encoders.push((enc) => {
        pipes.dispatch(enc, kernels.clipBackward, { bindings: { params, x: Z.buffer, out: gradZ.buffer, factor: factors[0] }, invocations: B });
        pipes.dispatch(enc, kernels.clipBackward, { bindings: { params, x: W.buffer, out: gradW.buffer, factor: factors[1] }, invocations: B });
      });
    }
    return { encode: (enc) => encoders.forEach((e) => e(enc)), results: [gradZ, gradW], gradZ, gradW, sums, positive, negative, release };
  } catch (err) {
    gradZ.destroy();
    gradW.destroy();
    release();
    throw err;
  }
}
