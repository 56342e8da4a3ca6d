// The machine-limit probes against an independent C reference measured in the same test
// (test/reference/machine_limits_reference.c, cc -O2 -march=native, one thread), and their argument checks.
// Both sides run on one thread, each round in a fresh process (the C program, and node loading the
// addon), alternately, best of five rounds each, so that another process's load, and the scheduler's
// treatment of a fresh process against a long-running one, shift both alike.
// Tolerance: a factor of 2 either way. The reference runs the same kind of register-resident FMA
// chains (compiled by the C compiler from vector extensions, not the probe's intrinsics) and the
// same streaming loops; on an idle machine the two agree within about 10%, and the factor leaves
// room for the shared machines these tests run on, where a single round can lose half its time
// slice. A wrong flop count per instruction, a wrong lane count or an ISA the CPU does not run at
// full width is off by 2x or more, which this catches for the ratios below (float64 vs float32).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getThreads } from '../src/index.js';
import { gemmKernel } from '../src/gram.js';
import { testNeeding } from './helpers/requirements.js';
import { measureBandwidth, measureFmaPeak } from '../src/machine-limits.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'speclin-limits-'));
const ref = path.join(dir, 'ref');
const cc = process.env.CC ?? 'cc';
const built = spawnSync(cc, ['-O2', '-march=native', '-o', ref, path.join(root, 'test', 'reference', 'machine_limits_reference.c')], { encoding: 'utf8' });

function reference(mode: string, seconds: number, repeats: number): number {
  const r = spawnSync(ref, [mode, String(seconds), String(repeats)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reference ${mode} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

// The addon as src/native.ts loads it.
const addon = process.env.SPECLIN_NATIVE_PATH ? path.resolve(process.env.SPECLIN_NATIVE_PATH) : path.join(root, 'build', 'Release', 'speclin.node');

/** One probe on one thread in a fresh node process. */
function probeInChild(call: string): number {
  const code = `const a = require(${JSON.stringify(addon)}); a.setThreads(1); const r = a.${call}; console.log(r.gflops ?? r.gbytesPerSecond);`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe ${call} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** Five rounds, each measuring every [probe call, reference mode] pair once, interleaved; the best
 * of each. The probe repeats within its budget (8 FMA repeats of 0.025 s in 0.2 s); the reference
 * gets as many repeats of the same length. */
function compare(pairs: [string, string][], seconds: number, repeats: number): { probe: number; ref: number }[] {
  const best = pairs.map(() => ({ probe: 0, ref: 0 }));
  for (let round = 0; round < 5; round++)
    pairs.forEach(([call, mode], i) => {
      best[i].probe = Math.max(best[i].probe, probeInChild(call));
      best[i].ref = Math.max(best[i].ref, reference(mode, seconds, repeats));
    });
  return best;
}

test.serial('the C reference compiles', (t) => {
  t.is(built.status, 0, `${cc} -O2 -march=native failed: ${built.stderr}`);
});

// The C reference uses -march=native's FMA instructions; a probe on the portable path (no AVX2, or
// forced) runs multiply-add pairs of SSE2 width and is not comparable to it.
const fmaTest = testNeeding('fma');
fmaTest.serial('FMA peak on one thread: within 2x of the C reference, float64 about half of float32', (t) => {
  const [f32, f64] = compare([["measureFmaPeak('float32', 0.2)", 'fma32'], ["measureFmaPeak('float64', 0.2)", 'fma64']], 0.025, 8);
  t.log(`float32: probe ${f32.probe.toFixed(1)} GFLOP/s, C ${f32.ref.toFixed(1)}; float64: probe ${f64.probe.toFixed(1)}, C ${f64.ref.toFixed(1)} (${gemmKernel()}, load ${os.loadavg()[0].toFixed(1)})`);
  for (const x of [f32, f64]) t.true(x.probe / x.ref > 0.5 && x.probe / x.ref < 2, `probe ${x.probe} vs reference ${x.ref}`);
  // Half the lanes per register: 0.5 on an idle machine; a lane count wrong by 2x gives 1 or 0.25.
  const ratio = f64.probe / f32.probe;
  t.true(ratio > 0.3 && ratio < 0.85, `float64 / float32 peak ${ratio}`);
});

test.serial('streaming read and write bandwidth on one thread: within 2x of the C reference', (t) => {
  const [read, write] = compare([[`measureBandwidth('read', ${2 ** 28}, 0.3)`, 'read'], [`measureBandwidth('write', ${2 ** 28}, 0.3)`, 'write']], 0.3, 3);
  t.log(`read: probe ${read.probe.toFixed(2)} GB/s, C ${read.ref.toFixed(2)}; write: probe ${write.probe.toFixed(2)}, C ${write.ref.toFixed(2)} (load ${os.loadavg()[0].toFixed(1)})`);
  for (const x of [read, write]) t.true(x.probe / x.ref > 0.5 && x.probe / x.ref < 2, `probe ${x.probe} vs reference ${x.ref}`);
});

test('the probes report their buffer, threads and instruction set', (t) => {
  const peak = measureFmaPeak('float32', 0.05);
  t.is(peak.isa, gemmKernel() as typeof peak.isa);
  t.is(peak.threads, getThreads());
  t.true(peak.gflops > 0);
  const bw = measureBandwidth('write', 2 ** 22, 0.02);
  t.is(bw.bytes, 2 ** 22);
  t.true(bw.gbytesPerSecond > 0);
});

test('bad arguments: TypeError for wrong types, RangeError for values, naming the argument', (t) => {
  const call = (f: () => unknown) => f;
  t.throws(call(() => measureFmaPeak(1 as never, 0.1)), { instanceOf: TypeError, message: /dtype must be a string/ });
  t.throws(call(() => measureFmaPeak('float16' as never, 0.1)), { instanceOf: RangeError, message: /dtype must be 'float32' or 'float64', got 'float16'/ });
  t.throws(call(() => measureFmaPeak('float32', 'x' as never)), { instanceOf: TypeError, message: /seconds must be a number/ });
  t.throws(call(() => measureFmaPeak('float32', 0)), { instanceOf: RangeError, message: /seconds must be in \(0, 60\]/ });
  t.throws(call(() => measureBandwidth('copy' as never, 2 ** 20, 0.1)), { instanceOf: RangeError, message: /direction must be 'read' or 'write'/ });
  t.throws(call(() => measureBandwidth('read', 1000, 0.1)), { instanceOf: RangeError, message: /bytes must be between 1 MiB and 64 GiB/ });
  t.throws(call(() => measureBandwidth('read', NaN, 0.1)), { instanceOf: RangeError, message: /bytes/ });
  t.throws(call(() => measureBandwidth('read', 2 ** 20, Infinity)), { instanceOf: RangeError, message: /seconds/ });
});
