#!/usr/bin/env node
// `npm test`: the ava suite, then a summary of what was skipped and why. Test files that need a
// resource the machine lacks (test/helpers/requirements.ts) log each skip into a folder shared by
// the run; with CI or SPECLIN_REQUIRE_ALL=1 set, a missing resource fails instead of skipping.
// Arguments are passed to ava (`npm test -- test/gram.test.ts`); without them the Python tests
// (python/tests) run after ava.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPytest } from './run-pytest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runDir = mkdtempSync(path.join(os.tmpdir(), 'speclin-test-run-'));
const env = { ...process.env, SPECLIN_TEST_RUN_DIR: runDir };

const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const result = spawnSync(process.execPath, [ava, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
if (result.error) {
  console.error(`npm test: could not run ava: ${result.error.message}`);
  process.exit(1);
}
let failed = result.status !== 0;

// The Python tests (scripts/run-pytest.mjs), when the whole suite runs (no ava arguments).
const requireAll = Boolean(process.env.CI) || process.env.SPECLIN_REQUIRE_ALL === '1';
if (process.argv.length <= 2 && runPytest({ root, runDir, env, requireAll }).failed) failed = true;

// The summary: one line per missing resource, with the files and the count of tests it skipped.
const log = path.join(runDir, 'skips.jsonl');
const skips = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(runDir, { recursive: true, force: true });
console.log('');
if (skips.length === 0) {
  console.log('npm test: every test ran; nothing was skipped.');
} else {
  const byResource = new Map();
  for (const s of skips) {
    const entry = byResource.get(s.resource) ?? { ...s, files: new Map() };
    entry.files.set(s.file, s.wholeFile ? 'all' : (entry.files.get(s.file) ?? 0) + 1);
    byResource.set(s.resource, entry);
  }
  console.log('npm test: some tests were skipped for lack of what this machine does not have:');
  for (const e of byResource.values()) {
    const files = [...e.files].map(([f, c]) => `${path.basename(f)} (${c})`).join(', ');
    console.log(`  - ${e.what}: ${e.reason}.`);
    console.log(`    skipped in ${files}`);
    console.log(`    to run them, install ${e.install}.`);
  }
  console.log('  (CI, or SPECLIN_REQUIRE_ALL=1, turns each of these into a failure.)');
}
process.exit(failed ? (result.status ?? 1) : 0);
