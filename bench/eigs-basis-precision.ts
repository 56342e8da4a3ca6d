// `npm run bench -- eigs-basis-precision [--quick]`: what storing eigsh's Krylov basis in float32
// costs in accuracy and products (issue 13's lever "a basis stored in float32 with float64
// accumulation"). The shared solver runs with its basis on a host double of a device
// (bench/lib/device-double.ts: the rows stored as Float32Array or Float64Array, every dot
// product, norm and the projected problem in float64, products by the float64 operator), at
// falling tolerances on the eigs suite's SBM graph, beside the host-basis solver (float64, blocks
// of 1 and 2). It measures products and reached residuals, not time: the double is plain
// JavaScript loops.
import { Graph, eigsh, stochasticBlockModel } from '../src/index.js';
import { componentVectors } from '../src/eigsh.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';
import { solveWithDeviceDouble } from './lib/device-double.js';

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const n = opts.quick ? 5000 : 20000;
  const k = 10;
  const graph: Graph = stochasticBlockModel({ n, seed: 1 });
  const op = graph.normalized();
  const product = (x: Float64Array) => {
    const y = new Float64Array(n);
    op.multiply(x, y, 1);
    return y;
  };
  const defl = componentVectors(graph);
  const tols = opts.quick ? [1e-6, 1e-8] : [1e-6, 1e-7, 1e-8, 1.5e-9];
  const rows: Row[] = [];
  for (const tol of tols) {
    for (const [name, storage] of [['float64', Float64Array], ['float32', Float32Array]] as const) {
      opts.log(`n ${n}, k ${k}, tol ${tol}: device basis in ${name}`);
      const options = { k, tol, blockSize: 1, seed: 1, normBound: 1, deflate: defl.data, maxIterations: 3000 };
      let r;
      try {
        r = solveWithDeviceDouble(n, product, options, storage).result;
      } catch (err) {
        // A stored vector's own rounding can exceed tol: the known eigenvector fails its check.
        rows.push({ case: `SBM n=${n} k=${k} tol=${tol}`, basis: `${name}, blocks of 1`, status: err instanceof Error ? err.message : String(err) });
        continue;
      }
      rows.push({
        case: `SBM n=${n} k=${k} tol=${tol}`,
        basis: `${name}, blocks of 1`,
        status: r.status,
        converged: r.cols,
        products: r.matvecs,
        'max residual': r.residuals.length ? Math.max(...r.residuals) : undefined,
        'basis MB': (r.basisSize + 1) * n * (storage === Float32Array ? 4 : 8) / 1e6,
      });
    }
    for (const blockSize of [1, 2]) {
      const r = await eigsh(graph, { k, tol, blockSize, seed: 1 });
      rows.push({
        case: `SBM n=${n} k=${k} tol=${tol}`,
        basis: `host float64, blocks of ${blockSize}`,
        status: 'converged',
        converged: r.converged,
        products: r.matvecs,
        'max residual': Math.max(...r.residuals),
        'basis MB': undefined,
      });
    }
  }
  return {
    suite: 'eigs-basis-precision',
    environment: { graph: `stochasticBlockModel({ n: ${n}, seed: 1 })`, k, note: 'products and residuals, not time (the device double is JavaScript loops)' },
    columns: ['basis', 'status', 'converged', 'products', 'max residual', 'basis MB'],
    rows,
  };
}
