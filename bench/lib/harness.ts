// Shared pieces of the checkout-only suites (bench/*.ts): the result shape they print, running a
// Python peer from bench/peers, and the table. The shipped suites use src/bench/harness.ts, whose
// timing and peer environment this module reuses.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerEnvironment } from '../../src/bench/harness.js';
export { timeSync } from '../../src/bench/harness.js';

export interface Row {
  /** What was measured, e.g. 'crossGram 4096x128 f32'. */
  case: string;
  /** Column name -> value (numbers are printed with 3 significant digits). */
  [column: string]: string | number | boolean | undefined;
}

export interface SuiteResult {
  suite: string;
  /** Machine facts that make the numbers interpretable. */
  environment: Record<string, string | number>;
  columns: string[];
  rows: Row[];
  /** Targets stated in the issue, each with whether this run met it. */
  targets?: { name: string; met: boolean; detail: string }[];
}

export interface SuiteOptions {
  quick: boolean;
  log: (line: string) => void;
}

export interface SuiteModule {
  run(options: SuiteOptions): Promise<SuiteResult>;
}

export interface Timing {
  /** Median-free summary from benchmark.js: mean seconds per call and its relative margin. */
  seconds: number;
  rme: number;
  samples: number;
}

/** Times an async function: `reps` sequential runs after one warm-up, best-of and mean. */
export async function timeAsync(fn: () => Promise<unknown>, reps = 5): Promise<Timing & { best: number }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { seconds: mean, best: Math.min(...times), rme: 0, samples: times.length };
}

const peersDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'peers');

/** Runs bench/peers/<script>.py with a JSON request on stdin; returns its JSON answer. Python
 * (numpy, scipy) is only a peer for comparison: the package never needs it. */
export function runPeer<T>(script: string, request: unknown, python = 'python3'): T {
  const env = peerEnvironment();
  const r = spawnSync(python, [path.join(peersDir, `${script}.py`)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`peer ${script}.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function format(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
    return Number(v.toPrecision(3)).toString();
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v === undefined ? '' : String(v);
}

export function printSuite(r: SuiteResult): void {
  const cols = ['case', ...r.columns];
  const cells = r.rows.map((row) => cols.map((c) => format(row[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  const env = Object.entries(r.environment).map(([k, v]) => `${k}: ${v}`).join(', ');
  console.log(`\n## ${r.suite}\n${env}\n`);
  console.log(line(cols));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells) console.log(line(row));
  if (r.targets?.length) {
    console.log('\nTargets:');
    for (const t of r.targets) console.log(`- [${t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.detail}`);
  }
}
