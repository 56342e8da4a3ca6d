// One `speclin bench` run: describe the machine, find the Python peers, measure the machine's
// limits, run the suites, and hold every case against its bound. Returns the run's document; the
// command prints it, writes the report, or compares two saved ones.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probePeers, type PeerName, type Suite } from './harness.js';
import { boundOf, describeMachine, measureLimits } from './limits.js';
import { packageVersion, SCHEMA_VERSION, type BenchDocument, type PeerStatus } from './document.js';

/** A peer a --require-peers run needs is missing: a failed run (exit 1), not a usage error. */
export class MissingPeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPeerError';
  }
}

export interface BenchRunOptions {
  suites: readonly Suite[];
  quick: boolean;
  /** A missing peer fails the run instead of being skipped. */
  requirePeers: boolean;
  /** Progress and the peers line (stderr in the CLI). */
  log: (line: string) => void;
}

export const PEER_INSTALL = '`python3 -m pip install numpy scipy` (Debian: `apt-get install python3-numpy python3-scipy`)';

export async function runBench(options: BenchRunOptions): Promise<BenchDocument> {
  const loadStart = os.loadavg()[0];
  const machine = describeMachine();
  const wanted = [...new Set(options.suites.flatMap((s) => s.peers))];
  const probe = wanted.length ? probePeers() : { versions: {} as Partial<Record<PeerName, string>> };
  const peers: PeerStatus[] = wanted.map((name) => {
    const suites = options.suites.filter((s) => s.peers.includes(name)).map((s) => s.name);
    const version = probe.versions[name];
    return version ? { name, available: true, version, suites } : { name, available: false, reason: probe.reason ?? 'not found', suites };
  });
  const missing = peers.filter((p) => !p.available);
  if (missing.length) {
    const which = `${missing.map((p) => `${p.name} (${p.suites.join(', ')})`).join(', ')}: ${missing[0].reason}`;
    if (options.requirePeers) throw new MissingPeerError(`missing peers (--require-peers): ${which}. Install them: ${PEER_INSTALL}.`);
    options.log(`peers skipped: ${which}. speclin's figures stand alone; to compare with them, run ${PEER_INSTALL}.`);
  }
  options.log('measuring this machine\'s limits (FMA peak, streaming read and write)...');
  const limits = measureLimits(machine, options.quick);
  const available = new Set(peers.filter((p) => p.available).map((p) => p.name));
  const suites = [];
  for (const suite of options.suites) {
    const t0 = process.hrtime.bigint();
    const result = await suite.run({ quick: options.quick, log: options.log, peers: available, limits });
    result.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const c of result.cases) {
      const bound = boundOf(c, limits);
      if (bound) c.bound = bound;
    }
    suites.push(result);
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'speclin', version: packageVersion() },
    createdAt: new Date().toISOString(),
    quick: options.quick,
    machine,
    limits,
    loadAverage: { start: loadStart, end: os.loadavg()[0] },
    peers,
    suites,
  };
}

/** Writes `text` to `file` through a temporary file in the same folder and a rename, so that a
 * failed or interrupted write never leaves a half-written file under the name. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
