// Runs a Python snippet (numpy/scipy) as an independent reference. The package never needs
// Python; only tests and benchmarks use it. The snippet reads JSON on stdin and prints JSON.
import { spawnSync } from 'node:child_process';

export function python<T = unknown>(code: string, input: unknown = null): T {
  const r = spawnSync('python3', ['-c', code], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
