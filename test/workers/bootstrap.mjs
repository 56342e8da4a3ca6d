// Starts a TypeScript worker_thread: on Node 20 a worker does not get the tsx loader that the
// parent took from --import, so it registers it itself, then imports workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
