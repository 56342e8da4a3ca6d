/// <reference types="@webgpu/types" />
// The population spectral loss on the GPU: L = -2 tr(E^T A E) + ||E^T D E||_F^2 with A scaled to
// sum 1 and D = diag of its row sums (the marginals), grad = -4 A E + 4 D E (E^T D E). One command
// buffer (SpMM, row scaling, the k x k Gram, two Frobenius partial sums, the gradient GEMM) and one
// readback of the partial sums, added in float64. The bipartite (CLIP) form is
// populationLossBipartiteOnGpu below.
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { checkVectors, encodeSpmv, type GpuGraph } from './spmv.js';
import { WG } from './constants.js';
import { checkBipartiteVectors, type GpuBipartiteGraph } from './bipartite.js';

export async function populationLossOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, E: GpuMatrix,
): Promise<{ loss: number; grad: GpuMatrix }> {
  checkVectors(g, 'E', E);
  if (g.total <= 0) throw new RangeError('graph: expected a positive total weight (A is scaled to sum 1)');
  const k = E.cols;
  const temps: GPUBuffer[] = [];
  const AE = allocate(ctx, owner, 'A E', g.n, k);
  const DE = allocate(ctx, owner, 'D E', g.n, k);
  const M = allocate(ctx, owner, 'E^T D E', k, k);
  const grad = allocate(ctx, owner, 'populationLoss gradient', g.n, k);
  try {
    const frobGroups = (count4: number) => Math.max(1, Math.min(64, Math.ceil(count4 / WG)));
    const gTrace = frobGroups((g.n * E.stride) / 4);
    const gNorm = frobGroups((k * M.stride) / 4);
    // Two partial-sum regions; the second starts 256-byte aligned so that it can be bound there.
    const normAt = Math.ceil((gTrace * 16) / 256) * 256;
    const bytes = normAt + gNorm * 16;
    const partials = ctx.storage('population loss partials', bytes);
    temps.push(partials);
    const traceParams = ctx.uniform([g.n, E.stride / 4, (g.n * E.stride) / 4, gTrace], [0]);
    const normParams = ctx.uniform([k, M.stride / 4, (k * M.stride) / 4, gNorm], [0]);
    const scaleParams = ctx.uniform([g.n, k, E.stride, 0], [1]);
    temps.push(traceParams, normParams, scaleParams);
    const frob = pipes.get('spectral_loss', 'frobenius_dot');
    await ctx.submit((enc) => {
      encodeSpmv(ctx, pipes, enc, g, E, AE, false, 1 / g.total, temps);
      pipes.dispatch(enc, pipes.get('spmv', 'scale_rows'), [scaleParams, undefined, undefined, undefined, E.buffer, DE.buffer, g.marginals], Math.ceil((g.n * k) / WG));
      encodeGemm(ctx, pipes, enc, { a: E, transA: true, b: DE, transB: false, c: M }, temps);
      pipes.dispatch(enc, frob, [traceParams, E.buffer, undefined, undefined, AE.buffer, undefined, { buffer: partials, offset: 0, size: gTrace * 16 }], gTrace);
      pipes.dispatch(enc, frob, [normParams, M.buffer, undefined, undefined, M.buffer, undefined, { buffer: partials, offset: normAt, size: gNorm * 16 }], gNorm);
      encodeGemm(ctx, pipes, enc, { a: DE, transA: false, b: M, transB: false, c: grad, alpha: 4, axpy: { d: AE, beta: -4 } }, temps);
    });
    const words = new Float32Array(await ctx.read(partials, bytes));
    let trace = 0;
    for (let i = 0; i < gTrace; i++) trace += words[4 * i] + words[4 * i + 1];
    let norm2 = 0;
    for (let i = 0; i < gNorm; i++) norm2 += words[normAt / 4 + 4 * i] + words[normAt / 4 + 4 * i + 1];
    return { loss: -2 * trace + norm2, grad };
  } catch (err) {
    grad.destroy();
    throw err;
  } finally {
    for (const t of temps) t.destroy();
    AE.destroy();
    DE.destroy();
    M.destroy();
  }
}

/** Workgroups of one frobenius_dot pass over count4 vec4s (at most 64 partial pairs). */
const frobGroups = (count4: number) => Math.max(1, Math.min(64, Math.ceil(count4 / WG)));
const align256 = (bytes: number) => Math.ceil(bytes / 256) * 256;

/** The bipartite population loss of two towers, as the CPU populationLoss(bipartite, Ex, Et):
 *   L = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F   (P scaled to sum 1, Dx, Dt its marginals)
 *   gradLeft = -2 P Et + 2 Dx Ex (Et^T Dt Et),  gradRight = -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex).
 * One command buffer (both SpMMs on the stored P and P^T, the row scalings, two k x k Grams, two
 * Frobenius partial sums, two gradient GEMMs) and one readback of the partials, added in float64. */
