/// <reference types="@webgpu/types" />
// Exact maximum-inner-product search: S = Q K^T by gram.wgsl in chunks of query rows that fit one
// storage binding, then topk.wgsl selects each row's k best; indices and scores come back at the end.
// Like the CPU topK, a NaN or an Infinity in the queries or the keys is a RangeError naming the
// first such row: topk.wgsl finds it on the device, and its two flag words come back appended to
// the indices, in the readback that happens anyway.
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { allocate, type GpuMatrix } from './matrix.js';
import { encodeGemm } from './gram.js';
import { kernels, programs } from './programs.js';

const { NONE } = programs.topk.constants;

export async function topKOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, Q: GpuMatrix, K: GpuMatrix, k: number,
): Promise<{ indices: Int32Array; scores: Float32Array }> {
  if (Q.batch !== undefined || K.batch !== undefined) throw new RangeError('queries: expected matrices, not batches');
  if (K.cols !== Q.cols) throw new RangeError(`keys: expected ${Q.cols} columns (queries.cols), got ${K.cols}`);
  if (!Number.isInteger(k) || k < 1 || k > K.rows) throw new RangeError(`k: expected an integer in [1, ${K.rows}] (keys.rows), got ${String(k)}`);
  const nq = Q.rows;
  const rowBytes = Math.ceil(K.rows / 4) * 16;
  const cap = Math.min(ctx.info.limits.maxStorageBufferBindingSize, ctx.info.limits.maxBufferSize);
  if (rowBytes > cap) throw new RangeError(`keys: ${K.rows} keys make a score row larger than one storage binding`);
  // Chunks are whole 64-row tiles (so each chunk of Q is a separate row range) of at most 64 MiB.
  const chunk = Math.max(1, Math.min(nq, Math.floor(Math.min(cap, 1 << 26) / rowBytes)));
  const outBytes = nq * k * 4;
  ctx.checkBinding('topK output', outBytes);
  // The indices, then the first non-finite row of the queries and of the keys (NONE: none).
  const outIndex = ctx.storage('topK indices', outBytes + 8);
  const outScore = ctx.storage('topK scores', outBytes);
  const flags = ctx.storage('topK non-finite rows', 8);
  ctx.device.queue.writeBuffer(flags, 0, new Uint32Array([NONE, NONE]));
  const temps: GPUBuffer[] = [outIndex, outScore, flags];
  const owned: GpuMatrix[] = [];
  try {
    const scans = [Q, K].map((m, slot) => {
      const quads = m.stride / 4;
      const scan = pipes.uniform(programs.topk, 'scan', { quads, total: m.rows * quads, slot });
      temps.push(scan);
      return { m, scan, invocations: m.rows * quads };
    });
    const S = allocate(ctx, owner, 'topK scores chunk', chunk, K.rows);
    owned.push(S);
    for (let first = 0; first < nq; first += chunk) {
      const rows = Math.min(chunk, nq - first);
      // A view of Q's rows [first, first + rows): a GpuMatrix over the same buffer at an offset.
      const offsetBytes = Q.byteOffset + first * Q.stride * 4;
      let q = Q;
      if (first > 0 || rows < nq) {
        const view = allocate(ctx, owner, 'queries chunk', rows, Q.cols);
        owned.push(view);
        const enc = ctx.device.createCommandEncoder();
        enc.copyBufferToBuffer(Q.buffer, offsetBytes, view.buffer, 0, rows * Q.stride * 4);
        ctx.device.queue.submit([enc.finish()]);
        q = view;
      }
      const Sc = rows === chunk ? S : allocate(ctx, owner, 'topK scores chunk', rows, K.rows);
      if (Sc !== S) owned.push(Sc);
      const params = pipes.uniform(programs.topk, 'params', { n: K.rows, stride: Sc.stride, k, rows, first });
      temps.push(params);
      await ctx.submit((enc) => {
        if (first === 0) {
          for (const { m, scan, invocations } of scans) {
            pipes.dispatch(enc, kernels.nonfiniteRows, { bindings: { scan, matrix: m.binding, first_bad_row: flags }, invocations });
          }
        }
        encodeGemm(ctx, pipes, enc, { a: q, transA: false, b: K, transB: true, c: Sc }, temps);
        // One workgroup per query row.
        pipes.dispatch(enc, kernels.topkRows, { bindings: { params, scores: Sc.buffer, out_index: outIndex, out_score: outScore }, workgroups: rows });
        if (first + rows >= nq) enc.copyBufferToBuffer(flags, 0, outIndex, outBytes, 8);
      });
    }
    const indexWords = await ctx.read(outIndex, outBytes + 8);
    // The CPU's order and wording: the queries are checked before the keys.
    const [badQuery, badKey] = new Uint32Array(indexWords, outBytes, 2);
    if (badQuery !== NONE) throw new RangeError(`topK: queries row ${badQuery} contains NaN or Infinity`);
    if (badKey !== NONE) throw new RangeError(`topK: keys row ${badKey} contains NaN or Infinity`);
    const indices = new Int32Array(indexWords.slice(0, outBytes));
    const scores = new Float32Array(await ctx.read(outScore, outBytes));
    return { indices, scores };
  } finally {
    for (const t of temps) t.destroy();
    for (const m of owned) m.destroy();
  }
}
