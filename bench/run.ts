// `npm run bench -- <suite> [--json] [--quick]`: runs bench/<suite>.ts, which exports
// `run(options): Promise<SuiteResult>`. Every suite measures its peers in the same run and prints
// ratios, because the machines are shared and absolute times drift.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printSuite, type SuiteModule } from './lib/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const names = argv.filter((a) => !a.startsWith('--'));
if (names.length === 0 || names.some((n) => !suites.includes(n))) {
  process.stderr.write(`usage: npm run bench -- <suite>... [--json] [--quick]\nsuites: ${suites.join(', ')}\n`);
  process.exit(2);
}

const results = [];
for (const name of names) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as SuiteModule;
  const result = await mod.run({ quick, log: (s) => process.stderr.write(`${s}\n`) });
  results.push(result);
  if (!json) printSuite(result);
}
if (json) process.stdout.write(`${JSON.stringify(names.length === 1 ? results[0] : results, null, 2)}\n`);
