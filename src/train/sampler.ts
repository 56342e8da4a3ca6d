// Positive pairs (x, x+) drawn with probability proportional to A(x, x'), from an alias table over
// the graph's stored entries (O(1) per draw after O(nnz) set-up), and nodes drawn from the
// marginals p(x) for negatives. In a minibatch of B positive pairs the off-diagonal pairs
// (x_i, x+_j), i != j, are already independent draws from p(x) p(x'): those are the negatives
// the spectral loss's 'offdiagonal' term uses, so the loop needs only `pairs`.
import { uniform } from '../random.js';
import type { EdgeList } from '../data/edge-list.js';

/** Vose's alias method over nonnegative weights (accumulated in float64). */
export class AliasTable {
  readonly size: number;
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const m = weights.length;
    if (m === 0) throw new RangeError('weights must not be empty');
    let total = 0;
    for (let i = 0; i < m; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights[${i}] = ${w} is not a finite nonnegative number`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('weights must have a positive sum');
    this.size = m;
    this.probability = new Float64Array(m);
    this.alias = new Int32Array(m);
    const scaled = new Float64Array(m);
    const small = new Int32Array(m);
    const large = new Int32Array(m);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < m; i++) {
      scaled[i] = (weights[i] * m) / total;
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[nl - 1];
      this.probability[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) {
        nl--;
        small[ns++] = l;
      }
    }
    // What remains has probability 1 up to rounding.
    while (nl > 0) this.probability[large[--nl]] = 1;
    while (ns > 0) this.probability[small[--ns]] = 1;
  }

  /** One draw, from two uniforms of `u`. */
  draw(u: () => number): number {
    const column = Math.min(this.size - 1, Math.floor(u() * this.size));
    return u() < this.probability[column] ? column : this.alias[column];
  }
}

export class PairSampler {
  readonly n: number;
  private readonly entries: AliasTable;
  private readonly nodes: AliasTable;
  private readonly u: () => number;

  constructor(private readonly edges: EdgeList, seed = 0) {
    const { n, src, dst, weight } = edges;
    if (!(src instanceof Int32Array) || !(dst instanceof Int32Array)) throw new TypeError('src and dst must be Int32Arrays');
    if (src.length !== dst.length || src.length !== weight.length) {
      throw new RangeError(`src, dst and weight must have equal lengths, got ${src.length}, ${dst.length}, ${weight.length}`);
    }
    const marginal = new Float64Array(n);
    const nDst = edges.nRight ?? n;
    for (let e = 0; e < src.length; e++) {
      if (src[e] < 0 || src[e] >= n || dst[e] < 0 || dst[e] >= nDst) {
        throw new RangeError(`edge ${e} (${src[e]}, ${dst[e]}) has a node outside 0..${n - 1} x 0..${nDst - 1}`);
      }
      marginal[src[e]] += weight[e];
    }
    this.n = n;
    this.entries = new AliasTable(weight);
    this.nodes = new AliasTable(marginal);
    this.u = uniform(seed);
  }

  /** B pairs with P(x, x+) = A(x, x+) / sum(A). */
  pairs(batch: number): { anchors: Int32Array; positives: Int32Array } {
    const anchors = new Int32Array(batch);
    const positives = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      const e = this.entries.draw(this.u);
      anchors[i] = this.edges.src[e];
      positives[i] = this.edges.dst[e];
    }
    return { anchors, positives };
  }

  /** B nodes with P(x) = p(x), the row sums of A / sum(A) (the left marginals of a bipartite graph). */
  marginals(batch: number): Int32Array {
    const out = new Int32Array(batch);
    for (let i = 0; i < batch; i++) out[i] = this.nodes.draw(this.u);
    return out;
  }
}
