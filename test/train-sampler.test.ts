import test from 'ava';
import { AliasTable, PairSampler } from '../src/train/sampler.js';

// A small directed-entry list of an undirected weighted graph on 5 nodes (both directions), with
// weights spanning two orders of magnitude so that a sampler biased toward uniform would show.
const undirected: [number, number, number][] = [
  [0, 1, 5], [0, 2, 0.5], [1, 2, 2], [2, 3, 1], [3, 4, 0.05], [1, 4, 3],
];
const src = Int32Array.from(undirected.flatMap(([a, b]) => [a, b]));
const dst = Int32Array.from(undirected.flatMap(([a, b]) => [b, a]));
const weight = Float64Array.from(undirected.flatMap(([, , w]) => [w, w]));

function chiSquare(counts: ArrayLike<number>, probabilities: ArrayLike<number>, draws: number): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = probabilities[i] * draws;
    s += ((counts[i] - e) * (counts[i] - e)) / e;
  }
  return s;
}

// Thresholds: the 1 - 1e-4 quantiles of chi^2, scipy.stats.chi2.ppf(1 - 1e-4, df): 44.26 for
// df = 11 (12 directed entries) and 23.51 for df = 4 (5 nodes). Every expected count is at least
// 200 000 * 0.05 / 23.1 > 400, far above the ~5 the chi-square approximation needs.
// A correct sampler exceeds them with probability 1e-4; the draws are seeded, so the test is
// deterministic, and the power checks below show that a wrong distribution lands far above them.
const CHI2_DF11 = 44.26;
const CHI2_DF4 = 23.51;
const DRAWS = 200_000;

test('positive pairs are drawn with probability proportional to A(x, x+) (chi-square)', (t) => {
  const sampler = new PairSampler({ n: 5, src, dst, weight }, 42);
  const { anchors, positives } = sampler.pairs(DRAWS);
  const index = new Map<number, number>();
  for (let e = 0; e < src.length; e++) index.set(src[e] * 5 + dst[e], e);
  const counts = new Float64Array(src.length);
  for (let i = 0; i < DRAWS; i++) {
    const e = index.get(anchors[i] * 5 + positives[i]);
    t.not(e, undefined, 'a drawn pair must be an edge');
    counts[e!]++;
  }
  let total = 0;
  for (const w of weight) total += w;
  const expected = Array.from(weight, (w) => w / total);
  const stat = chiSquare(counts, expected, DRAWS);
  t.true(stat < CHI2_DF11, `chi-square ${stat} (df 11)`);
  // Power: the same counts against the uniform distribution over entries are rejected by far.
  t.true(chiSquare(counts, new Array(12).fill(1 / 12), DRAWS) > 100 * CHI2_DF11);
});

test('negative nodes are drawn from the marginals p(x) (chi-square)', (t) => {
  const sampler = new PairSampler({ n: 5, src, dst, weight }, 7);
  const nodes = sampler.marginals(DRAWS);
  const counts = new Float64Array(5);
  for (const v of nodes) counts[v]++;
  const p = new Float64Array(5);
  for (let e = 0; e < src.length; e++) p[src[e]] += weight[e];
  let total = 0;
  for (const v of p) total += v;
  const stat = chiSquare(counts, Array.from(p, (v) => v / total), DRAWS);
  t.true(stat < CHI2_DF4, `chi-square ${stat} (df 4)`);
  t.true(chiSquare(counts, [0.2, 0.2, 0.2, 0.2, 0.2], DRAWS) > 100 * CHI2_DF4);
});

test('the sampler is deterministic for a seed', (t) => {
  const a = new PairSampler({ n: 5, src, dst, weight }, 3).pairs(100);
  const b = new PairSampler({ n: 5, src, dst, weight }, 3).pairs(100);
  t.deepEqual(a, b);
});

test('the alias table keeps zero-weight entries out and rejects bad weights', (t) => {
  const table = new AliasTable([0, 1, 0, 3]);
  let u = 0.123;
  const next = () => (u = (u * 9301 + 49297) % 233280 / 233280);
  for (let i = 0; i < 10_000; i++) t.true([1, 3].includes(table.draw(next)));
  t.throws(() => new AliasTable([1, -1]), { instanceOf: RangeError, message: /weights\[1\]/ });
  t.throws(() => new AliasTable([0, 0]), { instanceOf: RangeError, message: /positive sum/ });
  t.throws(() => new PairSampler({ n: 2, src: Int32Array.of(0), dst: Int32Array.of(5), weight: Float64Array.of(1) }), { instanceOf: RangeError, message: /outside 0..1 x 0..1/ });
});
