// usePlan (src/gpu/plan.ts), the one way a recorded plan is used: its temporaries are freed once
// the use is over, its results only when the use fails, for a synchronous use (speclin/tfjs) and
// for one returning a Promise (the Promise forms). Plain objects stand in for GPU buffers: the rule
// is bookkeeping, and the GPU tests (gpu-loss, tfjs-webgpu) run it on a device.
import test from 'ava';
import { usePlan, type RecordedPlan } from '../src/gpu/plan.js';
import type { GpuMatrix } from '../src/gpu/matrix.js';

function fakePlan() {
  const log: string[] = [];
  const result = (name: string) => ({ destroy: () => log.push(`destroy ${name}`) }) as unknown as GpuMatrix;
  const plan: RecordedPlan = { encode: () => {}, results: [result('a'), result('b')], release: () => log.push('release') };
  return { plan, log };
}

test('a synchronous use: the temporaries are released after it, the results kept', (t) => {
  const { plan, log } = fakePlan();
  t.is(usePlan(plan, () => { log.push('use'); return 7; }), 7);
  t.deepEqual(log, ['use', 'release']);
});

test('a synchronous use that throws: the results are destroyed and the temporaries released, the error passes through', (t) => {
  const { plan, log } = fakePlan();
  t.throws(() => usePlan(plan, () => { throw new RangeError('no'); }), { instanceOf: RangeError, message: 'no' });
  t.deepEqual(log, ['destroy a', 'destroy b', 'release']);
});

test('an asynchronous use: nothing is released before its Promise settles', async (t) => {
  const { plan, log } = fakePlan();
  let finish!: (v: number) => void;
  const pending = usePlan(plan, () => new Promise<number>((resolve) => { finish = resolve; }));
  await Promise.resolve();
  t.deepEqual(log, []);
  finish(3);
  t.is(await pending, 3);
  t.deepEqual(log, ['release']);
});

test('an asynchronous use that rejects: the results are destroyed and the temporaries released', async (t) => {
  const { plan, log } = fakePlan();
  await t.throwsAsync(usePlan(plan, async () => { throw new Error('lost'); }), { message: 'lost' });
  t.deepEqual(log, ['destroy a', 'destroy b', 'release']);
});
