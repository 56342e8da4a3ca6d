/// <reference types="@webgpu/types" />
// createWebGpuBackend: the CPU API's kernels on a WebGPU device (Dawn's `webgpu` package).
// Typed-array inputs give typed-array outputs; as soon as one input is a GpuMatrix, matrix outputs
// stay on the GPU as GpuMatrix handles, so a training loop does not copy every step.
import type { Matrix } from '../types.js';
import { SpeclinError } from '../errors.js';
import { GpuContext, type DeviceOptions, type GpuBuffers, type GpuInfo } from './device.js';
import { Pipelines } from './pipelines.js';
import { GpuMatrix, upload, download, isGpuMatrix, wrapBuffer, readHostMatrix } from './matrix.js';
import { encodeGemm, gramSpec, type GramKind } from './gram.js';
import { GpuGraph, uploadGraph, spmvOnGpu, type CsrArraysInput, type CsrInput } from './spmv.js';
import { populationLossOnGpu, populationLossBipartiteOnGpu } from './population-loss.js';
import { GpuBipartiteGraph, uploadBipartite, bipartiteSpmvOnGpu, type BipartiteCsrInput } from './bipartite.js';
import { svdsOnGpu, type GpuSvdsOptions, type GpuSvdsResult } from './svds.js';
import { topKOnGpu } from './topk.js';
import { GpuInvertedLists, ivfSearchOnGpu, uploadInvertedLists, type InvertedListsInput } from './ivf.js';
import { eigshOnGpu, type GpuEigshOptions, type GpuEigshResult, type HostGraph } from './eigsh.js';
import { spectralLossOnGpu, type SpectralLossOptions, type SpectralLossParts } from './spectral-loss.js';

export { GpuMatrix } from './matrix.js';
export { GpuGraph } from './spmv.js';
export type { CsrArraysInput, CsrInput } from './spmv.js';
export type { GpuEigshOptions, GpuEigshResult } from './eigsh.js';
export { GpuBipartiteGraph } from './bipartite.js';
export type { BipartiteCsrInput } from './bipartite.js';
export type { GpuSvdsOptions, GpuSvdsResult } from './svds.js';
export type { GpuInfo } from './device.js';
export { GpuInvertedLists } from './ivf.js';
export type { InvertedListsInput } from './ivf.js';

export interface WebGpuBackendOptions extends DeviceOptions {
  /** 'tree' forces the workgroup-memory reductions even where subgroups exist. */
  reductions?: 'subgroups' | 'tree';
  /** Run on this existing device (tfjs-backend-webgpu's, say) instead of opening one: its
   * features and limits are used as they are, and dispose() leaves it alive. */
  device?: GPUDevice;
}

export type MatrixInput = Matrix | GpuMatrix;
/** A GpuMatrix when any matrix input was one, else a typed-array Matrix. */
export type MatrixOutput = Matrix<Float32Array> | GpuMatrix;

/** CSR arrays, a GpuGraph from uploadGraph, or any graph object with `n` and `toCSR()` (a speclin
 * Graph), whose arrays are uploaded for the call. */
export type GraphInput = CsrInput | GpuGraph | { n: number; toCSR(): CsrArraysInput };

/** Bipartite CSR arrays, a GpuBipartiteGraph from uploadBipartite, or any object with `nLeft`,
 * `nRight` and `toCSR()` (a speclin BipartiteGraph), whose arrays are uploaded for the call. */
export type BipartiteInput = BipartiteCsrInput | GpuBipartiteGraph | { nLeft: number; nRight: number; toCSR(): CsrArraysInput };

/** Whether a graph argument is bipartite: it names nLeft (a Graph or CSR input names n). */
function isBipartiteInput(g: unknown): g is BipartiteInput {
  return g instanceof GpuBipartiteGraph || (typeof g === 'object' && g !== null && 'nLeft' in g);
}

/** The population loss of two towers on a bipartite graph and its two gradients. */
export interface GpuBipartitePopulationLoss {
  loss: number;
  gradLeft: MatrixOutput;
  gradRight: MatrixOutput;
}

/** Internal plumbing the kernel modules share. */
export interface GpuRuntime {
  ctx: GpuContext;
  adapterInfo: GPUAdapterInfo;
  pipes: Pipelines;
  owner: object;
}

export class WebGpuBackend {
  readonly info: GpuInfo;
  private readonly rt: GpuRuntime;

