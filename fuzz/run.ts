// `npm run fuzz -- --seed S --count N`: the hostile-input property over every public function, in a
// watched child process (fuzz/watch.ts). Default: 100 000 calls from a seed taken from the clock.
import { parseArgs } from 'node:util';
import { describeRun, runFuzz } from './watch.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' }, 'no-webgpu': { type: 'boolean' } } });
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const count = values.count !== undefined ? Number(values.count) : 100_000;
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) {
  console.error('usage: npm run fuzz -- [--seed S] [--count N] [--no-webgpu]');
  process.exit(2);
}
const run = await runFuzz({ seed, count, webgpu: !values['no-webgpu'], echo: false });
console.log(describeRun(run, seed));
process.exit(run.summary && !run.summary.failure ? 0 : 1);
