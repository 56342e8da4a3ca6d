// Inline SVG charts for the HTML report: a line chart (linear or log y axis) and a scatter plot.
// Plain strings, no dependencies, so the report is one self-contained file.

export interface Series {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
  width?: number;
}

const W = 560;
const H = 320;
const M = { left: 64, right: 16, top: 16, bottom: 44 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12 * Math.abs(hi); v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(4)));
}

export function lineChart(options: {
  series: Series[];
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  yRange?: [number, number];
}): string {
  const { series, logY } = options;
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(ty(y)));
  if (pts.length === 0) return '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="40"><text x="10" y="25">no data</text></svg>';
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = options.yRange ? options.yRange.map(ty) : [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (y: number) => H - M.bottom - ((ty(y) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="#fafafa" stroke="#ccc"/>`);
  const yTicks = logY
    ? Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, i) => Math.pow(10, Math.ceil(y0) + i))
    : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    const x = sx(t);
    parts.push(`<text x="${x.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const d = s.points
      .filter(([, y]) => Number.isFinite(ty(y)))
      .map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${Math.max(M.top, Math.min(H - M.bottom, sy(y))).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.6}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = M.top + 14 + i * 15;
    parts.push(`<line x1="${W - M.right - 190}" x2="${W - M.right - 170}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${W - M.right - 165}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export const DIGIT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function scatterPlot(options: { x: ArrayLike<number>; y: ArrayLike<number>; labels: ArrayLike<number>; title: string }): string {
  const { x, y, labels } = options;
  const size = 360;
  const m = 12;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < x.length; i++) {
    x0 = Math.min(x0, x[i]);
    x1 = Math.max(x1, x[i]);
    y0 = Math.min(y0, y[i]);
    y1 = Math.max(y1, y[i]);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1e-300);
  const sx = (v: number) => m + ((v - (x0 + x1) / 2) / span + 0.5) * (size - 2 * m);
  const sy = (v: number) => size - m - ((v - (y0 + y1) / 2) / span + 0.5) * (size - 2 * m);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size + 40}" width="${size}" height="${size + 40}" font-family="sans-serif" font-size="11">`];
  parts.push(`<rect x="0" y="0" width="${size}" height="${size}" fill="#fafafa" stroke="#ccc"/>`);
  for (let i = 0; i < x.length; i++) {
    parts.push(`<circle cx="${sx(x[i]).toFixed(1)}" cy="${sy(y[i]).toFixed(1)}" r="1.6" fill="${DIGIT_COLORS[labels[i] % 10]}" fill-opacity="0.7"/>`);
  }
  for (let d = 0; d < 10; d++) {
    parts.push(`<rect x="${8 + d * 35}" y="${size + 10}" width="10" height="10" fill="${DIGIT_COLORS[d]}"/><text x="${21 + d * 35}" y="${size + 19}">${d}</text>`);
  }
  parts.push(`<text x="${size / 2}" y="${size + 36}" text-anchor="middle">${escapeXml(options.title)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Horizontal bars in groups (one group per case, one bar per side), each bar's length relative to
 * the longest bar of its group, labelled with its value. */
export function groupedBarChart(options: {
  groups: { label: string; bars: { name: string; value: number; text: string }[] }[];
  colors: Record<string, string>;
  caption: string;
}): string {
  const width = 720, labelW = 300, barH = 13, gap = 10, right = 90;
  const rows = options.groups.reduce((a, g) => a + g.bars.length, 0);
  const height = rows * barH + options.groups.length * gap + 40;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`];
  let y = 8;
  for (const g of options.groups) {
    const top = Math.max(...g.bars.map((b) => b.value), 1e-300);
    parts.push(`<text x="${labelW - 8}" y="${y + barH - 3}" text-anchor="end">${escapeXml(g.label)}</text>`);
    for (const b of g.bars) {
      const w = Math.max(1, (b.value / top) * (width - labelW - right));
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${options.colors[b.name] ?? '#888'}"><title>${escapeXml(`${b.name}: ${b.text}`)}</title></rect>`);
      parts.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 3}">${escapeXml(b.text)}</text>`);
      y += barH;
    }
    y += gap;
  }
  const names = Object.keys(options.colors);
  names.forEach((n, i) => {
    parts.push(`<rect x="${labelW + i * 140}" y="${y + 4}" width="10" height="10" fill="${options.colors[n]}"/><text x="${labelW + 14 + i * 140}" y="${y + 13}">${escapeXml(n)}</text>`);
  });
  parts.push(`<text x="8" y="${y + 13}">${escapeXml(options.caption)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** A roofline on log-log axes: arithmetic intensity (flop/byte) against GFLOP/s, horizontal lines
 * at the compute peaks, diagonals at the bandwidths, and one numbered point per kernel (hollow
 * points: a peer on the same kernel). */
export function rooflineChart(options: {
  peaks: { name: string; gflops: number; color: string }[];
  bandwidths: { name: string; gbytesPerSecond: number; color: string }[];
  points: { label: string; intensity: number; gflops: number; color: string; hollow?: boolean }[];
}): string {
  const Wd = 720, Ht = 420, m = { left: 64, right: 170, top: 16, bottom: 44 };
  const pts = options.points.filter((p) => p.intensity > 0 && p.gflops > 0);
  const xs = pts.map((p) => p.intensity);
  const top = Math.max(...options.peaks.map((p) => p.gflops), ...pts.map((p) => p.gflops));
  const slowest = Math.min(...options.bandwidths.map((b) => b.gbytesPerSecond));
  const x0 = Math.floor(Math.log10(Math.min(0.1, ...xs))), x1 = Math.ceil(Math.log10(Math.max(100, ...xs)));
  const y0 = Math.floor(Math.log10(Math.min(slowest * 10 ** x0, ...pts.map((p) => p.gflops)))), y1 = Math.ceil(Math.log10(top * 1.5));
  const sx = (v: number) => m.left + ((Math.log10(v) - x0) / (x1 - x0)) * (Wd - m.left - m.right);
  const sy = (v: number) => Ht - m.bottom - ((Math.log10(v) - y0) / (y1 - y0)) * (Ht - m.top - m.bottom);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Wd} ${Ht}" width="${Wd}" height="${Ht}" font-family="sans-serif" font-size="11">`];
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${Wd - m.left - m.right}" height="${Ht - m.top - m.bottom}" fill="#fafafa" stroke="#ccc"/>`);
  for (let e = x0; e <= x1; e++) parts.push(`<line x1="${sx(10 ** e).toFixed(1)}" x2="${sx(10 ** e).toFixed(1)}" y1="${m.top}" y2="${Ht - m.bottom}" stroke="#e4e4e4"/><text x="${sx(10 ** e).toFixed(1)}" y="${Ht - m.bottom + 16}" text-anchor="middle">${fmt(10 ** e)}</text>`);
  for (let e = y0; e <= y1; e++) parts.push(`<line x1="${m.left}" x2="${Wd - m.right}" y1="${sy(10 ** e).toFixed(1)}" y2="${sy(10 ** e).toFixed(1)}" stroke="#e4e4e4"/><text x="${m.left - 6}" y="${(sy(10 ** e) + 4).toFixed(1)}" text-anchor="end">${fmt(10 ** e)}</text>`);
  parts.push(`<text x="${(m.left + Wd - m.right) / 2}" y="${Ht - 8}" text-anchor="middle">arithmetic intensity (flop per byte of compulsory traffic, log)</text>`);
  parts.push(`<text transform="translate(14 ${(m.top + Ht - m.bottom) / 2}) rotate(-90)" text-anchor="middle">achieved GFLOP/s (log)</text>`);
  options.bandwidths.forEach((bw, i) => {
    // The bandwidth line y = bw * x, up to where it meets the highest peak.
    const xEnd = Math.min(10 ** x1, top / bw.gbytesPerSecond);
    parts.push(`<line x1="${sx(10 ** x0).toFixed(1)}" y1="${sy(bw.gbytesPerSecond * 10 ** x0).toFixed(1)}" x2="${sx(xEnd).toFixed(1)}" y2="${sy(bw.gbytesPerSecond * xEnd).toFixed(1)}" stroke="${bw.color}" stroke-width="2"/>`);
    const ly = Ht - m.bottom - 8 - i * 16;
    parts.push(`<line x1="${Wd - m.right + 4}" x2="${Wd - m.right + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${bw.color}" stroke-width="2"/><text x="${Wd - m.right + 24}" y="${ly}">${escapeXml(bw.name)}</text>`);
  });
  options.peaks.forEach((p) => {
    parts.push(`<line x1="${sx(10 ** x0).toFixed(1)}" x2="${(Wd - m.right).toFixed(1)}" y1="${sy(p.gflops).toFixed(1)}" y2="${sy(p.gflops).toFixed(1)}" stroke="${p.color}" stroke-width="2" stroke-dasharray="6 3"/>`);
    parts.push(`<text x="${Wd - m.right + 4}" y="${(sy(p.gflops) + 4).toFixed(1)}">${escapeXml(p.name)}</text>`);
  });
  pts.forEach((p) => {
    const fill = p.hollow ? `fill="none" stroke="${p.color}" stroke-width="1.5"` : `fill="${p.color}" fill-opacity="0.85"`;
    parts.push(`<circle cx="${sx(p.intensity).toFixed(1)}" cy="${sy(p.gflops).toFixed(1)}" r="4" ${fill}><title>${escapeXml(p.label)}</title></circle>`);
    if (!p.hollow) parts.push(`<text x="${(sx(p.intensity) + 6).toFixed(1)}" y="${(sy(p.gflops) - 5).toFixed(1)}" font-size="10">${escapeXml(p.label.split(' ')[0])}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
