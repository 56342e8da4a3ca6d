/// <reference types="@webgpu/types" />
// The webgpu path: speclin's WGSL kernels run on tfjs-backend-webgpu's own GPUDevice, read the
// tensors' GPU buffers in place and write their results into buffers of tfjs's own (tensors that
// tfjs allocated), so nothing is copied where the column count is a multiple of 4 (tfjs's dense
// rows are then speclin's padded rows). Nothing is read back: the loss's partial sums become a
// tensor and tfjs adds them up on the device.
//
// Ordering: tfjs records its commands in its own encoder and submits lazily, so its pending work
// (which may be what writes our inputs) is submitted first; speclin's commands then go to the same
// queue, and whatever tfjs records afterwards (the copies into its result tensors, the next layer)
// is submitted after them.
import * as tf from '@tensorflow/tfjs-core';
import { SpeclinError } from '../errors.js';
import type { Graph } from '../graph.js';
import type { SpectralLossOptions } from '../spectral-loss.js';
import { webGpuBackendOnDevice, type WebGpuBackend } from '../gpu/backend.js';
import { paddedStride, type GpuMatrix } from '../gpu/matrix.js';
import { encodeGemm, gramSpec, type GramKind } from '../gpu/gram.js';
import { planSpectralLoss } from '../gpu/spectral-loss.js';
import type { PartialSums, PartialTerm } from '../gpu/reduce.js';
import { planPopulationLoss } from '../gpu/population-loss.js';
import { usePlan } from '../gpu/plan.js';
import type { GpuGraph } from '../gpu/spmv.js';
import type { TfjsKernels } from './kernels.js';

