// Tests that need something a machine may lack (a WebGPU adapter, python3 with numpy and scipy,
// ...) ask this module, the one place that decides. Where the resource is missing, the tests are
// skipped with one visible line naming what to install, and scripts/run-tests.mjs lists every skip
// at the end of `npm test`. With CI or SPECLIN_REQUIRE_ALL=1 set, a missing resource is a failing
// test instead: CI installs everything, so there a missing resource means a broken setup.
import test, { type TestFn } from 'ava';
import { spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemmKernel } from '../../src/gram.js';

export type Resource = 'webgpu' | 'python' | 'fma' | 'mpi' | 'faiss';

/** The interpreter that has Debian's python3-faiss (not the first python3 on PATH). */
export const FAISS_PYTHON = '/usr/bin/python3';

/** Runs FAISS_PYTHON. `npm run test:sanitize` preloads the ASan runtime into every process it
 * starts and drops it for python3 through a wrapper on PATH; an absolute path bypasses PATH, so
 * the preload is dropped here (python's own exit-time leaks are not speclin's). */
export function runFaissPython(args: string[], options: SpawnSyncOptionsWithStringEncoding): SpawnSyncReturns<string> {
  const { LD_PRELOAD: _preload, ...env } = options.env ?? process.env;
  return spawnSync(FAISS_PYTHON, args, { ...options, env });
}

interface ResourceInfo {
  /** What the tests need, in words. */
  what: string;
  /** What to install to get it. */
  install: string;
  /** Undefined where present; the reason where absent. Run at most once per test run. */
  probe(): string | undefined;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const resources: Record<Resource, ResourceInfo> = {
  fma: {
    what: 'a CPU with AVX2 and FMA',
    install: 'nothing: run these tests on an x86-64 CPU with AVX2 and FMA (Haswell or Zen and later)',
    probe() {
      return gemmKernel() === 'portable' ? 'the kernels run the portable path on this CPU' : undefined;
    },
  },
  webgpu: {
    what: 'a WebGPU adapter',
    install: 'a GPU driver, or on Linux without a GPU Mesa >= 25 lavapipe (Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers; see docs/gpu.md)',
    // In a child process: a device opened here would keep Dawn polling in this test process.
    probe() {
      const code =
        "const { createWebGpuBackend } = await import('./src/index.ts');" +
        "try { (await createWebGpuBackend()).dispose(); } catch (e) { console.log(e.message); process.exit(3); }";
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      if (r.status === 0) return undefined;
      const said = `${r.stdout ?? ''}`.trim().split('\n').pop();
      if (r.status === 3 && said) return said.split(/\.( |$)/)[0].replace(/^no WebGPU adapter: /, '');
      return `opening a WebGPU device failed (${r.error?.message ?? (`${r.stderr ?? ''}`.trim().split('\n').pop() || `exit ${r.status}`)})`;
    },
  },
  mpi: {
    what: 'Open MPI (mpirun) and the MPI addon (build/Release/speclin_mpi.node)',
    install: 'Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev), then rebuild with `npm run build:native` so that CMake finds it',
    probe() {
      const r = spawnSync('mpirun', ['--version'], { encoding: 'utf8', timeout: 60_000 });
      if (r.error || r.status !== 0) return `mpirun was not found (${r.error?.message ?? `exit ${r.status}`})`;
      const addon = process.env.SPECLIN_MPI_NATIVE_PATH ?? path.join(repoRoot, 'build', 'Release', 'speclin_mpi.node');
      if (!existsSync(addon)) return `the MPI addon was not built (no ${path.relative(repoRoot, addon)}: CMake did not find MPI)`;
      return undefined;
    },
  },
  faiss: {
    what: `faiss for ${FAISS_PYTHON}`,
    install: `faiss and numpy for ${FAISS_PYTHON} (Debian: apt-get install python3-faiss python3-numpy)`,
    probe() {
      const r = runFaissPython(['-c', 'import faiss, numpy'], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) return `${FAISS_PYTHON} was not found (${r.error.message})`;
      if (r.status !== 0) return `${FAISS_PYTHON} cannot import faiss and numpy (${(r.stderr ?? '').trim().split('\n').pop()})`;
      return undefined;
    },
  },
  python: {
    what: 'python3 with numpy and scipy',
    install: 'python3 with numpy and scipy on PATH (Debian: apt-get install python3-numpy python3-scipy)',
    probe() {
      const r = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) return `python3 was not found (${r.error.message})`;
      if (r.status !== 0) return `python3 cannot import numpy and scipy (${(r.stderr ?? '').trim().split('\n').pop()})`;
      return undefined;
    },
  },
};

