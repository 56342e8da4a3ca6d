// The figures of one `speclin bench` run as one JSON document (--json; the schema ships as
// src/bench/report.schema.json), and the text tables printed without --json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase, PeerName, SuiteResult } from './harness.js';
import type { MachineDescription, MachineLimits } from './limits.js';

/** Raised when the document changes incompatibly; --compare refuses other versions. */
export const SCHEMA_VERSION = 1;

export interface PeerStatus {
  name: PeerName;
  available: boolean;
  version?: string;
  /** Where not available: why, and what to install. */
  reason?: string;
  /** The suites that would have compared with it. */
  suites: string[];
}

export interface BenchDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'speclin'; version: string };
  createdAt: string;
  quick: boolean;
  machine: MachineDescription;
  limits: MachineLimits;
  /** 1-minute load average when the run started and when it ended. */
  loadAverage: { start: number; end: number };
  peers: PeerStatus[];
  suites: SuiteResult[];
}

export function packageVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const file of [path.resolve(here, '..', '..', 'package.json')]) {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      // not found: below
    }
  }
  return 'unknown';
}

/** 3 significant digits; exponents outside [1e-3, 1e5). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

export function peerNames(r: SuiteResult): string[] {
  return [...new Set(r.cases.flatMap((c) => Object.keys(c.peers)))];
}

export function gflops(c: BenchCase): number | undefined {
  return c.flops ? c.flops / c.speclin.seconds / 1e9 : undefined;
}

export function boundText(c: BenchCase): string {
  if (!c.bound) return '';
  return `${(c.bound.fraction * 100).toFixed(0)}% of ${c.bound.kind}`;
}

/** The suite's cases as rows: speclin's time, each peer's and the speed ratio, GFLOP/s, the
 * fraction of the bound, and the case's own figures. */
export function suiteTable(r: SuiteResult): { columns: string[]; rows: string[][] } {
  const peers = peerNames(r);
  const columns = ['case', 'speclin ms', ...peers.flatMap((p) => [`${p} ms`, `× ${p}`]), 'GFLOP/s', 'of bound', 'notes'];
  const rows = r.cases.map((c) => [
    c.label,
    formatNumber(c.speclin.seconds * 1e3),
    ...peers.flatMap((p) => (c.peers[p] ? [formatNumber(c.peers[p].seconds * 1e3), formatNumber(c.peers[p].seconds / c.speclin.seconds)] : ['', ''])),
    c.flops ? formatNumber(gflops(c)!) : '',
    boundText(c),
    Object.entries(c.metrics ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`).join('; '),
  ]);
  return { columns, rows };
}

export function printableSuite(r: SuiteResult): string {
  const { columns, rows } = suiteTable(r);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  const took = r.seconds !== undefined ? ` (${r.seconds.toFixed(1)} s)` : '';
  const out = [`\n## ${r.suite}${took}`, Object.entries(r.environment).map(([k, v]) => `${k}: ${v}`).join('; '), '', line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const row of rows) out.push(line(row));
  if (r.targets?.length) {
    out.push('', 'Targets:');
    for (const t of r.targets) out.push(`- [${t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.detail}`);
  }
  return out.join('\n');
}

export function printableLimits(d: Pick<BenchDocument, 'machine' | 'limits' | 'loadAverage'>): string {
  const { machine: m, limits: l } = d;
  return [
    `machine: ${m.cpu}, ${m.logicalCpus} logical CPUs, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, kernels ${m.isa}, ${m.threads} threads`,
    `limits (measured now, ${l.threads} threads, ${l.isa}): FMA peak ${formatNumber(l.peakGflops.float32)} GFLOP/s float32, ${formatNumber(l.peakGflops.float64)} GFLOP/s float64; ` +
      `streaming read ${formatNumber(l.readGBps)} GB/s, write ${formatNumber(l.writeGBps)} GB/s (${(l.bufferBytes / 2 ** 20).toFixed(0)} MiB buffer)` +
      (l.cache ? `; in cache read ${formatNumber(l.cache.readGBps)} GB/s, write ${formatNumber(l.cache.writeGBps)} GB/s (${(l.cache.bufferBytes / 2 ** 20).toFixed(0)} MiB)` : ''),
    `load average (1 min): ${d.loadAverage.start.toFixed(2)} at the start, ${d.loadAverage.end.toFixed(2)} at the end`,
  ].join('\n');
}
