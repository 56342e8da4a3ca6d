// A worker_thread that calls one kernel form (workerData.name, from test/helpers/kernel-calls.ts,
// or 'eigsh onProgress' / 'eigshSync onProgress') back to back until it is terminated: the main
// side (test/workers/terminate.ts) terminates it in the middle of a call.
import { parentPort, workerData } from 'node:worker_threads';
import { eigsh, eigshSync } from '../../src/index.js';
import { kernelCalls, chordedRing } from '../helpers/kernel-calls.js';

const name = workerData.name as string;
let run: () => unknown;
if (name.endsWith(' onProgress')) {
  // Progress goes through a ThreadSafeFunction (Promise form) or a direct call (Sync form).
  const graph = chordedRing(4000);
  const options = { k: 6, tol: 1e-12, seed: 3, method: 'lanczos' as const, onProgress: () => {} };
  run = name.startsWith('eigshSync') ? () => eigshSync(graph, options) : () => eigsh(graph, options);
} else {
  const call = kernelCalls().find((c) => c.name === name);
  if (!call) throw new Error(`no kernel call named ${name}`);
  run = () => call.run();
}
parentPort!.postMessage('started');
for (;;) await run();
