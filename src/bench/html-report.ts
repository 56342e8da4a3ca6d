// The self-contained HTML report of a `speclin bench` run (--out): the machine and its measured
// limits, per suite the bars of speclin against each peer and the table, and every kernel on a
// roofline of this machine. Inline SVG and CSS only: one file, no external assets.
import { escapeXml, groupedBarChart, rooflineChart } from '../report/svg.js';
import { boundText, formatNumber, gflops, peerNames, printableLimits, suiteTable, type BenchDocument } from './document.js';

const SIDE_COLORS = ['#08519c', '#fd8d3c', '#31a354', '#756bb1', '#d62728'];
const SUITE_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function table(columns: string[], rows: string[][]): string {
  return `<table><tr>${columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr>\n${rows
    .map((r) => `<tr>${r.map((v) => `<td>${escapeXml(v)}</td>`).join('')}</tr>`)
    .join('\n')}</table>`;
}

export function renderBenchReport(d: BenchDocument): string {
  const m = d.machine, l = d.limits;
  const machineRows: [string, string][] = [
    ['CPU', m.cpu],
    ['instruction set taken', `${m.isa}; peak probe: ${l.isa}`],
    ['threads', `${m.threads} (of ${m.logicalCpus} logical CPUs)`],
    ['memory', `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB; last-level cache ${(m.lastLevelCacheBytes / 2 ** 20).toFixed(0)} MiB`],
    ['FMA peak', `${formatNumber(l.peakGflops.float32)} GFLOP/s float32, ${formatNumber(l.peakGflops.float64)} GFLOP/s float64`],
    ['streaming bandwidth', `read ${formatNumber(l.readGBps)} GB/s, write ${formatNumber(l.writeGBps)} GB/s (${(l.bufferBytes / 2 ** 20).toFixed(0)} MiB buffer)`],
    ...(l.cache ? [['in the last-level cache', `read ${formatNumber(l.cache.readGBps)} GB/s, write ${formatNumber(l.cache.writeGBps)} GB/s (${(l.cache.bufferBytes / 2 ** 20).toFixed(0)} MiB buffer)`] as [string, string]] : []),
    ['load average (1 min)', `${d.loadAverage.start.toFixed(2)} at the start, ${d.loadAverage.end.toFixed(2)} at the end`],
    ['system', `${m.platform}, Node ${m.node}, speclin ${d.tool.version}`],
    ['run', `${d.createdAt}${d.quick ? ' (--quick: small shapes)' : ''}`],
  ];
  const peerLines = d.peers.map((p) =>
    p.available ? `${p.name} ${p.version}: compared (${p.suites.join(', ')})` : `${p.name}: skipped for ${p.suites.join(', ')}: ${p.reason}`,
  );
  const points: { label: string; intensity: number; gflops: number; color: string; hollow?: boolean }[] = [];
  const legend: string[][] = [];
  const sections = d.suites.map((s, si) => {
    const sides = ['speclin', ...peerNames(s)];
    const colors = Object.fromEntries(sides.map((n, i) => [n, SIDE_COLORS[i % SIDE_COLORS.length]]));
    const bars = groupedBarChart({
      groups: s.cases.map((c) => ({
        label: c.label,
        bars: [
          { name: 'speclin', value: c.speclin.seconds, text: `${formatNumber(c.speclin.seconds * 1e3)} ms` },
          ...Object.entries(c.peers).map(([name, t]) => ({ name, value: t.seconds, text: `${formatNumber(t.seconds * 1e3)} ms (${formatNumber(t.seconds / c.speclin.seconds)}×)` })),
        ],
      })),
      colors,
      caption: 'time per call; shorter is faster; each group scaled to its longest bar',
    });
    for (const c of s.cases) {
      const bytes = (c.readBytes ?? 0) + (c.writeBytes ?? 0);
      const g = gflops(c);
      if (!c.flops || !bytes || !g) continue;
      const n = points.length + 1;
      const color = SUITE_COLORS[si % SUITE_COLORS.length];
      points.push({ label: `${n}. ${s.suite}: ${c.label}`, intensity: c.flops / bytes, gflops: g, color });
      for (const [name, t] of Object.entries(c.peers))
        points.push({ label: `${n}. ${name}: ${formatNumber(c.flops / t.seconds / 1e9)} GFLOP/s`, intensity: c.flops / bytes, gflops: c.flops / t.seconds / 1e9, color, hollow: true });
      const peerRates = Object.entries(c.peers).map(([name, t]) => `${name} ${formatNumber(c.flops! / t.seconds / 1e9)}`).join(', ');
      legend.push([String(n), s.suite, c.label, formatNumber(c.flops / bytes), formatNumber(g), peerRates, boundText(c)]);
    }
    const t = suiteTable(s);
    const targets = s.targets?.length
      ? `<ul>${s.targets.map((x) => `<li>[${x.met ? 'met' : 'MISSED'}] ${escapeXml(x.name)}: ${escapeXml(x.detail)}</li>`).join('')}</ul>`
      : '';
    const env = Object.entries(s.environment).map(([k, v]) => `${escapeXml(k)}: ${escapeXml(String(v))}`).join('; ');
    return `<h2>${escapeXml(s.suite)}</h2><p class="sub">${env}</p><figure>${bars}</figure>\n${table(t.columns, t.rows)}${targets}`;
  });
  const roofline = points.length
    ? `<figure>${rooflineChart({
        peaks: [
          { name: `float32 peak ${formatNumber(l.peakGflops.float32)}`, gflops: l.peakGflops.float32, color: '#d62728' },
          { name: `float64 peak ${formatNumber(l.peakGflops.float64)}`, gflops: l.peakGflops.float64, color: '#ff9896' },
        ],
        bandwidths: [
          { name: `memory read ${formatNumber(l.readGBps)} GB/s`, gbytesPerSecond: l.readGBps, color: '#2ca02c' },
          ...(l.cache ? [{ name: `cache read ${formatNumber(l.cache.readGBps)} GB/s`, gbytesPerSecond: l.cache.readGBps, color: '#98df8a' }] : []),
        ],
        points,
      })}</figure>${table(['#', 'suite', 'case', 'flop/byte', 'speclin GFLOP/s', 'peers GFLOP/s', 'of bound'], legend)}`
    : '<p>No case of this run has a flop and byte count.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>speclin bench: ${escapeXml(m.cpu)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
h1 { font-size: 22px; margin-bottom: 2px; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; } th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; } figure { margin: 0; } h2 { font-size: 16px; margin-top: 28px; } p, li { max-width: 1000px; line-height: 1.45; }
</style></head><body>
<h1>speclin bench</h1><p class="sub">${escapeXml(d.suites.map((s) => s.suite).join(', '))} on ${escapeXml(m.cpu)}</p>
<table>${machineRows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('\n')}</table>
<p>Peers: ${peerLines.map(escapeXml).join('; ') || 'none'}.</p>
<p>Each case is held against the bound that applies: the time its arithmetic takes at the measured FMA peak, or the time its
compulsory traffic (inputs read once, outputs written once) takes at the measured streaming bandwidths, whichever is longer.
"of bound" is that time over speclin's. The limits were measured in this run, on the same threads.</p>
<h2>Roofline</h2>
<p>Each kernel at its arithmetic intensity (flops over compulsory bytes) and achieved GFLOP/s (filled: speclin, numbered;
hollow: the peers on the same case), under this machine's FMA peaks (dashed) and its streaming read bandwidths from memory and
from the last-level cache.</p>
${roofline}
${sections.join('\n')}
<h2>As text</h2><pre>${escapeXml(printableLimits(d))}</pre>
</body></html>
`;
}
