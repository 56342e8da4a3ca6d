// `npm run bench -- [suite...] [options]` from a checkout. The suites that ship with the package
// (src/bench/suites: gram, loss, spmv, eigs) run through `speclin bench` itself, with its options
// (--quick, --json, --out, --compare; see src/commands/bench.ts). The suites that need a source
// checkout's dev dependencies (bench/*.ts: the WebGPU ones) run here, one at a time.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run as speclinBench } from '../src/commands/bench.js';
import { UsageError } from '../src/cli/args.js';
import { printSuite, type SuiteModule } from './lib/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const checkoutSuites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const argv = process.argv.slice(2);
const names = argv.filter((a) => !a.startsWith('--'));
const local = names.filter((n) => checkoutSuites.includes(n));
if (local.length && local.length !== names.length) {
  process.stderr.write(`run the checkout suites (${checkoutSuites.join(', ')}) apart from the shipped ones\n`);
  process.exit(2);
}
if (local.length) {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const results = [];
  for (const name of local) {
    const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as SuiteModule;
    const result = await mod.run({ quick, log: (s) => process.stderr.write(`${s}\n`) });
    results.push(result);
    if (!json) printSuite(result);
  }
  if (json) process.stdout.write(`${JSON.stringify(local.length === 1 ? results[0] : results, null, 2)}\n`);
} else {
  try {
    process.exitCode = await speclinBench(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`npm run bench: ${err.message}\n\n${err.usage}\ncheckout-only suites: ${checkoutSuites.join(', ')}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`npm run bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