  /** @internal use createWebGpuBackend */
  constructor(ctx: GpuContext) {
    this.rt = { ctx, adapterInfo: ctx.adapterInfo, pipes: new Pipelines(ctx), owner: this };
    this.info = ctx.info;
  }

  /** How workgroups reduce: 'subgroups' (subgroupAdd; the default where the adapter has the
   * feature) or 'tree' (workgroup memory). Settable, e.g. to test or compare both. */
  get reductions(): 'subgroups' | 'tree' {
    return this.rt.pipes.subgroups ? 'subgroups' : 'tree';
  }
  set reductions(mode: 'subgroups' | 'tree') {
    if (mode !== 'subgroups' && mode !== 'tree') throw new TypeError(`reductions: expected 'subgroups' or 'tree', got ${String(mode)}`);
    if (mode === 'subgroups' && !this.rt.ctx.subgroups) {
      throw new RangeError("reductions: 'subgroups' needs an adapter with the 'subgroups' feature and the subgroup_id builtin");
    }
    this.rt.pipes.subgroups = mode === 'subgroups';
  }

  /** @internal */
  get runtime(): GpuRuntime {
    return this.rt;
  }

  /** Copies a float32 matrix (or Batch) to the GPU. */
  upload(matrix: Matrix): GpuMatrix {
    this.rt.ctx.check();
    return upload(this.rt.ctx, this.rt.owner, 'matrix', matrix);
  }

  /** A GpuMatrix over a buffer someone else owns (tfjs's, say), on this backend's device: rows x
   * cols float32, row-major from byte 0, `stride` floats per row. speclin's kernels load rows as
   * aligned vec4s, so the stride must be cols rounded up to a multiple of 4 (the padding is read,
   * never written); a dense buffer whose cols is not a multiple of 4 has to be padded first, on the
   * GPU (tfjs: tf.pad). destroy() on the result frees nothing: the buffer stays its owner's. */
  wrap(buffer: GPUBuffer, layout: { rows: number; cols: number; stride?: number }): GpuMatrix {
    this.rt.ctx.check();
    return wrapBuffer(this.rt.owner, buffer, layout);
  }

  /** Copies a GpuMatrix back into a new Float32Array matrix (or Batch). */
  async download(matrix: GpuMatrix): Promise<Matrix<Float32Array>> {
    this.own('matrix', matrix);
    return download(this.rt.ctx, matrix);
  }

  /** Z Z^T, computing the upper triangle of tiles and mirroring it. */
  gram(Z: MatrixInput): Promise<MatrixOutput> {
    return this.gramFamily('gram', Z, undefined);
  }
  /** Z W^T. */
  crossGram(Z: MatrixInput, W: MatrixInput): Promise<MatrixOutput> {
    return this.gramFamily('crossGram', Z, W);
  }
  /** Z^T W; innerGram(Z, Z) with the same handle (or array) computes one triangle. */
  innerGram(Z: MatrixInput, W: MatrixInput): Promise<MatrixOutput> {
    return this.gramFamily('innerGram', Z, W);
  }

  private async gramFamily(kind: GramKind, Z: MatrixInput, W: MatrixInput | undefined): Promise<MatrixOutput> {
    return this.withInputs({ Z, W: kind === 'gram' ? undefined : W }, async ({ Z: z, W: w }, keepOnGpu) => {
      const spec = gramSpec(this.rt.ctx, this.rt.owner, kind, z!, kind === 'innerGram' && W === Z ? z : w);
      const temps: GPUBuffer[] = [];
      try {
        await this.rt.ctx.submit((enc) => encodeGemm(this.rt.ctx, this.rt.pipes, enc, spec, temps));
      } catch (err) {
        spec.c.destroy();
        throw err;
      } finally {
        for (const t of temps) t.destroy();
      }
      return this.output(spec.c, keepOnGpu);
    });
  }

