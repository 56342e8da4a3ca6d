// The addon under worker_threads: it loads in many workers at once (context-aware, no
// per-process JS state), every kernel gives the same bits from 4 workers and the main thread at
// once as alone, and a worker terminated in the middle of a call neither kills the process nor
// leaves the thread pool stuck. The WebGPU backend is not terminated mid-call here: Dawn's own
// binding aborts the process then (docs/reliability.md).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { bytesOf, kernelCalls } from './helpers/kernel-calls.js';
import { tsWorker } from './helpers/ts-worker.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Reply { ready?: boolean; results?: Record<string, Uint8Array[]>; error?: string }

function startWorker(): Promise<{ worker: Worker; ask(names: string[], rounds: number): Promise<Record<string, Uint8Array[]>> }> {
  const worker = tsWorker(new URL('./workers/kernel-worker.ts', import.meta.url));
  const replies: ((r: Reply) => void)[] = [];
  worker.on('message', (r: Reply) => replies.shift()?.(r));
  const next = () => new Promise<Reply>((resolve) => replies.push(resolve));
  const ask = async (names: string[], rounds: number) => {
    const reply = next();
    worker.postMessage({ names, rounds });
    const r = await reply;
    if (r.error) throw new Error(r.error);
    return r.results!;
  };
  return next().then(() => ({ worker, ask }));
}

// Eight workers, started once (a worker that loads tsx and speclin takes seconds on a loaded
// machine): all eight must load the addon, and four of them serve the concurrency test.
const workers = Promise.all(Array.from({ length: 8 }, startWorker));
test.after.always(async () => {
  await Promise.all((await workers).map((w) => w.worker.terminate()));
});

test('the addon loads and computes in 8 workers at once', async (t) => {
  const alone = bytesOf(kernelCalls().find((c) => c.name === 'gramSync')!.run() as ArrayBufferView[]);
  const results = await Promise.all((await workers).map((w) => w.ask(['gramSync'], 1)));
  t.is(results.length, 8);
  for (const r of results) t.deepEqual(r.gramSync[0], alone);
});

test('every kernel from 4 workers and the main thread at once: the bits of a lone call', async (t) => {
  const calls = kernelCalls();
  const names = calls.map((c) => c.name);
  // Lone calls first, on the main thread, nothing else running.
  const alone = new Map<string, Uint8Array>();
  for (const c of calls) alone.set(c.name, bytesOf(await c.run()));
  const four = (await workers).slice(0, 4);
  const rounds = 3;
  const mainRuns = (async () => {
    const out: Record<string, Uint8Array[]> = {};
    for (let r = 0; r < rounds; r++) {
      // Sync and Promise forms interleaved: the Promise forms run on libuv's threads while the
      // Sync ones run here, all sharing the core's one thread pool.
      await Promise.all(calls.map(async (c) => (out[c.name] ??= []).push(bytesOf(await c.run()))));
    }
    return out;
  })();
  const all = await Promise.all([mainRuns, ...four.map((w) => w.ask(names, rounds))]);
  let compared = 0;
  for (const results of all) {
    for (const name of names) {
      t.is(results[name].length, rounds, name);
      for (const bytes of results[name]) {
        t.deepEqual(bytes, alone.get(name), name);
        compared++;
      }
    }
  }
  t.is(compared, 5 * rounds * names.length);
  t.log(`${compared} results compared (${names.length} forms x ${rounds} rounds x 5 threads), all bit-identical`);
});

test('workers terminated in the middle of a call: the process lives and the pool still works', (t) => {
  // A separate process, so that a crash is a failed assertion instead of a lost test run.
  // One round of every form here (a worker start costs seconds on a loaded machine); the soak
  // (npm run soak) terminates more.
  const rounds = 1;
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'workers', 'terminate.ts'), String(rounds)], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  t.is(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  t.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.is(summary.terminated, rounds * summary.forms);
  t.log(`${summary.terminated} workers terminated mid-call (${summary.forms} forms); every kernel afterwards took ${summary.afterwardsMs} ms`);
});
