#!/usr/bin/env node
// `npm run test:tsan`: builds the native core and test/native/thread_stress.cc with
// ThreadSanitizer into build-tsan/ and runs the stress test (several threads calling every
// kernel that uses the thread pool at once; see that file). Exits non-zero on a data race, a
// mismatch or a build failure. Objects are reused while they are newer than every source and
// header. Arguments: [callers] [rounds] (default 4 and 3).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = path.join(root, 'native', 'core');
const out = path.join(root, 'build-tsan');
mkdirSync(out, { recursive: true });
const cxx = process.env.CXX ?? 'g++';
// -O1: TSan's own advice (fast enough, stack traces intact); -g for the reports' line numbers.
const flags = ['-std=c++17', '-O1', '-g', '-fsanitize=thread', `-I${core}`, `-I${path.join(root, 'native', 'include')}`];

const headers = readdirSync(core).filter((f) => f.endsWith('.h')).map((f) => path.join(core, f));
const newestHeader = Math.max(...headers.map((f) => statSync(f).mtimeMs));
const sources = [
  ...readdirSync(core).filter((f) => f.endsWith('.cc')).map((f) => path.join(core, f)),
  path.join(root, 'test', 'native', 'thread_stress.cc'),
];

function compile(src) {
  const obj = path.join(out, path.basename(src).replace(/\.cc$/, '.o'));
  if (existsSync(obj) && statSync(obj).mtimeMs > Math.max(statSync(src).mtimeMs, newestHeader)) return Promise.resolve(obj);
  // As in CMakeLists.txt: only the *_avx2.cc files are built with AVX2/FMA enabled.
  const extra = src.endsWith('_avx2.cc') ? ['-mavx2', '-mfma'] : [];
  return new Promise((resolve, reject) => {
    const p = spawn(cxx, [...flags, ...extra, '-c', src, '-o', obj], { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve(obj) : reject(new Error(`${cxx} failed on ${src}`))));
  });
}

const jobs = Math.max(1, Math.min(os.availableParallelism?.() ?? 2, 4));
const objects = [];
const queue = [...sources];
const started = Date.now();
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (queue.length) objects.push(await compile(queue.shift()));
  }),
).catch((err) => {
  console.error(`thread-sanitizer: ${err.message}`);
  process.exit(1);
});
const exe = path.join(out, 'thread_stress');
const link = spawnSync(cxx, ['-fsanitize=thread', ...objects, '-o', exe, '-lpthread'], { stdio: 'inherit' });
if (link.status !== 0) process.exit(1);
console.log(`thread-sanitizer: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);

const t0 = Date.now();
const run = spawnSync(exe, process.argv.slice(2), {
  stdio: 'inherit',
  // halt_on_error: the first race fails the run; exitcode 66 tells a race from a mismatch (1).
  env: { ...process.env, TSAN_OPTIONS: `halt_on_error=1 exitcode=66 ${process.env.TSAN_OPTIONS ?? ''}` },
});
console.log(`thread-sanitizer: stress test ran in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${run.status}`);
process.exit(run.status ?? 1);