/** Whether a missing resource fails the run rather than skipping its tests. */
export function requireAll(): boolean {
  return Boolean(process.env.CI) || process.env.SPECLIN_REQUIRE_ALL === '1';
}

// scripts/run-tests.mjs gives every test process of one run a folder: probes are cached there
// (one child process per run, not one per test file) and skips are logged there for the summary.
const runDir = process.env.SPECLIN_TEST_RUN_DIR;
const probed = new Map<Resource, string | undefined>();

/** Undefined where the resource is present; otherwise why it is not. */
export function missing(resource: Resource): string | undefined {
  if (probed.has(resource)) return probed.get(resource);
  let reason: string | undefined;
  const cache = runDir ? path.join(runDir, `probe-${resource}.json`) : undefined;
  if (cache && existsSync(cache)) {
    reason = (JSON.parse(readFileSync(cache, 'utf8')) as { reason?: string }).reason;
  } else {
    reason = resources[resource].probe();
    if (cache) writeFileSync(cache, JSON.stringify({ reason }));
  }
  probed.set(resource, reason);
  return reason;
}

const callerFile = () => {
  const stack = new Error().stack?.split('\n') ?? [];
  const line = stack.find((l) => /\.test\.ts/.test(l)) ?? '';
  const m = /(test\/[\w./-]+\.test\.ts)/.exec(line);
  return m ? m[1] : 'a test file';
};

const announced = new Set<string>();

/** Logs one skipped test for the summary, and one visible line per file and resource. */
function recordSkip(resource: Resource, reason: string, file: string, title: string, wholeFile = false) {
  const info = resources[resource];
  const key = `${file}:${resource}`;
  if (!announced.has(key)) {
    announced.add(key);
    console.log(`  speclin: skipping the tests of ${file} that need ${info.what}: ${reason}. Install ${info.install}.`);
  }
  if (runDir) {
    mkdirSync(runDir, { recursive: true });
    appendFileSync(path.join(runDir, 'skips.jsonl'), JSON.stringify({ resource, what: info.what, install: info.install, reason, file, title, wholeFile }) + '\n');
  }
}

type Registrar = (title: string, ...rest: unknown[]) => void;

/**
 * `test` where the resource is present. Where it is missing: a test that registers as skipped (and
 * logged), or with CI / SPECLIN_REQUIRE_ALL a failing test naming the resource.
 */
export function testNeeding(resource: Resource): TestFn {
  const reason = missing(resource);
  if (reason === undefined) return test;
  const file = callerFile();
  const info = resources[resource];
  const wrap = (register: Registrar, failing: Registrar): Registrar => (title: string, ...rest: unknown[]) => {
    if (requireAll()) {
      failing(title, (t: { fail(message: string): void }) => t.fail(`needs ${info.what}: ${reason} (CI or SPECLIN_REQUIRE_ALL is set, so this is a failure)`));
    } else {
      recordSkip(resource, reason, file, title);
      register(title, ...rest);
    }
  };
  const gated = wrap(test.skip as Registrar, test as Registrar) as unknown as TestFn & Record<string, unknown>;
  const serial = wrap(test.serial.skip as Registrar, test.serial as Registrar) as unknown as Record<string, unknown>;
  // The modifiers the test files use; each keeps the skip-or-fail rule (no unconditional .skip:
  // a test is skipped only for a missing resource, decided here).
  gated.serial = serial as unknown as TestFn['serial'];
  gated.after = test.after;
  gated.before = test.before;
  return gated as TestFn;
}

/**
 * For a file whose tests all need a resource that was probed another way (the one WebGPU device of
 * a file, opened by helpers/webgpu.ts): registers the skip line, or with CI the failing test.
 */
export function skipFileFor(resource: Resource, reason: string, what = 'the tests of this file'): void {
  const file = callerFile();
  const info = resources[resource];
  if (requireAll()) {
    test(`${info.what} is available`, (t) => {
      t.fail(`needs ${info.what}: ${reason} (CI or SPECLIN_REQUIRE_ALL is set, so this is a failure)`);
    });
    return;
  }
  recordSkip(resource, reason, file, what, true);
  test.skip(`${what} (need ${info.what})`, () => {});
}
