//===- Sampler.h - picking the next token from logits -----------*- C++ -*-===//

#ifndef INFERNO_RUNTIME_ENGINE_SAMPLER_H
#define INFERNO_RUNTIME_ENGINE_SAMPLER_H

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace inferno::rt {

/// llama.cpp's defaults, so the same flags mean the same thing.
struct SamplerOptions {
  float temperature = 0.8f; // 0: greedy
  int32_t topK = 40;        // 0: off
  float topP = 0.95f;       // 1: off
  float minP = 0.05f;       // 0: off
  float repeatPenalty = 1.0f; // 1: off
  int32_t repeatLastN = 64;
  uint64_t seed = 0;
};

/// Applies, in llama.cpp's order: repetition penalty over the last tokens, top-k, then
/// softmax at the temperature, top-p, min-p, and a draw from a seeded generator. Temperature 0
/// is greedy: the highest logit, the lowest id among equals.
class Sampler {
public:
  explicit Sampler(SamplerOptions options) : options_(options), rng_(options.seed) {}

  int32_t sample(const std::vector<float> &logits);
  /// Whether sample() is the argmax of the logits as they are (greedy, no penalty).
  bool plainGreedy() const { return options_.temperature <= 0.0f && options_.repeatPenalty == 1.0f; }
  /// Remember a token of the context (prompt or generated) for the repetition penalty.
  void accept(int32_t token);

private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::deque<int32_t> recent_;
};

/// The highest logit's id, the lowest id among equals.
int32_t argmax(const float *logits, int64_t n);

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_ENGINE_SAMPLER_H
