// speclin/tfjs on tfjs-backend-cpu and tfjs-backend-wasm (the host path: the C++ kernels on the
// tensors' values): the cases of helpers/tfjs-cases.ts on each, a 200-step training run against
// the same model trained with tfjs autograd, and the backend-mismatch error.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from '../examples/lib/tfjs-node.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SpeclinError } from '../src/errors.js';
import { spectralLoss } from '../src/tfjs/index.js';
import { registerTfjsCases, rows } from './helpers/tfjs-cases.js';
import { checkCurves, trainTwice } from './helpers/tfjs-training.js';

await registerTfjsGradients();

const use = (name: string) => async () => {
  if (tf.getBackend() !== name) await tf.setBackend(name);
  await tf.ready();
};

for (const name of ['cpu', 'wasm']) registerTfjsCases(test, name, use(name), { B: 64, k: 16 });

for (const name of ['cpu', 'wasm']) {
  test.serial(`${name}: 200 training steps with speclin's op follow the same model trained with tfjs autograd`, async (t) => {
    await use(name)();
    checkCurves(t, await trainTwice(200));
  });
}

test.serial('a tensor from another backend is refused before any kernel runs', async (t) => {
  await use('cpu')();
  const z = rows(8, 4, 1);
  await use('wasm')();
  const w = rows(8, 4, 2);
  t.throws(() => spectralLoss(z, w), { instanceOf: SpeclinError, message: /z lives on the 'cpu' backend but the current backend is 'wasm'/ });
  tf.dispose([w]);
  await use('cpu')();
  tf.dispose([z]);
});

test('the main entry does not load @tensorflow/tfjs-core', (t) => {
  // tfjs-core's Node build is CommonJS: once imported, it sits in require.cache.
  const code =
    "import { createRequire } from 'node:module'; await import('./src/index.ts');" +
    "const seen = (k) => k.includes('@tensorflow'); const names = Object.keys(createRequire(import.meta.url).cache);" +
    "console.log(JSON.stringify([names.length > 0, names.filter(seen)]));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  // The cache is not empty (the addon's loader is in it), and holds no tfjs module.
  t.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), [true, []]);
});
