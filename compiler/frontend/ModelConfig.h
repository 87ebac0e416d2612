//===- ModelConfig.h - config.json and generation_config.json ---*- C++ -*-===//

#ifndef INFERNO_COMPILER_FRONTEND_MODELCONFIG_H
#define INFERNO_COMPILER_FRONTEND_MODELCONFIG_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inferno {

enum class RopeScalingKind { None, Linear, Llama3 };

struct RopeScaling {
  RopeScalingKind kind = RopeScalingKind::None;
  double factor = 1.0;
  // llama3 only.
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPositions = 0;
};

/// The hyper-parameters of a Llama decoder, as config.json states them (with Hugging Face's
/// defaults for absent optional fields).
struct ModelConfig {
  std::string path; // of config.json, for messages
  std::vector<std::string> architectures;
  std::string modelType;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  bool headDimExplicit = false; // config.json had head_dim
  int64_t vocabSize = 0;
  int64_t maxPositions = 0;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  RopeScaling ropeScaling;
  bool tieWordEmbeddings = false;
  std::optional<int64_t> bosTokenId;
  std::vector<int64_t> eosTokenIds;
  std::string torchDtype; // "bfloat16", "float32", ... or empty
  /// The raw quantization_config object (JSON text), recorded for the quantization passes.
  std::optional<std::string> quantizationConfig;
};

/// generation_config.json: only what generation needs.
struct GenerationConfig {
  std::optional<int64_t> bosTokenId;
  std::vector<int64_t> eosTokenIds;
};

/// Parses config.json. Errors name the file and the field: missing required fields, wrong
/// types, values out of range, or a model this compiler does not handle (not model_type
/// "llama", biases, an activation other than SiLU, an unknown rope_scaling type).
absl::StatusOr<ModelConfig> parseModelConfig(const std::string &path);
absl::StatusOr<ModelConfig> parseModelConfigText(const std::string &text, const std::string &path);

/// Parses generation_config.json.
absl::StatusOr<GenerationConfig> parseGenerationConfig(const std::string &path);
absl::StatusOr<GenerationConfig> parseGenerationConfigText(const std::string &text,
                                                           const std::string &path);

/// Reads a whole file; NotFound names the path.
absl::StatusOr<std::string> readFile(const std::string &path);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_MODELCONFIG_H
