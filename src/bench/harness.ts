// What every suite shares: the shape of a measured case, timing (benchmark.js and best-of loops),
// and running a Python peer as a child process. The suites measure; run.ts puts the cases against
// this machine's limits and the peers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export interface MachineDescription {
  cpu: string;
  /** The kernel path (cpu_features) and the GEMM micro-kernels it uses, e.g. 'avx2 (gemm: avx512)'. */
  isa: string;
  threads: number;
  logicalCpus: number;
  memoryBytes: number;
  /** Last-level cache per instance, bytes (0 where the OS does not say). */
  lastLevelCacheBytes: number;
  platform: string;
  node: string;
}

export interface MachineLimits {
  /** FMA peak, GFLOP/s, all threads. */
  peakGflops: { float32: number; float64: number };
  /** Streaming bandwidth, GB/s (1e9 B/s), all threads. */
  readGBps: number;
  writeGBps: number;
  /** The probes' instruction set, threads and buffer size. */
  isa: string;
  threads: number;
  bufferBytes: number;
  /** The same streams over half the last-level cache, the bandwidth a working set that fits there
   * sees (absent where the OS does not report the cache). */
  cache?: { bufferBytes: number; readGBps: number; writeGBps: number };
}

/** Seconds per call of one side of a case: the best call (what the code takes when it has the
 * cores; the figure compared) and the mean. */
export interface Measured {
  seconds: number;
  meanSeconds?: number;
}

/** The bound that applies to a case and the fraction of it reached: 'peak' when the arithmetic at
 * this machine's FMA peak takes longer than the case's compulsory memory traffic at its streaming
 * bandwidths, 'bandwidth' otherwise ('cache bandwidth' where that traffic fits in the cache). */
export interface Bound {
  kind: 'peak' | 'bandwidth' | 'cache bandwidth';
  /** The bound's time for the case: max(flops / peak, readBytes / read + writeBytes / write). */
  seconds: number;
  /** bound seconds / speclin's seconds (1 = at the bound). */
  fraction: number;
}

