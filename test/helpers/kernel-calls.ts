// One call of each native kernel family, Sync and Promise forms, on fixed inputs: what the
// worker_threads tests compare bit for bit across threads, and what the soak (test/soak/soak.ts)
// repeats to watch the resident set. Each call returns its outputs as typed arrays.
import {
  BipartiteGraph, Graph, crossGram, crossGramSync, eigsh, eigshSync, gram, gramSync, innerGram, innerGramSync,
  populationLoss, populationLossSync, spectralLoss, spectralLossSync, svds, svdsSync, topK, topKSync,
} from '../../src/index.js';
import { rng } from './random.js';

export type Outputs = ArrayBufferView[];

export interface KernelCall {
  name: string;
  /** Sync forms return directly; Promise forms are awaited. */
  run(): Outputs | Promise<Outputs>;
}

/** A ring of n nodes with chords i -> 7i + 3, weights 1-3: connected, deterministic. */
export function chordedRing(n: number): Graph {
  const src: number[] = [], dst: number[] = [], w: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [j, wt] of [[(i + 1) % n, 1 + (i % 3)], [(i * 7 + 3) % n, 0.5]]) {
      src.push(i, j); dst.push(j, i); w.push(wt, wt);
    }
  }
  return Graph.fromEdges({ n, src: Int32Array.from(src), dst: Int32Array.from(dst), weight: Float64Array.from(w) });
}

/** Left node i joins right nodes i mod nRight and 3i + 1 mod nRight, weights 1-5. */
export function bipartite(nLeft: number, nRight: number): BipartiteGraph {
  const left: number[] = [], right: number[] = [], w: number[] = [];
  for (let i = 0; i < nLeft; i++) {
    for (const j of [i % nRight, (3 * i + 1) % nRight]) { left.push(i); right.push(j); w.push(1 + (i % 5)); }
  }
  return BipartiteGraph.fromEdges({ nLeft, nRight, left: Int32Array.from(left), right: Int32Array.from(right), weight: Float64Array.from(w) });
}

function matrix32(rows: number, cols: number, seed: number) {
  const r = rng(seed);
  return { data: Float32Array.from({ length: rows * cols }, () => r() - 0.5), rows, cols };
}
function matrix64(rows: number, cols: number, seed: number) {
  const r = rng(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => r() - 0.5), rows, cols };
}

/** The calls, on a graph of `nodes` nodes (default 600) and small dense matrices; eigsh runs
 * block Lanczos unless `eigshMethod` says 'auto' (dense below 257 nodes). */
export function kernelCalls(options: { nodes?: number; eigshMethod?: 'lanczos' | 'auto' } = {}): KernelCall[] {
  const nodes = options.nodes ?? 600;
  const Z = matrix32(64, 24, 1), W = matrix32(64, 24, 2);
  const Z64 = matrix64(48, 16, 3), W64 = matrix64(48, 16, 4);
  const graph = chordedRing(nodes);
  const E = matrix64(nodes, 4, 5);
  const bi = bipartite(nodes, Math.floor(nodes / 2));
  const Ex = matrix64(bi.nLeft, 3, 6), Et = matrix64(bi.nRight, 3, 7);
  const eig = { k: 4, seed: 11, tol: 1e-10, method: options.eigshMethod ?? 'lanczos' };
  const loss = (r: { gradZ: { data: ArrayBufferView }; gradW: { data: ArrayBufferView }; loss: number }) =>
    [r.gradZ.data, r.gradW.data, Float64Array.of(r.loss)];
  return [
    { name: 'gramSync', run: () => [gramSync(Z).data] },
    { name: 'gram', run: async () => [(await gram(Z64)).data] },
    { name: 'crossGramSync', run: () => [crossGramSync(Z64, W64).data] },
    { name: 'crossGram', run: async () => [(await crossGram(Z, W)).data] },
    { name: 'innerGramSync', run: () => [innerGramSync(Z, W).data] },
    { name: 'innerGram', run: async () => [(await innerGram(Z64, W64)).data] },
    { name: 'spectralLossSync', run: () => loss(spectralLossSync(Z, W)) },
    { name: 'spectralLoss', run: async () => loss(await spectralLoss(Z64, W64, { mu: 0.5 })) },
    { name: 'topKSync', run: () => { const r = topKSync(Z, W, 5); return [r.indices, r.scores]; } },
    { name: 'topK', run: async () => { const r = await topK(Z64, W64, 5); return [r.indices, r.scores]; } },
    { name: 'populationLossSync', run: () => { const r = populationLossSync(graph, E); return [r.grad.data, Float64Array.of(r.loss)]; } },
    {
      name: 'populationLoss',
      run: async () => { const r = await populationLoss(bi, Ex, Et); return [r.gradLeft.data, r.gradRight.data, Float64Array.of(r.loss)]; },
    },
    {
      name: 'normalized product',
      run: () => {
        const X = Float64Array.from(E.data), Y = new Float64Array(E.data.length);
        graph.normalized().multiply(X, Y, 4);
        return [Y];
      },
    },
    { name: 'eigshSync', run: () => { const r = eigshSync(graph, eig); return [r.values, r.vectors.data]; } },
    { name: 'eigsh', run: async () => { const r = await eigsh(graph, eig); return [r.values, r.vectors.data]; } },
    { name: 'svdsSync', run: () => { const r = svdsSync(bi, { k: 3, seed: 5, tol: 1e-10 }); return [r.values, r.left.data, r.right.data]; } },
    { name: 'svds', run: async () => { const r = await svds(bi, { k: 3, seed: 5, tol: 1e-10 }); return [r.values, r.left.data, r.right.data]; } },
  ];
}

/** The bytes of every output, concatenated: equal bytes mean bit-identical results. */
export function bytesOf(outputs: Outputs): Uint8Array {
  const total = outputs.reduce((s, o) => s + o.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const o of outputs) {
    out.set(new Uint8Array(o.buffer, o.byteOffset, o.byteLength), at);
    at += o.byteLength;
  }
  return out;
}
