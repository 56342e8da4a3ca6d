// Loads the compiled addon. cmake-js and node-gyp both write build/Release/speclin.node;
// SPECLIN_NATIVE_PATH overrides (CI uses it to test the node-gyp build too).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-addon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(import.meta.url);

function load(): NativeAddon {
  const candidates = process.env.SPECLIN_NATIVE_PATH
    ? [path.resolve(process.env.SPECLIN_NATIVE_PATH)]
    : [path.join(root, 'build', 'Release', 'speclin.node'), path.join(root, 'build', 'Debug', 'speclin.node')];
  for (const file of candidates) {
    // The one place where the addon's untyped module becomes typed: src/native-addon.ts declares
    // every export, and test/native-boundary.test.ts checks the declaration against the addon.
    if (existsSync(file)) return require(file) as NativeAddon;
  }
  throw new Error(
    `speclin: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Run `npm run build:native` in the speclin package (it needs cmake or node-gyp, and a C++17 compiler).',
  );
}

/** The addon, typed. Internal: use the wrappers. */
export const native: NativeAddon = load();
