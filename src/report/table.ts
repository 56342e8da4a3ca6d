// The summary table printed at the end of a run: two aligned columns, plain text.
export function formatTable(title: string, rows: [string, string][]): string {
  const left = Math.max(...rows.map(([k]) => k.length));
  const right = Math.max(...rows.map(([, v]) => v.length));
  const rule = '-'.repeat(left + right + 3);
  return [title, rule, ...rows.map(([k, v]) => `${k.padEnd(left)}   ${v.padStart(right)}`), rule].join('\n') + '\n';
}