export async function populationLossBipartiteOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuBipartiteGraph, Ex: GpuMatrix, Et: GpuMatrix,
): Promise<{ loss: number; gradLeft: GpuMatrix; gradRight: GpuMatrix }> {
  checkBipartiteVectors(g, 'Ex', Ex, true);
  checkBipartiteVectors(g, 'Et', Et, false);
  if (Et.cols !== Ex.cols) throw new RangeError(`Et: expected ${Ex.cols} columns (Ex.cols), got ${Et.cols}`);
  if (g.total <= 0) throw new RangeError('graph: expected a positive total weight (P is scaled to sum 1)');
  const k = Ex.cols;
  const temps: GPUBuffer[] = [];
  const scratch: GpuMatrix[] = [];
  const mat = (what: string, rows: number) => {
    const x = allocate(ctx, owner, what, rows, k);
    scratch.push(x);
    return x;
  };
  const PEt = mat('P Et', g.nLeft);
  const PtEx = mat('P^T Ex', g.nRight);
  const DEx = mat('Dx Ex', g.nLeft);
  const DEt = mat('Dt Et', g.nRight);
  const Mx = mat('Ex^T Dx Ex', k);
  const Mt = mat('Et^T Dt Et', k);
  const gradLeft = allocate(ctx, owner, 'populationLoss gradLeft', g.nLeft, k);
  const gradRight = allocate(ctx, owner, 'populationLoss gradRight', g.nRight, k);
  try {
    const traceCount4 = (g.nLeft * Ex.stride) / 4;
    const crossCount4 = (k * Mx.stride) / 4;
    const gTrace = frobGroups(traceCount4);
    const gCross = frobGroups(crossCount4);
    // Two partial-sum regions; the second starts 256-byte aligned so that it can be bound there.
    const crossAt = align256(gTrace * 16);
    const bytes = crossAt + gCross * 16;
    const partials = ctx.storage('population loss partials', bytes);
    temps.push(partials);
    const traceParams = ctx.uniform([g.nLeft, Ex.stride / 4, traceCount4, gTrace], [0]);
    const crossParams = ctx.uniform([k, Mx.stride / 4, crossCount4, gCross], [0]);
    const scaleLeft = ctx.uniform([g.nLeft, k, Ex.stride, 0], [1]);
    const scaleRight = ctx.uniform([g.nRight, k, Et.stride, 0], [1]);
    temps.push(traceParams, crossParams, scaleLeft, scaleRight);
    const frob = pipes.get('spectral_loss', 'frobenius_dot');
    const scaleRows = pipes.get('spmv', 'scale_rows');
    await ctx.submit((enc) => {
      encodeSpmv(ctx, pipes, enc, g.forward, Et, PEt, false, 1 / g.total, temps);
      encodeSpmv(ctx, pipes, enc, g.backward, Ex, PtEx, false, 1 / g.total, temps);
      pipes.dispatch(enc, scaleRows, [scaleLeft, undefined, undefined, undefined, Ex.buffer, DEx.buffer, g.forward.marginals], Math.ceil((g.nLeft * k) / WG));
      pipes.dispatch(enc, scaleRows, [scaleRight, undefined, undefined, undefined, Et.buffer, DEt.buffer, g.backward.marginals], Math.ceil((g.nRight * k) / WG));
      encodeGemm(ctx, pipes, enc, { a: Ex, transA: true, b: DEx, transB: false, c: Mx }, temps);
      encodeGemm(ctx, pipes, enc, { a: Et, transA: true, b: DEt, transB: false, c: Mt }, temps);
      pipes.dispatch(enc, frob, [traceParams, Ex.buffer, undefined, undefined, PEt.buffer, undefined, { buffer: partials, offset: 0, size: gTrace * 16 }], gTrace);
      pipes.dispatch(enc, frob, [crossParams, Mx.buffer, undefined, undefined, Mt.buffer, undefined, { buffer: partials, offset: crossAt, size: gCross * 16 }], gCross);
      // Mt and Mx are symmetric, so they serve as B without a transpose.
      encodeGemm(ctx, pipes, enc, { a: DEx, transA: false, b: Mt, transB: false, c: gradLeft, alpha: 2, axpy: { d: PEt, beta: -2 } }, temps);
      encodeGemm(ctx, pipes, enc, { a: DEt, transA: false, b: Mx, transB: false, c: gradRight, alpha: 2, axpy: { d: PtEx, beta: -2 } }, temps);
    });
    const words = new Float32Array(await ctx.read(partials, bytes));
    let trace = 0;
    for (let i = 0; i < gTrace; i++) trace += words[4 * i] + words[4 * i + 1];
    let cross = 0;
    for (let i = 0; i < gCross; i++) cross += words[crossAt / 4 + 4 * i] + words[crossAt / 4 + 4 * i + 1];
    return { loss: -2 * trace + cross, gradLeft, gradRight };
  } catch (err) {
    gradLeft.destroy();
    gradRight.destroy();
    throw err;
  } finally {
    for (const t of temps) t.destroy();
    for (const x of scratch) x.destroy();
  }
}
