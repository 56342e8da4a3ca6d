/// <reference types="@webgpu/types" />
// Encodes gram.wgsl's GEMM, and the gram family on GPU-resident matrices.
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, allocateResult, GpuMatrix } from './matrix.js';
import { kernels, programs } from './programs.js';

const { TILE_M, TILE_N, TILE_K } = programs.gram.constants;

export interface GemmSpec {
  a: GpuMatrix;
  transA: boolean;
  b: GpuMatrix;
  transB: boolean;
  c: GpuMatrix;
  /** a === b and C symmetric: compute the upper triangle of tiles and mirror. */
  upper?: boolean;
  alpha?: number;
  /** C = alpha AB + (beta + gamma v_i) D */
  axpy?: { d: GpuMatrix; beta: number; gamma?: number; v?: GPUBuffer };
  /** The fused pairwise spectral loss: squares and trace partials (one 4-float slot per tile and
   * batch entry, gemmTiles of them), optionally the diagonal zeroed. */
  loss?: { partials: GPUBufferBinding; maskDiagonal: boolean };
}

export function gemmShape(s: GemmSpec): { m: number; n: number; k: number } {
  return {
    m: s.transA ? s.a.cols : s.a.rows,
    k: s.transA ? s.a.rows : s.a.cols,
    n: s.transB ? s.b.rows : s.b.cols,
  };
}

/** Number of workgroups (= 4-float partial slots for the loss epilogue) per batch entry. */
export function gemmTiles(m: number, n: number, upper: boolean): number {
  const tm = Math.ceil(m / TILE_M);
  const tn = Math.ceil(n / TILE_N);
  return upper ? (tn * (tn + 1)) / 2 : tm * tn;
}

export function encodeGemm(
  ctx: GpuContext,
  pipes: Pipelines,
  encoder: GPUCommandEncoder,
  s: GemmSpec,
  temps: GPUBuffer[],
  timestampWrites?: GPUComputePassTimestampWrites,
): void {
  const { m, n, k } = gemmShape(s);
  const upper = s.upper ?? false;
  const epilogue = s.loss ? 2 : s.axpy ? 1 : 0;
  const tiles = gemmTiles(m, n, upper);
  const batchStride = (x: GpuMatrix) => (x.batch === undefined ? 0 : (x.rows * x.stride) / 4);
  const count4 = (s.c.rows * s.c.stride) / 4;
  const entries = s.c.count;
  const { splits, kSplit } = epilogue === 0 ? splitK(ctx, tiles * entries, k, count4 * entries * 16) : { splits: 1, kSplit: k };
  const params = pipes.uniform(programs.gram, 'params', {
    m, n, k,
    lda4: s.a.stride / 4, ldb4: s.b.stride / 4, ldc4: s.c.stride / 4,
    batch_a: batchStride(s.a), batch_b: batchStride(s.b),
    entries, tiles_n: Math.ceil(n / TILE_N), tiles, mask_diag: s.loss?.maskDiagonal ? 1 : 0,
    splits, k_split: kSplit, count4,
    alpha: s.alpha ?? 1, beta: s.axpy?.beta ?? 0, gamma: s.axpy?.gamma ?? 0,
  });
  temps.push(params);
  const overrides = { TRANS_A: s.transA ? 1 : 0, TRANS_B: s.transB ? 1 : 0, UPPER: upper ? 1 : 0, EPILOGUE: epilogue };
  if (splits > 1) {
    // Each split writes a full copy of C (alpha applied once, when the copies are added).
    const copies = ctx.storage('split-K partial products', splits * entries * count4 * 16);
    temps.push(copies);
    pipes.dispatch(encoder, kernels.gemm, { bindings: { params, a: s.a.binding, b: s.b.binding, c: copies }, overrides, workgroups: tiles * splits, z: entries, timestampWrites });
    pipes.dispatch(encoder, kernels.splitkSum, { bindings: { params, c: s.c.binding, d: copies }, invocations: entries * count4 });
    return;
  }
  const bindings = {
    params, a: s.a.binding, b: s.b.binding, c: s.c.binding,
    ...(s.axpy ? { d: s.axpy.d.binding } : {}),
    ...(s.axpy?.v ? { v: s.axpy.v } : {}),
    ...(s.loss ? { partials: s.loss.partials } : {}),
  };
  pipes.dispatch(encoder, kernels.gemm, { bindings, overrides, workgroups: tiles, z: entries, timestampWrites });
}

/** Split K when the output has too few tiles to occupy a GPU and K is long: at least 2048 per
 * slice so that a slice amortizes its tile loads, enough slices to reach ~128 workgroups, and
 * no more copies of C than one binding holds. Depends on the shapes only (deterministic). */
export function splitK(ctx: GpuContext, workgroups: number, k: number, bytesPerCopy: number): { splits: number; kSplit: number } {
  const MIN_SLICE = 2048;
  const TARGET = 128;
  if (workgroups >= TARGET || k < 2 * MIN_SLICE) return { splits: 1, kSplit: k };
  let splits = Math.min(Math.ceil(TARGET / workgroups), Math.floor(k / MIN_SLICE));
  const cap = Math.min(ctx.info.limits.maxStorageBufferBindingSize, ctx.info.limits.maxBufferSize);
  while (splits > 1 && splits * bytesPerCopy > cap) splits = Math.ceil(splits / 2);
  if (splits <= 1) return { splits: 1, kSplit: k };
  const kSplit = Math.ceil(k / splits / TILE_K) * TILE_K;
  return { splits: Math.ceil(k / kSplit), kSplit };
}

export type GramKind = 'gram' | 'crossGram' | 'innerGram';

/** Checks shapes (RangeError naming the argument) and allocates the output of a gram-family call. */
export function gramSpec(ctx: GpuContext, owner: object, kind: GramKind, Z: GpuMatrix, W: GpuMatrix | undefined, output?: GpuMatrix): GemmSpec {
  // A batch's output is always speclin's own; one matrix's may be the caller's (speclin/tfjs).
  const result = (name: string, rows: number, cols: number) =>
    Z.batch === undefined ? allocateResult(ctx, owner, name, rows, cols, output) : allocate(ctx, owner, name, rows, cols, Z.batch);
  if (output !== undefined && Z.batch !== undefined) throw new Error('internal: a batched gram product writes its own output');
  if (kind === 'gram') {
    const c = result('gram(Z) output', Z.rows, Z.rows);
    return { a: Z, transA: false, b: Z, transB: true, c, upper: true };
  }
  const w = W as GpuMatrix;
  if ((Z.batch ?? 0) !== (w.batch ?? 0)) {
    throw new RangeError(`W: expected ${Z.batch === undefined ? 'a matrix' : `a batch of ${Z.batch}`} like Z, got ${w.batch === undefined ? 'a matrix' : `a batch of ${w.batch}`}`);
  }
  if (kind === 'crossGram') {
    if (w.cols !== Z.cols) throw new RangeError(`W: expected ${Z.cols} columns (Z.cols), got ${w.cols}`);
    const c = result('crossGram(Z, W) output', Z.rows, w.rows);
    return { a: Z, transA: false, b: w, transB: true, c };
  }
  if (w.rows !== Z.rows) throw new RangeError(`W: expected ${Z.rows} rows (Z.rows), got ${w.rows}`);
  const c = result('innerGram(Z, W) output', Z.cols, w.cols);
  return { a: Z, transA: true, b: w, transB: false, c, upper: Z === w };
}
