// The layers only point down, and nothing imports in a circle: every import of src/ and every
// quoted #include of native/ is checked against the table in test/layers.json (drawn in
// docs/architecture.md). The walker itself is tested first, on synthetic trees that must fail.
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, layerOf, maskSource, tsImports, type LayerTable } from './helpers/import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const table = JSON.parse(readFileSync(path.join(root, 'test', 'layers.json'), 'utf8')) as LayerTable;
// The build's include path (CMakeLists.txt, binding.gyp): where a quoted include is looked up
// after the including file's own folder.
const includeDirs = ['native/include', 'native/core'];

function walk(dir: string, keep: RegExp, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(path.join(root, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) walk(rel, keep, out);
    else if (keep.test(name)) out.set(rel, readFileSync(path.join(root, rel), 'utf8'));
  }
  return out;
}

const sources = walk('src', /\.(ts|mts|cts)$/);
walk('native', /\.(cc|cpp|c|h|hpp)$/, sources);
const findings = analyze(sources, table, includeDirs);

const listing = (lines: string[]) => lines.map((l) => `  ${l}`).join('\n');

// ---- the walker ----------------------------------------------------------------------------

const tinyTable: LayerTable = {
  layers: [
    { name: 'low', paths: ['src/low/'], mayImport: [] },
    { name: 'mid', paths: ['src/*'], mayImport: ['low'] },
    { name: 'top', paths: ['src/top/'], mayImport: ['low', 'mid'], siblings: false },
  ],
};

test('the walker reports a synthetic cycle inside one layer, with its loop', (t) => {
  const tree = new Map([
    ['src/a.ts', "import { b } from './b.js';\nexport const a = 1;"],
    ['src/b.ts', "import type { C } from './c.js';\nexport const b = 2;"],
    ['src/c.ts', "export type C = number;\nexport const load = () => import('./a.js');"],
  ]);
  const f = analyze(tree, tinyTable);
  t.deepEqual(f.cycles, [['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/a.ts']]);
  t.deepEqual(f.forbidden, []);
});

test('the walker reports a synthetic import up a layer, and the cycle it closes', (t) => {
  const tree = new Map([
    ['src/low/x.ts', "import { m } from '../m.js';\nexport const x = m;"],
    ['src/m.ts', "export { x } from './low/x.js';\nexport const m = 1;"],
  ]);
  const f = analyze(tree, tinyTable);
  t.deepEqual(f.forbidden.map((e) => `${e.from} (${e.fromLayer}) -> ${e.to} (${e.toLayer})`), ['src/low/x.ts (low) -> src/m.ts (mid)']);
  t.is(f.cycles.length, 1);
});

test('the walker reports an up-layer import without a cycle, a sibling import, a stray file and a stale exemption', (t) => {
  const tree = new Map([
    ['src/low/x.ts', "import type { M } from '../m.js';"],
    ['src/m.ts', 'export type M = 1;'],
    ['src/top/one.ts', "import { two } from './two.js';"],
    ['src/top/two.ts', 'export const two = 2;'],
    ['lib/stray.ts', 'export {};'],
  ]);
  const f = analyze(tree, { ...tinyTable, exemptions: [{ from: 'src/m.ts', to: 'src/low/x.ts', reason: 'gone' }] });
  t.deepEqual(f.cycles, []);
  t.deepEqual(f.forbidden.map((e) => `${e.from} -> ${e.to}`), ['src/low/x.ts -> src/m.ts', 'src/top/one.ts -> src/top/two.ts']);
  t.deepEqual(f.unassigned, ['lib/stray.ts']);
  t.is(f.staleExemptions.length, 1);
});

test('an exemption removes exactly its edge from both checks', (t) => {
  const tree = new Map([
    ['src/low/x.ts', "import { m } from '../m.js';"],
    ['src/m.ts', "import { x } from './low/x.js';"],
  ]);
  const f = analyze(tree, { ...tinyTable, exemptions: [{ from: 'src/low/x.ts', to: 'src/m.ts', reason: 'test' }] });
  t.deepEqual(f.forbidden, []);
  t.deepEqual(f.cycles, []);
  t.deepEqual(f.staleExemptions, []);
});

