// Runs a rank program (test/mpi/*.ts) under mpirun and collects what each rank reported: one JSON
// object per rank, `{ rank, ... }` (test/mpi/report.ts). As root (CI), Open MPI needs the two ALLOW variables;
// --oversubscribe lets 4 ranks run on a 2-core machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The shared-memory transport's single-copy mode (CMA) needs ptrace rights that containers (CI)
// often withhold; without it messages take two copies, which changes nothing the tests check.
export function mpiEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMPI_ALLOW_RUN_AS_ROOT: '1',
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    OMPI_MCA_rmaps_base_oversubscribe: '1',
    OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
  };
}

export interface MpiRun<R> {
  status: number | null;
  /** The ranks' JSON lines, ordered by rank. */
  ranks: R[];
  stdout: string;
  stderr: string;
}

/** `mpirun -np np speclin ...args` (src/cli.ts through tsx): stdout and stderr as mpirun forwards them. */
export function mpiCli(np: number, args: string[], timeoutMs = 300_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('mpirun', ['--oversubscribe', '-np', String(np), process.execPath, '--import', 'tsx', path.join(repoRoot, 'src', 'cli.ts'), ...args], {
    cwd: repoRoot,
    env: mpiEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** mpirun -np `np` node --import tsx `script` ...args, from the repository root. */
export function runMpi<R extends { rank: number }>(np: number, script: string, args: string[] = [], timeoutMs = 240_000): MpiRun<R> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-mpi-'));
  try {
    const r = spawnSync(
      'mpirun',
      ['--oversubscribe', '-np', String(np), process.execPath, '--import', 'tsx', path.join(repoRoot, script), ...args],
      { cwd: repoRoot, env: { ...mpiEnv(), SPECLIN_MPI_REPORT_DIR: dir }, encoding: 'utf8', timeout: timeoutMs },
    );
    const ranks = readdirSync(dir)
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as R)
      .sort((a, b) => a.rank - b.rank);
    return { status: r.status, ranks, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
