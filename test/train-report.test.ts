import test from 'ava';
import { PassThrough } from 'node:stream';
import { renderReport } from '../src/report/html.js';
import { ProgressBar } from '../src/cli/progress-bar.js';
import { lineChart } from '../src/report/svg.js';
import { formatTable } from '../src/report/table.js';

const input = {
  title: 'run <one> & "two"',
  subtitle: 'k = 2',
  summary: [['gap', '1 %']] as [string, string][],
  optimum: -2,
  evals: [
    { step: 0, populationLoss: 0, relativeGap: 1, maxPrincipalAngleDeg: 90 },
    { step: 10, populationLoss: -1.9, relativeGap: 0.05, maxPrincipalAngleDeg: 10 },
  ],
  history: [{ step: 5, loss: -1 }, { step: 10, loss: -1.8 }],
  eigenvalues: [1, 0.9, 0.5, 0.4],
  k: 2,
  projections: [{ title: 'learned', x: [0, 1, 2], y: [1, 0, 1], labels: [0, 1, 9] }],
  notes: ['a note with <tags>'],
};

test('the report is one HTML file with the loss, gap, angle, spectrum and projection charts, text escaped', (t) => {
  const html = renderReport(input);
  t.is(html.match(/<svg /g)?.length, 5);
  t.true(html.includes('run &lt;one&gt; &amp; &quot;two&quot;'));
  t.true(html.includes('a note with &lt;tags&gt;'));
  t.false(html.includes('<tags>'));
  t.false(/<script|https?:\/\/(?!www\.w3\.org)/.test(html), 'self-contained: no scripts, no external resources');
  // Three points, three digit colours.
  t.is(html.match(/<circle /g)?.length, 3);
});

test('the optimum line sits at the optimum on the chart axis', (t) => {
  const svg = lineChart({
    series: [{ name: 'flat', points: [[0, -2], [10, -2]], color: '#000' }, { name: 'up', points: [[0, -4], [10, 0]], color: '#111' }],
    xLabel: 'x', yLabel: 'y',
  });
  // y range [-4, 0] padded by 5 %: -2 is the middle of the plot area (top 16, bottom 320 - 44).
  const path = svg.match(/<path d="M([\d.]+),([\d.]+)L([\d.]+),([\d.]+)"/);
  t.truthy(path);
  t.true(Math.abs(Number(path![2]) - (16 + 276) / 2) < 0.1);
});

test('a progress bar on a pipe prints one line when the stage ends', (t) => {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d) => (text += d));
  const bar = new ProgressBar('graph', 10, sink as unknown as NodeJS.WriteStream);
  bar.update(5, 'half');
  bar.finish('all rows');
  t.regex(text, /^graph +done in \d+\.\d s {2}all rows\n$/);
});

test('the summary table aligns its columns', (t) => {
  const s = formatTable('title', [['a', '1'], ['longer key', '22']]);
  // key column 10 wide, three spaces, values right-aligned to 2: every line 15 wide.
  t.is(s, 'title\n---------------\na             1\nlonger key   22\n---------------\n');
});
