/// <reference types="@webgpu/types" />
// A recorded plan: a kernel's commands, encoded into whatever encoder its caller submits, with the
// results it allocated and the temporaries it frees afterwards. The Promise forms submit a plan and
// read its partial sums back; speclin/tfjs submits it on tfjs's device and reduces them there.
import type { GpuMatrix } from './matrix.js';

export interface RecordedPlan {
  encode(encoder: GPUCommandEncoder): void;
  /** What the caller keeps when all goes well; destroyed when using the plan fails. */
  results: GpuMatrix[];
  /** Frees the temporaries (recorded commands may still use them until submitted). */
  release(): void;
}

/** Runs `use` (which submits the plan) and then frees the plan's temporaries; when `use` throws
 * or rejects, the results go too. Works for a synchronous `use` and for one returning a Promise. */
export function usePlan<P extends RecordedPlan, R>(plan: P, use: (plan: P) => R): R {
  const fail = (err: unknown): never => {
    for (const m of plan.results) m.destroy();
    plan.release();
    throw err;
  };
  let out: R;
  try {
    out = use(plan);
  } catch (err) {
    return fail(err);
  }
  if (out instanceof Promise) {
    return out.then((value: unknown) => {
      plan.release();
      return value;
    }, fail) as R;
  }
  plan.release();
  return out;
}
