// Hostile input, property-based (fuzz/): every public function, Sync and Promise forms, called with
// wrong types and sizes, detached, shared, offset and resizable buffers, NaN, Infinity and
// subnormals, getters and Proxies that detach inputs while they are read, inputs detached or
// overwritten before a Promise settles, hostile edge lists and forged native handles. Only a
// TypeError, RangeError or SpeclinError naming the argument may come out, inputs are unchanged, no
// result is silently wrong (a finite loss, Ā's eigenvalues in [-1, 1]), and the process lives: the
// calls run in a child process that this test watches. `npm run fuzz` runs the long form.
import test from 'ava';
import { testNeeding } from './helpers/requirements.js';
import { describeRun, runFuzz } from '../fuzz/watch.js';

const seed = Number(process.env.SPECLIN_FUZZ_SEED ?? 20261202);

test('3 000 hostile calls across the CPU API: only TypeError, RangeError or SpeclinError, inputs unchanged, no crash', async (t) => {
  const run = await runFuzz({ seed, count: 3000, webgpu: false, timeoutMs: 240_000 });
  t.log(describeRun(run, seed).split('\n')[0]);
  t.truthy(run.summary, describeRun(run, seed));
  t.is(run.summary?.failure, undefined, describeRun(run, seed));
  t.is(run.summary?.calls, 3000);
  t.is(run.exitCode, 0, describeRun(run, seed));
});

testNeeding('webgpu')('400 hostile calls including backend: \'webgpu\': the same guarantees on the GPU path', async (t) => {
  const run = await runFuzz({ seed: seed + 1, count: 400, webgpu: true, timeoutMs: 240_000 });
  t.log(describeRun(run, seed + 1).split('\n')[0]);
  t.true(run.summary?.webgpu, describeRun(run, seed + 1));
  t.is(run.summary?.failure, undefined, describeRun(run, seed + 1));
  t.is(run.exitCode, 0, describeRun(run, seed + 1));
});
