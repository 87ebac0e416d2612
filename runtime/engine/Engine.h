//===- Engine.h - runs the generated forward pass over mapped weights -*- C++ -*-===//

#ifndef INFERNO_RUNTIME_ENGINE_ENGINE_H
#define INFERNO_RUNTIME_ENGINE_ENGINE_H

#include "runtime/engine/Artifact.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

namespace inferno::rt {

/// Bytes of memory this process can use without swapping: MemAvailable from /proc/meminfo,
/// or less when a cgroup limit is lower; the environment variable INFERNO_AVAILABLE_MEMORY
/// (bytes) overrides both, for tests. `source` receives which one it was. nullopt when unknown.
std::optional<uint64_t> availableMemory(std::string *source = nullptr);

/// Owns the mapped weights, the KV cache and the scratch arena, and feeds tokens through the
/// artifact's `inferno_model_forward` in chunks of at most max_batch.
class Engine {
public:
  /// `syntheticSeed`: run without weight files, every tensor filled with seeded values on the
  /// device (artifacts for a GPU only; for benchmarking shapes whose files are too big to
  /// carry).
  static Expected<std::unique_ptr<Engine>> open(const std::string &artifactDir,
                                                const std::string &weightsDir,
                                                std::optional<uint64_t> syntheticSeed = {});
  /// Whether the generated code runs on a GPU (it defines inferno_model_open).
  static bool onDevice();
  /// Where the forward pass runs, for --stats.
  static std::string deviceName();
  ~Engine();

  const ArtifactManifest &manifest() const { return manifest_; }
  /// Positions filled so far.
  int64_t position() const { return position_; }
  /// Forget everything after `position` tokens (the cache is overwritten as positions are
  /// reused): a new turn that shares a prefix with what was fed keeps that prefix's cache.
  void rewind(int64_t position) { position_ = std::min(position_, position); }

  /// Runs `tokens` at the next positions, `chunk` tokens per forward call (at most max_batch).
  /// `logits` receives the last token's logits, or every token's when `allLogits`.
  Status feed(const std::vector<int32_t> &tokens, int64_t chunk, bool allLogits,
              std::vector<float> &logits);

  /// Greedy decoding without the logits leaving the device, on artifacts that can (abi.h's
  /// inferno_model_greedy): feeds `token`, then each step's highest-logit id, handing every id
  /// to `onToken` (false: stop) with position() already counting the token that produced it;
  /// at most `steps` forward passes, and no more than the context holds. false, having run
  /// nothing, when this artifact or its current mode cannot (the caller samples on the host).
  Expected<bool> decodeGreedy(int32_t token, int64_t steps,
                              const std::function<bool(int32_t)> &onToken);

private:
  Engine() = default;
  /// Maps and checks the weight files (mapWeights) and records their bases.
  Status mapFiles(const std::string &weightsDir);
  ArtifactManifest manifest_;
  std::vector<MappedFile> files_;
  std::vector<const uint8_t *> bases_;
  float *kvCache_ = nullptr;
  size_t kvCacheBytes_ = 0;
  float *scratch_ = nullptr;
  int64_t position_ = 0;
};

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_ENGINE_ENGINE_H
