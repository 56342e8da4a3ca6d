/// <reference types="@webgpu/types" />
// The population spectral loss on the GPU: L = -2 tr(E^T A E) + ||E^T D E||_F^2 with A scaled to
// sum 1 and D = diag of its row sums (the marginals), grad = -4 A E + 4 D E (E^T D E). One command
// buffer (SpMM, row scaling, the k x k Gram, two Frobenius partial sums, the gradient GEMM) and one
// readback of the partial sums, added in float64.
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { checkVectors, encodeSpmv, type GpuGraph } from './spmv.js';
import { WG } from './constants.js';

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
