// This machine in one run of `speclin bench`: what it is (CPU, instruction set taken, threads,
// memory) and what it can do (FMA peak per dtype, streaming read and write bandwidth), and the
// bound each case is held against.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { gemmKernel } from '../gram.js';
import { measureBandwidth, measureFmaPeak } from '../machine-limits.js';
import { getKernelPath, getThreads } from '../runtime.js';
import type { BenchCase, Bound, MachineDescription, MachineLimits } from './harness.js';

export type { MachineDescription, MachineLimits };

/** The largest cache the OS reports for cpu0 (Linux sysfs), in bytes; 0 where unknown. */
function lastLevelCache(): number {
  let best = 0;
  for (let i = 0; i < 8; i++) {
    try {
      const s = readFileSync(`/sys/devices/system/cpu/cpu0/cache/index${i}/size`, 'utf8').trim();
      const m = /^(\d+)([KMG]?)$/.exec(s);
      if (m) best = Math.max(best, Number(m[1]) * ({ '': 1, K: 1024, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[m[2]]);
    } catch {
      break;
    }
  }
  return best;
}

export function describeMachine(): MachineDescription {
  return {
    cpu: os.cpus()[0]?.model?.trim() || 'unknown',
    isa: `${getKernelPath()} (gemm: ${gemmKernel()})`,
    threads: getThreads(),
    logicalCpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    lastLevelCacheBytes: lastLevelCache(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Measures the limits: about 3 s in all (1 s with quick). The memory buffer is 8 times the
 * last-level cache, at least 128 MiB and at most 1 GiB, so that it streams from memory; the cache
 * buffer is half the last-level cache. */
export function measureLimits(machine: MachineDescription, quick: boolean): MachineLimits {
  const seconds = quick ? 0.15 : 0.5;
  const bufferBytes = Math.min(2 ** 30, Math.max(2 ** 27, 8 * machine.lastLevelCacheBytes));
  const f32 = measureFmaPeak('float32', seconds);
  const f64 = measureFmaPeak('float64', seconds);
  const read = measureBandwidth('read', bufferBytes, seconds);
  const write = measureBandwidth('write', bufferBytes, seconds);
  const limits: MachineLimits = {
    peakGflops: { float32: f32.gflops, float64: f64.gflops },
    readGBps: read.gbytesPerSecond,
    writeGBps: write.gbytesPerSecond,
    isa: f32.isa,
    threads: f32.threads,
    bufferBytes: read.bytes,
  };
  if (machine.lastLevelCacheBytes >= 2 ** 21) {
    const cacheBytes = machine.lastLevelCacheBytes / 2;
    const cacheRead = measureBandwidth('read', cacheBytes, seconds);
    const cacheWrite = measureBandwidth('write', cacheBytes, seconds);
    limits.cache = { bufferBytes: cacheRead.bytes, readGBps: cacheRead.gbytesPerSecond, writeGBps: cacheWrite.gbytesPerSecond };
  }
  return limits;
}

/** The bound of a case (see Bound), or undefined where it has neither flops nor bytes. A case
 * whose compulsory traffic fits in the cache buffer is held against the cache's bandwidth. */
export function boundOf(c: BenchCase, limits: MachineLimits): Bound | undefined {
  const bytes = (c.readBytes ?? 0) + (c.writeBytes ?? 0);
  const inCache = limits.cache !== undefined && bytes <= limits.cache.bufferBytes;
  const bw = inCache ? limits.cache! : limits;
  const flopSeconds = c.flops ? c.flops / (limits.peakGflops[c.dtype] * 1e9) : 0;
  const memorySeconds = (c.readBytes ?? 0) / (bw.readGBps * 1e9) + (c.writeBytes ?? 0) / (bw.writeGBps * 1e9);
  if (!(flopSeconds > 0 || memorySeconds > 0) || !(c.speclin.seconds > 0)) return undefined;
  const seconds = Math.max(flopSeconds, memorySeconds);
  const kind = flopSeconds >= memorySeconds ? 'peak' : inCache ? 'cache bandwidth' : 'bandwidth';
  return { kind, seconds, fraction: seconds / c.speclin.seconds };
}
