//===- membw.cpp - the machine's read bandwidth, the decode roofline's numerator ---===//
//
// Batch-1 decode reads every weight once per token, so tokens/s can never beat read
// bandwidth / weight bytes. This measures that bandwidth the way decode uses memory: each
// thread streams once through its own slice of a buffer far larger than the caches, summing
// with wide loads, as one stream and as eight interleaved ones (the decode matvec reads
// several weight rows at once; on some machines one stream a core cannot keep enough loads in
// flight), and the faster counts. Prints GB/s (10^9 bytes) for each thread count given, twice:
// the best single pass (about 0.1 s), and the sustained rate (all passes of the faster pattern,
// bytes over time). On a shared VM whose neighbours load the memory system the two differ by
// up to a third; a decode run lasts seconds and sees the sustained rate.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <immintrin.h>

namespace {
__attribute__((target("avx2"))) float sumSlice(const float *p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  float total = 0;
  for (float l : lanes)
    total += l;
  for (; i < n; ++i)
    total += p[i];
  return total;
}

// The slice as eight streams (p + j·n for j < 8), one vector each per iteration.
__attribute__((target("avx2"))) float sumSlice8(const float *p, size_t n) {
  __m256 a[8];
  for (__m256 &v : a)
    v = _mm256_setzero_ps();
  for (size_t i = 0; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      a[j] = _mm256_add_ps(a[j], _mm256_load_ps(p + j * n + i));
  for (int j = 1; j < 8; ++j)
    a[0] = _mm256_add_ps(a[0], a[j]);
  float lanes[8];
  _mm256_storeu_ps(lanes, a[0]);
  float total = 0;
  for (float l : lanes)
    total += l;
  return total;
}

struct Bandwidth {
  double best = 0;       // GB/s of the fastest pass
  double sustained = 0;  // GB/s over all passes of the faster pattern
};

Bandwidth measure(const float *buffer, size_t floats, int threads, int repeats) {
  double best = 0;
  double bytes[2] = {0, 0}, seconds[2] = {0, 0};  // one stream, eight streams
  std::vector<float> sink(threads);
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    size_t slice = floats / threads / 64 * 64;
    const bool eight = r % 2 == 1; // alternate, so both see the same machine
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t, eight] {
        const float *p = buffer + t * slice;
        sink[t] = eight ? sumSlice8(p, slice / 8) : sumSlice(p, slice);
      });
    for (std::thread &th : pool)
      th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, slice * threads * sizeof(float) / s / 1e9);
    bytes[eight] += double(slice) * threads * sizeof(float);
    seconds[eight] += s;
  }
  float keep = 0;
  for (float v : sink)
    keep += v;
  if (keep == 12345.678f)
    std::puts(""); // keeps the sums alive
  return {best, std::max(bytes[0] / seconds[0], bytes[1] / seconds[1]) / 1e9};
}
} // namespace

int main(int argc, char **argv) {
  size_t megabytes = 2048;
  std::vector<int> threads;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--mb") && i + 1 < argc)
      megabytes = std::strtoul(argv[++i], nullptr, 10);
    else
      threads.push_back(std::atoi(argv[i]));
  }
  if (threads.empty())
    threads = {1, static_cast<int>(std::thread::hardware_concurrency())};
  size_t floats = megabytes * 1024 * 1024 / sizeof(float);
  auto *buffer = static_cast<float *>(std::aligned_alloc(64, floats * sizeof(float)));
  if (!buffer) {
    std::fprintf(stderr, "cannot allocate %zu MB\n", megabytes);
    return 1;
  }
  for (size_t i = 0; i < floats; ++i)
    buffer[i] = static_cast<float>(i & 7);
  for (int t : threads) {
    const Bandwidth bw = measure(buffer, floats, std::max(t, 1), 10);
    std::printf("threads %d read %.2f GB/s best pass, %.2f GB/s sustained\n", t, bw.best,
                bw.sustained);
  }
  std::free(buffer);
  return 0;
}
