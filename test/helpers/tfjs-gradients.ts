// tfjs-core's Node build (dist/tf-core.node.js) registers no gradients: the union package
// @tensorflow/tfjs does that with '@tensorflow/tfjs-core/dist/register_all_gradients', whose ESM
// files Node cannot load as a whole (extensionless imports, a file and a folder both named
// 'gradients'). Each dist/gradients/*_grad.js file does load on its own, and tfjs keeps its engine
// and registries in one global namespace, so registering their configs here gives the CJS build
// autograd. Only the tests, benchmarks and examples need this (speclin/tfjs's ops bring their own
// gradients); a project that uses @tensorflow/tfjs or tfjs-node does not.
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const folder = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'gradients');

// Prod_grad.js imports the package's index (the one file that does); Prod is not used here.
for (const file of readdirSync(folder).filter((f) => f.endsWith('_grad.js') && f !== 'Prod_grad.js').sort()) {
  const module = (await import(pathToFileURL(path.join(folder, file)).href)) as Record<string, unknown>;
  for (const [name, config] of Object.entries(module)) {
    if (name.endsWith('GradConfig')) tf.registerGradient(config as tf.GradConfig);
  }
}
