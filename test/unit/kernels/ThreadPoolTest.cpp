// The thread pool, thread-count API and ISA selection.
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

TEST(ThreadPool, DefaultIsHardwareConcurrencyAndSettable) {
  const int32_t saved = inferno_get_num_threads();
  const unsigned hw = std::thread::hardware_concurrency();
  // Nothing before this test changes the count except tests that restore it.
  EXPECT_EQ(saved, hw == 0 ? 1 : int32_t(hw));
  inferno_set_num_threads(3);
  EXPECT_EQ(inferno_get_num_threads(), 3);
  inferno_set_num_threads(0);  // clamped
  EXPECT_EQ(inferno_get_num_threads(), 1);
  inferno_set_num_threads(saved);
  EXPECT_EQ(inferno_get_num_threads(), saved);
}

TEST(ThreadPool, RunsEveryIndexOnceAndUsesTheWorkers) {
  auto &pool = ThreadPool::instance();
  const int saved = pool.numThreads();
  // A worker descheduled on a busy machine must not make the pool fall back to the caller.
  pool.setStragglerFallback(false);
  for (int threads : {1, 2, 4}) {
    pool.setNumThreads(threads);
    for (int64_t count : {1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(count);
      std::mutex mu;
      std::set<std::thread::id> ids;
      pool.parallelFor(0, count, [&](int64_t i) {
        hits[i].fetch_add(1);
        if (count == 1000) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          std::lock_guard<std::mutex> lock(mu);
          ids.insert(std::this_thread::get_id());
        }
      });
      for (auto &h : hits) ASSERT_EQ(h.load(), 1);
      if (count == 1000) {
        EXPECT_EQ(int(ids.size()), threads) << "threads=" << threads;
      }
    }
  }
  pool.setStragglerFallback(true);
  pool.setNumThreads(saved);
}

// A worker that holds its task far longer than the caller's (as the OS does to a preempted one)
// makes the next jobs run on the caller alone; after the solo period (at most 200 ms) the workers
// take part again. On a loaded machine (two cores, sanitizers, other tests) the scheduler itself can
// make a worker straggle or start late, so one attempt may see the fallback early or the worker
// never join; the scenario is retried a few times and must hold in one of them.
TEST(ThreadPool, FallsBackToTheCallerAfterAStraggler) {
  auto &pool = ThreadPool::instance();
  const int saved = pool.numThreads();
  pool.setNumThreads(2);
  const std::thread::id caller = std::this_thread::get_id();
  auto threadsOfAJob = [&] {
    std::mutex mu;
    std::set<std::thread::id> ids;
    pool.parallelFor(0, 400, [&](int64_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    });
    return ids;
  };
  // One attempt; returns what went differently, or "" when the whole scenario held.
  auto attempt = [&]() -> std::string {
    // Leave any solo period an earlier job (or attempt) started.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (threadsOfAJob().size() != 2) return "both threads did not work before the straggler";
    std::atomic<bool> workerStarted{false};
    pool.parallelFor(0, 2, [&](int64_t) {
      if (std::this_thread::get_id() != caller) {
        workerStarted = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } else {
        // Keep the caller's own task short but give the worker time to join.
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
        while (!workerStarted && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      }
    });
    if (!workerStarted.load()) return "no worker joined the straggler's job";
    const auto solo = threadsOfAJob();
    if (solo.size() != 1 || solo.count(caller) != 1)
      return "the job after the straggler did not run on the caller alone";
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (threadsOfAJob().size() != 2) return "the workers did not take part after the solo period";
    return "";
  };
  std::string failure;
  for (int i = 0; i < 8; ++i) {
    failure = attempt();
    if (failure.empty()) break;
  }
  EXPECT_EQ(failure, "") << "in every one of 8 attempts; the last one: " << failure;
  pool.setNumThreads(saved);
}

TEST(ThreadPool, NestedAndConcurrentCallsRunSerially) {
  auto &pool = ThreadPool::instance();
  const int saved = pool.numThreads();
  pool.setNumThreads(3);
  std::atomic<int> inner{0};
  pool.parallelFor(0, 8, [&](int64_t) {
    pool.parallelFor(0, 5, [&](int64_t) { inner.fetch_add(1); });
  });
  EXPECT_EQ(inner.load(), 40);
  // Two application threads issuing kernels at once: both complete, results correct.
  std::vector<float> a(100000, 1.0f), b(100000, 2.0f), y1(100000), y2(100000);
  std::thread other([&] {
    for (int r = 0; r < 50; ++r) inferno_add(a.data(), b.data(), y1.data(), 100000);
  });
  for (int r = 0; r < 50; ++r) inferno_add(b.data(), b.data(), y2.data(), 100000);
  other.join();
  for (int i = 0; i < 100000; ++i) {
    ASSERT_EQ(y1[i], 3.0f);
    ASSERT_EQ(y2[i], 4.0f);
  }
  pool.setNumThreads(saved);
}

TEST(ThreadPool, ReportsTheFirstError) {
  auto &pool = ThreadPool::instance();
  std::atomic<int> ran{0};
  struct Ctx {
    std::atomic<int> *ran;
  } ctx{&ran};
  int rc = pool.parallelFor(
      0, 50,
      [](void *c, int64_t i) -> int {
        static_cast<Ctx *>(c)->ran->fetch_add(1);
        return i == 17 ? -5 : 0;
      },
      &ctx);
  EXPECT_EQ(rc, -5);
  EXPECT_EQ(ran.load(), 50);
}

// ---- ISA selection.
TEST(Dispatch, IsaNamesAndSupport) {
  const std::string isa = inferno_kernel_isa();
  EXPECT_TRUE(isa == "amx-bf16" || isa == "avx512-bf16" || isa == "avx512" || isa == "avx2" ||
              isa == "scalar")
      << isa;
  const auto all = supportedIsas();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), Isa::Scalar);
  for (Isa i : all) {
    EXPECT_TRUE(setIsa(i));
    EXPECT_STREQ(inferno_kernel_isa(), isaName(i));
  }
  // Without INFERNO_KERNEL_ISA: amx-bf16 where it is supported, else the best exact ISA (the
  // last supported one that keeps float32 activations; avx512-bf16 is opt-in only).
  Isa bestExact = Isa::Scalar;
  for (Isa i : all)
    if (i != Isa::Avx512Bf16 && i != Isa::AmxBf16) bestExact = i;
  EXPECT_EQ(exactIsa(), bestExact);
  const bool amx = std::find(all.begin(), all.end(), Isa::AmxBf16) != all.end();
  const Isa byDefault = amx ? Isa::AmxBf16 : bestExact;
  EXPECT_EQ(detectedIsa(), byDefault);
  if (!std::getenv("INFERNO_KERNEL_ISA")) {
    EXPECT_EQ(isaName(byDefault), isa);
  }
  setIsa(detectedIsa());
  std::printf("kernel ISA at start: %s; supported:", isa.c_str());
  for (Isa i : all) std::printf(" %s", isaName(i));
  std::printf("\n");
}

