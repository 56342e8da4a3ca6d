// The core's own worker pool. Kernels split work with parallel_for; the pool is shared by every
// kernel so that nested or concurrent calls never oversubscribe the machine.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>

namespace speclin {

// Number of threads kernels may use (the calling thread counts as one). Default: hardware cores.
int get_threads();
// n <= 0 restores the default. Safe to call between kernel calls.
void set_threads(int n);

// Runs fn(begin_i, end_i) over a partition of [begin, end) into chunks of at least `grain`
// items, using at most get_threads() threads. The calling thread takes part. Chunks are
// assigned statically (chunk c always covers the same range for a given thread count), so a
// kernel that reduces per chunk in a fixed order is deterministic for a given thread count.
// Exceptions thrown by fn are rethrown on the calling thread after all chunks finish.
void parallel_for(std::size_t begin, std::size_t end, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& fn);

// Number of chunks parallel_for will use for this range; lets a caller size per-chunk buffers.
std::size_t parallel_chunks(std::size_t begin, std::size_t end, std::size_t grain);

// Like parallel_for, but fn also receives the chunk index in [0, parallel_chunks(...)).
void parallel_for_chunks(std::size_t begin, std::size_t end, std::size_t grain,
                         const std::function<void(std::size_t chunk, std::size_t, std::size_t)>& fn);

// Runs fn(t) for t in [0, tasks) on up to `threads` threads, handing tasks out in order as
// threads become free (tasks should come heaviest first). Which thread runs a task depends on
// timing: a task's result must not depend on it.
template <typename F>
void run_tasks(std::size_t tasks, int threads, F&& fn) {
  if (threads <= 1 || tasks <= 1) {
    for (std::size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(threads), tasks);
  parallel_for(0, workers, 1, [&](std::size_t, std::size_t) {
    for (std::size_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t);
  });
}

}  // namespace speclin
