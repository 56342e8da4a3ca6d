// The hostile-input property, run in a process of its own (fuzz/watch.ts starts and watches it, as
// a crash here would take the watcher with it): `count` calls spread over every target, from
// `seed`. Before each call the case goes to the trace file, so that a crash still names its input.
// Usage: node --import tsx fuzz/child.ts --seed S --count N --trace FILE [--no-webgpu]
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SpeclinError, createWebGpuBackend, disposeWebGpu } from '../src/index.js';
import { targets, type Target } from './targets.js';

const { values: args } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' }, trace: { type: 'string' }, 'no-webgpu': { type: 'boolean' } } });
const seed = Number(args.seed ?? 42);
const count = Number(args.count ?? 100_000);
const trace = args.trace;

// Messages that name nothing (what N-API or V8 say on their own) do not count as "naming the argument".
const GENERIC = /^(Invalid argument|A number was expected|An object was expected|Cannot read properties|undefined is not|speclin: unknown native failure)/;

let webgpu = false;
if (!args['no-webgpu']) {
  try {
    (await createWebGpuBackend()).dispose();
    webgpu = true;
  } catch {
    webgpu = false;
  }
}
const active = targets.filter((t) => webgpu || !t.gpu);

/** A copy of the array's bytes; undefined for an empty or detached one (nothing to compare). */
function bytesOf(a: Float32Array | Float64Array): Uint8Array | undefined {
  if (a.byteLength === 0 || a.buffer.byteLength === 0) return undefined;
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** Undefined if the outcome is allowed, otherwise what is wrong with it. */
function judge(err: unknown): string | undefined {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SpeclinError) {
    if (err.message.length < 8 || GENERIC.test(err.message)) return `${err.name} whose message names nothing: ${JSON.stringify(err.message)}`;
    return undefined;
  }
  // A caller's own getter that throws: its exception may come back as it is.
  if (err instanceof Error && err.message === 'a getter threw') return undefined;
  return `threw ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`;
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const stats = { calls: 0, returned: 0, errors: new Map<string, number>() };

async function runCase(target: Target, desc: object, caseSeed: number): Promise<void> {
  if (trace) writeFileSync(trace, `${target.name}\n${fc.stringify(desc)}\nseed ${caseSeed}\n`);
  const call = target.build(desc, caseSeed);
  const before = call.inputs.map((b) => (b.sabotaged || !b.data ? undefined : bytesOf(b.data)));
  stats.calls++;
  let outcome: string | undefined;
  try {
    const r = call.invoke();
    if (r instanceof Promise) r.catch(() => undefined); // awaited below; `after` must not leave it unhandled
    call.after?.();
    const value = r instanceof Promise ? await r : r;
    stats.returned++;
    outcome = call.check?.(value);
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    stats.errors.set(name, (stats.errors.get(name) ?? 0) + 1);
    outcome = judge(err);
  }
  if (outcome === undefined && !call.after) {
    call.inputs.forEach((b, i) => {
      const was = before[i];
      const now = b.data && bytesOf(b.data);
      if (!was || !now || now.length !== was.length) return;
      if (now.some((x, j) => x !== was[j])) outcome = `input ${i} was changed by the call`;
    });
  }
  // A Promise speclin made and dropped (rejected, never awaited) is a failure of that call too.
  await new Promise((resolve) => setImmediate(resolve));
  if (!outcome && unhandled.length > 0) outcome = `left an unhandled rejection: ${String(unhandled.splice(0)[0])}`;
  if (outcome) throw new Error(`${target.name}: ${outcome}`);
}

// One case: a target, weighted, and its description; the case seed builds its buffers.
const totalWeight = active.reduce((s, t) => s + t.weight, 0);
const byName = new Map(active.map((t) => [t.name, t]));
const caseArb = fc.oneof(...active.map((t) => ({ weight: t.weight, arbitrary: fc.tuple(fc.constant(t.name), t.arb, fc.integer({ min: 1, max: 2 ** 31 - 1 })) })));

const started = Date.now();
let failure: string | undefined;
try {
  await fc.assert(
    fc.asyncProperty(caseArb, async ([name, desc, caseSeed]) => runCase(byName.get(name)!, desc, caseSeed)),
    { seed, numRuns: count, verbose: 1, includeErrorInReport: true },
  );
} catch (err) {
  failure = err instanceof Error ? err.message : String(err);
}
await disposeWebGpu();
const summary = {
  seed, count, calls: stats.calls, returned: stats.returned, errors: Object.fromEntries(stats.errors), targets: active.length,
  targetWeight: totalWeight, webgpu, seconds: (Date.now() - started) / 1000, failure,
};
console.log(`FUZZ-SUMMARY ${JSON.stringify(summary)}`);
process.exitCode = failure ? 1 : 0;