test('the walker reads C++ includes: an addon header in the core is an up-layer edge, napi.h there is forbidden', (t) => {
  const tree = new Map([
    ['native/core/a.cc', '#include "a.h"\n#include "../addon/glue.h"\n#include <napi.h>\n// #include "../addon/no.h"\n'],
    ['native/core/a.h', '#pragma once\n#include <vector>\n'],
    ['native/addon/glue.h', '#pragma once\n#include "../core/a.h"\n#include "speclin.h"\n'],
    ['native/include/speclin.h', '#pragma once\n'],
  ]);
  const f = analyze(tree, table, includeDirs);
  t.deepEqual(f.forbidden.map((e) => `${e.from} -> ${e.to}`), ['native/core/a.cc -> native/addon/glue.h', 'native/addon/glue.h -> native/include/speclin.h']);
  t.deepEqual(f.forbiddenHeaders, [{ from: 'native/core/a.cc', header: 'napi.h', layer: 'core' }]);
  t.deepEqual(f.cycles, []);
});

test('the scanner finds every import form and none in comments, strings, templates or regexes', (t) => {
  const src = [
    "import a from './a.js';",
    "import b, { c } from './b.js';",
    "import * as d from './d.js';",
    "import type { E } from './e.js';",
    "import {\n  f,\n  type G,\n} from './f.js';",
    "export * from './g.js';",
    "export { h } from './h.js';",
    "export type { I } from './i.js';",
    "import './side.js';",
    "const lazy = () => import('./lazy.js');",
    "type T = import('./typed.js').T;",
    "// import x from './comment.js';",
    "/* export * from './block.js'; */",
    "const s = \"import y from './string.js'\";",
    "const u = `import z from './template.js' ${'x'}`;",
    "const r = /from '\\.\\/regex.js'/;",
    "const slash = 4 / 2; const q = 'from \"./quoted.js\"';",
  ].join('\n');
  t.deepEqual(tsImports(src).map((i) => `${i.kind} ${i.specifier}`).sort(), [
    'dynamic ./lazy.js',
    'dynamic ./typed.js',
    'import ./a.js',
    'import ./b.js',
    'import ./d.js',
    'import ./f.js',
    'import ./g.js',
    'import ./h.js',
    'import ./side.js',
    'type ./e.js',
    'type ./i.js',
  ]);
});

test('the layer of a file: an exact path beats a folder\'s own files, which beat a deeper folder', (t) => {
  t.is(layerOf('src/commands/registry.ts', table), 'registry');
  t.is(layerOf('src/commands/eigs.ts', table), 'commands');
  t.is(layerOf('src/native.ts', table), 'boundary');
  t.is(layerOf('src/gram.ts', table), 'wrappers');
  t.is(layerOf('src/gpu/kernels/x.ts', table), 'gpu');
  t.is(layerOf('native/core/gram.cc', table), 'core');
});

// ---- the repository ------------------------------------------------------------------------

test('the layer table is ordered: each layer imports only layers below it', (t) => {
  t.deepEqual(findings.tableErrors, []);
});

test('every file of src/ and native/ sits in a layer of test/layers.json', (t) => {
  t.deepEqual(findings.unassigned, [], `files no layer claims (add their folder to test/layers.json and docs/architecture.md):\n${listing(findings.unassigned)}`);
});

test('every relative import of src/ resolves to a file', (t) => {
  t.deepEqual(findings.unresolved, []);
});

test('no import points up a layer (or sideways into one the table does not allow)', (t) => {
  const lines = findings.forbidden.map((e) => `${e.from} (${e.fromLayer}) -> ${e.to} (${e.toLayer})`);
  t.deepEqual(lines, [], `imports against docs/architecture.md:\n${listing(lines)}`);
});

test('the core includes no Node or MPI header', (t) => {
  t.deepEqual(findings.forbiddenHeaders, []);
});

test('no import cycle in src/ or native/', (t) => {
  const lines = findings.cycles.map((c) => c.join(' -> '));
  t.deepEqual(lines, [], `import cycles:\n${listing(lines)}`);
});

test('every exemption in test/layers.json still matches an edge (remove the stale ones)', (t) => {
  t.deepEqual(findings.staleExemptions, []);
});