// Prints the ISA the environment selected; run as a child by the test below.
TEST(Dispatch, PrintSelectedIsa) { std::printf("selected-isa=%s\n", inferno_kernel_isa()); }

// INFERNO_KERNEL_ISA forces an ISA (read once, at the first kernel call of a process): run this
// binary again with each value and read what it selected.
TEST(Dispatch, EnvironmentVariableForcesIsa) {
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(len, 0);
  self[len] = 0;
  auto selectedWith = [&](const std::string &value) {
    // The child runs one test: it must not inherit lit's sharding (it could be sharded out).
    std::string cmd = "env -u GTEST_TOTAL_SHARDS -u GTEST_SHARD_INDEX -u GTEST_OUTPUT "
                      "INFERNO_KERNEL_ISA=" + value + " '" + self +
                      "' --gtest_filter=Dispatch.PrintSelectedIsa 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) pclose(p);
    auto at = out.find("selected-isa=");
    std::string isa = at == std::string::npos ? "?" : out.substr(at + 13);
    isa = isa.substr(0, isa.find('\n'));
    return std::make_pair(isa, out);
  };
  const auto all = supportedIsas();
  for (Isa i : all) EXPECT_EQ(selectedWith(isaName(i)).first, isaName(i));
  EXPECT_EQ(selectedWith("exact").first, isaName(exactIsa()));
  // Unknown or unsupported values fall back to the best ISA with a warning.
  auto bad = selectedWith("avx1024");
  EXPECT_EQ(bad.first, isaName(detectedIsa()));
  EXPECT_NE(bad.second.find("unknown INFERNO_KERNEL_ISA"), std::string::npos) << bad.second;
  if (!cpuSupports(Isa::Avx512)) {
    auto unsupported = selectedWith("avx512");
    EXPECT_EQ(unsupported.first, isaName(detectedIsa()));
    EXPECT_NE(unsupported.second.find("not supported"), std::string::npos);
  }
}
