// `speclin where [--json]`: the absolute paths of libspeclin and speclin.h in this install, for
// C trainers (-I, -L) and the Python package (which runs this when it finds nothing nearer).
import path from 'node:path';
import { parse } from '../cli/args.js';
import { libspeclinPaths } from '../libspeclin.js';

export const usage = `usage: speclin where [--json]

  Prints where the C library (libspeclin, the C ABI of the native core) and its header speclin.h
  are. --json prints { "library": "/abs/path/libspeclin.so", "header": "/abs/path/speclin.h" }.
  SPECLIN_LIBRARY, when set, names the library instead.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, usage, false);
  const { library, searched, header } = libspeclinPaths();
  if (library === undefined) {
    process.stderr.write(`speclin where: libspeclin is not built (looked for ${searched.join(', ')}). ` +
      'Run `npm run build:native` in the speclin package (it needs cmake or node-gyp, and a C++17 compiler).\n');
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ library, header })}\n`);
    return 0;
  }
  process.stdout.write(`library: ${library}\nheader:  ${header}\n` +
    `compile a C trainer with: cc -I${path.dirname(header)} app.c -L${path.dirname(library)} -lspeclin -Wl,-rpath,${path.dirname(library)}\n`);
  return 0;
}

