//===- ThreadPool.cpp -----------------------------------------------------------===//
#include "runtime/kernels/ThreadPool.h"

#include <chrono>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define INFERNO_PAUSE() _mm_pause()
#else
#define INFERNO_PAUSE() ((void)0)
#endif

namespace inferno::kernels {

namespace {
// How long an idle worker spins before sleeping. Long enough to bridge the gap between two
// kernels of one decode step, short enough not to burn a core when the model is idle.
constexpr auto kSpin = std::chrono::microseconds(200);
// Straggler detection (ThreadPool.h): the shortest wait for workers that counts as one.
constexpr auto kStragglerMin = std::chrono::microseconds(500);
constexpr auto kSoloMax = std::chrono::milliseconds(200);
using Clock = std::chrono::steady_clock;

int defaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}
}  // namespace

ThreadPool &ThreadPool::instance() {
  // Never destroyed: kernels may run from static destructors of the program using them.
  static ThreadPool *pool = new ThreadPool();
  return *pool;
}

ThreadPool::ThreadPool() { setNumThreads(defaultThreads()); }

ThreadPool::~ThreadPool() { stopWorkers(); }

void ThreadPool::setNumThreads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > 1024) threads = 1024;
  if (threads == numThreads_ && int(workers_.size()) == threads - 1) return;
  stopWorkers();
  soloUntil_ = 0;
  numThreads_ = threads;
  startWorkers(threads - 1);
}

void ThreadPool::startWorkers(int workers) {
  stop_.store(false);
  const uint32_t gen = uint32_t(control_.load() >> 32);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this, gen] { workerLoop(gen); });
}

void ThreadPool::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto &t : workers_) t.join();
  workers_.clear();
}

int64_t ThreadPool::runIndices() {
  for (int64_t ran = 0;; ++ran) {
    int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= end_) return ran;
    int rc = task_(context_, i);
    if (rc != 0) {
      int expected = 0;
      error_.compare_exchange_strong(expected, rc);
    }
  }
}

void ThreadPool::workerLoop(uint32_t seen) {
  auto generation = [this] { return uint32_t(control_.load(std::memory_order_acquire) >> 32); };
  for (;;) {
    // Wait for a new job (or stop): spin, then sleep.
    auto spinUntil = std::chrono::steady_clock::now() + kSpin;
    unsigned polls = 0;
    while (generation() == seen && !stop_.load(std::memory_order_relaxed)) {
      INFERNO_PAUSE();
      if ((++polls & 255) == 0 && std::chrono::steady_clock::now() > spinUntil) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return generation() != seen || stop_.load(); });
        sleepers_.fetch_sub(1);
        break;
      }
    }
    if (stop_.load()) return;
    // Join the job if it is still open.
    uint64_t c = control_.load(std::memory_order_acquire);
    seen = uint32_t(c >> 32);
    bool joined = false;
    while (!(c & kClosed) && uint32_t(c >> 32) == seen) {
      if (control_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    runIndices();
    finished_.fetch_add(1, std::memory_order_acq_rel);
  }
}

int ThreadPool::runSerially(int64_t begin, int64_t end, Task task, void *context) {
  int first = 0;
  for (int64_t i = begin; i < end; ++i) {
    int rc = task(context, i);
    if (rc != 0 && first == 0) first = rc;
  }
  return first;
}

int ThreadPool::parallelFor(int64_t begin, int64_t end, Task task, void *context) {
  if (begin >= end) return 0;
  bool expected = false;
  // Serial when there is nothing to share, no workers, or the pool is already running a job
  // (nested or concurrent call).
  if (end - begin == 1 || workers_.empty() ||
      !busy_.compare_exchange_strong(expected, true, std::memory_order_acquire))
    return runSerially(begin, end, task, context);
  const Clock::time_point start = Clock::now();
  if (start.time_since_epoch().count() < soloUntil_) {
    int rc = runSerially(begin, end, task, context);
    busy_.store(false, std::memory_order_release);
    return rc;
  }

  task_ = task;
  context_ = context;
  end_ = end;
  next_.store(begin, std::memory_order_relaxed);
  error_.store(0, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  {
    // Publishing under the mutex pairs with the sleepers' predicate check: no lost wake-up.
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t gen = (control_.load(std::memory_order_relaxed) >> 32) + 1;
    control_.store(gen << 32, std::memory_order_release);
  }
  if (sleepers_.load() > 0) wake_.notify_all();

  const int64_t ran = runIndices();
  // Close the job: workers that have not joined by now never will.
  const uint64_t c = control_.fetch_or(kClosed, std::memory_order_acq_rel);
  const int joined = int(c & kJoinedMask);
  if (finished_.load(std::memory_order_acquire) != joined) {
    const Clock::time_point ownDone = Clock::now();
    while (finished_.load(std::memory_order_acquire) != joined) INFERNO_PAUSE();
    const Clock::time_point now = Clock::now();
    const Clock::duration waited = now - ownDone;
    const Clock::duration ownAverage = ran > 0 ? (ownDone - start) / ran : Clock::duration(0);
    if (stragglerFallback_ && waited > kStragglerMin && waited > 4 * ownAverage) {
      const Clock::duration solo = 16 * waited < kSoloMax ? 16 * waited : Clock::duration(kSoloMax);
      soloUntil_ = (now + solo).time_since_epoch().count();
    }
  }

  int rc = error_.load(std::memory_order_relaxed);
  busy_.store(false, std::memory_order_release);
  return rc;
}

}  // namespace inferno::kernels

// ---- Parallel.h
#include "runtime/kernels/Parallel.h"

#include <cstdio>
#include <memory>

namespace inferno::kernels {

int parallelFor(int64_t begin, int64_t end, ParallelTask task, void *context) {
  return ThreadPool::instance().parallelFor(begin, end, task, context);
}

int poolThreads() { return ThreadPool::instance().numThreads(); }

float *threadScratch(size_t floats) {
  struct Free {
    void operator()(float *p) const { std::free(p); }
  };
  thread_local std::unique_ptr<float, Free> buffer;
  thread_local size_t capacity = 0;
  if (floats > capacity) {
    size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    buffer.reset(static_cast<float *>(std::aligned_alloc(64, bytes)));
    if (!buffer) {
      std::fprintf(stderr, "inferno kernels: out of memory for %zu bytes of scratch\n", bytes);
      std::abort();
    }
    capacity = bytes / sizeof(float);
  }
  return buffer.get();
}

}  // namespace inferno::kernels
