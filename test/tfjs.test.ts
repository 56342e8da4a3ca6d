// speclin/tfjs on tfjs-backend-cpu and tfjs-backend-wasm (the host path: the C++ kernels on the
// tensors' values): the cases of helpers/tfjs-cases.ts on each, a 200-step training run against
// the same model trained with tfjs autograd, what the host path writes on cpu, and the
// backend-mismatch error.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from '../examples/lib/tfjs-node.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SpeclinError } from '../src/errors.js';
import { gram, spectralLoss } from '../src/tfjs/index.js';
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

test.serial('cpu: the host path reads the backend\'s own arrays and hands tfjs its results, with no other tensor written', async (t) => {
  await use('cpu')();
  const B = 16;
  const k = 4;
  const z = rows(B, k, 11);
  const w = rows(B, k, 12);
  // Every value tfjs-backend-cpu stores goes through backend.write, every dataSync through
  // backend.readSync: counting them shows what the op costs in tfjs arrays.
  const backend = tf.backend() as unknown as {
    write(values: unknown, ...rest: unknown[]): object;
    readSync(dataId: object): unknown;
    data: { get(dataId: object): { values: unknown } };
  };
  const stored = (x: tf.Tensor) => backend.data.get(x.dataId).values;
  const { write, readSync } = backend;
  const writes: ArrayLike<number>[] = [];
  const reads: unknown[] = [];
  backend.write = function (values: unknown, ...rest: unknown[]) {
    writes.push(values as ArrayLike<number>);
    return write.call(this, values, ...rest);
  };
  backend.readSync = function (dataId: object) {
    const v = readSync.call(this, dataId);
    reads.push(v);
    return v;
  };
  try {
    const [gz, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => spectralLoss(a as tf.Tensor2D, b as tf.Tensor2D))([z, w]);
    // The kernel read z's and w's stored arrays themselves (dataSync on cpu does not copy)...
    t.is(reads[0], stored(z));
    t.is(reads[1], stored(w));
    // ...and tfjs stored four arrays: the loss, the two gradients (kept as the tensors' own storage,
    // not copied) and the engine's dy = 1. The backward pass wrote nothing: with dy = 1 the saved
    // gradients are the answer (a clone shares the storage).
    t.deepEqual(writes.map((v) => v.length), [1, B * k, B * k, 1]);
    t.is(stored(gz), writes[1]);
    t.is(stored(gw), writes[2]);
    tf.dispose([gz, gw]);
    writes.length = 0;
    const g = gram(z);
    t.deepEqual(writes.map((v) => v.length), [B * B]);
    t.is(stored(g), writes[0]);
    g.dispose();
  } finally {
    backend.write = write;
    backend.readSync = readSync;
    tf.dispose([z, w]);
  }
});

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

/** Imports `entry` in a fresh Node process; returns how many CommonJS modules it loaded and the
 * @tensorflow packages among them (tfjs's Node builds are CommonJS: once imported, a module sits
 * in require.cache). */
function packagesLoadedBy(entry: string): { modules: number; tensorflow: string[] } {
  const code =
    `import { createRequire } from 'node:module'; await import('${entry}');` +
    'const names = Object.keys(createRequire(import.meta.url).cache);' +
    "const packages = names.map((k) => /@tensorflow\\/([^/]+)/.exec(k)?.[1]).filter(Boolean);" +
    'console.log(JSON.stringify({ modules: names.length, tensorflow: [...new Set(packages)] }));';
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { modules: number; tensorflow: string[] };
}

test('the main entry does not load @tensorflow/tfjs-core', (t) => {
  const { modules, tensorflow } = packagesLoadedBy('./src/index.ts');
  // The cache is not empty (the addon's loader is in it), and holds no tfjs module.
  t.true(modules > 0);
  t.deepEqual(tensorflow, []);
});

test("speclin/tfjs loads @tensorflow/tfjs-core and no other tfjs package (tfjs-layers is the example's, not speclin's)", (t) => {
  t.deepEqual(packagesLoadedBy('./src/tfjs/index.ts').tensorflow, ['tfjs-core']);
});
