// Where libspeclin (the C ABI of native/include/speclin.h, built beside the addon) and its header
// are in this install: for `speclin where`, the Python package and C trainers.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const libraryName = process.platform === 'darwin' ? 'libspeclin.dylib' : process.platform === 'win32' ? 'speclin.dll' : 'libspeclin.so';

export interface LibspeclinPaths {
  /** The shared library, absolute; undefined when it has not been built. */
  library: string | undefined;
  /** The places looked in for the library, in order. */
  searched: string[];
  /** native/include/speclin.h, absolute. */
  header: string;
}

/** SPECLIN_LIBRARY if set, else build/Release (cmake-js and node-gyp), else build/Debug. */
export function libspeclinPaths(): LibspeclinPaths {
  const searched = process.env.SPECLIN_LIBRARY
    ? [path.resolve(process.env.SPECLIN_LIBRARY)]
    : [path.join(root, 'build', 'Release', libraryName), path.join(root, 'build', 'Debug', libraryName)];
  return { library: searched.find((f) => existsSync(f)), searched, header: path.join(root, 'native', 'include', 'speclin.h') };
}
