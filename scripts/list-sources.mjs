// Prints the source files of one part of the native build, for binding.gyp (which has no glob):
// `core` (the portable core), `avx2` (files compiled with AVX2/FMA), `addon` (the Node glue),
// `c_api` (libspeclin's C glue).
import { readdirSync } from 'node:fs';

const part = process.argv[2];
const dir = part === 'addon' ? 'native/addon' : part === 'c_api' ? 'native/c_api' : 'native/core';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cc'))
  .filter((f) => (part === 'avx2' ? f.endsWith('_avx2.cc') : part === 'core' ? !f.endsWith('_avx2.cc') : true))
  .sort()
  .map((f) => `${dir}/${f}`);
process.stdout.write(files.join(' '));
