// Run as its own process by test/worker-threads.test.ts (a crash must not take the test runner
// with it): every kernel form runs in a worker_thread of its own, back to back, and each worker
// is terminated at a random moment, i.e. in the middle of a call; `rounds` times. Then the main
// thread runs every kernel once, which hangs if the thread pool was left stuck. Prints one JSON
// line { terminated, forms, afterwardsMs }.
import { kernelCalls } from '../helpers/kernel-calls.js';
import { rng } from '../helpers/random.js';
import { tsWorker } from '../helpers/ts-worker.js';

const rounds = Number(process.argv[2] ?? 3);
const calls = kernelCalls();
const forms = [...calls.map((c) => c.name), 'eigsh onProgress', 'eigshSync onProgress'];
const random = rng(42);
let terminated = 0;
for (let round = 0; round < rounds; round++) {
  await Promise.all(
    forms.map(async (name) => {
      const w = tsWorker(new URL('./loop-worker.ts', import.meta.url), { name });
      const started = new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      await started;
      await new Promise((r) => setTimeout(r, 2 + random() * 40));
      await w.terminate();
      terminated++;
    }),
  );
}
const t0 = performance.now();
for (const c of calls) await c.run();
console.log(JSON.stringify({ terminated, forms: forms.length, afterwardsMs: Math.round(performance.now() - t0) }));
