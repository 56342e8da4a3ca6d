/// <reference types="@webgpu/types" />
// The inverted-file scan on the device: the keys of an ivf index resident list by list (their ids
// and the lists' offsets beside them), and a search that scores, for each query, the keys of the
// lists it probes and selects its k best (topk.wgsl's ivf_rows: the selection of topk_rows over
// the probed lists, ties to the lower id). Which lists a query probes is decided by the caller
// (the search layer, from the centroids), so that the CPU and the device scan the same lists.
import type { Matrix } from '../types.js';
import type { GpuContext } from './device.js';
import type { Pipelines } from './pipelines.js';
import { upload, type GpuMatrix } from './matrix.js';
import { kernels, programs } from './programs.js';

/** Keys resident on the device, grouped by list: list l holds rows listStart[l] .. listStart[l+1] - 1
 * of `keys`, whose ids are the same entries of `ids`. */
export class GpuInvertedLists {
  private destroyed = false;

  /** @internal use WebGpuBackend.uploadInvertedLists */
  constructor(
    readonly keys: GpuMatrix,
    readonly ids: GPUBuffer,
    readonly listStart: GPUBuffer,
    /** Keys per list, host side (the search plans its scratch from them). */
    readonly listSizes: Int32Array,
    readonly owner: object,
  ) {}

  get nlist(): number {
    return this.listSizes.length;
  }

  get size(): number {
    return this.keys.rows;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Device bytes: the keys (rows padded to 4 floats), their ids and the lists' offsets. */
  get bytes(): number {
    return this.keys.rows * this.keys.stride * 4 + 4 * this.keys.rows + 4 * (this.nlist + 1);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.keys.destroy();
    this.ids.destroy();
    this.listStart.destroy();
  }
}

/** The host side of inverted lists: the keys list by list (row i has id ids[i]) and each list's size. */
export interface InvertedListsInput {
  keys: Matrix<Float32Array>;
  ids: Int32Array;
  listSizes: Int32Array;
}

export function uploadInvertedLists(ctx: GpuContext, owner: object, lists: InvertedListsInput): GpuInvertedLists {
  const { keys, ids, listSizes } = lists;
  if (!(ids instanceof Int32Array) || ids.length !== keys.rows) throw new RangeError(`ids: expected an Int32Array of ${keys.rows} ids (one per key), got ${ids?.length}`);
  if (!(listSizes instanceof Int32Array) || listSizes.length < 1) throw new RangeError('listSizes: expected an Int32Array with one size per list');
  const start = new Uint32Array(listSizes.length + 1);
  for (let l = 0; l < listSizes.length; l++) {
    if (!(listSizes[l] >= 0)) throw new RangeError(`listSizes[${l}] = ${listSizes[l]} is negative`);
    start[l + 1] = start[l] + listSizes[l];
  }
  if (start[listSizes.length] !== keys.rows) throw new RangeError(`listSizes add up to ${start[listSizes.length]}, but there are ${keys.rows} keys`);
  const resident = upload(ctx, owner, 'ivf keys', keys);
  try {
    return new GpuInvertedLists(resident, ctx.storageFrom('ivf ids', ids), ctx.storageFrom('ivf list offsets', start), Int32Array.from(listSizes), owner);
  } catch (err) {
    resident.destroy();
    throw err;
  }
}

/** Scratch scores per chunk of queries: at most this many bytes (as topK's score chunks). */
const SCRATCH_BYTES = 1 << 26;

/**
 * For each row of `queries` (nq x d, host), the k keys of largest inner product among the lists
 * `probes` names for it (nq x nprobe, row-major; each a list index), sorted by score descending,
 * ties by the lower id; a query whose lists hold fewer than k keys ends in index -1, score 0.
 */
export async function ivfSearchOnGpu(
  ctx: GpuContext, pipes: Pipelines, owner: object, queries: Matrix<Float32Array>, lists: GpuInvertedLists,
  probes: Int32Array, nprobe: number, k: number,
): Promise<{ indices: Int32Array; scores: Float32Array }> {
  const nq = queries.rows;
  if (queries.cols !== lists.keys.cols) throw new RangeError(`queries: expected ${lists.keys.cols} columns (the keys' dimension), got ${queries.cols}`);
  if (!Number.isInteger(nprobe) || nprobe < 1 || nprobe > lists.nlist) throw new RangeError(`nprobe: expected an integer in [1, ${lists.nlist}], got ${String(nprobe)}`);
  if (!(probes instanceof Int32Array) || probes.length !== nq * nprobe) throw new RangeError(`probes: expected an Int32Array of ${nq} x ${nprobe} lists`);
  if (!Number.isInteger(k) || k < 1 || k > lists.size) throw new RangeError(`k: expected an integer in [1, ${lists.size}] (the keys), got ${String(k)}`);
  // Each query's candidates (the keys of its lists) and the chunks of queries whose scratch fits.
  const cap = Math.min(ctx.info.limits.maxStorageBufferBindingSize, ctx.info.limits.maxBufferSize, SCRATCH_BYTES) / 4;
  const candidates = new Float64Array(nq);
  for (let q = 0; q < nq; q++) {
    for (let p = 0; p < nprobe; p++) {
      const l = probes[q * nprobe + p];
      if (!(l >= 0 && l < lists.nlist)) throw new RangeError(`probes[${q * nprobe + p}] = ${l} is not a list in 0..${lists.nlist - 1}`);
      candidates[q] += lists.listSizes[l];
    }
    if (candidates[q] > cap) throw new RangeError(`query ${q} probes ${candidates[q]} keys, more than one scratch binding holds (${cap}); lower nprobe`);
  }
  const outBytes = nq * k * 4;
  ctx.checkBinding('ivf search output', outBytes);
  const outIndex = ctx.storage('ivf indices', outBytes);
  const outScore = ctx.storage('ivf scores', outBytes);
  const temps: GPUBuffer[] = [outIndex, outScore];
  try {
    for (let first = 0; first < nq; ) {
      let rows = 0;
      let total = 0;
      while (first + rows < nq && total + candidates[first + rows] <= cap) total += candidates[first + rows++];
      // plan: each row's first scratch slot (and the end), then the rows' probes.
      const plan = new Uint32Array(rows + 1 + rows * nprobe);
      for (let r = 0; r < rows; r++) plan[r + 1] = plan[r] + candidates[first + r];
      plan.set(probes.subarray(first * nprobe, (first + rows) * nprobe), rows + 1);
      const q = upload(ctx, owner, 'queries', { data: queries.data.subarray(first * queries.cols, (first + rows) * queries.cols), rows, cols: queries.cols });
      const chunk = [ctx.storageFrom('ivf plan', plan), ctx.storage('ivf scratch scores', Math.max(4, total * 4))];
      temps.push(...chunk);
      const ivf = pipes.uniform(programs.topk, 'ivf', { quads: lists.keys.stride / 4, k, nprobe, rows, first });
      temps.push(ivf);
      try {
        await ctx.submit((enc) => {
          pipes.dispatch(enc, kernels.ivfRows, {
            bindings: {
              ivf, queries: q.binding, keys: lists.keys.binding, ids: lists.ids, list_start: lists.listStart,
              plan: chunk[0], cand_score: chunk[1], out_index: outIndex, out_score: outScore,
            },
            workgroups: rows,
          });
        });
      } finally {
        q.destroy();
      }
      first += rows;
    }
    const indices = new Int32Array(await ctx.read(outIndex, outBytes));
    const scores = new Float32Array(await ctx.read(outScore, outBytes));
    return { indices, scores };
  } finally {
    for (const t of temps) t.destroy();
  }
}
