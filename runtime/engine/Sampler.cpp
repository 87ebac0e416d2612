//===- Sampler.cpp - picking the next token from logits -------------------===//

#include "runtime/engine/Sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace inferno::rt {

int32_t argmax(const float *logits, int64_t n) {
  // The largest value first, over eight independent running maxima (one compare chain would
  // serialize on its own latency: a 128K vocabulary then costs a noticeable part of a GPU
  // decode step), then the first index that holds it: ties go to the lowest id.
  constexpr int kChains = 8;
  float top[kChains];
  for (int c = 0; c < kChains; ++c)
    top[c] = logits[0];
  int64_t i = 0;
  for (; i + kChains <= n; i += kChains)
    for (int c = 0; c < kChains; ++c)
      top[c] = logits[i + c] > top[c] ? logits[i + c] : top[c];
  for (; i < n; ++i)
    top[0] = logits[i] > top[0] ? logits[i] : top[0];
  float best = top[0];
  for (int c = 1; c < kChains; ++c)
    best = top[c] > best ? top[c] : best;
  for (i = 0; i < n; ++i)
    if (logits[i] == best)
      break;
  return i < n ? static_cast<int32_t>(i) : 0; // no entry equals a NaN maximum
}

void Sampler::accept(int32_t token) {
  recent_.push_back(token);
  while (static_cast<int32_t>(recent_.size()) > std::max(options_.repeatLastN, 0))
    recent_.pop_front();
}

int32_t Sampler::sample(const std::vector<float> &original) {
  const int64_t n = static_cast<int64_t>(original.size());
  // Greedy without a penalty reads the logits as they are: no copy of a 128K-entry vector
  // per token.
  if (plainGreedy())
    return argmax(original.data(), n);
  std::vector<float> logits = original;
  if (options_.repeatPenalty != 1.0f) {
    std::vector<int32_t> seen(recent_.begin(), recent_.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t t : seen) {
      float &l = logits[static_cast<size_t>(t)];
      l = l > 0 ? l / options_.repeatPenalty : l * options_.repeatPenalty;
    }
  }
  if (options_.temperature <= 0.0f)
    return argmax(logits.data(), n);

  // Candidates by descending logit (ties: lower id first, for reproducibility).
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  auto byLogit = [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  };
  size_t keep = ids.size();
  if (options_.topK > 0 && static_cast<size_t>(options_.topK) < keep) {
    keep = static_cast<size_t>(options_.topK);
    std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(), byLogit);
  } else {
    std::sort(ids.begin(), ids.end(), byLogit);
  }
  ids.resize(keep);

  std::vector<double> p(keep);
  double top = logits[ids[0]] / options_.temperature, sum = 0;
  for (size_t i = 0; i < keep; ++i)
    sum += p[i] = std::exp(logits[ids[i]] / options_.temperature - top);
  for (double &x : p)
    x /= sum;
  if (options_.topP < 1.0f) {
    double cumulative = 0;
    size_t i = 0;
    while (i < keep && cumulative < options_.topP)
      cumulative += p[i++];
    keep = std::max<size_t>(i, 1);
  }
  if (options_.minP > 0.0f) {
    size_t i = 1;
    while (i < keep && p[i] >= options_.minP * p[0])
      ++i;
    keep = i;
  }
  std::discrete_distribution<size_t> draw(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(keep));
  return ids[draw(rng_)];
}

} // namespace inferno::rt
