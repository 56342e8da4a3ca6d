// A worker_thread running a TypeScript file (through test/workers/bootstrap.mjs, which loads tsx
// in the worker); `data` becomes its workerData, next to `entry`.
import { Worker } from 'node:worker_threads';

export function tsWorker(entry: URL, data: Record<string, unknown> = {}): Worker {
  return new Worker(new URL('../workers/bootstrap.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } });
}
