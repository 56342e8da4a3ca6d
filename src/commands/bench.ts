// `speclin bench <suite>... [--json] [--quick]`: runs the benchmark suites of bench/ (the same as
// `npm run bench -- ...`). They live in the source checkout, run through tsx, and compare with
// Python peers (numpy, scipy), so this command needs a development checkout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../cli/args.js';

export const usage = `usage: speclin bench <suite>... [--json] [--quick]
  Runs bench/<suite>.ts from a source checkout of speclin (npm install there first).
  --json   print the figures as JSON on stdout
  --quick  smaller shapes, for a smoke run`;

export async function run(args: string[]): Promise<number> {
  if (args.length === 0 || args.every((a) => a.startsWith('--'))) throw new UsageError('name at least one suite', usage);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const runner = path.join(root, 'bench', 'run.ts');
  let tsx: string | undefined;
  try {
    tsx = createRequire(path.join(root, 'package.json')).resolve('tsx');
  } catch {
    tsx = undefined;
  }
  if (!existsSync(runner) || !tsx) {
    process.stderr.write('speclin bench: the benchmark suites need a source checkout of speclin with its dev dependencies (npm install in it)\n');
    return 1;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}
