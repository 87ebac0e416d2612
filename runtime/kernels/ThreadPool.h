//===- ThreadPool.h - the one thread pool every kernel runs on -----------*- C++ -*-===//
//
// A fixed set of worker threads plus the calling thread. parallelFor hands out the indices of
// [begin, end) one at a time from an atomic counter (dynamic scheduling), the caller takes part,
// and it returns once every index has run. Halide pipelines reach it through the custom
// halide_do_par_for installed in Kernels.cpp; the C++ kernels call it directly.
//
// Workers spin for a short while after each job (decode issues hundreds of small parallel
// kernels per token; waking a sleeping thread costs tens of microseconds) and then sleep on a
// condition variable. A parallelFor issued while the pool is busy (from another thread, or
// nested inside a task) runs serially on its calling thread, so the pool never deadlocks.
//
// Stragglers: the caller must wait for every task a worker has started. When the machine has
// more runnable threads than cores, the OS preempts a worker in the middle of a task for a
// whole time slice (milliseconds, against tasks of tens of microseconds), and a decode step of
// a few hundred parallel kernels would pay that again and again. So when the caller has waited
// for a worker far longer than a task takes (kStragglerMin, and 4× the caller's own average
// task), the pool runs jobs on the caller alone for a while (16× the wait, at most 200 ms), then
// tries its workers again. On an idle machine this never triggers.
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_THREADPOOL_H
#define INFERNO_RUNTIME_KERNELS_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace inferno::kernels {

class ThreadPool {
public:
  // A task: runs index `i` with the job's context; a non-zero result is an error code.
  using Task = int (*)(void *context, int64_t i);

  static ThreadPool &instance();

  // Total threads including the caller (≥ 1). Joins and restarts the workers; must not race a
  // running parallelFor.
  void setNumThreads(int threads);
  int numThreads() const { return numThreads_; }
  // Whether waiting long for a worker switches to the caller alone for a while (Stragglers,
  // above; on by default). Tests that check which threads ran turn it off. Must not race a
  // running parallelFor.
  void setStragglerFallback(bool on) {
    stragglerFallback_ = on;
    soloUntil_ = 0;
  }

  // Runs task(context, i) for every i in [begin, end); returns the first non-zero result (0 if
  // none). Every index runs even after an error.
  int parallelFor(int64_t begin, int64_t end, Task task, void *context);

  // Convenience for C++ callers: fn(i) for i in [begin, end).
  template <typename Fn>
  void parallelFor(int64_t begin, int64_t end, Fn &&fn) {
    parallelFor(begin, end,
                [](void *ctx, int64_t i) -> int {
                  (*static_cast<Fn *>(ctx))(i);
                  return 0;
                },
                static_cast<void *>(&fn));
  }

  ~ThreadPool();

private:
  ThreadPool();
  void startWorkers(int workers);
  void stopWorkers();
  void workerLoop(uint32_t seenGeneration);
  // Runs indices of the current job until none are left; returns how many it ran.
  int64_t runIndices();
  int runSerially(int64_t begin, int64_t end, Task task, void *context);

  int numThreads_ = 1;
  std::vector<std::thread> workers_;

  // The current job, written by the thread that owns `busy_` before it publishes the job in
  // `control_`; workers read it only after joining (below), and it is not rewritten until every
  // worker that joined has reported in `finished_`.
  Task task_ = nullptr;
  void *context_ = nullptr;
  int64_t end_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> error_{0};

  // control_: job generation (high 32 bits) | closed flag (bit 31) | workers joined (low bits).
  // A worker joins an open job with a compare-and-swap that increments the count; the caller
  // closes the job once all indices are taken and waits only for the workers that joined, so a
  // worker the OS has not scheduled yet never delays a kernel.
  static constexpr uint64_t kClosed = uint64_t(1) << 31;
  static constexpr uint64_t kJoinedMask = kClosed - 1;
  std::atomic<uint64_t> control_{0};
  std::atomic<int> finished_{0};
  std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  // Until when (steady_clock ticks) parallelFor runs jobs on the caller alone (see Stragglers).
  // Written and read only by the thread that owns busy_.
  int64_t soloUntil_ = 0;
  bool stragglerFallback_ = true;
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace inferno::kernels

#endif
