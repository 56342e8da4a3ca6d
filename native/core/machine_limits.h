// This machine's limits, measured: the FMA peak of the instruction set the kernels use, and the
// streaming read and write bandwidth of main memory. The benchmarks report each kernel's time as a
// fraction of the bound that applies (speclin bench; docs/bench.md), so these probes measure what
// the kernels can reach, on every thread of the core's pool.
#pragma once
#include <cstddef>

namespace speclin {

struct PeakMeasurement {
  double gflops;     // best over the repeats, all threads together
  const char* isa;   // "avx512", "avx2" or "portable": the kernel family the probe ran
  int threads;
};

// The FMA peak in float32 (float64 = false) or float64: a register-resident kernel of independent
// multiply-add chains, run on every pool thread for about `seconds` in total (best of a few
// repeats). The instruction set is the one gemm uses now (gemm_kernel_name()).
PeakMeasurement measure_fma_peak(bool float64, double seconds);

struct BandwidthMeasurement {
  double gbytes_per_second;  // best over the repeats, all threads together
  std::size_t bytes;         // the buffer streamed per repeat
  int threads;
};

// Streaming read of a `bytes` buffer (sum of its 64-bit words), each thread over its own slice.
BandwidthMeasurement measure_read_bandwidth(std::size_t bytes, double seconds);
// Streaming write of a `bytes` buffer with ordinary stores (as kernels write their results, so
// each line is read for ownership first), each thread over its own slice.
BandwidthMeasurement measure_write_bandwidth(std::size_t bytes, double seconds);

}  // namespace speclin
