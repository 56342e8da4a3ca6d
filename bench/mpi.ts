// `npm run bench -- mpi`: speclin/mpi under mpirun (--oversubscribe). eigsh at n = 200 000, k = 10
// on 1 and 2 ranks (a 10-block graph, average degree 10, written once as a Matrix Market file that
// every rank reads its byte range of), with the core's single-process eigsh in the 1-rank run and
// SLEPc's Krylov-Schur on the same file at the same rank counts where Debian's python3-slepc4py is
// installed (an optional peer: skipped with a line saying so otherwise); the distributed loss step
// (float32, B = 8192, k = 64) on 1, 2 and 4 ranks, with the single-process loss in the 1-rank run.
// Prints the bytes each sends: the halo per product of one column, the allreduces per loss step.
// On a shared 2-core machine these are contention figures: the load average is printed with each.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stochasticBlockModel } from '../src/index.js';
import type { Row, SuiteOptions, SuiteResult } from './lib/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const mpiEnv = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const TOL = 1e-6;

function mpirun(np: number, program: string[]): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const r = spawnSync('mpirun', ['--oversubscribe', '-np', String(np), ...program], { encoding: 'utf8', env: mpiEnv, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function firstJsonLine(r: ReturnType<typeof mpirun>, what: string): Record<string, unknown> {
  if (r.error) throw new Error(`bench mpi: mpirun was not found (${r.error.message}); install openmpi-bin`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`bench mpi: ${what} failed: ${r.stderr}`);
  return JSON.parse(line);
}

function ranks(np: number, args: string[]): Record<string, number | number[]> {
  const program = [process.execPath, '--import', 'tsx', path.join(here, 'lib', 'mpi-rank.ts'), ...args];
  return firstJsonLine(mpirun(np, program), `mpirun -np ${np} ${args.join(' ')}`) as Record<string, number | number[]>;
}

// SLEPc is only a peer: Debian's python3-slepc4py is a module of /usr/bin/python3 (not of a
// python3 first on PATH, such as a pyenv one with another numpy).
const SLEPC_PYTHON = process.env.SPECLIN_SLEPC_PYTHON ?? '/usr/bin/python3';
const slepcScript = path.join(here, 'peers', 'slepc_eigsh.py');

/** The versions line, or undefined (with the reason logged) where slepc4py is not importable. */
function slepcAvailable(log: (line: string) => void): string | undefined {
  const r = spawnSync(SLEPC_PYTHON, [slepcScript, '--check'], { encoding: 'utf8', env: mpiEnv, timeout: 120_000 });
  if (r.status === 0) return r.stdout.trim();
  const why = r.error ? `${SLEPC_PYTHON} was not found` : (r.stdout + r.stderr).trim().split('\n').pop();
  log(`mpi: SLEPc peer skipped: ${why} (Debian: apt-get install python3-slepc4py; SPECLIN_SLEPC_PYTHON names another python)`);
  return undefined;
}

interface SlepcAnswer {
  slepc: string;
  petsc: string;
  seconds: number;
  matvecs: number;
  restarts: number;
  ncv: number;
  converged: number;
  values: number[];
  max_residual: number;
  load: number;
}

/** The stochastic block model as a symmetric Matrix Market file (lower triangle, 1-based). */
async function writeGraph(file: string, n: number, k: number): Promise<void> {
  const csr = stochasticBlockModel({ n, blocks: k, averageDegree: 10, seed: 1 }).toCSR();
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    for (let e = csr.indptr[i]; e < csr.indptr[i + 1]; e++) if (csr.indices[e] <= i) lines.push(`${i + 1} ${csr.indices[e] + 1} ${csr.values[e]}`);
  const out = createWriteStream(file);
  out.write(`%%MatrixMarket matrix coordinate real symmetric\n% npm run bench -- mpi: stochasticBlockModel n=${n} blocks=${k} averageDegree=10 seed=1\n${n} ${n} ${lines.length}\n`);
  for (let i = 0; i < lines.length; i += 65536) if (!out.write(lines.slice(i, i + 65536).join('\n') + '\n')) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const n = opts.quick ? 20_000 : 200_000;
  const k = 10;
  const rows: Row[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-bench-mpi-'));
  const environment: Record<string, string | number> = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    'speclin threads per rank': 'cores / ranks',
  };
  try {
    const file = path.join(dir, 'sbm.mtx');
    await writeGraph(file, n, k);
    const slepc = slepcAvailable(opts.log);
    environment.slepc = slepc ?? 'not installed (peer skipped)';
    for (const np of [1, 2]) {
      // At 1 rank, also with 1 thread: SLEPc's ranks run one thread each (PETSc without OpenMP).
      const threadCounts = np === 1 ? [undefined, 1] : [undefined];
      const runs = threadCounts.map((threads) => {
        opts.log(`mpi: eigsh n = ${n}, k = ${k} at ${np} rank(s)${threads ? `, ${threads} thread` : ''}...`);
        return ranks(np, ['eigsh', file, String(k), ...(threads ? [String(threads)] : [])]);
      });
      for (const r of runs)
        rows.push({
          case: `eigsh n=${n} k=${k} nnz=${r.nnz} on ${np} rank(s), ${r.threadsPerRank} thread(s) each`,
          seconds: r.eigshSeconds as number,
          'single-process s': r.singleSeconds as number | undefined,
          matvecs: r.matvecs as number,
          allreduces: r.reductions as number,
          'max residual': r.maxResidual as number,
          'bytes/matvec': r.haloBytesPerMatvec as number,
          'bytes/step': undefined,
          load: r.loadAverage as number,
        });
      const r = runs[runs.length - 1];
      if (!slepc) continue;
      opts.log(`mpi: SLEPc Krylov-Schur on the same file at ${np} rank(s)...`);
      const s = firstJsonLine(mpirun(np, [SLEPC_PYTHON, slepcScript, file, String(k), String(TOL)]), `SLEPc at ${np} rank(s)`) as unknown as SlepcAnswer;
      const valueDifference = Math.max(...s.values.map((v, i) => Math.abs(v - (r.values as number[])[i])));
      rows.push({
        case: `SLEPc ${s.slepc} Krylov-Schur (ncv ${s.ncv}, ${s.restarts} restarts), same file, on ${np} rank(s)`,
        seconds: s.seconds,
        'x speclin': s.seconds / (r.eigshSeconds as number),  // against speclin's 1-thread-per-rank run (SLEPc's)
        matvecs: s.matvecs,
        'max residual': s.max_residual,
        'max |Δλ| vs speclin': valueDifference,
        load: s.load,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
  environment['load average at end'] = os.loadavg()[0].toFixed(2);
  return {
    suite: 'mpi',
    environment,
    columns: ['seconds', 'single-process s', 'x speclin', 'matvecs', 'allreduces', 'max residual', 'max |Δλ| vs speclin', 'bytes/matvec', 'bytes/step', 'load'],
    rows,
  };
}
