// Setting up TensorFlow.js in Node for speclin/tfjs, with @tensorflow/tfjs-core and its backend
// packages only (the examples, tests and benchmarks use this; copy what you need).
//
// 1. Gradients. tfjs-core's Node build (dist/tf-core.node.js) registers no gradient functions:
//    the union package @tensorflow/tfjs does, through '@tensorflow/tfjs-core/dist/register_all_gradients',
//    whose ESM files Node cannot load as a whole (extensionless imports, a file and a folder both
//    named 'gradients'). Each dist/gradients/*_grad.js loads on its own, and tfjs keeps its engine
//    and registries in one global namespace, so registering their configs gives the CJS build
//    autograd. speclin/tfjs's ops bring their own gradients; the model around them needs these.
//    With @tensorflow/tfjs or tfjs-node installed, skip this.
// 2. tfjs-backend-webgpu registers itself at import time only where `navigator.gpu` exists: Dawn's
//    `webgpu` package provides it, and the WebGPU globals (GPUBufferUsage, ...).
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Registers tfjs-core's gradient functions (once per process). */
export async function registerTfjsGradients(): Promise<void> {
  const require = createRequire(import.meta.url);
  const folder = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'gradients');
  // Prod_grad.js imports the package's index (the one file that does); Prod goes without.
  for (const file of readdirSync(folder).filter((f) => f.endsWith('_grad.js') && f !== 'Prod_grad.js').sort()) {
    const module = (await import(pathToFileURL(path.join(folder, file)).href)) as Record<string, unknown>;
    for (const [name, config] of Object.entries(module)) {
      if (name.endsWith('GradConfig')) tf.registerGradient(config as tf.GradConfig);
    }
  }
  // Less has none in tfjs. A comparison's derivative is zero wherever it exists, which is what the
  // reference loss's (norm < sqrt(mu)).float() carries in PyTorch (no gradient).
  tf.registerGradient({
    kernelName: 'Less',
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
  });
}

/** Gives Node a `navigator.gpu` from Dawn and imports tfjs-backend-webgpu, which then registers
 * the 'webgpu' backend. Node 20 has no `navigator`; later versions have one without `gpu`. */
export async function registerTfjsWebGpu(dawnFlags: string[] = []): Promise<void> {
  const { create, globals } = await import('webgpu');
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  const gpu = create(dawnFlags);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
}
