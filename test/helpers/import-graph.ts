// The import walker behind test/architecture.test.ts: reads the import edges of the TypeScript
// sources (static, type-only, re-export, side-effect and literal dynamic imports) and the quoted
// #include edges of the C++ sources, places every file in a layer of test/layers.json, and reports
// import cycles and imports that point up (or sideways out of) a layer. It is pure (sources in, findings out) so that
// the test can feed it synthetic trees and see it fail; no parser dependency: a small scanner
// blanks comments and string contents, keeping each string's value for the specifier patterns.
import path from 'node:path/posix';

export interface Layer {
  name: string;
  /** What lives there: an exact file ("src/native.ts"), a folder and everything below it
   * ("src/gpu/"), or a folder's own files only ("src/*"). The most specific match wins. */
  paths: string[];
  /** Layers this one may import (its own is always allowed unless `siblings` is false). */
  mayImport: string[];
  /** false: files of this layer may not import each other (the commands: no command borrows
   * from a sibling). Default true. */
  siblings?: boolean;
  /** System headers (#include <...>) this layer's C++ may not include (the core: no Node, no MPI). */
  forbiddenSystemHeaders?: string[];
  why?: string;
}

export interface Exemption {
  from: string;
  to: string;
  /** Who removes it, and when. */
  reason: string;
}

export interface LayerTable {
  layers: Layer[];
  exemptions?: Exemption[];
}

export interface Edge {
  from: string;
  to: string;
  kind: 'import' | 'type' | 'dynamic' | 'include';
}

export interface Findings {
  edges: Edge[];
  /** Files no layer claims. */
  unassigned: string[];
  /** Relative imports that resolve to no file of the tree. */
  unresolved: { from: string; specifier: string }[];
  /** Imports the table does not allow: up a layer, or sideways into a layer not listed. */
  forbidden: (Edge & { fromLayer: string; toLayer: string })[];
  /** System headers included where the layer forbids them. */
  forbiddenHeaders: { from: string; header: string; layer: string }[];
  /** Mistakes in the table itself: a layer that may import one above it (or an unknown one). */
  tableErrors: string[];
  /** Each strongly connected set of two or more files (or a file importing itself), as a loop. */
  cycles: string[][];
  /** Exemptions that no longer match an edge: remove them. */
  staleExemptions: Exemption[];
}

const TS = /\.(ts|mts|cts)$/;
const CXX = /\.(cc|cpp|h|hpp)$/;

/** The source with comments removed and every string, template and regex body replaced by a
 * placeholder `"\0<n>"`; `strings[n]` holds the value (templates with ${} keep no value). */
export function maskSource(src: string): { code: string; strings: (string | undefined)[] } {
  const strings: (string | undefined)[] = [];
  let out = '';
  let i = 0;
  // What the last significant character was decides whether a '/' starts a regex literal.
  let lastSignificant = '';
  let lastWord = '';
  const regexAfterWord = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);
  const placeholder = (value: string | undefined) => {
    strings.push(value);
    out += `"\0${strings.length - 1}"`;
    lastSignificant = '"';
    lastWord = '';
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          value += src[i + 1] ?? '';
          i += 2;
        } else value += src[i++];
      }
      i++;
      placeholder(value);
      continue;
    }
    if (c === '`') {
      // Templates nest through ${ ... }: skip to the matching backtick, counting braces inside
      // substitutions (a substitution holding another template is scanned recursively).
      i = skipTemplate(src, i);
      placeholder(undefined);
      continue;
    }
    if (c === '/') {
      const regexStart = lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) || regexAfterWord.has(lastWord);
      if (regexStart) {
        i++;
        let inClass = false;
        while (i < src.length && src[i] !== '\n') {
          if (src[i] === '\\') i += 2;
          else if (src[i] === '[') (inClass = true), i++;
          else if (src[i] === ']') (inClass = false), i++;
          else if (src[i] === '/' && !inClass) break;
          else i++;
        }
        i++;
        while (i < src.length && /[a-z]/i.test(src[i])) i++;
        placeholder(undefined);
        continue;
      }
    }
    out += c;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[\w$]/.test(c)) {
      let word = c;
      i++;
      while (i < src.length && /[\w$]/.test(src[i])) {
        word += src[i];
        out += src[i++];
      }
      lastWord = word;
      lastSignificant = 'a';
      continue;
    }
    lastSignificant = c;
    lastWord = '';
    i++;
  }
  return { code: out, strings };
}