  /** The spectral contrastive loss of the pairs (z_i, w_i) and its gradients, as the CPU
   * spectralLoss defines them; the scalars are returned as numbers (one readback per call). */
  async spectralLoss(Z: MatrixInput, W: MatrixInput, options: SpectralLossOptions = {}): Promise<SpectralLossParts<MatrixOutput>> {
    return this.withInputs({ Z, W }, async ({ Z: z, W: w }, keepOnGpu) => {
      const r = await spectralLossOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, z!, w!, options);
      const gradZ = await this.output(r.gradZ, keepOnGpu).catch((e) => { r.gradW.destroy(); throw e; });
      const gradW = await this.output(r.gradW, keepOnGpu);
      return { loss: r.loss, positive: r.positive, negative: r.negative, gradZ, gradW };
    });
  }

  /** Copies a CSR graph to the GPU once, for repeated spmv / populationLoss calls. */
  uploadGraph(graph: CsrInput): GpuGraph {
    this.rt.ctx.check();
    return uploadGraph(this.rt.ctx, this.rt.owner, graph);
  }

  /** Copies a bipartite graph (a BipartiteGraph, or CSR arrays with nLeft rows) to the GPU once,
   * as P and P^T, each with its raw and its normalized (P̄) weights. */
  uploadBipartite(graph: BipartiteInput): GpuBipartiteGraph {
    this.rt.ctx.check();
    if (graph instanceof GpuBipartiteGraph) throw new TypeError('graph: already a GpuBipartiteGraph');
    return uploadBipartite(this.rt.ctx, this.rt.owner, bipartiteCsr(graph));
  }

  /** y = A x, or Ā x = D^-1/2 A D^-1/2 x with { normalized: true }. x is a vector (Float32Array of
   * length n, giving a Float32Array), an n x c Matrix, or a GpuMatrix (giving a GpuMatrix).
   * On a bipartite graph: P x (x has nRight rows), or P^T y with { transpose: true } (y has nLeft
   * rows); { normalized: true } uses P̄ = D_x^-1/2 P D_t^-1/2. A graph's A is symmetric, so
   * transpose changes nothing there. */
  async spmv(graph: GraphInput | BipartiteInput, x: Float32Array | MatrixInput, options: { normalized?: boolean; transpose?: boolean } = {}): Promise<Float32Array | MatrixOutput> {
    const vector = x instanceof Float32Array || x instanceof Float64Array;
    const xm: MatrixInput = vector ? { data: x as Float32Array, rows: x.length, cols: 1 } : (x as MatrixInput);
    if (isBipartiteInput(graph)) {
      return this.withBipartite(graph, (g) =>
        this.withInputs({ x: xm }, async ({ x: gx }, keepOnGpu) => {
          const r = await bipartiteSpmvOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, gx!, options.transpose === true, options.normalized === true);
          const y = await this.output(r, keepOnGpu);
          return vector ? (y as Matrix<Float32Array>).data : y;
        }),
      );
    }
    return this.withGraph(graph, (g) =>
      this.withInputs({ x: xm }, async ({ x: gx }, keepOnGpu) => {
        const y = await this.output(await spmvOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, gx!, options.normalized === true), keepOnGpu);
        return vector ? (y as Matrix<Float32Array>).data : y;
      }),
    );
  }

  /** The population spectral loss of an embedding E (n x k) on a graph, and its gradient:
   * L = -2 tr(E^T A E) + ||E^T D E||_F^2 with A scaled to sum 1 and D its marginals. */
  async populationLoss(graph: GraphInput, E: MatrixInput): Promise<{ loss: number; grad: MatrixOutput }>;
  /** The bipartite (CLIP) population loss of towers Ex (nLeft x k) and Et (nRight x k), as the CPU
   * populationLoss(bipartite, Ex, Et): L = -2 tr(Ex^T P Et) + <Ex^T Dx Ex, Et^T Dt Et>_F, P scaled
   * to sum 1; gradLeft = -2 P Et + 2 Dx Ex (Et^T Dt Et), gradRight = -2 P^T Ex + 2 Dt Et (Ex^T Dx Ex). */
  async populationLoss(graph: BipartiteInput, Ex: MatrixInput, Et: MatrixInput): Promise<GpuBipartitePopulationLoss>;
  async populationLoss(graph: GraphInput | BipartiteInput, E: MatrixInput, Et?: MatrixInput): Promise<{ loss: number; grad: MatrixOutput } | GpuBipartitePopulationLoss> {
    if (isBipartiteInput(graph)) {
      if (Et === undefined) throw new TypeError('populationLoss(bipartite, Ex, Et): Et is missing');
      return this.withBipartite(graph, (g) =>
        this.withInputs({ Ex: E, Et }, async ({ Ex: ex, Et: et }, keepOnGpu) => {
          const r = await populationLossBipartiteOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, ex!, et!);
          const gradLeft = await this.output(r.gradLeft, keepOnGpu).catch((e) => { r.gradRight.destroy(); throw e; });
          return { loss: r.loss, gradLeft, gradRight: await this.output(r.gradRight, keepOnGpu) };
        }),
      );
    }
    if (Et !== undefined) throw new TypeError('populationLoss(graph, E): a third argument needs a bipartite graph');
    return this.withGraph(graph, (g) =>
      this.withInputs({ E }, async ({ E: e }, keepOnGpu) => {
        const r = await populationLossOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, e!);
        return { loss: r.loss, grad: await this.output(r.grad, keepOnGpu) };
      }),
    );
  }

  /** Exact maximum inner product search: for each query row, the k keys with the largest
   * q . key, best first (ties: lower key index first). indices and scores are nq x k row-major. */
  async topK(queries: MatrixInput, keys: MatrixInput, k: number): Promise<{ indices: Int32Array; scores: Float32Array }> {
    return this.withInputs({ queries, keys }, ({ queries: q, keys: kk }) =>
      topKOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, q!, kk!, k),
    );
  }

  /** Keeps an inverted file's keys on the device, list by list, for ivfSearch. */
  uploadInvertedLists(lists: InvertedListsInput): GpuInvertedLists {
    this.rt.ctx.check();
    return uploadInvertedLists(this.rt.ctx, this.rt.owner, lists);
  }

  /** For each query row, the k keys of largest q . key among the lists `probes` names for it
   * (nq x nprobe list indices, row-major), best first, ties by the lower id; -1 (score 0) fills
   * the slots of a query whose lists hold fewer than k keys. The queries stay on the host and are
   * uploaded in chunks whose scratch scores fit one binding. */
  async ivfSearch(queries: Matrix, lists: GpuInvertedLists, probes: Int32Array, nprobe: number, k: number): Promise<{ indices: Int32Array; scores: Float32Array }> {
    this.rt.ctx.check();
    if (lists.owner !== this.rt.owner) throw new TypeError('lists: these inverted lists belong to another WebGPU backend');
    if (lists.isDestroyed) throw new SpeclinError('ERR_DESTROYED', 'lists: these inverted lists were destroyed');
    const q = readHostMatrix('queries', queries);
    return ivfSearchOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, q, lists, probes, nprobe, k);
  }

  /** The k largest eigenvalues of Ā = D^-1/2 A D^-1/2 (or of A with { normalized: false }) and
   * their eigenvectors, by the CPU eigsh's solver with its Lanczos basis on the device (one
   * readback per restart cycle; src/gpu/eigsh.ts). For Ā
   * the eigenvectors D^{1/2} 1_C of the connected components are locked by default (`deflate`),
   * so each copy of the eigenvalue 1 is returned. */
  async eigsh(graph: GraphInput, options: GpuEigshOptions): Promise<GpuEigshResult> {
    // The host side of the graph, when there is one, gives the components for deflation.
    const host = graph instanceof GpuGraph ? undefined : (graph as HostGraph);
    return this.withGraph(graph, (g) => eigshOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, options, host));
  }

  /** The k largest singular triplets of P̄ = D_x^-1/2 P D_t^-1/2 of a bipartite graph, as the CPU
   * svds computes them (Lanczos on the smaller side's Gram matrix, here on the device). */
  async svds(graph: BipartiteInput, options: GpuSvdsOptions): Promise<GpuSvdsResult> {
    if (!isBipartiteInput(graph)) throw new TypeError('svds: expected a bipartite graph (a BipartiteGraph, a GpuBipartiteGraph or { nLeft, nRight, indptr, indices, values? })');
    return this.withBipartite(graph, (g) => svdsOnGpu(this.rt.ctx, this.rt.pipes, this.rt.owner, g, options));
  }

  private withBipartite<T>(graph: BipartiteInput, body: (g: GpuBipartiteGraph) => Promise<T>): Promise<T> {
    return this.withResident('GpuBipartiteGraph', graph instanceof GpuBipartiteGraph ? graph : undefined,
      () => uploadBipartite(this.rt.ctx, this.rt.owner, bipartiteCsr(graph as Exclude<BipartiteInput, GpuBipartiteGraph>)), body);
  }

  private withGraph<T>(graph: GraphInput, body: (g: GpuGraph) => Promise<T>): Promise<T> {
    // A speclin Graph (src/graph.ts) lives in native memory; its toCSR() gives the arrays.
    const csr = (): CsrInput => {
      const withCsr = graph as CsrInput & { toCSR?: () => CsrArraysInput };
      return typeof withCsr.toCSR === 'function' ? { n: withCsr.n, ...withCsr.toCSR() } : (graph as CsrInput);
    };
    return this.withResident('GpuGraph', graph instanceof GpuGraph ? graph : undefined, () => uploadGraph(this.rt.ctx, this.rt.owner, csr()), body);
  }

  /** Runs `body` on a graph already on this device (checked: this backend's, not destroyed), or
   * on one uploaded for the call and freed after it. */
  private async withResident<G extends GpuBuffers & { owner: object }, T>(
    kind: string, resident: G | undefined, upload: () => G, body: (g: G) => Promise<T>,
  ): Promise<T> {
    this.rt.ctx.check();
    if (resident !== undefined) {
      this.checkOwned('graph', kind, resident);
      return body(resident);
    }
    const g = upload();
    try {
      return await body(g);
    } finally {
      g.destroy();
    }
  }

  /** @internal Resolves matrix arguments to GPU handles (uploading typed arrays for the call's
   * duration), runs `body`, and frees what it uploaded. */
  async withInputs<K extends string, R>(
    inputs: Record<K, MatrixInput | undefined>,
    body: (gpu: Record<K, GpuMatrix | undefined>, keepOnGpu: boolean) => Promise<R>,
  ): Promise<R> {
    this.rt.ctx.check();
    const uploaded: GpuMatrix[] = [];
    const resolved = {} as Record<K, GpuMatrix | undefined>;
    let keepOnGpu = false;
    const seen = new Map<unknown, GpuMatrix>();
    try {
      for (const name of Object.keys(inputs) as K[]) {
        const x = inputs[name];
        if (x === undefined) {
          resolved[name] = undefined;
        } else if (isGpuMatrix(x)) {
          this.own(name, x);
          keepOnGpu = true;
          resolved[name] = x;
        } else if (seen.has(x)) {
          resolved[name] = seen.get(x);
        } else {
          const g = upload(this.rt.ctx, this.rt.owner, name, x as Matrix);
          uploaded.push(g);
          seen.set(x, g);
          resolved[name] = g;
        }
      }
      return await body(resolved, keepOnGpu);
    } finally {
      for (const g of uploaded) g.destroy();
    }
  }

  /** @internal A result matrix: kept on the GPU, or read back and freed. */
  async output(g: GpuMatrix, keepOnGpu: boolean): Promise<MatrixOutput> {
    if (keepOnGpu) return g;
    try {
      return await download(this.rt.ctx, g);
    } finally {
      g.destroy();
    }
  }

  /** @internal */
  own(name: string, g: GpuMatrix): void {
    if (!isGpuMatrix(g)) throw new TypeError(`${name}: expected a GpuMatrix`);
    this.checkOwned(name, 'GpuMatrix', g);
  }

  /** TypeError for another backend's resource, SpeclinError ERR_DESTROYED for a destroyed one. */
  private checkOwned(name: string, kind: string, r: { owner: object; isDestroyed: boolean }): void {
    if (r.owner !== this.rt.owner) throw new TypeError(`${name}: this ${kind} belongs to another WebGPU backend`);
    if (r.isDestroyed) throw new SpeclinError('ERR_DESTROYED', `${name}: this ${kind} was destroyed`);
  }

  /** Destroys the device and everything on it; the process can then exit by itself. */
  dispose(): void {
    this.rt.ctx.dispose();
  }
}

/** A speclin BipartiteGraph lives in native memory; its toCSR() gives the arrays. */
function bipartiteCsr(graph: Exclude<BipartiteInput, GpuBipartiteGraph>): BipartiteCsrInput {
  const g = graph as BipartiteCsrInput & { toCSR?: () => CsrArraysInput };
  return typeof g.toCSR === 'function' ? { nLeft: g.nLeft, nRight: g.nRight, ...g.toCSR() } : g;
}

/** Opens the WebGPU adapter (through Dawn's `webgpu` package) and returns a backend on it.
 * Throws SpeclinError ERR_NO_WEBGPU / ERR_NO_ADAPTER when there is none. */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const backend = options.device !== undefined ? webGpuBackendOnDevice(options.device) : new WebGpuBackend(await GpuContext.open(options));
  if (options.reductions === 'tree') backend.reductions = 'tree';
  return backend;
}

/** @internal createWebGpuBackend({ device }) without the Promise, for callers that must stay
 * synchronous (speclin/tfjs's ops). */
export function webGpuBackendOnDevice(device: GPUDevice): WebGpuBackend {
  return new WebGpuBackend(GpuContext.fromDevice(device));
}
