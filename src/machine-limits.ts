// This machine's limits, measured by the native probes (native/core/machine_limits.h): the FMA
// peak of the instruction set the kernels use, and the streaming read and write bandwidth. The
// benchmarks state each kernel's time as a fraction of these bounds (docs/bench.md).
import { native } from './native.js';

export interface FmaPeak {
  /** Best GFLOP/s over the probe's repeats, all pool threads together. */
  gflops: number;
  /** The kernel family the probe ran: the one gemm uses now. */
  isa: 'avx512' | 'avx2' | 'portable';
  threads: number;
}

export interface StreamBandwidth {
  /** Best GB/s (1e9 bytes per second) over the probe's repeats, all pool threads together. */
  gbytesPerSecond: number;
  /** The buffer streamed per repeat. */
  bytes: number;
  threads: number;
}

/** The FMA peak in `dtype`: independent multiply-add chains in registers on every pool thread,
 * for about `seconds` (0 < seconds <= 60). Occupies every thread meanwhile (synchronous). */
export function measureFmaPeak(dtype: 'float32' | 'float64', seconds: number): FmaPeak {
  return native.measureFmaPeak(dtype, seconds);
}

/** Streaming bandwidth of a `bytes` buffer (1 MiB to 64 GiB; make it several times the last-level
 * cache), each pool thread over its own slice: 'read' sums it, 'write' overwrites it with
 * ordinary stores. Best of the repeats within about `seconds`. Synchronous. */
export function measureBandwidth(direction: 'read' | 'write', bytes: number, seconds: number): StreamBandwidth {
  return native.measureBandwidth(direction, bytes, seconds);
}
