// Connected components: one core routine (native/core/graph.cc) behind a Graph's components() and
// behind componentLabels (src/deflation.ts), which the WebGPU solvers call on CSR arrays. The
// reference is a breadth-first search over a dense symmetric adjacency, written here.
import test from 'ava';
import { Graph } from '../src/graph.js';
import { componentLabels } from '../src/deflation.js';
import { rng } from './helpers/random.js';

/** Labels by BFS over the symmetric closure of the nonzero entries, numbered by smallest node. */
function bfsLabels(n: number, nonzero: (i: number, j: number) => boolean): Int32Array {
  const labels = new Int32Array(n).fill(-1);
  let next = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] >= 0) continue;
    labels[s] = next;
    const queue = [s];
    while (queue.length) {
      const u = queue.shift()!;
      for (let v = 0; v < n; v++) if (labels[v] < 0 && (nonzero(u, v) || nonzero(v, u))) (labels[v] = next), queue.push(v);
    }
    next++;
  }
  return labels;
}

function randomCsr(n: number, density: number, seed: number, zeros = false) {
  const u = rng(seed);
  const dense = new Float64Array(n * n);
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (u() < density) {
        // Some stored entries weigh zero: they join nothing.
        const w = zeros && u() < 0.3 ? 0 : 0.5 + u();
        dense[i * n + j] = w;
        indices.push(j);
        values.push(w);
      }
    }
    indptr.push(indices.length);
  }
  return { dense, indptr, indices, values };
}

for (const [n, density, seed] of [[1, 0, 1], [30, 0.02, 2], [60, 0.03, 3], [200, 0.004, 4]] as const) {
  test(`componentLabels matches BFS on an asymmetric pattern with zero weights (n = ${n})`, (t) => {
    const { dense, indptr, indices, values } = randomCsr(n, density, seed, true);
    const want = bfsLabels(n, (i, j) => dense[i * n + j] !== 0);
    t.deepEqual(componentLabels(n, indptr, indices, Float64Array.from(values)), want);
    t.deepEqual(componentLabels(n, Uint32Array.from(indptr), Uint32Array.from(indices), Float32Array.from(values)), want);
    // Without weights every stored entry is an edge.
    const pattern = bfsLabels(n, (i, j) => indices.slice(indptr[i], indptr[i + 1]).includes(j));
    t.deepEqual(componentLabels(n, indptr, indices), pattern);
  });
}

test('a Graph\'s components() and componentLabels of its CSR agree', (t) => {
  const n = 120;
  const { dense } = randomCsr(n, 0.01, 9);
  const src: number[] = [];
  const dst: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    src.push(i, i);
    dst.push(i, i);
    weight.push(1, 0);
    for (let j = 0; j < n; j++) if (dense[i * n + j] !== 0) src.push(i), dst.push(j), weight.push(dense[i * n + j]);
  }
  const g = Graph.fromEdges({ n, src, dst, weight, symmetrize: 'max' });
  const csr = g.toCSR();
  const comp = g.components();
  t.deepEqual(comp.labels, componentLabels(n, csr.indptr, csr.indices, csr.values));
  t.deepEqual(comp.labels, bfsLabels(n, (i, j) => dense[i * n + j] !== 0));
  t.is(comp.count, Math.max(...comp.labels) + 1);
});

test('bad CSR arrays are RangeErrors naming the array', (t) => {
  t.throws(() => componentLabels(3, [0, 1, 2], [0, 1]), { instanceOf: RangeError, message: /indptr has 3 entries, expected n \+ 1 = 4/ });
  t.throws(() => componentLabels(2, [0, 2, 1], [0, 1]), { instanceOf: RangeError, message: /indptr must not decrease/ });
  t.throws(() => componentLabels(2, [0, 1, 2], [0, 1, 1]), { instanceOf: RangeError, message: /indptr\[n\] = 2 but indices has 3/ });
  t.throws(() => componentLabels(2, [0, 1, 2], [0, 5]), { instanceOf: RangeError, message: /indices\[1\] = 5 is outside \[0, n = 2\)/ });
  t.throws(() => componentLabels(2, [0, 1, 2], [0, 1], [1]), { instanceOf: RangeError, message: /values has 1 entries, expected nnz = 2/ });
});
