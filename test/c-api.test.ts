// libspeclin's C ABI (native/include/speclin.h) from C99 programs, linked against the shared
// library as a C trainer links it: each test/c/*.c checks its family against naive float64 loops
// and every error path (its tolerances are stated there) and prints "ok". Also: the library
// exports exactly the header's SPECLIN_API names, and `speclin where` finds both files.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { libspeclinPaths } from '../src/libspeclin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { library, header } = libspeclinPaths();
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-c-api-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  if (r.error) throw r.error;
  return r;
}

test('libspeclin is built beside the addon', (t) => {
  t.truthy(library, 'build/Release/libspeclin.so is missing: run node scripts/build-native.mjs');
});

const programs = readdirSync(path.join(root, 'test', 'c')).filter((f) => f.endsWith('.c')).sort();

for (const file of programs) {
  test(`test/c/${file} passes against libspeclin`, (t) => {
    if (!library) return t.fail('libspeclin is not built');
    const exe = path.join(dir, file.replace(/\.c$/, ''));
    const libDir = path.dirname(library);
    // -pedantic -Werror: the header must be clean C99.
    const cc = sh(process.env.CC ?? 'cc', ['-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-O1', `-I${path.dirname(header)}`,
      path.join(root, 'test', 'c', file), '-o', exe, library, `-Wl,-rpath,${libDir}`, '-lm', '-lpthread']);
    t.is(cc.status, 0, cc.stderr);
    const run = sh(exe, file === 'errors.c' ? [version] : []);
    t.is(run.stdout.trim().split('\n').pop(), 'ok', run.stdout + run.stderr);
    t.is(run.status, 0);
  });
}

test('libspeclin exports exactly the SPECLIN_API names of speclin.h', (t) => {
  if (!library) return t.fail('libspeclin is not built');
  const declared = [...readFileSync(header, 'utf8').matchAll(/^SPECLIN_API\s+[^;]*?\b(speclin_\w+)\s*\(/gm)].map((m) => m[1]).sort();
  const nm = sh('nm', ['-D', '--defined-only', library]);
  t.is(nm.status, 0, nm.stderr);
  const exported = nm.stdout.split('\n').map((l) => l.trim().split(/\s+/)[2]).filter(Boolean).sort();
  t.true(declared.length > 30, `found ${declared.length} declarations`);
  t.deepEqual(exported, declared);
});

test('speclin where prints the library and the header', (t) => {
  const cli = path.join(root, 'src', 'cli.ts');
  const json = spawnSync(process.execPath, ['--import', 'tsx', cli, 'where', '--json'], { cwd: root, encoding: 'utf8' });
  t.is(json.status, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), { library, header });
  const text = spawnSync(process.execPath, ['--import', 'tsx', cli, 'where'], { cwd: root, encoding: 'utf8' });
  t.is(text.status, 0, text.stderr);
  t.true(text.stdout.includes(`library: ${library}`) && text.stdout.includes(`header:  ${header}`), text.stdout);
  const missing = spawnSync(process.execPath, ['--import', 'tsx', cli, 'where', '--json'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, SPECLIN_LIBRARY: path.join(dir, 'nowhere.so') },
  });
  t.is(missing.status, 1);
  t.is(missing.stdout, '');
  t.regex(missing.stderr, /libspeclin is not built \(looked for .*nowhere\.so\)/);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, 'where', '--jsn'], { cwd: root, encoding: 'utf8' });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /usage: speclin where/);
});
