// The WGSL program descriptors (src/gpu/programs.ts) against the WGSL files, without a GPU: every
// entry point of a file has exactly one descriptor and every descriptor an entry point; workgroup
// sizes and bindings are never spelled out in WGSL; every binding a descriptor names occurs in the
// program's code; and the generated declarations are what the files rely on. (That each entry
// point's binding list is exactly what its code references is checked by WebGPU itself: auto
// layouts reject a missing or an extra binding, and every entry point runs in the gpu-*.test.ts
// files.)
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { declarations, kernels, programs, WORKGROUP_SIZE } from '../src/gpu/programs.js';
import { preprocess } from '../src/gpu/pipelines.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'gpu', 'kernels');
const read = (file: string) => readFileSync(path.join(dir, `${file}.wgsl`), 'utf8');
/** The code without comments, so that a name in a comment does not count as a use. */
const code = (file: string) => read(file).replace(/\/\/.*$/gm, '');

test('every @compute entry point has one descriptor, and every descriptor an entry point', (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).map((f) => f.slice(0, -5));
  const declared = new Set(Object.values(kernels).map((k) => `${k.program.file}.${k.entryPoint}`));
  t.is(declared.size, Object.keys(kernels).length, 'no entry point is described twice');
  const found = new Set<string>();
  for (const file of files) {
    for (const m of code(file).matchAll(/@compute\s+@workgroup_size\(([^)]*)\)\s*fn\s+(\w+)/g)) {
      found.add(`${file}.${m[2]}`);
      t.is(m[1], 'WG_SIZE', `${file}.${m[2]}: the workgroup size comes from the descriptor (WG_SIZE), not a literal`);
    }
  }
  t.deepEqual([...found].sort(), [...declared].sort());
  const computeCount = files.reduce((n, f) => n + (code(f).match(/@compute/g)?.length ?? 0), 0);
  // spmv_vector has a subgroup and a tree form in one file (//#if SUBGROUPS): one descriptor.
  t.is(computeCount, found.size + 1);
  for (const k of Object.values(kernels)) t.is(k.workgroupSize, WORKGROUP_SIZE);
});

test('bindings, uniform structs and program constants are declared only in the descriptors', (t) => {
  for (const p of Object.values(programs)) {
    const src = code(p.file);
    t.notRegex(src, /@binding\(/, `${p.file}.wgsl declares no binding`);
    t.notRegex(src, /struct\s+(Params|Scan)\b/, `${p.file}.wgsl declares no uniform struct`);
    for (const name of Object.keys(p.constants)) {
      t.notRegex(src, new RegExp(`const\\s+${name}\\b`), `${p.file}.wgsl does not define ${name} again`);
      t.regex(src, new RegExp(`\\b${name}\\b`), `${p.file}.wgsl uses ${name}`);
    }
    for (const name of Object.keys(p.bindings)) t.regex(src, new RegExp(`\\b${name}\\b`), `${p.file}.wgsl uses binding ${name}`);
  }
  t.notRegex(code('common'), /const\s+WG_SIZE/);
});

test('the generated declarations: binding indices in descriptor order, structs from the fields', (t) => {
  const decl = declarations(programs.topk);
  t.regex(decl, new RegExp(`const WG_SIZE: u32 = ${WORKGROUP_SIZE}u;`));
  t.regex(decl, /struct Params \{ n: u32, stride: u32, k: u32, rows: u32, first: u32 \}/);
  t.regex(decl, /@group\(0\) @binding\(0\) var<uniform> params: Params;/);
  t.regex(decl, /@group\(0\) @binding\(4\) var<uniform> scan: Scan;/);
  t.regex(decl, /@group\(0\) @binding\(6\) var<storage, read_write> first_bad_row: array<atomic<u32>>;/);
  t.regex(declarations(programs.gram), /const TILE_K: u32 = 16u;/);
  // Both forms of the shared reduction keep the declarations in front (after `enable`).
  const sg = preprocess(`${decl}\n${read('common')}`, true);
  t.true(sg.startsWith('enable subgroups;\n// Generated'));
  t.regex(sg, /subgroupAdd\(/);
  t.notRegex(preprocess(`${decl}\n${read('common')}`, false), /subgroupAdd\(|^enable/m);
});
