#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
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

// A fixed set of workers that sleep on a condition variable. One job runs at a time: callers
// from different threads (two AsyncWorkers) serialize on job_mutex rather than oversubscribe.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  void run(std::size_t tasks, const std::function<void(std::size_t)>& task, int max_threads) {
    if (tasks == 0) return;
    if (tasks == 1 || max_threads <= 1) {
      for (std::size_t t = 0; t < tasks; ++t) task(t);
      return;
    }
    // A nested parallel_for from inside a worker runs inline: the pool is busy with its parent.
    if (in_worker_) {
      for (std::size_t t = 0; t < tasks; ++t) task(t);
      return;
    }
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    ensure_workers(static_cast<std::size_t>(max_threads - 1));
    std::size_t helpers = std::min<std::size_t>(static_cast<std::size_t>(max_threads - 1), tasks - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      tasks_ = tasks;
      next_.store(0);
      pending_ = tasks;
      active_helpers_ = helpers;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    in_worker_ = true;
    drain();
    in_worker_ = false;
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
    task_ = nullptr;
    std::exception_ptr err = error_;
    error_ = nullptr;
    lock.unlock();
    if (err) std::rethrow_exception(err);
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void ensure_workers(std::size_t count) {
    while (workers_.size() < count) {
      std::size_t id = workers_.size();
      workers_.emplace_back([this, id] { worker_loop(id); });
    }
  }

  void drain() {
    for (;;) {
      std::size_t t = next_.fetch_add(1);
      if (t >= tasks_) break;
      try {
        (*task_)(t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_cv_.notify_all();
    }
  }

  void worker_loop(std::size_t id) {
    in_worker_ = true;
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && id < active_helpers_); });
        if (stop_) return;
        seen = generation_;
      }
      drain();
    }
  }

  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t tasks_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t pending_ = 0;
  std::size_t active_helpers_ = 0;
  std::size_t generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
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
