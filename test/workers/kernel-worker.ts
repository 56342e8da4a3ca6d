// A worker_thread for test/worker-threads.test.ts: loads speclin, then on each message
// { names, rounds } runs those kernel calls (test/helpers/kernel-calls.ts) `rounds` times and
// posts back each call's output bytes, or { error } for the first failure.
import { parentPort } from 'node:worker_threads';
import { bytesOf, kernelCalls } from '../helpers/kernel-calls.js';

const calls = kernelCalls();
parentPort!.on('message', async (msg: { names: string[]; rounds: number }) => {
  try {
    const results: Record<string, Uint8Array[]> = {};
    for (let r = 0; r < msg.rounds; r++) {
      for (const c of calls.filter((c) => msg.names.includes(c.name))) {
        (results[c.name] ??= []).push(bytesOf(await c.run()));
      }
    }
    parentPort!.postMessage({ results });
  } catch (err) {
    parentPort!.postMessage({ error: String((err as Error).stack ?? err) });
  }
});
parentPort!.postMessage({ ready: true });
