// Starts fuzz/child.ts in a process of its own and watches it: a crash (a signal, an abort) there
// is reported here with the seed and the case that was running, read from the child's trace file.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FuzzSummary {
  seed: number;
  count: number;
  calls: number;
  returned: number;
  errors: Record<string, number>;
  targets: number;
  webgpu: boolean;
  seconds: number;
  /** fast-check's report: the seed, the path and the shrunk counterexample. */
  failure?: string;
}

export interface FuzzRun {
  /** The child's summary; absent when it died before writing one. */
  summary?: FuzzSummary;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** On a crash: the case that was running (target, description, case seed). */
  crashedOn?: string;
  output: string;
}

export function runFuzz(options: { seed: number; count: number; webgpu?: boolean; timeoutMs?: number; echo?: boolean }): Promise<FuzzRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-fuzz-'));
  const trace = path.join(dir, 'case.txt');
  const argv = ['--import', 'tsx', path.join(root, 'fuzz', 'child.ts'), '--seed', String(options.seed), '--count', String(options.count), '--trace', trace];
  if (options.webgpu === false) argv.push('--no-webgpu');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('FUZZ-SUMMARY '));
      const summary = line ? (JSON.parse(line.slice('FUZZ-SUMMARY '.length)) as FuzzSummary) : undefined;
      let crashedOn: string | undefined;
      if (!summary) {
        try {
          crashedOn = readFileSync(trace, 'utf8');
        } catch {
          crashedOn = undefined;
        }
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ summary, exitCode, signal, crashedOn, output });
    });
  });
}

/** A one-paragraph account of a run, for the CLI and the test's failure message. */
export function describeRun(run: FuzzRun, seed: number): string {
  if (!run.summary)
    return `the fuzz process died (exit ${run.exitCode}, signal ${run.signal}) with seed ${seed} while running:\n${run.crashedOn ?? '(no case recorded)'}\n${run.output.slice(-4000)}`;
  const s = run.summary;
  const head = `${s.calls} calls over ${s.targets} targets (webgpu ${s.webgpu ? 'on' : 'off'}) from seed ${s.seed} in ${s.seconds.toFixed(1)} s: ${s.returned} returned, errors ${JSON.stringify(s.errors)}`;
  return s.failure ? `${head}\nFAILED:\n${s.failure}` : head;
}
