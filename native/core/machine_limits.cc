// The probes of machine_limits.h: the portable FMA chains, the dispatch to the instruction set gemm
// uses, and the streaming read and write loops, all run on every thread of the pool.
#include "machine_limits.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gram.h"
#include "machine_limits_kernels.h"
#include "thread_pool.h"

namespace speclin {
namespace machine_limits_detail {
namespace {

// Twelve 16-byte vectors' worth of chains (48 floats or 24 doubles): what SSE2 or NEON keeps in
// registers with room for a and b. The compiler vectorizes the inner loop; without FMA
// instructions each step is a multiply and an add, still two flops.
template <typename T>
double run_portable(std::int64_t iterations) {
  constexpr int kChains = 12 * 16 / static_cast<int>(sizeof(T));
  const T a = T(0.999), b = T(0.001);
  T c[kChains];
  for (int j = 0; j < kChains; ++j) c[j] = T(0.5) + T(0.01) * T(j);
  for (std::int64_t i = 0; i < iterations; ++i)
    for (int j = 0; j < kChains; ++j) c[j] = c[j] * a + b;
  double total = 0;
  for (int j = 0; j < kChains; ++j) total += c[j];
  return total;
}

}  // namespace

FmaKernel portable_fma_kernel(bool float64) {
  return float64 ? FmaKernel{run_portable<double>, 2.0 * 12 * 2} : FmaKernel{run_portable<float>, 2.0 * 12 * 4};
}

}  // namespace machine_limits_detail

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One item per pool thread, so that every thread runs `work` once.
template <typename F>
double time_on_every_thread(F&& work) {
  const std::size_t threads = static_cast<std::size_t>(get_threads());
  auto t0 = Clock::now();
  parallel_for(0, threads, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) work(t);
  });
  return seconds_since(t0);
}

// At least this many repeats; the best repeat is the figure (the others met a neighbour).
constexpr int kRepeats = 3;

}  // namespace

PeakMeasurement measure_fma_peak(bool float64, double seconds) {
  using namespace machine_limits_detail;
  const std::string isa = gemm_kernel_name();
  FmaKernel kernel = isa == "avx512" ? avx512_fma_kernel(float64)
                     : isa == "avx2" ? avx2_fma_kernel(float64)
                                     : portable_fma_kernel(float64);
  const char* name = isa == "avx512" ? "avx512" : isa == "avx2" ? "avx2" : "portable";
  const int threads = get_threads();
  std::vector<double> sink(static_cast<std::size_t>(threads));
  auto run = [&](std::int64_t iterations) {
    return time_on_every_thread([&](std::size_t t) { sink[t] += kernel.run(iterations); });
  };
  // Double the steps until one repeat would take a tenth of its share, then size the repeats to
  // it: at least kRepeats, and more until the budget is spent, each an eighth of it, so that on a
  // shared machine some repeat runs without losing its time slice.
  std::int64_t iterations = 1 << 12;
  double elapsed = run(iterations);
  const double per_repeat = std::max(seconds / 8, 1e-3);
  while (elapsed < per_repeat / 10 && iterations < (std::int64_t(1) << 40)) {
    iterations *= 2;
    elapsed = run(iterations);
  }
  iterations = std::max<std::int64_t>(1, static_cast<std::int64_t>(iterations * per_repeat / std::max(elapsed, 1e-9)));
  double best = 0, spent = 0;
  for (int r = 0; (r < kRepeats || spent < seconds) && r < 1000; ++r) {
    double t = run(iterations);
    spent += t;
    best = std::max(best, kernel.flops_per_iteration * static_cast<double>(iterations) * threads / t);
  }
  // The chains' sums are finite by construction; reading them keeps the loops alive.
  volatile double keep = 0;
  for (double s : sink) keep = keep + s;
  return {best / 1e9, name, threads};
}

namespace {

struct Buffer {
  std::unique_ptr<std::uint64_t[]> words;
  std::size_t count;
};

// Allocated and first touched slice by slice on the threads that will stream them, so that on a
// multi-socket machine each slice sits in its thread's memory.
Buffer make_buffer(std::size_t bytes) {
  const std::size_t threads = static_cast<std::size_t>(get_threads());
  std::size_t count = std::max<std::size_t>(bytes / 8, threads * 1024);
  Buffer b{std::unique_ptr<std::uint64_t[]>(new std::uint64_t[count]), count};
  std::uint64_t* p = b.words.get();
  time_on_every_thread([&](std::size_t t) {
    for (std::size_t i = count * t / threads, e = count * (t + 1) / threads; i < e; ++i) p[i] = i;
  });
  return b;
}

template <typename F>
BandwidthMeasurement measure_stream(std::size_t bytes, double seconds, F&& pass) {
  Buffer b = make_buffer(bytes);
  const int threads = get_threads();
  const double total_bytes = static_cast<double>(b.count) * 8;
  std::vector<std::uint64_t> sink(static_cast<std::size_t>(threads));
  auto run = [&](std::uint64_t seed) {
    return time_on_every_thread([&](std::size_t t) {
      std::size_t begin = b.count * t / threads, end = b.count * (t + 1) / threads;
      sink[t] += pass(b.words.get() + begin, end - begin, seed);
    });
  };
  double best = 0, spent = 0;
  for (int r = 0; r < kRepeats || spent < seconds; ++r) {
    double t = run(static_cast<std::uint64_t>(r));
    spent += t;
    best = std::max(best, total_bytes / t);
    if (r >= 1000) break;
  }
  volatile std::uint64_t keep = 0;
  for (auto s : sink) keep = keep + s;
  return {best / 1e9, b.count * 8, threads};
}

}  // namespace

BandwidthMeasurement measure_read_bandwidth(std::size_t bytes, double seconds) {
  // An integer sum: the compiler vectorizes it (integer addition reassociates), so loads, not the
  // adds, set the pace.
  return measure_stream(bytes, seconds, [](const std::uint64_t* p, std::size_t n, std::uint64_t) {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < n; ++i) s += p[i];
    return s;
  });
}

BandwidthMeasurement measure_write_bandwidth(std::size_t bytes, double seconds) {
  // Values that change with i and the repeat, so the loop stays ordinary stores (not a memset,
  // which glibc turns into non-temporal stores for large buffers).
  return measure_stream(bytes, seconds, [](std::uint64_t* p, std::size_t n, std::uint64_t seed) {
    for (std::size_t i = 0; i < n; ++i) p[i] = i + seed;
    return static_cast<std::uint64_t>(p[n / 2]);
  });
}

}  // namespace speclin
