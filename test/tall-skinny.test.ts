// The tall-skinny kernels of native/core/tall_skinny.h (Z^T W split over rows with a fixed
// partition, and Y = beta Y + alpha V H) are internal to the core, so they are tested in C++:
// test/native/tall_skinny_test.cc, linked here against the core library of the cmake build
// (build/libspeclin_core.a), checks them against naive float64 loops on every micro-kernel family
// the CPU has (its tolerances are stated there), and their bits across thread counts. It prints
// "ok" last.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = path.join(root, 'build', 'libspeclin_core.a');
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-tall-skinny-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('tall_skinny_test.cc passes on every micro-kernel family of this CPU', (t) => {
  t.timeout(600_000);
  t.true(existsSync(core), `${core} is missing: build with cmake (node scripts/build-native.mjs)`);
  const exe = path.join(dir, 'tall_skinny_test');
  const cc = spawnSync(process.env.CXX ?? 'g++', [
    '-std=c++17', '-O2', '-Wall', '-Wextra', '-Werror',
    `-I${path.join(root, 'native', 'core')}`, `-I${path.join(root, 'native', 'include')}`,
    path.join(root, 'test', 'native', 'tall_skinny_test.cc'), core, '-o', exe, '-lpthread',
  ], { encoding: 'utf8' });
  t.is(cc.status, 0, cc.stderr);
  const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 540_000 });
  t.log(run.stdout.trim().split('\n').join('; '));
  t.is(run.status, 0, run.stdout + run.stderr);
  t.is(run.stdout.trim().split('\n').pop(), 'ok');
  // Both the portable and the AVX2 kernels ran where the CPU has AVX2+FMA (forced through the
  // dispatch, as the GEMM's tests do).
  t.regex(run.stdout, /^portable: passed$/m);
});