function skipTemplate(src: string, start: number): number {
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') i += 2;
    else if (c === '`') return i + 1;
    else if (c === '$' && src[i + 1] === '{') {
      i += 2;
      let depth = 1;
      while (i < src.length && depth > 0) {
        const d = src[i];
        if (d === '`') i = skipTemplate(src, i);
        else if (d === '"' || d === "'") {
          i++;
          while (i < src.length && src[i] !== d) i += src[i] === '\\' ? 2 : 1;
          i++;
        } else {
          if (d === '{') depth++;
          else if (d === '}') depth--;
          i++;
        }
      }
    } else i++;
  }
  return i;
}

const STATIC = /\b(import|export)\s+(type\s+)?(?:[\w$]+\s*,\s*)?(?:\*\s*(?:as\s+[\w$]+\s*)?|\{[^}]*\}\s*|[\w$]+\s+)from\s*"\0(\d+)"/g;
const SIDE_EFFECT = /\bimport\s*"\0(\d+)"/g;
const DYNAMIC = /\bimport\s*\(\s*"\0(\d+)"\s*\)/g;

/** The module specifiers a TypeScript source imports, with their kind. */
export function tsImports(src: string): { specifier: string; kind: Edge['kind'] }[] {
  const { code, strings } = maskSource(src);
  const found: { specifier: string; kind: Edge['kind'] }[] = [];
  const add = (index: string, kind: Edge['kind']) => {
    const s = strings[Number(index)];
    if (s !== undefined) found.push({ specifier: s, kind });
  };
  for (const m of code.matchAll(STATIC)) add(m[3], m[2] ? 'type' : 'import');
  for (const m of code.matchAll(SIDE_EFFECT)) add(m[1], 'import');
  for (const m of code.matchAll(DYNAMIC)) add(m[1], 'dynamic');
  return found;
}

/** The quoted includes of a C or C++ source, and the angle-bracket ones (system headers). */
export function cxxIncludes(src: string): { quoted: string[]; system: string[] } {
  const quoted: string[] = [];
  const system: string[] = [];
  // Comments first: an include inside a comment is no edge.
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  for (const m of code.matchAll(/^\s*#\s*include\s*(?:"([^"]+)"|<([^>]+)>)/gm)) {
    if (m[1] !== undefined) quoted.push(m[1]);
    else system.push(m[2]);
  }
  return { quoted, system };
}

/** The layer a file belongs to: an exact path, then the deepest "dir/*", then the deepest "dir/". */
export function layerOf(file: string, table: LayerTable): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const layer of table.layers) {
    for (const p of layer.paths) {
      let score = -1;
      if (p === file) score = 1e6;
      else if (p.endsWith('/*')) {
        const dir = p.slice(0, -1);
        if (file.startsWith(dir) && !file.slice(dir.length).includes('/')) score = 1e3 + dir.length;
      } else if (p.endsWith('/') && file.startsWith(p)) score = p.length;
      if (score >= 0 && (!best || score > best.score)) best = { name: layer.name, score };
    }
  }
  return best?.name;
}