export interface BenchCase {
  /** Stable key within the suite, compared by --compare, e.g. 'crossGram/B=4096/k=128'. */
  id: string;
  /** The kernel (groups the report's bars), e.g. 'crossGram'. */
  kernel: string;
  /** What was measured, in words. */
  label: string;
  dtype: 'float32' | 'float64';
  /** Arithmetic the kernel performs (not the 2mnk convention where it computes a triangle). */
  flops?: number;
  /** Compulsory traffic: every input read once, every output written once (bytes). */
  readBytes?: number;
  writeBytes?: number;
  speclin: Measured;
  /** The peers measured in the same run, by name ('numpy', 'scipy'). */
  peers: Record<string, Measured>;
  /** Set by run.ts from the limits (absent where the case has no flop or byte model). */
  bound?: Bound;
  /** Case-specific figures (matvecs, residuals, bytes per matvec, ...). */
  metrics?: Record<string, number | string>;
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export interface SuiteResult {
  suite: string;
  /** Wall time of the suite, peers included (set by run.ts). */
  seconds?: number;
  /** Facts that make the figures interpretable (versions, kernel paths, timing method). */
  environment: Record<string, string | number>;
  cases: BenchCase[];
  /** Targets the issues set, each with whether this run met it. */
  targets?: Target[];
}

/** The Python packages a peer needs; run.ts probes them once and tells the suite which it has. */
export type PeerName = 'numpy' | 'scipy';

export interface SuiteOptions {
  quick: boolean;
  log: (line: string) => void;
  /** The peers available in this run (run.ts probed python3); a suite skips the others. */
  peers: ReadonlySet<PeerName>;
  limits: MachineLimits;
}

export interface Suite {
  name: string;
  /** One line for the usage message. */
  summary: string;
  /** The peers the suite compares with, where available. */
  peers: PeerName[];
  run(options: SuiteOptions): Promise<SuiteResult>;
}

export interface Timing {
  /** Mean seconds per call from benchmark.js and its relative margin of error (%). */
  seconds: number;
  rme: number;
  samples: number;
}

/** Times a synchronous function with benchmark.js. */
export function timeSync(fn: () => void, options: { minTime?: number; maxTime?: number } = {}): Timing {
  const Benchmark = require('benchmark');
  const bench = new Benchmark({ fn, minSamples: 5, minTime: options.minTime ?? 0.5, maxTime: options.maxTime ?? 4 });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return { seconds: bench.stats.mean, rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/** Calls fn for at least minTime seconds and 5 calls after one warm-up: the best and the mean
 * call. On a shared machine the best is the time the code needs when it has the cores, while the
 * mean mostly measures the neighbours. */
export function bestOf(fn: () => unknown, minTime: number): Required<Measured> {
  fn();
  let best = Infinity, total = 0, reps = 0;
  while (total < minTime || reps < 5) {
    const t0 = process.hrtime.bigint();
    fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
    total += dt;
    reps++;
  }
  return { seconds: best, meanSeconds: total / reps };
}

/** Async `fn`: `reps` sequential runs after one warm-up, best and mean. */
export async function bestOfAsync(fn: () => Promise<unknown>, reps: number): Promise<Required<Measured>> {
  await fn();
  let best = Infinity, total = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
    total += dt;
  }
  return { seconds: best, meanSeconds: total / reps };
}

/** Merges rounds of one side: the best of the bests, the mean of the means. */
export function mergeRounds(rounds: Measured[]): Measured {
  return {
    seconds: Math.min(...rounds.map((r) => r.seconds)),
    meanSeconds: rounds.reduce((a, r) => a + (r.meanSeconds ?? r.seconds), 0) / rounds.length,
  };
}

// The peer scripts ship as Python source beside this module in a checkout (src/bench/peers) and
// are found there from the compiled dist/bench of an installed package.
const here = path.dirname(fileURLToPath(import.meta.url));
const peersDir = [path.join(here, 'peers'), path.resolve(here, '..', '..', 'src', 'bench', 'peers')].find((d) => existsSync(d)) ?? path.join(here, 'peers');

/** The environment of a peer: some machines set these for old OpenBLAS builds, and they slow a
 * current NumPy down. */
export function peerEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export class PeerFailure extends Error {
  constructor(readonly script: string, detail: string) {
    super(`the Python peer ${script}.py failed: ${detail}`);
    this.name = 'PeerFailure';
  }
}

/** Runs peers/<script>.py with a JSON request on stdin and returns its JSON answer. Python is only
 * a peer for comparison: the package never needs it. */
export function runPeer<T>(script: string, request: unknown): T {
  const r = spawnSync('python3', [path.join(peersDir, `${script}.py`)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    env: peerEnvironment(),
    maxBuffer: 1 << 28,
  });
  if (r.error) throw new PeerFailure(script, r.error.message);
  if (r.status !== 0) throw new PeerFailure(script, `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new PeerFailure(script, `its answer is not JSON: ${r.stdout.slice(0, 200)}`);
  }
}

/** Which of the peers' Python packages python3 on PATH has, with versions; `reason` says why the
 * others are missing. */
export function probePeers(): { versions: Partial<Record<PeerName, string>>; reason?: string } {
  const code =
    'import json, importlib\nout = {}\nfor m in ("numpy", "scipy"):\n' +
    '    try:\n        out[m] = importlib.import_module(m).__version__\n    except Exception as e:\n        out[m] = None\n' +
    'print(json.dumps(out))';
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', env: peerEnvironment(), timeout: 60_000 });
  if (r.error) return { versions: {}, reason: `python3 was not found on PATH (${r.error.message})` };
  if (r.status !== 0) return { versions: {}, reason: `python3 failed (${(r.stderr ?? '').trim().split('\n').pop()})` };
  const found = JSON.parse(r.stdout) as Record<PeerName, string | null>;
  const versions: Partial<Record<PeerName, string>> = {};
  for (const [k, v] of Object.entries(found)) if (v) versions[k as PeerName] = v;
  const lacking = (['numpy', 'scipy'] as const).filter((p) => !versions[p]);
  return { versions, reason: lacking.length ? `python3 (${spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim()}) cannot import ${lacking.join(' or ')}` : undefined };
}
