// The operator types that solvers accept (Spectra's split: a solver asks an operator only for
// products). Graphs' normalized() returns them; eigsh and svds consume them.

/** Any symmetric linear operator: Y = Op X for X, Y row-major n x columns. `multiply` may be
 * async for a JS operator used with the Promise form of eigsh. */
export interface SymmetricOperator {
  readonly n: number;
  multiply(X: Float64Array, Y: Float64Array, columns: number): void | Promise<void>;
  /** An upper bound on ||Op||_2 if known (1 for a normalized adjacency). */
  readonly normBound?: number;
  /** Native operators (graph.normalized(), denseOperator) carry their C++ side here, so native
   * solvers run every product without calling back into JS. */
  readonly _native?: unknown;
}

/** A rectangular operator P (rows x cols): `multiply` is Y = P X, `multiplyTranspose` Y = P^T X,
 * row-major blocks. */
export interface RectangularOperator {
  readonly rows: number;
  readonly cols: number;
  multiply(X: Float64Array, Y: Float64Array, columns: number): void | Promise<void>;
  multiplyTranspose(X: Float64Array, Y: Float64Array, columns: number): void | Promise<void>;
  /** An upper bound on ||P||_2 if known (1 for P̄). */
  readonly normBound?: number;
  /** The native side of a bipartite graph's P̄. */
  readonly _nativeRect?: unknown;
}
