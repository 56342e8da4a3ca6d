// `speclin bench --compare a.json b.json`: speclin's time in run b over its time in run a, per case
// present in both, and the geometric mean per suite and over all: how a user or CI sees a
// regression (a ratio above 1 is slower in b).
import { readFileSync } from 'node:fs';
import { formatNumber, SCHEMA_VERSION, type BenchDocument } from './document.js';

/** A file that is not a readable `speclin bench --json` document of this schema version. */
export class BenchInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchInputError';
  }
}

export function readBenchDocument(file: string): BenchDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BenchInputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BenchInputError(`${file} is not JSON (${(err as Error).message})`);
  }
  const d = doc as Partial<BenchDocument> | null;
  if (!d || typeof d !== 'object' || d.tool?.name !== 'speclin' || !('schemaVersion' in d))
    throw new BenchInputError(`${file} is not a speclin bench report (write one with speclin bench --json > ${file})`);
  if (d.schemaVersion !== SCHEMA_VERSION)
    throw new BenchInputError(`${file} has schemaVersion ${JSON.stringify(d.schemaVersion)}; this speclin reads version ${SCHEMA_VERSION}`);
  const ok = Array.isArray(d.suites) && d.suites.every((s) => typeof s?.suite === 'string' && Array.isArray(s.cases) &&
    s.cases.every((c) => typeof c?.id === 'string' && typeof c.speclin?.seconds === 'number' && c.speclin.seconds > 0));
  if (!ok) throw new BenchInputError(`${file} is not a valid speclin bench report: its suites or cases are malformed`);
  return d as BenchDocument;
}

export interface Comparison {
  cases: { suite: string; id: string; label: string; a: number; b: number; ratio: number }[];
  suites: { suite: string; cases: number; geomean: number }[];
  geomean: number;
  onlyInA: string[];
  onlyInB: string[];
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

export function compareDocuments(a: BenchDocument, b: BenchDocument): Comparison {
  const key = (suite: string, id: string) => `${suite}: ${id}`;
  const inB = new Map(b.suites.flatMap((s) => s.cases.map((c) => [key(s.suite, c.id), c] as const)));
  const inA = new Set(a.suites.flatMap((s) => s.cases.map((c) => key(s.suite, c.id))));
  const cases: Comparison['cases'] = [];
  for (const s of a.suites)
    for (const c of s.cases) {
      const other = inB.get(key(s.suite, c.id));
      if (other) cases.push({ suite: s.suite, id: c.id, label: c.label, a: c.speclin.seconds, b: other.speclin.seconds, ratio: other.speclin.seconds / c.speclin.seconds });
    }
  const suites = [...new Set(cases.map((c) => c.suite))].map((suite) => {
    const mine = cases.filter((c) => c.suite === suite);
    return { suite, cases: mine.length, geomean: geomean(mine.map((c) => c.ratio)) };
  });
  return {
    cases,
    suites,
    geomean: cases.length ? geomean(cases.map((c) => c.ratio)) : NaN,
    onlyInA: [...inA].filter((k) => !inB.has(k)),
    onlyInB: [...inB.keys()].filter((k) => !inA.has(k)),
  };
}

export function printableComparison(c: Comparison, a: BenchDocument, b: BenchDocument, names: [string, string]): string {
  const out = [
    `a: ${names[0]} (${a.createdAt}, ${a.machine.cpu}, load ${a.loadAverage.start.toFixed(2)}-${a.loadAverage.end.toFixed(2)}${a.quick ? ', quick' : ''})`,
    `b: ${names[1]} (${b.createdAt}, ${b.machine.cpu}, load ${b.loadAverage.start.toFixed(2)}-${b.loadAverage.end.toFixed(2)}${b.quick ? ', quick' : ''})`,
    'ratio = speclin time in b / time in a (above 1: b is slower)',
    '',
  ];
  const width = Math.max(4, ...c.cases.map((x) => x.suite.length + 2 + x.label.length));
  out.push(`${'case'.padEnd(width)}  ${'a ms'.padStart(10)}  ${'b ms'.padStart(10)}  ${'ratio'.padStart(7)}`);
  for (const x of c.cases)
    out.push(`${`${x.suite}: ${x.label}`.padEnd(width)}  ${formatNumber(x.a * 1e3).padStart(10)}  ${formatNumber(x.b * 1e3).padStart(10)}  ${x.ratio.toFixed(3).padStart(7)}`);
  out.push('');
  for (const s of c.suites) out.push(`geometric mean, ${s.suite} (${s.cases} cases): ${s.geomean.toFixed(3)}`);
  out.push(c.cases.length ? `geometric mean, all ${c.cases.length} cases: ${c.geomean.toFixed(3)}` : 'no case is in both runs');
  if (c.onlyInA.length) out.push(`only in a (not compared): ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) out.push(`only in b (not compared): ${c.onlyInB.join(', ')}`);
  return out.join('\n');
}
