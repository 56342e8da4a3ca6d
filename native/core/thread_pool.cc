#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace speclin {
namespace {

int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::atomic<int> g_threads{0};  // 0 = default

// How long a thread spins on an atomic before it sleeps on a condition variable, waiting for the
// next job (a worker) or for the helpers to finish (the caller). A worker woken from its
// condition variable starts its share late, by about as long as a short job takes, so
// back-to-back short jobs (the eigensolver's and the training loop's products) would run mostly on
// one thread; a worker that has just finished one is usually needed again within microseconds.
// 100 us of spinning per job is the price (Intel's OpenMP runtime spins 200 ms by default,
// KMP_BLOCKTIME). docs/graph.md has the experiment behind the figure.
constexpr auto kSpin = std::chrono::microseconds(100);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until ready() or kSpin has passed; returns ready().
template <class Ready>
bool spin_until(Ready ready) {
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kSpin) return ready();
  }
}

// A fixed set of workers that spin briefly, then sleep on a condition variable. One job runs at a time: callers
// from different threads (two AsyncWorkers) serialize on job_mutex rather than oversubscribe.
// Each job has its own counters, so a worker that wakes late for a finished job finds nothing
// left to claim and never touches the next job's state.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  void run(std::size_t tasks, const std::function<void(std::size_t)>& task, int max_threads) {
    if (tasks == 0) return;
    // Serial when asked, and for a nested call from inside a worker (the pool is busy with its
    // parent job, and waiting on it would deadlock).
    if (tasks == 1 || max_threads <= 1 || in_worker_) {
      for (std::size_t t = 0; t < tasks; ++t) task(t);
      return;
    }
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    std::size_t helpers = std::min<std::size_t>(static_cast<std::size_t>(max_threads - 1), tasks - 1);
    ensure_workers(helpers);
    auto job = std::make_shared<Job>(task, tasks);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      active_helpers_ = helpers;
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    cv_.notify_all();
    in_worker_ = true;
    job->drain();
    in_worker_ = false;
    if (!spin_until([&] { return job->pending.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(job->mutex);
      job->done.wait(lock, [&] { return job->pending.load(std::memory_order_acquire) == 0; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      stop_flag_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  struct Job {
    Job(const std::function<void(std::size_t)>& t, std::size_t n) : task(t), tasks(n), pending(n) {}
    const std::function<void(std::size_t)>& task;
    const std::size_t tasks;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::condition_variable done;
    std::atomic<std::size_t> pending;  // decremented after each task; the caller waits for 0
    std::exception_ptr error;          // guarded by mutex

    void drain() {
      for (;;) {
        std::size_t t = next.fetch_add(1);
        if (t >= tasks) return;
        std::exception_ptr err;
        try {
          task(t);
        } catch (...) {
          err = std::current_exception();
        }
        if (err) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = err;
        }
        if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          // Under the mutex, so that a caller between its check and its wait cannot miss it.
          std::lock_guard<std::mutex> lock(mutex);
          done.notify_all();
        }
      }
    }
  };

  void ensure_workers(std::size_t count) {
    while (workers_.size() < count) {
      std::size_t id = workers_.size();
      workers_.emplace_back([this, id] { worker_loop(id); });
    }
  }

  void worker_loop(std::size_t id) {
    in_worker_ = true;
    std::size_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen || stop_flag_.load(std::memory_order_acquire); });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || (generation_.load(std::memory_order_relaxed) != seen && id < active_helpers_ && job_); });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
      }
      job->drain();
    }
  }

  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::shared_ptr<Job> job_;           // guarded by mutex_
  std::size_t active_helpers_ = 0;     // guarded by mutex_
  std::atomic<std::size_t> generation_{0};  // written under mutex_; read while spinning
  bool stop_ = false;                  // guarded by mutex_
  std::atomic<bool> stop_flag_{false};  // stop_, for the spinning workers
  static thread_local bool in_worker_;
};

thread_local bool Pool::in_worker_ = false;

}  // namespace

int get_threads() {
  int n = g_threads.load();
  return n > 0 ? n : default_threads();
}

void set_threads(int n) { g_threads.store(n > 0 ? n : 0); }

std::size_t parallel_chunks(std::size_t begin, std::size_t end, std::size_t grain) {
  if (end <= begin) return 0;
  std::size_t n = end - begin;
  grain = std::max<std::size_t>(grain, 1);
  std::size_t by_grain = (n + grain - 1) / grain;
  std::size_t threads = static_cast<std::size_t>(get_threads());
  return std::max<std::size_t>(1, std::min(by_grain, threads));
}

void parallel_for_chunks(std::size_t begin, std::size_t end, std::size_t grain,
                         const std::function<void(std::size_t, std::size_t, std::size_t)>& fn) {
  std::size_t chunks = parallel_chunks(begin, end, grain);
  if (chunks == 0) return;
  std::size_t n = end - begin;
  std::function<void(std::size_t)> task = [&](std::size_t c) {
    std::size_t lo = begin + n * c / chunks;
    std::size_t hi = begin + n * (c + 1) / chunks;
    if (lo < hi) fn(c, lo, hi);
  };
  Pool::instance().run(chunks, task, get_threads());
}

void parallel_for(std::size_t begin, std::size_t end, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& fn) {
  parallel_for_chunks(begin, end, grain,
                      [&](std::size_t, std::size_t lo, std::size_t hi) { fn(lo, hi); });
}

}  // namespace speclin
