/// <reference types="@webgpu/types" />
// The population spectral loss on the GPU: L = -2 tr(E^T A E) + ||E^T D E||_F^2 with A scaled to
// sum 1 and D = diag of its row sums (the marginals), grad = -4 A E + 4 D E (E^T D E). One command
// buffer (SpMM, row scaling, the k x k Gram, two Frobenius partial sums, the gradient GEMM) and one
// readback of the partial sums, added in float64 (or, recorded as a plan, reduced on the device by
// speclin/tfjs). The bipartite (CLIP) form is populationLossBipartiteOnGpu below.
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, allocateResult, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { checkVectors, encodeScaleRows, encodeSpmv, type GpuGraph } from './spmv.js';
import { usePlan, type RecordedPlan } from './plan.js';
import { encodeFrobeniusDot, frobeniusGroups, PartialSums, type PartialTerm } from './reduce.js';
import { checkBipartiteVectors, type GpuBipartiteGraph } from './bipartite.js';

export async function populationLossOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, E: GpuMatrix,
): Promise<{ loss: number; grad: GpuMatrix }> {
  return usePlan(planPopulationLoss(ctx, pipes, owner, g, E), async (plan) => {
    await ctx.submit(plan.encode);
    await plan.sums.read(ctx);
    return { loss: plan.sums.evaluate(plan.loss), grad: plan.grad };
  });
}

/** The commands of one population-loss evaluation, recorded but not submitted (as SpectralLossPlan). */
export interface PopulationLossPlan extends RecordedPlan {
  grad: GpuMatrix;
  sums: PartialSums;
  loss: PartialTerm[];
}

/** Checks the arguments, allocates the gradient and temporaries, and records the commands. */
export function planPopulationLoss(
  ctx: GpuContext, pipes: Pipelines, owner: object, g: GpuGraph, E: GpuMatrix, output?: GpuMatrix,
): PopulationLossPlan {
  checkVectors(g, 'E', E);
  if (g.total <= 0) throw new RangeError('graph: expected a positive total weight (A is scaled to sum 1)');
  const k = E.cols;
  // Encoding adds uniforms to `temps`: release() runs after the submit.
  const temps: GPUBuffer[] = [];
  const AE = allocate(ctx, owner, 'A E', g.n, k);
  const DE = allocate(ctx, owner, 'D E', g.n, k);
  const M = allocate(ctx, owner, 'E^T D E', k, k);
  const grad = allocateResult(ctx, owner, 'populationLoss gradient', g.n, k, output);
  const release = () => {
    for (const t of temps) t.destroy();
    AE.destroy();
    DE.destroy();
    M.destroy();
  };
  try {
    const traceCount4 = (g.n * E.stride) / 4;
    const normCount4 = (k * M.stride) / 4;
    const sums = new PartialSums().region('trace', frobeniusGroups(traceCount4)).region('norm', frobeniusGroups(normCount4));
    temps.push(sums.allocate(ctx, 'population loss partials'));
    return {
      encode: (enc) => {
        encodeSpmv(ctx, pipes, enc, g, E, AE, false, 1 / g.total, temps);
        encodeScaleRows(pipes, enc, g.marginals, E, DE, temps);
        encodeGemm(ctx, pipes, enc, { a: E, transA: true, b: DE, transB: false, c: M }, temps);
        encodeFrobeniusDot(pipes, enc, E.buffer, AE.buffer, traceCount4, sums.binding('trace'), temps);
        encodeFrobeniusDot(pipes, enc, M.buffer, M.buffer, normCount4, sums.binding('norm'), temps);
        encodeGemm(ctx, pipes, enc, { a: DE, transA: false, b: M, transB: false, c: grad, alpha: 4, axpy: { d: AE, beta: -4 } }, temps);
      },
      results: [grad],
      grad,
      sums,
      loss: [sums.term('trace', 0, -2), sums.term('norm')],
      release,
    };
  } catch (err) {
    grad.destroy();
    release();
    throw err;
  }
}

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
    const sums = new PartialSums().region('trace', frobeniusGroups(traceCount4)).region('cross', frobeniusGroups(crossCount4));
    temps.push(sums.allocate(ctx, 'population loss partials'));
    await ctx.submit((enc) => {
      encodeSpmv(ctx, pipes, enc, g.forward, Et, PEt, false, 1 / g.total, temps);
      encodeSpmv(ctx, pipes, enc, g.backward, Ex, PtEx, false, 1 / g.total, temps);
      encodeScaleRows(pipes, enc, g.forward.marginals, Ex, DEx, temps);
      encodeScaleRows(pipes, enc, g.backward.marginals, Et, DEt, temps);
      encodeGemm(ctx, pipes, enc, { a: Ex, transA: true, b: DEx, transB: false, c: Mx }, temps);
      encodeGemm(ctx, pipes, enc, { a: Et, transA: true, b: DEt, transB: false, c: Mt }, temps);
      encodeFrobeniusDot(pipes, enc, Ex.buffer, PEt.buffer, traceCount4, sums.binding('trace'), temps);
      encodeFrobeniusDot(pipes, enc, Mx.buffer, Mt.buffer, crossCount4, sums.binding('cross'), temps);
      // Mt and Mx are symmetric, so they serve as B without a transpose.
      encodeGemm(ctx, pipes, enc, { a: DEx, transA: false, b: Mt, transB: false, c: gradLeft, alpha: 2, axpy: { d: PEt, beta: -2 } }, temps);
      encodeGemm(ctx, pipes, enc, { a: DEt, transA: false, b: Mx, transB: false, c: gradRight, alpha: 2, axpy: { d: PtEx, beta: -2 } }, temps);
    });
    await sums.read(ctx);
    return { loss: -2 * sums.sum('trace') + sums.sum('cross'), gradLeft, gradRight };
  } catch (err) {
    gradLeft.destroy();
    gradRight.destroy();
    throw err;
  } finally {
    for (const t of temps) t.destroy();
    for (const x of scratch) x.destroy();
  }
}
