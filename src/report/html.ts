// The self-contained HTML report of a training run: the summary, the loss curve against the
// closed-form optimum, the relative gap on a log scale, the spectrum of Ā, and 2-D projections of
// the learned and the exact embeddings coloured by class. Everything inline (SVG, CSS): one file.
import { escapeXml, lineChart, scatterPlot } from './svg.js';

export interface ReportInput {
  title: string;
  subtitle: string;
  summary: [string, string][];
  optimum: number;
  evals: { step: number; populationLoss: number; relativeGap?: number; maxPrincipalAngleDeg?: number }[];
  history: { step: number; loss: number }[];
  /** Ā's leading eigenvalues (descending); the first k are the ones the optimum uses. */
  eigenvalues: ArrayLike<number>;
  k: number;
  projections: { title: string; x: ArrayLike<number>; y: ArrayLike<number>; labels: ArrayLike<number> }[];
  notes: string[];
  /** HTML placed after the summary table (renderSearchSection's output). */
  afterSummary?: string;
}

export function renderReport(r: ReportInput): string {
  const lossChart = lineChart({
    series: [
      { name: 'minibatch / step loss', points: r.history.map((h) => [h.step, h.loss]), color: '#9ecae1', width: 1 },
      { name: 'population loss', points: r.evals.map((e) => [e.step, e.populationLoss]), color: '#08519c', width: 2.2 },
      { name: 'closed-form optimum', points: [[0, r.optimum], [Math.max(1, ...r.evals.map((e) => e.step)), r.optimum]], color: '#d62728', dashed: true },
    ],
    xLabel: 'step',
    yLabel: 'spectral contrastive loss',
    yRange: [r.optimum - 0.1 * Math.abs(r.optimum), Math.max(0.05 * Math.abs(r.optimum), ...r.evals.map((e) => e.populationLoss))],
  });
  const gaps = r.evals.filter((e) => e.relativeGap !== undefined && e.relativeGap > 0);
  const gapChart = lineChart({
    series: [
      { name: '(L - L*) / |L*|', points: gaps.map((e) => [e.step, e.relativeGap!]), color: '#08519c', width: 2 },
      { name: '2% target', points: [[0, 0.02], [Math.max(1, ...r.evals.map((e) => e.step)), 0.02]], color: '#31a354', dashed: true },
      { name: '0.1% target', points: [[0, 0.001], [Math.max(1, ...r.evals.map((e) => e.step)), 0.001]], color: '#fd8d3c', dashed: true },
    ],
    xLabel: 'step',
    yLabel: 'relative gap to the optimum (log)',
    logY: true,
  });
  const angleChart = lineChart({
    series: [{ name: 'largest principal angle', points: r.evals.filter((e) => e.maxPrincipalAngleDeg !== undefined).map((e) => [e.step, e.maxPrincipalAngleDeg!]), color: '#756bb1', width: 2 }],
    xLabel: 'step',
    yLabel: 'degrees',
    yRange: [0, 90],
  });
  const values = Array.from(r.eigenvalues);
  const spectrumChart = lineChart({
    series: [
      { name: `λ_1 .. λ_k (k = ${r.k}, used)`, points: values.slice(0, r.k).map((v, i) => [i + 1, v]), color: '#08519c', width: 2.2 },
      ...(values.length > r.k ? [{ name: "beyond k", points: values.slice(r.k - 1).map((v, i) => [i + r.k, v] as [number, number]), color: '#9ecae1', width: 2 }] : []),
    ],
    xLabel: 'index i',
    yLabel: 'λ_i',
  });
  const scatters = r.projections.map((p) => `<figure>${scatterPlot(p)}</figure>`).join('\n');
  const rows = r.summary.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('\n');
  const notes = r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
h1 { font-size: 22px; margin-bottom: 2px; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 12px 0; } th, td { padding: 3px 12px; border-bottom: 1px solid #eee; text-align: left; }
td { font-variant-numeric: tabular-nums; } .grid { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } .query { margin: 4px 0 10px; } q { font-weight: 600; } h2 { font-size: 16px; margin-top: 28px; } p, li { max-width: 900px; line-height: 1.45; }
</style></head><body>
<h1>${escapeXml(r.title)}</h1><p class="sub">${escapeXml(r.subtitle)}</p>
<table>${rows}</table>
${r.afterSummary ?? ''}
<h2>Training against the closed-form optimum</h2>
<p>The population loss L(f) = -2 E[f(x)·f(x+)] + E[(f(x)·f(x'))²] of the whole graph, measured on a schedule while training,
next to its minimum -Σ<sub>i≤k</sub> max(λ<sub>i</sub>, 0)² from the top-k eigenvalues of Ā = D<sup>-1/2</sup>AD<sup>-1/2</sup>.</p>
<div class="grid"><figure>${lossChart}</figure><figure>${gapChart}</figure></div>
<h2>Alignment and spectrum</h2>
<p>Left: the largest principal angle between span(D<sup>1/2</sup>E) and Ā's top-k eigenvectors (0° when the learned
features span exactly the optimal subspace). Right: Ā's leading eigenvalues; the gap after λ<sub>k</sub> decides how sharply
the optimal subspace is defined.</p>
<div class="grid"><figure>${angleChart}</figure><figure>${spectrumChart}</figure></div>
<h2>The embeddings, projected</h2>
<p>Rows scaled to unit length, projected on their top two principal directions, coloured by digit.</p>
<div class="grid">${scatters}</div>
<h2>Notes</h2><ul>${notes}</ul>
</body></html>
`;
}