test('the walker saw the repository: it found the known edges', (t) => {
  // A walker that silently read nothing would pass every check above.
  const has = (from: string, to: string) => findings.edges.some((e) => e.from === from && e.to === to);
  t.true(has('src/gram.ts', 'src/native.ts'));
  t.true(has('src/cli.ts', 'src/commands/registry.ts'));
  t.true(has('native/addon/gram.cc', 'native/core/gram.h'));
  t.true(findings.edges.length > 100, `only ${findings.edges.length} edges`);
});

// ---- the instruction-set files --------------------------------------------------------------

// native/core/*_avx2.cc and *_avx512.cc are compiled with their instruction set enabled (flags or a
// target pragma). An inline function they shared with the portable files would be compiled there
// with those instructions, and the linker could keep that copy for every caller (gemm_microkernel.h):
// a crash on a CPU without them. So they include only headers of declarations, or of definitions
// kept in an anonymous namespace, listed here; a new header joins the list once it is one of those.
const headersSafeUnderAnIsa = new Set([
  'native/core/gemm_kernels.h', 'native/core/gemm_microkernel.h', 'native/core/x86_vector_ops.h',
  'native/core/spmv_kernels.h', 'native/core/spmv_row_dots.h', 'native/core/machine_limits_kernels.h',
  'native/core/machine_limits_chains.h', 'native/core/eigsh_kernels.h',
]);

/** Each header an instruction-set file reaches, directly or through another header, that is not
 * in `safe`, as "file -> header". */
function unsafeIsaIncludes(edges: { from: string; to: string }[], files: string[], safe: Set<string>): string[] {
  const bad: string[] = [];
  for (const file of files) {
    const seen = new Set<string>();
    const stack = [file];
    while (stack.length > 0) {
      const from = stack.pop()!;
      for (const e of edges) if (e.from === from && !seen.has(e.to)) { seen.add(e.to); stack.push(e.to); }
    }
    for (const h of [...seen].sort()) if (!safe.has(h)) bad.push(`${file} -> ${h}`);
  }
  return bad;
}

test('the check of instruction-set includes finds a shared header reached through a safe one', (t) => {
  const edges = [
    { from: 'native/core/x_avx512.cc', to: 'native/core/x_kernels.h' },
    { from: 'native/core/x_kernels.h', to: 'native/core/thread_pool.h' },
  ];
  t.deepEqual(unsafeIsaIncludes(edges, ['native/core/x_avx512.cc'], new Set(['native/core/x_kernels.h'])), [
    'native/core/x_avx512.cc -> native/core/thread_pool.h',
  ]);
});

test('the instruction-set files include only headers safe under their instruction set', (t) => {
  const files = [...sources.keys()].filter((f) => /^native\/core\/[a-z0-9_]+_avx(2|512)\.cc$/.test(f));
  t.true(files.length >= 6, `found only ${files.join(', ')}`);
  t.deepEqual(unsafeIsaIncludes(findings.edges, files, headersSafeUnderAnIsa), []);
});

// DESIGN.md: kebab-case in TypeScript, snake_case in C++ and WGSL.
const kebab = /^[a-z0-9]+(-[a-z0-9]+)*(\.d)?\.(ts|mts|cts)$/;
const snake = /^[a-z0-9]+(_[a-z0-9]+)*\.(cc|cpp|c|h|hpp|wgsl)$/;

test('file names: kebab-case in TypeScript, snake_case in C++ and WGSL', (t) => {
  const names = [...walk('src', /./).keys(), ...walk('native', /./).keys()];
  const bad = names.filter((f) => {
    const base = path.posix.basename(f);
    if (/\.(ts|mts|cts)$/.test(base)) return !kebab.test(base);
    if (/\.(cc|cpp|c|h|hpp|wgsl)$/.test(base)) return !snake.test(base);
    return false;
  });
  t.deepEqual(bad, []);
});

test('no `any` in src/: the addon reaches the wrappers typed (src/native-addon.ts)', (t) => {
  const bad: string[] = [];
  for (const [file, src] of sources) {
    if (!file.startsWith('src/')) continue;
    const { code } = maskSource(src);
    code.split('\n').forEach((line, i) => {
      if (/:\s*any\b|\bas\s+any\b|<any>|\bany\[\]|\bany\s*[,>)]/.test(line)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  t.deepEqual(bad, []);
});
