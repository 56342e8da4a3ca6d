// `speclin bench [suite...] [--quick] [--json] [--out report.html] [--require-peers]` and
// `speclin bench --compare a.json b.json [--json]`: the benchmark suites of src/bench, run from the
// installed package. Bad arguments and unreadable or foreign --compare files exit 2; a failed run
// (a peer that crashed, or one --require-peers needs and python3 lacks) exits 1.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BenchInputError, compareDocuments, printableComparison, readBenchDocument } from '../bench/compare.js';
import { printableLimits, printableSuite } from '../bench/document.js';
import { renderBenchReport } from '../bench/html-report.js';
import { runBench, writeFileAtomic } from '../bench/run.js';
import { shippedSuites } from '../bench/suites/index.js';
import { parse, UsageError } from '../cli/args.js';

export const usage = `usage: speclin bench [suite...] [--quick] [--json] [--out report.html] [--require-peers]
       speclin bench --compare a.json b.json [--json]
  suites (default: all): ${shippedSuites.map((s) => `${s.name} (${s.summary})`).join('; ')}
  Every run measures this machine's FMA peak and streaming bandwidth first and states each
  case as a fraction of the bound that applies. Peers (NumPy, SciPy) run where python3 has them.
  --quick          small shapes: seconds per suite
  --json           print the run as JSON on stdout (schema: src/bench/report.schema.json)
  --out FILE       also write a self-contained HTML report with charts
  --require-peers  fail (exit 1) where a peer is missing instead of skipping it
  --compare A B    print speclin's time ratios (B / A) between two saved --json runs`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    'require-peers': { type: 'boolean' },
    compare: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.compare) {
    if (positionals.length !== 2) throw new UsageError(`--compare needs two files, got ${positionals.length}`, usage);
    if (values.out || values.quick || values['require-peers']) throw new UsageError('--compare takes only --json besides the two files', usage);
    try {
      const [a, b] = positionals.map(readBenchDocument);
      const c = compareDocuments(a, b);
      process.stdout.write(values.json ? `${JSON.stringify(c, null, 2)}\n` : `${printableComparison(c, a, b, [positionals[0], positionals[1]])}\n`);
      return 0;
    } catch (err) {
      if (err instanceof BenchInputError) throw new UsageError(err.message, usage);
      throw err;
    }
  }
  const unknown = positionals.filter((n) => !shippedSuites.some((s) => s.name === n));
  if (unknown.length) throw new UsageError(`unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; suites: ${shippedSuites.map((s) => s.name).join(', ')}`, usage);
  const out = values.out as string | undefined;
  if (out !== undefined) {
    const dir = path.dirname(path.resolve(out));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--out ${out}: the folder ${dir} does not exist`, usage);
  }
  const names = positionals.length ? positionals : shippedSuites.map((s) => s.name);
  const suites = shippedSuites.filter((s) => names.includes(s.name));
  const doc = await runBench({
    suites,
    quick: Boolean(values.quick),
    requirePeers: Boolean(values['require-peers']),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (values.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else process.stdout.write(`${printableLimits(doc)}\n${doc.suites.map(printableSuite).join('\n')}\n`);
  if (out !== undefined) {
    writeFileAtomic(out, renderBenchReport(doc));
    process.stderr.write(`report written to ${out}\n`);
  }
  return 0;
}
