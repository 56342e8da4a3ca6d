// The Python tests (python/tests, pytest) for `npm test`, run after ava by scripts/run-tests.mjs.
// They run once per Python interpreter found (python3 on PATH, then /usr/bin/python3, Debian's,
// where python3-torch installs), each with what it has: a test needing torch or scipy skips itself
// under an interpreter that lacks it. What no interpreter has is reported in the skip-log format of
// test/helpers/requirements.ts, so that the summary lists it; with CI or SPECLIN_REQUIRE_ALL=1 it is
// a failure instead. pytest's exit code 5 (no tests collected) is not a failure.
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const probe = `
import importlib.util, json, sys
has = lambda m: importlib.util.find_spec(m) is not None
print(json.dumps({"exe": sys.executable, "numpy": has("numpy"), "pytest": has("pytest"), "torch": has("torch"), "scipy": has("scipy")}))
`;

const resources = {
  'python-tests': {
    what: 'python3 with numpy and pytest',
    install: 'python3 with numpy and pytest (Debian: apt-get install python3-numpy python3-pytest)',
    file: 'python/tests',
  },
  torch: {
    what: 'python3 with PyTorch, numpy and pytest',
    install: 'PyTorch for a python3 that has numpy and pytest (Debian: apt-get install python3-torch python3-pytest, for /usr/bin/python3)',
    file: 'python/tests/test_torch.py',
  },
};

function interpreters() {
  const found = new Map();
  for (const cmd of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(cmd, ['-c', probe], { encoding: 'utf8', timeout: 60_000 });
    if (r.error || r.status !== 0) continue;
    try {
      const info = JSON.parse(r.stdout.trim().split('\n').pop());
      if (!found.has(info.exe)) found.set(info.exe, { cmd, ...info });
    } catch {
      // an interpreter that cannot run the probe is not one we can test with
    }
  }
  return [...found.values()];
}

/** Runs pytest under every usable interpreter; returns { failed } and logs skips into runDir. */
export function runPytest({ root, runDir, env, requireAll }) {
  const all = interpreters();
  const usable = all.filter((p) => p.numpy && p.pytest);
  let failed = false;
  const missing = (key, reason) => {
    const r = resources[key];
    if (requireAll) {
      console.error(`npm test: FAILED: the Python tests need ${r.what}: ${reason} (CI or SPECLIN_REQUIRE_ALL is set, so this is a failure). Install ${r.install}.`);
      failed = true;
      return;
    }
    console.log(`  speclin: skipping ${r.file}: it needs ${r.what}: ${reason}. Install ${r.install}.`);
    appendFileSync(path.join(runDir, 'skips.jsonl'), JSON.stringify({ resource: key, what: r.what, install: r.install, reason, file: r.file, title: r.file, wholeFile: true }) + '\n');
  };
  const seen = all.length ? all.map((p) => `${p.exe} (${['numpy', 'pytest', 'torch'].filter((m) => !p[m]).map((m) => `no ${m}`).join(', ') || 'complete'})`).join('; ') : 'no python3 was found';
  if (usable.length === 0) {
    missing('python-tests', seen);
    return { failed };
  }
  if (!usable.some((p) => p.torch)) missing('torch', seen);
  for (const p of usable) {
    console.log(`\nnpm test: python/tests with ${p.exe}${p.torch ? '' : ' (no torch: its tests skip here)'}`);
    const r = spawnSync(p.exe, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(root, 'python', 'tests')], { cwd: root, env, stdio: 'inherit' });
    if (r.error || (r.status !== 0 && r.status !== 5)) {
      console.error(`npm test: pytest under ${p.exe} failed (${r.error?.message ?? `exit ${r.status}`})`);
      failed = true;
    }
  }
  return { failed };
}
