#!/usr/bin/env node
// `npm run test:sanitize`: the ava suite (scripts/run-tests.mjs, arguments passed on) against the
// AddressSanitizer + UndefinedBehaviorSanitizer build of `npm run build:sanitize` (build-asan/).
//
// Node is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) into every node process
// of the run, test workers and the tests' child processes included. Leak detection is on: a native
// allocation of speclin that is never freed is reported at the exit of the process that made it.
// test/sanitizer/lsan.supp names the leaks that are Node's and V8's own. Tools the tests start that
// are not node (python3, the C compilers) run without the runtime, through the wrappers written
// to a temporary PATH directory here: they are not under test, and their exit-time leaks are not
// ours. Any report makes that process exit non-zero, which fails the test that ran it.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = path.join(root, 'build-asan', 'Release', 'speclin.node');
const mpiAddon = path.join(root, 'build-asan', 'Release', 'speclin_mpi.node');
if (!existsSync(addon)) {
  console.error(`test:sanitize: ${addon} is missing; run npm run build:sanitize first`);
  process.exit(1);
}
// The runtime the addon was linked against (gcc's libasan, or clang's when CXX=clang++).
const ldd = spawnSync('ldd', [addon], { encoding: 'utf8' }).stdout ?? '';
let runtime = ldd.match(/=>\s*(\/\S*(?:libasan|libclang_rt\.asan)\S*)/)?.[1];
const clangRuntime = ldd.match(/(libclang_rt\.asan\S*\.so)\s*=>\s*not found/)?.[1];
if (!runtime && clangRuntime) {
  // clang's runtime lives in its resource directory, off the loader's path: ask the compiler.
  for (const cxx of [process.env.SPECLIN_SANITIZE_CXX, 'clang++', 'clang++-14'].filter(Boolean)) {
    const found = spawnSync(cxx, [`-print-file-name=${clangRuntime}`], { encoding: 'utf8' }).stdout?.trim();
    if (found && found.includes('/') && existsSync(found)) {
      runtime = found;
      break;
    }
  }
}
if (!runtime) {
  console.error(`test:sanitize: ${addon} does not link an ASan runtime:\n${ldd}`);
  process.exit(1);
}

const wrappers = mkdtempSync(path.join(os.tmpdir(), 'speclin-asan-path-'));
// Each wrapper runs the real tool after one line of setup. Tools not under test drop the runtime.
// mpirun keeps it (its ranks are node processes running speclin's MPI addon, whose memory errors
// ASan still reports), but leak detection is off under it: Open MPI's own exit-time leaks come
// from plugins it has already unloaded, which leave no symbol for a suppression to name.
const withoutRuntime = 'unset LD_PRELOAD';
const setup = {
  python3: withoutRuntime, cc: withoutRuntime, 'c++': withoutRuntime, gcc: withoutRuntime, 'g++': withoutRuntime,
  clang: withoutRuntime, 'clang++': withoutRuntime,
  mpirun: 'export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"',
};
for (const [tool, line] of Object.entries(setup)) {
  const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!real) continue;
  const file = path.join(wrappers, tool);
  writeFileSync(file, `#!/bin/sh\n${line}\nexec ${real} "$@"\n`);
  chmodSync(file, 0o755);
}

const supp = path.join(root, 'test', 'sanitizer', 'lsan.supp');
const env = {
  ...process.env,
  PATH: `${wrappers}:${process.env.PATH}`,
  LD_PRELOAD: runtime,
  SPECLIN_NATIVE_PATH: addon,
  // The MPI addon of the same build, where MPI was found (else the tests of speclin/mpi load the
  // uninstrumented build/ one, or skip).
  ...(existsSync(mpiAddon) ? { SPECLIN_MPI_NATIVE_PATH: mpiAddon } : {}),
  // detect_leaks: LeakSanitizer at each process's exit. new_delete_type_mismatch is off: V8's
  // sized deletes trip it in code that is not ours. allocator_may_return_null: a huge request is
  // a null (which speclin turns into a RangeError, as without ASan) rather than an ASan abort.
  // halt_on_error with UBSan: the first undefined behaviour fails, with its stack.
  // malloc_context_size=3: allocation stacks of three frames, which keeps lsan.supp's patterns
  // to the allocations V8 and Node make themselves (see there); raise it to debug a report.
  ASAN_OPTIONS: 'detect_leaks=1:malloc_context_size=3:new_delete_type_mismatch=0:allocator_may_return_null=1:' + (process.env.ASAN_OPTIONS ?? ''),
  LSAN_OPTIONS: `suppressions=${supp}:print_suppressions=0:` + (process.env.LSAN_OPTIONS ?? ''),
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:' + (process.env.UBSAN_OPTIONS ?? ''),
};
// Tests whose assertion is a speed (the machine-limits probes against their C reference) say
// nothing under instrumentation, which slows the probes and not the uninstrumented reference: they
// are left out here, by title, and run in every normal `npm test`.
const timingTests = ['*within 2x of the C reference*'];
// What a test file that opens a WebGPU device says in its source (the test helper, the resource
// probe, the backend option or constructor, or Dawn itself).
const webGpuMarkers = /helpers\/webgpu|testNeeding\('webgpu'\)|missing\('webgpu'\)|createWebGpuBackend|backend: 'webgpu'|from 'webgpu'/;
const args = process.argv.slice(2);
const matchArgs = timingTests.map((title) => `--match=!${title}`);
console.log(`test:sanitize: ${addon}, runtime ${runtime}`);
const t0 = Date.now();
const run = (files, extraAsan) => {
  const runEnv = { ...env, ASAN_OPTIONS: env.ASAN_OPTIONS + extraAsan };
  return spawnSync(process.execPath, [path.join(root, 'scripts', 'run-tests.mjs'), ...files, ...matchArgs], { cwd: root, env: runEnv, stdio: 'inherit' }).status ?? 1;
};
let status;
if (args.length > 0) {
  status = run(args, '');
} else {
  // The whole suite, in two passes. The processes that open a WebGPU device run with leak
  // detection off: at their exit LeakSanitizer stops every thread to scan its stack, and with
  // Dawn's and lavapipe's threads alive its tracer has crashed (signal 11, in a clean-clone CI
  // run; docs/reliability.md), failing a run whose tests all passed. ASan's memory errors and
  // UBSan stay on there; every other file runs with leak detection on.
  const testDir = path.join(root, 'test');
  const files = readdirSync(testDir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', f));
  const opensDevice = (file) => webGpuMarkers.test(readFileSync(path.join(root, file), 'utf8'));
  const gpuFiles = files.filter(opensDevice);
  const otherFiles = files.filter((f) => !opensDevice(f));
  console.log(`test:sanitize: ${otherFiles.length} files with leak detection, then ${gpuFiles.length} WebGPU files without: ${gpuFiles.join(' ')}`);
  const first = run(otherFiles, '');
  const second = run(gpuFiles, ':detect_leaks=0');
  status = first !== 0 ? first : second;
}
rmSync(wrappers, { recursive: true, force: true });
console.log(`test:sanitize: ${((Date.now() - t0) / 60000).toFixed(1)} min, exit ${status}`);
process.exit(status);