function resolveTs(from: string, specifier: string, files: Set<string>): string | undefined {
  const base = path.join(path.dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base.replace(/\.cjs$/, '.cts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => files.has(c));
}

function resolveInclude(from: string, include: string, files: Set<string>, includeDirs: string[]): string | undefined {
  const candidates = [path.join(path.dirname(from), include), ...includeDirs.map((d) => path.join(d, include))];
  return candidates.find((c) => files.has(c));
}

/** Tarjan's strongly connected components; each of size > 1 (or with a self-edge) is a cycle,
 * reported as one loop through its files, starting at the smallest name. */
export function findCycles(nodes: string[], edges: Edge[]): string[][] {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from)!.push(e.to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const sccs: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of out.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (out.get(v) ?? []).includes(v)) sccs.push(scc);
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  // A readable loop: from the smallest file, follow edges inside the component back to it (BFS).
  return sccs.map((scc) => {
    const inside = new Set(scc);
    const start = [...scc].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of out.get(v) ?? []) {
        if (!inside.has(w)) continue;
        if (w === start) {
          const loop = [v];
          for (let u = v; u !== start; ) loop.unshift((u = prev.get(u)!));
          return [...loop, start];
        }
        if (!seen.has(w)) {
          seen.add(w);
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return [...scc, scc[0]];
  });
}

/** Everything the architecture test checks, for a tree given as path -> source (paths relative
 * to the repository root, '/'-separated). `includeDirs`: where quoted includes are also looked up
 * (the build's include path). */
export function analyze(sources: Map<string, string>, table: LayerTable, includeDirs: string[] = []): Findings {
  const files = new Set(sources.keys());
  const edges: Edge[] = [];
  const unresolved: Findings['unresolved'] = [];
  const systemIncludes: { from: string; header: string }[] = [];
  for (const [file, src] of sources) {
    if (TS.test(file)) {
      for (const { specifier, kind } of tsImports(src)) {
        if (!specifier.startsWith('.')) continue;
        const to = resolveTs(file, specifier, files);
        if (to) edges.push({ from: file, to, kind });
        else unresolved.push({ from: file, specifier });
      }
    } else if (CXX.test(file)) {
      const includes = cxxIncludes(src);
      for (const header of includes.system) systemIncludes.push({ from: file, header });
      for (const include of includes.quoted) {
        const to = resolveInclude(file, include, files, includeDirs);
        // Quoted includes that are not ours (a generated or third-party header) are no edge.
        if (to) edges.push({ from: file, to, kind: 'include' });
      }
    }
  }
  const exemptions = table.exemptions ?? [];
  const used = new Set<Exemption>();
  const exempt = (e: Edge) => {
    const x = exemptions.find((x) => x.from === e.from && x.to === e.to);
    if (x) used.add(x);
    return x !== undefined;
  };
  const checked = edges.filter((e) => !exempt(e));
  const byName = new Map(table.layers.map((l) => [l.name, l]));
  const unassigned: string[] = [];
  const layer = new Map<string, string>();
  for (const f of files) {
    const name = layerOf(f, table);
    if (name === undefined) unassigned.push(f);
    else layer.set(f, name);
  }
  // The table lists layers bottom to top: a layer may import only layers listed before it.
  const tableErrors: string[] = [];
  table.layers.forEach((l, i) => {
    for (const m of l.mayImport) {
      const j = table.layers.findIndex((x) => x.name === m);
      if (j < 0) tableErrors.push(`layer '${l.name}' may import '${m}', which is no layer`);
      else if (j >= i) tableErrors.push(`layer '${l.name}' may import '${m}', which is not below it`);
    }
  });
  const forbiddenHeaders: Findings['forbiddenHeaders'] = [];
  for (const { from, header } of systemIncludes) {
    const name = layer.get(from);
    if (name !== undefined && byName.get(name)!.forbiddenSystemHeaders?.includes(header)) forbiddenHeaders.push({ from, header, layer: name });
  }
  const forbidden: Findings['forbidden'] = [];
  for (const e of checked) {
    const fromLayer = layer.get(e.from);
    const toLayer = layer.get(e.to);
    if (fromLayer === undefined || toLayer === undefined) continue;
    const rule = byName.get(fromLayer)!;
    const allowed = fromLayer === toLayer ? rule.siblings !== false : rule.mayImport.includes(toLayer);
    if (!allowed) forbidden.push({ ...e, fromLayer, toLayer });
  }
  return {
    edges,
    unassigned: unassigned.sort(),
    unresolved,
    forbidden,
    forbiddenHeaders,
    tableErrors,
    cycles: findCycles([...files], checked),
    staleExemptions: exemptions.filter((x) => !used.has(x)),
  };
}
