// A graph's stored entries as parallel arrays: what the pair sampler draws from, and what the
// dataset builders (knn-graph.ts) and the commands hand to it.
/** A graph's stored entries: entry e joins src[e] to dst[e] with weight weight[e]. An undirected
 * graph lists each edge in both directions (as a symmetric CSR does). */
export interface EdgeList {
  n: number;
  /** For a bipartite graph: the number of right nodes (dst ids); n then counts the left ones. */
  nRight?: number;
  src: Int32Array;
  dst: Int32Array;
  weight: Float32Array | Float64Array;
}

/** The stored entries of a graph's CSR (a Graph's `toCSR()`), as an EdgeList. */
export function edgesOfCSR(n: number, csr: { indptr: ArrayLike<number>; indices: Int32Array; values: Float32Array | Float64Array }): EdgeList {
  const src = new Int32Array(csr.indices.length);
  for (let i = 0; i < n; i++) src.fill(i, csr.indptr[i], csr.indptr[i + 1]);
  return { n, src, dst: csr.indices, weight: csr.values };
}
