import test from 'ava';
import { getThreads, setThreads, getKernelPath, setKernelPath } from '../src/index.js';

test('setThreads changes the thread count and 0 restores the default', (t) => {
  const initial = getThreads();
  t.true(initial >= 1);
  setThreads(1);
  t.is(getThreads(), 1);
  setThreads(0);
  t.is(getThreads(), initial);
});

test('setThreads rejects bad values with the expected error classes', (t) => {
  t.throws(() => setThreads('2' as unknown as number), { instanceOf: TypeError, message: /n must be a number/ });
  t.throws(() => setThreads(-1), { instanceOf: RangeError, message: /integer from 0/ });
  t.throws(() => setThreads(1.5), { instanceOf: RangeError });
});

test('kernel path can be forced to portable and back', (t) => {
  setKernelPath('portable');
  t.is(getKernelPath(), 'portable');
  setKernelPath('auto');
  t.true(['portable', 'avx2'].includes(getKernelPath()));
  t.throws(() => setKernelPath('sse' as never), { instanceOf: RangeError, message: /'auto', 'portable' or 'avx2'/ });
});
