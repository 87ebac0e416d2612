//===- Inspect.h - what a model directory holds, from headers only -*- C++ -*-===//
//
// `inferno inspect`'s analysis, as plain data: which Llama variant a directory holds and why,
// exact parameter and byte counts, its quantization, the integrity of its tensors, and how
// much memory running it takes. Reads config files, tokenizer_config.json and safetensors
// headers only, so a 140 GB checkpoint is inspected in milliseconds.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_INSPECT_H
#define INFERNO_COMPILER_FRONTEND_INSPECT_H

#include "compiler/frontend/Dtype.h"
#include "compiler/frontend/ModelConfig.h"
#include "compiler/frontend/Quantization.h"
#include "compiler/frontend/WeightManifest.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace inferno {

/// The facts a variant is decided from.
struct VariantEvidence {
  std::vector<std::string> architectures;
  int64_t vocabSize = 0;
  std::string ropeScaling; // "none", "linear", "llama3"
  double ropeFactor = 1.0;
  double ropeTheta = 0;
  int64_t numLayers = 0, hiddenSize = 0, numHeads = 0, numKvHeads = 0;
  bool tiedEmbeddings = false;
  /// The tokenizer's BOS string (tokenizer_config.json, else tokenizer.json's added token).
  std::optional<std::string> tokenizerBos;
  std::optional<std::string> quantizationMethod;
  /// Sentences saying which facts decided the variant.
  std::vector<std::string> reasons;
};

/// "llama-3.1", "llama-3.2", "tinyllama", "deepseek-r1-distill-llama", "llama-2" or "llama".
std::string detectVariant(VariantEvidence &evidence);

/// What running the model takes, for one context length, target and weight dtype.
struct MemoryEstimate {
  std::string target;   // "cpu" or "cuda"
  std::string dtype;    // weight storage dtype the estimate assumes ("bf16", "as stored", ...)
  std::string kvDtype;  // "f32" on the CPU runtime
  int64_t context = 0;
  uint64_t weightsBytes = 0;       // exact sum of stored tensor bytes
  uint64_t loadedWeightsBytes = 0; // the weights the engine maps, in `dtype`
  uint64_t kvCacheBytesPerToken = 0;
  uint64_t kvCacheBytes = 0;
  uint64_t activationBytes = 0;    // scratch arena and logits
  uint64_t runtimeBytes = 0;       // code, tokenizer, allocator
  uint64_t totalBytes = 0;
  uint64_t capacityBytes = 0;      // what it is compared with
  std::string capacitySource;      // "MemTotal", "--memory", "80 GiB GPU"
  bool fits = false;
  std::vector<std::string> suggestions; // when it does not fit: what would
};

struct InspectOptions {
  /// Positions the KV cache holds; 0: as `compile` picks (the model's, at most 4096).
  int64_t context = 0;
  std::string target = "cpu";
  /// Weight storage dtype; nullopt: as stored.
  std::optional<Dtype> dtype;
  int64_t maxBatch = 64;
  /// With target "cuda": the KV cache's element type (fp8, bf16, f16, f32); empty: as
  /// `compile` picks.
  std::string kvDtype;
  /// Capacity to compare with; nullopt: the machine's MemTotal (cpu) or one 80 GiB GPU (cuda).
  std::optional<uint64_t> memoryBytes;
};

struct InspectReport {
  std::string directory;
  ModelConfig config;
  std::string variant;
  VariantEvidence evidence;
  std::optional<QuantizationScheme> quantization;
  /// Modules the quantization covers and those it leaves dense (ignored or untargeted).
  std::vector<std::string> quantizedModules, denseLinearModules;

  uint64_t parameters = 0;       // elements of every weight tensor (scales excluded)
  uint64_t scaleElements = 0;    // elements of quantization scales / zero points
  int64_t tensors = 0;
  int64_t shards = 0;
  std::map<std::string, uint64_t> dtypeBytes; // storage dtype -> bytes
  uint64_t weightsBytes = 0;

  std::vector<ManifestProblem> problems;
  /// No integrity error: every tensor the config needs is there with the right shape, dtype
  /// and bytes.
  bool usable = false;
  /// Why `compile` would refuse it even though it is intact (e.g. quantized weights).
  std::optional<std::string> compileRefusal;

  MemoryEstimate memory;
};

/// Inspects a model directory. Fails (a message naming the file) only when there is nothing to
/// describe: no config.json, one this compiler cannot read, or no weights listing at all.
/// Everything else -- missing shards, corrupt headers, missing tensors -- is in `problems`.
absl::StatusOr<InspectReport> inspectModelDirectory(const std::string &directory,
                                                    const InspectOptions &options);

/// The memory estimate alone, from a config and its manifest.
MemoryEstimate estimateMemory(const ModelConfig &config, const WeightManifest &manifest,
                              const QuantizationScheme *quantization,
                              uint64_t tokenizerFileBytes, const InspectOptions &options);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_INSPECT_H
