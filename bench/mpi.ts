// `npm run bench -- mpi`: speclin/mpi under mpirun (--oversubscribe). eigsh at n = 200 000, k = 10
// on 1 and 2 ranks (DistributedGraph of a 10-block graph, average degree 10), with the core's
// single-process eigsh on the same graph in the 1-rank run; the distributed loss step (float32,
// B = 8192, k = 64) on 1, 2 and 4 ranks, with the single-process loss in the 1-rank run. Prints the
// bytes each sends: the halo per product of one column, the allreduces per loss step. On a shared
// 2-core machine these are contention figures: the load average is printed with each.
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function ranks(np: number, args: string[]): Record<string, number | number[]> {
  const r = spawnSync('mpirun', ['--oversubscribe', '-np', String(np), process.execPath, '--import', 'tsx', path.join(here, 'lib', 'mpi-rank.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' },
    maxBuffer: 1 << 26,
  });
  if (r.error) throw new Error(`bench mpi: mpirun was not found (${r.error.message}); install openmpi-bin`);
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`bench mpi: mpirun -np ${np} ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(line);
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const n = opts.quick ? 20_000 : 200_000;
  const rows: Row[] = [];
  for (const np of [1, 2]) {
    opts.log(`mpi: eigsh n = ${n}, k = 10 at ${np} rank(s)...`);
    const r = ranks(np, ['eigsh', String(n), '10']);
    rows.push({
      case: `eigsh n=${n} k=10 nnz=${r.nnz} on ${np} rank(s)`,
      seconds: r.eigshSeconds as number,
      'single-process s': r.singleSeconds as number | undefined,
      matvecs: r.matvecs as number,
      allreduces: r.reductions as number,
      'bytes/matvec': r.haloBytesPerMatvec as number,
      'bytes/step': undefined,
      load: r.loadAverage as number,
    });
  }
  for (const np of [1, 2, 4]) {
    opts.log(`mpi: loss step B = 8192, k = 64 at ${np} rank(s)...`);
    const r = ranks(np, ['loss', '8192', '64']);
    rows.push({
      case: `loss step B=8192 k=64 f32 on ${np} rank(s)`,
      seconds: r.stepSeconds as number,
      'single-process s': r.singleSeconds as number | undefined,
      matvecs: undefined,
      allreduces: 2,
      'bytes/matvec': undefined,
      'bytes/step': r.allreduceBytesPerStep as number,
      load: r.loadAverage as number,
    });
  }
  return {
    suite: 'mpi',
    environment: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, 'threads per rank': 'cores / ranks', 'load average at end': os.loadavg()[0].toFixed(2) },
    columns: ['seconds', 'single-process s', 'matvecs', 'allreduces', 'bytes/matvec', 'bytes/step', 'load'],
    rows,
  };
}
