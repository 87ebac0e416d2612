//===- WeightManifest.h - where every checkpoint tensor lives ---*- C++ -*-===//
//
// The manifest lists every tensor of a checkpoint (one safetensors file, or shards through
// model.safetensors.index.json) with its file, offset, dtype and shape. The weight-name table
// says which tensors a Llama decoder of a given config needs; the validator compares the two.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_WEIGHTMANIFEST_H
#define INFERNO_COMPILER_FRONTEND_WEIGHTMANIFEST_H

#include "compiler/frontend/ModelConfig.h"
#include "compiler/frontend/Quantization.h"
#include "compiler/frontend/Safetensors.h"

#include "absl/status/statusor.h"

#include <map>
#include <string>
#include <vector>

namespace inferno {

struct ManifestTensor : TensorInfo {
  /// The file holding the tensor, relative to the model directory.
  std::string file;
};

struct WeightManifest {
  std::string directory;
  /// model.safetensors.index.json when sharded, else empty.
  std::string indexFile;
  /// Every safetensors file, relative to the directory, in index order.
  std::vector<std::string> files;
  std::map<std::string, ManifestTensor> tensors;
  /// Problems that do not stop loading (e.g. the index's total_size disagreeing with the files).
  std::vector<std::string> warnings;

  uint64_t totalBytes() const;
};

/// Reads the safetensors headers of a model directory: the files named by
/// model.safetensors.index.json when present (never guessing shard names), else
/// model.safetensors. Only headers are read.
absl::StatusOr<WeightManifest> loadWeightManifest(const std::string &directory);

/// The same, but a file that cannot be read (missing shard, corrupt header) is recorded in
/// `problems` and skipped instead of stopping: `inspect` reports everything it finds. Fails
/// only when there is nothing to list (no weights file, an unreadable index).
absl::StatusOr<WeightManifest> loadWeightManifestCollecting(const std::string &directory,
                                                            std::vector<std::string> &problems);

/// What a tensor is for in the decoder.
enum class WeightRole {
  Embedding, AttentionNorm, QueryProj, KeyProj, ValueProj, OutputProj,
  MlpNorm, GateProj, UpProj, DownProj, FinalNorm, LMHead,
};

/// What a tensor holds: a dense weight, a quantized weight (int8, fp8), or the scales that
/// dequantize one.
enum class TensorKind { Dense, QuantizedWeight, WeightScale };

/// How a checkpoint names its tensors. Hugging Face's is the only one read today; another
/// (Meta's consolidated names, GGUF's) would be another table of the same roles.
enum class TensorNaming { HuggingFace };

struct ExpectedTensor {
  std::string name;
  WeightRole role;
  int64_t layer; // -1 outside the decoder layers
  std::vector<int64_t> shape;
  TensorKind kind = TensorKind::Dense;
  /// The module the tensor belongs to ("model.layers.0.self_attn.q_proj"), as quantization
  /// configs name modules.
  std::string module;
};

/// The weight-name table: every tensor a LlamaForCausalLM checkpoint of this config holds,
/// with its shape. The one place that knows the checkpoint's naming scheme. With a
/// quantization scheme, each linear module it covers has a quantized weight and its scales.
std::vector<ExpectedTensor> expectedTensors(const ModelConfig &config,
                                            const QuantizationScheme *quantization = nullptr,
                                            TensorNaming naming = TensorNaming::HuggingFace);

struct ManifestProblem {
  enum Severity { Error, Warning } severity;
  std::string message;
};

/// Compares a manifest with what the config needs: missing tensors, wrong shapes, dtypes a
/// dense weight cannot have (errors), and unexpected tensors (warnings).
std::vector<ManifestProblem> validateManifest(const ModelConfig &config,
                                              const WeightManifest &manifest,
                                              const QuantizationScheme *quantization = nullptr);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_WEIGHTMANIFEST_H
