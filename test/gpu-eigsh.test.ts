// eigsh on the WebGPU backend (Lanczos with eigsh.wgsl's steps), run for real (on CI: Mesa's
// lavapipe): eigenpairs against numpy and scipy, true residuals, and the deflation of connected
// components against the CPU eigsh.
// One device per process (helpers/webgpu.ts): Dawn's adapter gives one, and its Node binding polls
// on the main thread until the device is destroyed, so the backend is opened once per file, every
// test runs serially on it, and it is disposed at the end. Tolerances: see helpers/gpu-reference.ts.
import test from 'ava';
import { eigsh as eigshCpu, Graph, SpeclinError } from '../src/index.js';
import { host, csrFromRows, randomGraph, disjointUnion, trueResidual, reductionModes } from './helpers/gpu-reference.js';
import { orthonormalityError } from './helpers/reference.js';
import { openTestBackend } from './helpers/webgpu.js';
import { python } from './helpers/python.js';
import { testNeeding } from './helpers/requirements.js';

// Tests checked against numpy/scipy; skipped with a notice where python3 lacks them.
const pyTest = testNeeding('python');

// One device for the file; without an adapter, one failing test (helpers/webgpu.ts).
const backend = await openTestBackend();

if (backend) {
  const gpu = backend;
  const modes = reductionModes(gpu);

  pyTest.serial('eigsh on the GPU: top eigenpairs of the normalized graph against numpy and scipy', async (t) => {
    // Every mode runs the smaller case (the norms use workgroup_sum); the first also the larger.
    const cases = modes.flatMap((mode, i) => (i === 0 ? [[300, 6, 4, mode], [150, 3, 3, mode]] : [[150, 3, 3, mode]]) as [number, number, number, 'subgroups' | 'tree'][]);
    for (const [n, meanDegree, k, mode] of cases) {
      gpu.reductions = mode;
      const g = randomGraph(n, meanDegree, n + 1);
      // Dense float64 reference by numpy: the spectrum of D^-1/2 A D^-1/2.
      const dense = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) dense[i][g.indices[p]] = g.values[p];
      const want = python<number[]>(
        'import json,sys,numpy as np\nA=np.array(json.load(sys.stdin))\nd=A.sum(1)\ns=np.where(d>0,1/np.sqrt(d),0)\n' +
          'w=np.linalg.eigvalsh(s[:,None]*A*s[None,:])\nprint(json.dumps(sorted(w.tolist(),reverse=True)))',
        dense,
      );
      const r = await gpu.eigsh(g, { k, tol: 1e-5, seed: 1 });
      t.true(r.converged);
      t.is(r.vectors.rows, n);
      t.is(r.vectors.cols, k);
      // Eigenvalues of a norm-1 operator from float32 Lanczos: 1e-5 absolute (the residual tolerance
      // bounds the eigenvalue error by the residual for a symmetric matrix).
      for (let i = 0; i < k; i++) t.true(Math.abs(r.values[i] - want[i]) < 1e-5, `n ${n}: value ${i}: ${r.values[i]} vs ${want[i]}`);
      // Each Ritz pair's true residual ||Ā y - θ y|| / ||y||, in float64 on the host: the float32
      // vectors are accurate to ~1e-6 per entry, so 1e-4 bounds it with room.
      for (let c = 0; c < k; c++) {
        const res = trueResidual(g, r.vectors.data, k, c, r.values[c]);
        t.true(res < 1e-4, `n ${n}: residual of pair ${c}: ${res}`);
      }
      t.log(`n ${n}, k ${k}, ${mode}: ${r.iterations} Lanczos steps, ${r.matvecs} products`);
    }
    gpu.reductions = modes[0];

    // A graph with basis rows longer than one basis_dots chunk (8192 floats): scipy's eigsh as the
    // reference, and the true residuals in float64 as above.
    const big = randomGraph(9000, 4, 77);
    const ref = python<number[]>(
      'import json,sys,numpy as np,scipy.sparse as sp,scipy.sparse.linalg as sl\nd=json.load(sys.stdin)\n' +
        "A=sp.csr_matrix((np.array(d['values']),np.array(d['indices']),np.array(d['indptr'])),shape=(d['n'],d['n']))\n" +
        'deg=np.asarray(A.sum(1)).ravel()\ns=sp.diags(np.where(deg>0,1/np.sqrt(deg),0))\n' +
        "w=sl.eigsh(s@A@s,k=3,which='LA',tol=1e-12)[0]\nprint(json.dumps(sorted(w.tolist(),reverse=True)))",
      { n: big.n, indptr: Array.from(big.indptr), indices: Array.from(big.indices), values: Array.from(big.values) },
    );
    // Many components (isolated pairs) here: deflation alone would answer (three copies of 1, no
    // Lanczos step), so deflate: false keeps this a test of Lanczos over long rows.
    const rb = await gpu.eigsh(big, { k: 3, tol: 1e-5, seed: 2, deflate: false });
    for (let i = 0; i < 3; i++) t.true(Math.abs(rb.values[i] - ref[i]) < 1e-5, `n 9000: value ${i}: ${rb.values[i]} vs ${ref[i]}`);
    for (let c = 0; c < 3; c++) {
      const res = trueResidual(big, rb.vectors.data, 3, c, rb.values[c]);
      t.true(res < 1e-4, `n 9000: residual of pair ${c}: ${res}`);
    }
    t.log(`n 9000, k 3: ${rb.iterations} Lanczos steps, ${rb.matvecs} products`);
    const locked = await gpu.eigsh(big, { k: 3 });
    t.deepEqual([locked.iterations, locked.matvecs], [0, 3]);
    for (let i = 0; i < 3; i++) t.true(Math.abs(locked.values[i] - ref[i]) < 1e-6, `n 9000, deflated: value ${i}: ${locked.values[i]}`);

    const g = randomGraph(50, 4, 2);
    await t.throwsAsync(gpu.eigsh(g, { k: 50 }), { instanceOf: RangeError, message: /^options\.k/ });
    await t.throwsAsync(gpu.eigsh(g, { k: 2, tol: 1e-9 }), { instanceOf: RangeError, message: /^options\.tol/ });
    const err = await t.throwsAsync(gpu.eigsh(randomGraph(120, 8, 3), { k: 3, maxIterations: 1, ncv: 5 }), { instanceOf: SpeclinError });
    t.is((err as SpeclinError).code, 'ERR_NOT_CONVERGED');
    t.truthy((err as SpeclinError).partial);
  });

  test.serial('eigsh on the GPU deflates the connected components: every copy of 1, the CPU eigsh\'s pairs', async (t) => {
    // Three components of 37, 101 and 75 nodes (no size a multiple of the workgroup size 256 or of
    // the 64-float row padding): Ā has the eigenvalue 1 three times, then the components' own
    // second eigenvalues.
    const sizes = [37, 101, 75];
    const g = disjointUnion(sizes.map((n, i) => randomGraph(n, 4, 40 + i, true)));
    const n = g.n;
    const deg = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg[i] += g.values[p];
    // The component vectors D^{1/2} 1_C / ||.||, in float64, to check that each copy of 1 is there.
    const componentVectors: Float64Array[] = [];
    let start = 0;
    for (const size of sizes) {
      const u = new Float64Array(n);
      let s = 0;
      for (let i = start; i < start + size; i++) s += deg[i];
      for (let i = start; i < start + size; i++) u[i] = Math.sqrt(deg[i] / s);
      componentVectors.push(u);
      start += size;
    }
    const cpuGraph = Graph.fromCSR({ n, indptr: g.indptr, indices: g.indices, values: Float64Array.from(g.values) });
    const cpu = await eigshCpu(cpuGraph, { k: 5, tol: 1e-12 });
    t.deepEqual([...cpu.values.subarray(0, 3)].map((v) => Math.abs(v - 1) < 1e-12), [true, true, true]);
    t.true(cpu.values[3] < 1 - 1e-2, 'a spectral gap below the copies of 1');

    const resident = gpu.uploadGraph(g);
    try {
      // The host CSR arrays (components by union-find on the host), the resident graph (its arrays
      // read back once) and a speclin Graph (its cached components()) give the same deflation.
      for (const [what, input] of [['CSR arrays', g], ['resident GpuGraph', resident], ['Graph', cpuGraph]] as const) {
        const r = await gpu.eigsh(input, { k: 5, tol: 1e-5, seed: 3 });
        t.true(r.converged, what);
        t.deepEqual([r.vectors.rows, r.vectors.cols], [n, 5]);
        // Every copy of 1: a locked vector's Rayleigh quotient in float64 from its float32 entries
        // and the float32 product (a few 1e-8 each, relative): 1e-6.
        for (let i = 0; i < 3; i++) t.true(Math.abs(r.values[i] - 1) < 1e-6, `${what}: value ${i}: ${r.values[i]}`);
        // The Lanczos pairs in the complement: 1e-5 absolute (the residual tolerance bounds the
        // eigenvalue error of a norm-1 symmetric operator), against the CPU to 1e-12.
        for (let i = 3; i < 5; i++) t.true(Math.abs(r.values[i] - cpu.values[i]) < 1e-5, `${what}: value ${i}: ${r.values[i]} vs ${cpu.values[i]}`);
        // Orthonormal columns: float32 vectors (2^-24 per entry), the Lanczos ones combined from
        // ~20 basis rows orthogonalized twice against the locked ones: 1e-5 bounds |Y^T Y - I|.
        const orth = orthonormalityError(r.vectors.data, n, 5);
        t.true(orth < 1e-5, `${what}: |Y^T Y - I| = ${orth}`);
        // True residuals, as in the test above: 1e-4 (tol 1e-5 plus float32 rounding of y).
        for (let c = 0; c < 5; c++) {
          const res = trueResidual(g, r.vectors.data, 5, c, r.values[c]);
          t.true(res < 1e-4, `${what}: residual of pair ${c}: ${res}`);
          t.true(r.residuals[c] < 1e-4, `${what}: reported residual ${c}: ${r.residuals[c]}`);
        }
        // Each component's vector lies in the span of the three returned copies of 1 (to 1e-6).
        for (const [q, u] of componentVectors.entries()) {
          let proj = 0;
          for (let c = 0; c < 3; c++) {
            let d = 0;
            for (let i = 0; i < n; i++) d += u[i] * r.vectors.data[i * 5 + c];
            proj += d * d;
          }
          t.true(Math.sqrt(proj) > 1 - 1e-6, `${what}: component ${q} projects to ${Math.sqrt(proj)}`);
        }
        t.log(`${what}: k 5, 3 components: ${r.iterations} Lanczos steps, ${r.matvecs} products`);
      }

      // Basis rows longer than one basis_dots chunk (8192 floats) with locked rows in the basis:
      // two components of 4999 and 4200 nodes, k = 4 (two locked, two from Lanczos), against the
      // CPU eigsh with the tolerances above.
      const long = disjointUnion([randomGraph(4999, 6, 91, true), randomGraph(4200, 6, 92, true)]);
      const longCpu = await eigshCpu(Graph.fromCSR({ n: long.n, indptr: long.indptr, indices: long.indices, values: Float64Array.from(long.values) }), { k: 4, tol: 1e-12 });
      const rl = await gpu.eigsh(long, { k: 4, tol: 1e-5, seed: 4 });
      for (let i = 0; i < 4; i++) {
        t.true(Math.abs(rl.values[i] - longCpu.values[i]) < (i < 2 ? 1e-6 : 1e-5), `n 9199: value ${i}: ${rl.values[i]} vs ${longCpu.values[i]}`);
        t.true(trueResidual(long, rl.vectors.data, 4, i, rl.values[i]) < 1e-4, `n 9199: residual ${i}`);
      }
      t.true(orthonormalityError(rl.vectors.data, long.n, 4) < 1e-5);
      t.log(`n 9199, 2 components, k 4: ${rl.iterations} Lanczos steps, ${rl.matvecs} products`);

      // k = 2 < c: two copies of 1, no Lanczos step (two checking products only).
      const two = await gpu.eigsh(resident, { k: 2 });
      t.deepEqual([two.iterations, two.matvecs, two.vectors.cols], [0, 2, 2]);
      for (let c = 0; c < 2; c++) {
        t.true(Math.abs(two.values[c] - 1) < 1e-6, `k 2: value ${c}: ${two.values[c]}`);
        t.true(trueResidual(g, two.vectors.data, 2, c, two.values[c]) < 1e-6);
      }
      t.true(orthonormalityError(two.vectors.data, n, 2) < 1e-6);

      // A stored zero weight couples nothing: two triangles joined by a 0-weight pair are two
      // components (two copies of 1, no Lanczos step), from CSR arrays and from a resident graph.
      const triangles = [[1, 2], [0, 2], [0, 1, 3], [2, 4, 5], [3, 5], [3, 4]].map((nb, i) => new Map(nb.map((j) => [j, (i === 2 && j === 3) || (i === 3 && j === 2) ? 0 : 1] as [number, number])));
      const tri = csrFromRows(triangles);
      const triResident = gpu.uploadGraph(tri);
      for (const input of [tri, triResident]) {
        const r = await gpu.eigsh(input, { k: 2 });
        t.deepEqual([r.iterations, r.matvecs], [0, 2]);
        t.true(r.values.every((v) => Math.abs(v - 1) < 1e-6), `zero-weight pair: ${r.values}`);
      }
      triResident.destroy();

      // The component vectors given explicitly (as float64 columns): the same pairs.
      const block = new Float64Array(n * 3);
      componentVectors.forEach((u, q) => u.forEach((x, i) => (block[i * 3 + q] = x)));
      const given = await gpu.eigsh(resident, { k: 5, tol: 1e-5, seed: 3, deflate: { data: block, rows: n, cols: 3 } });
      for (let i = 0; i < 5; i++) t.true(Math.abs(given.values[i] - cpu.values[i]) < 1e-5, `given block: value ${i}: ${given.values[i]}`);

      // A column that is not an eigenvector is a RangeError naming it (column 1: the sum of two
      // component vectors plus a bump is far from any eigenvector).
      const bad = block.slice();
      for (let i = 0; i < n; i++) bad[i * 3 + 1] += bad[i * 3 + 2] + (i === 50 ? 0.3 : 0);
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: bad, rows: n, cols: 3 } }), { instanceOf: RangeError, message: /^eigsh: deflate column 1 is not an eigenvector/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: new Float64Array(n * 2), rows: n, cols: 2 } }), { instanceOf: RangeError, message: /^eigsh: deflate column 0 is zero/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, deflate: { data: block, rows: n - 1, cols: 3 } }), { instanceOf: RangeError, message: /^options\.deflate: expected n = 213 rows/ });
      await t.throwsAsync(gpu.eigsh(resident, { k: 5, normalized: false, deflate: true }), { instanceOf: TypeError, message: /^options\.deflate/ });

      // deflate: false is the single-vector solver alone (the solver as it was before deflation):
      // it sees the eigenspace of 1 only through the start vector's projection and float32 rounding
      // noise, so whether and when further copies appear is not guaranteed. What holds: true
      // eigenpairs (each value within 1e-5 of one of the CPU's top 10, residuals below 1e-4).
      const cpu10 = await eigshCpu(cpuGraph, { k: 10, tol: 1e-12 });
      const plain = await gpu.eigsh(resident, { k: 3, tol: 1e-5, seed: 3, deflate: false });
      t.true(plain.iterations > 0);
      for (let c = 0; c < 3; c++) {
        t.true(cpu10.values.some((v) => Math.abs(v - plain.values[c]) < 1e-5), `deflate false: value ${c}: ${plain.values[c]}`);
        t.true(trueResidual(g, plain.vectors.data, 3, c, plain.values[c]) < 1e-4);
      }
      t.log(`deflate false: values ${[...plain.values].map((v) => v.toFixed(8))}, ${plain.iterations} Lanczos steps, ${plain.matvecs} products`);
    } finally {
      resident.destroy();
    }
  });
}