/** What speclin uses of tfjs-backend-webgpu's WebGPUBackend (4.x). */
interface TfWebGpuBackend extends tf.KernelBackend {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32'): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/** Submits what tfjs has recorded so far (as its own copyBuffer does). */
function flush(tfb: TfWebGpuBackend): void {
  tfb.ensureCommandEncoderReady();
  tfb.endComputePassEncoder();
  tfb.submitQueue();
}

interface Session {
  speclin: WebGpuBackend;
  /** Graphs uploaded for populationLoss, kept while the Graph object lives. */
  graphs: WeakMap<Graph, GpuGraph>;
}

// One speclin backend per tfjs backend object (a re-registered webgpu backend gets its own).
const sessions = new WeakMap<object, Session>();
const uploadedGraphs = new FinalizationRegistry<GpuGraph>((g) => g.destroy());

function session(): { tfb: TfWebGpuBackend; s: Session } {
  const tfb = tf.backend() as unknown as TfWebGpuBackend;
  let s = sessions.get(tfb);
  if (s === undefined) {
    const methods = ['submitQueue', 'ensureCommandEncoderReady', 'endComputePassEncoder', 'uploadToGPU', 'makeTensorInfo'] as const;
    if (methods.some((m) => typeof tfb[m] !== 'function') || tfb.device === undefined) {
      throw new SpeclinError('ERR_TFJS_WEBGPU', `speclin/tfjs: the '${tf.getBackend()}' backend is on a GPUDevice but is not tfjs-backend-webgpu 4.x's WebGPUBackend`);
    }
    s = { speclin: webGpuBackendOnDevice(tfb.device), graphs: new WeakMap() };
    sessions.set(tfb, s);
  }
  return { tfb, s };
}

/** The tensor's GPU buffer as a GpuMatrix. tfjs stores a dense [rows, cols] tensor; speclin's
 * kernels read rows of cols rounded up to 4 floats, so other widths are padded by a tfjs op on the
 * device first (the padded tensor goes to `scratch`, disposed by the caller after the submit). */
function gpuMatrix(tfb: TfWebGpuBackend, speclin: WebGpuBackend, t: tf.Tensor2D, scratch: tf.Tensor[]): GpuMatrix {
  const [rows, cols] = t.shape;
  const stride = paddedStride(cols);
  let dense: tf.Tensor = t;
  if (stride !== cols) {
    dense = tf.pad(t, [[0, 0], [0, stride - cols]]);
    scratch.push(dense);
  }
  return bufferOf(tfb, speclin, dense, rows, cols);
}

/** A dense tensor's GPU buffer (tfjs allocates it now if the values are still on the CPU). */
function bufferOf(tfb: TfWebGpuBackend, speclin: WebGpuBackend, t: tf.TensorInfo, rows: number, cols: number): GpuMatrix {
  tfb.uploadToGPU(t.dataId);
  const resource = tfb.tensorMap.get(t.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) {
    throw new SpeclinError('ERR_TFJS_WEBGPU', 'speclin/tfjs: a tensor of the webgpu backend is not stored in a GPUBuffer (a texture?)');
  }
  return speclin.wrap(resource, { rows, cols });
}

/** A result as a new tfjs tensor and the GpuMatrix the kernels write it through. Where cols is a
 * multiple of 4 the tensor is tfjs's own, allocated (not initialized) from tfjs's buffer pool, and
 * the kernels write its buffer in place; otherwise speclin's kernels need padded rows, so there is
 * no tensor yet: the plan allocates its own matrix and tensorOf copies it (no `tensor`). Called
 * after flush(): tfjs's commands that last used a pooled buffer are submitted before speclin's
 * commands overwrite it. */
interface Result {
  tensor?: tf.Tensor2D;
  matrix?: GpuMatrix;
}

function resultTensor(tfb: TfWebGpuBackend, speclin: WebGpuBackend, rows: number, cols: number, made: tf.Tensor[]): Result {
  if (paddedStride(cols) !== cols) return {};
  const info = tfb.makeTensorInfo([rows, cols], 'float32');
  const tensor = tf.engine().makeTensorFromTensorInfo(info, tfb) as tf.Tensor2D;
  made.push(tensor);
  return { tensor, matrix: bufferOf(tfb, speclin, info, rows, cols) };
}

/** The tensor of a result: tfjs's own (written in place), or a copy of speclin's matrix. */
function resultOf(r: Result, m: GpuMatrix): tf.Tensor2D {
  return r.tensor ?? tensorOf(m);
}

/** A tfjs tensor from a matrix of speclin's: tfjs copies the buffer on the device into one of its
 * own (adopting it, tfjs's zeroCopy, would leave speclin no way to free it when the tensor is
 * disposed); speclin's is freed after the copy, and a padded result is sliced. */
function tensorOf(m: GpuMatrix): tf.Tensor2D {
  try {
    const padded = tf.tensor({ buffer: m.buffer }, [m.rows, m.stride], 'float32') as tf.Tensor2D;
    if (m.stride === m.cols) return padded;
    const t = tf.slice(padded, [0, 0], [m.rows, m.cols]);
    padded.dispose();
    return t;
  } finally {
    m.destroy();
  }
}

/** The scalar sum of partial terms, reduced by tfjs on the device from a copy of the partials. */
function scalarOf(sums: PartialSums, terms: PartialTerm[]): tf.Scalar {
  return tf.tidy(() => {
    const words = tf.tensor({ buffer: sums.buffer }, [sums.bytes / 4], 'float32') as tf.Tensor1D;
    const parts = terms.map((t) => {
      // slots x [field 0, its error, field 1, its error]: the field and its compensation.
      const region = tf.reshape(tf.slice(words, t.offset, t.slots * 4), [t.slots, 4]);
      return tf.mul(tf.sum(tf.slice(region, [0, 2 * t.field], [t.slots, 2])), t.coef);
    });
    return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
  });
}

/** Runs `body` with the inputs as GpuMatrix views and `result` making result tensors; it records
 * commands and returns the results. The result tensors are disposed if the body throws. */
function run<R>(inputs: tf.Tensor2D[], body: (s: Session, m: GpuMatrix[], result: (rows: number, cols: number) => Result) => R): R {
  const { tfb, s } = session();
  const scratch: tf.Tensor[] = [];
  const made: tf.Tensor[] = [];
  try {
    const mats = inputs.map((t, i) => (i > 0 && t === inputs[0] ? undefined : gpuMatrix(tfb, s.speclin, t, scratch)));
    // The same tensor twice is one matrix (innerGram(z, z) computes one triangle).
    const resolved = mats.map((m) => m ?? mats[0]!) as GpuMatrix[];
    flush(tfb);
    return body(s, resolved, (rows, cols) => resultTensor(tfb, s.speclin, rows, cols, made));
  } catch (err) {
    tf.dispose(made);
    throw err;
  } finally {
    tf.dispose(scratch);
  }
}

function gramFamily(kind: GramKind, a: tf.Tensor2D, b: tf.Tensor2D | undefined): tf.Tensor2D {
  return run(b === undefined ? [a] : [a, b], (s, [za, wb], result) => {
    const { ctx, pipes, owner } = s.speclin.runtime;
    const [rows, cols] = kind === 'gram' ? [za.rows, za.rows] : kind === 'crossGram' ? [za.rows, wb.rows] : [za.cols, wb.cols];
    // The shapes are the tfjs op's to check (before any kernel); gramSpec checks them again.
    const out = result(rows, cols);
    const spec = gramSpec(ctx, owner, kind, za, kind === 'gram' ? undefined : wb, out.matrix);
    const temps: GPUBuffer[] = [];
    try {
      ctx.submitNow((enc) => encodeGemm(ctx, pipes, enc, spec, temps));
    } catch (err) {
      spec.c.destroy();
      throw err;
    } finally {
      for (const t of temps) t.destroy();
    }
    return resultOf(out, spec.c);
  });
}

let kernels: TfjsKernels | undefined;

export function webgpuKernels(): TfjsKernels {
  kernels ??= {
    spectralLoss(z, w, options: SpectralLossOptions) {
      return run([z, w], (s, [zm, wm], result) => {
        const { ctx, pipes, owner } = s.speclin.runtime;
        const gz = result(zm.rows, zm.cols);
        const gw = result(wm.rows, wm.cols);
        return usePlan(planSpectralLoss(ctx, pipes, owner, zm, wm, options, { gradZ: gz.matrix, gradW: gw.matrix }), (plan) => {
          ctx.submitNow(plan.encode);
          const loss = scalarOf(plan.sums, [...plan.positive, ...plan.negative]);
          return { loss, gradZ: resultOf(gz, plan.gradZ), gradW: resultOf(gw, plan.gradW) };
        });
      });
    },
    // On the device: reading dy would be a readback.
    scale: (dy, g) => tf.mul(dy, g),
    gram: (a) => gramFamily('gram', a, undefined),
    crossGram: (a, b) => gramFamily('crossGram', a, b),
    innerGram: (a, b) => gramFamily('innerGram', a, b),
    populationLoss(graph, e) {
      return run([e], (s, [em], result) => {
        const { ctx, pipes, owner } = s.speclin.runtime;
        let g = s.graphs.get(graph);
        if (g === undefined) {
          g = s.speclin.uploadGraph({ n: graph.n, ...graph.toCSR() });
          s.graphs.set(graph, g);
          uploadedGraphs.register(graph, g);
        }
        const out = result(em.rows, em.cols);
        return usePlan(planPopulationLoss(ctx, pipes, owner, g, em, out.matrix), (plan) => {
          ctx.submitNow(plan.encode);
          return { loss: scalarOf(plan.sums, plan.loss), grad: resultOf(out, plan.grad) };
        });
      });
    },
  };
  return kernels;
}
