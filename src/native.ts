// Loads the compiled addon. cmake-js and node-gyp both write build/Release/speclin.node;
// SPECLIN_NATIVE_PATH overrides (CI uses it to test the node-gyp build too).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(import.meta.url);

function load(): any {
  const candidates = process.env.SPECLIN_NATIVE_PATH
    ? [path.resolve(process.env.SPECLIN_NATIVE_PATH)]
    : [path.join(root, 'build', 'Release', 'speclin.node'), path.join(root, 'build', 'Debug', 'speclin.node')];
  for (const file of candidates) {
    if (existsSync(file)) return require(file);
  }
  throw new Error(
    `speclin: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Run `npm run build:native` in the speclin package (it needs cmake or node-gyp, and a C++17 compiler).',
  );
}

/** The raw addon. Internal: use the typed wrappers. */
export const native = load();
