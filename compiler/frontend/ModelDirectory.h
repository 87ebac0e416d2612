//===- ModelDirectory.h - a Hugging Face model directory as plain data -*- C++ -*-===//
//
// The frontend's output: everything the compiler needs to know about a model directory,
// read from config.json, generation_config.json and the safetensors headers, checked against
// each other. Knows nothing of MLIR, so `inspect`, the importer and tests all share it.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_MODELDIRECTORY_H
#define INFERNO_COMPILER_FRONTEND_MODELDIRECTORY_H

#include "compiler/frontend/ModelConfig.h"
#include "compiler/frontend/WeightManifest.h"

#include "absl/status/statusor.h"

#include <optional>
#include <string>
#include <vector>

namespace inferno {

struct ModelSpec {
  std::string directory;
  /// A short name for the model: the directory's last component.
  std::string name;
  ModelConfig config;
  std::optional<GenerationConfig> generation;
  /// generation_config.json's BOS when given, else config.json's.
  std::optional<int64_t> bosTokenId;
  /// Generation stops at any of these: the union of config.json's and generation_config.json's
  /// eos ids, in first-seen order.
  std::vector<int64_t> eosTokenIds;
};

struct LoadedModel {
  ModelSpec spec;
  WeightManifest manifest;
  /// config.json's quantization_config, when the checkpoint is quantized (only schemes the
  /// compiler can execute get this far: checkCompilable).
  std::optional<QuantizationScheme> quantization;
  /// Non-fatal problems (unexpected tensors, ...), each a full message.
  std::vector<std::string> warnings;
};

/// Reads and cross-checks a model directory. The error names the file and the problem; when
/// several problems exist it reports the first and how many more there are.
absl::StatusOr<LoadedModel> loadModelDirectory(const std::string &directory);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_MODELDIRECTORY_H
