//===- Quantization.h - quantization_config of a checkpoint -----*- C++ -*-===//
//
// What a quantized checkpoint says about itself: config.json's quantization_config, read into
// plain data. Today only compressed-tensors (llm-compressor's format) is understood; `inspect`
// describes it and the weight-name table uses it to know which tensors are int8 and which
// carry scales. Executing quantized weights is for the quantization passes.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_QUANTIZATION_H
#define INFERNO_COMPILER_FRONTEND_QUANTIZATION_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inferno {

/// One side of a config group: how weights or input activations are quantized.
struct QuantizationArgs {
  int64_t numBits = 8;
  std::string type = "int"; // "int" or "float"
  bool symmetric = true;
  bool dynamic = false;
  /// "tensor", "channel", "group", "block" or "token".
  std::string strategy;
  std::optional<int64_t> groupSize;
};

/// A compressed-tensors config group: which modules (targets) it quantizes and how.
struct QuantizationGroup {
  std::string name;
  /// Layer class names ("Linear"), module names, or "re:" regexes over module names.
  std::vector<std::string> targets;
  std::optional<QuantizationArgs> weights;
  std::optional<QuantizationArgs> inputActivations;
};

struct QuantizationScheme {
  std::string method; // quant_method: "compressed-tensors"
  std::string format; // "int-quantized", "float-quantized", "pack-quantized", ...
  std::vector<QuantizationGroup> groups;
  /// Modules left dense: names or "re:" regexes (Python re.match: anchored at the start).
  std::vector<std::string> ignore;
  std::optional<std::string> kvCacheScheme; // JSON text when present

  /// A short name for the scheme: "w8a8-int8", "w8a16-int8", "w4a16-int", "w8a8-fp8", ...
  /// from the first group's weights and input activations.
  std::string schemeName() const;
};

/// Parses quantization_config (the JSON text config.json holds). `path` names config.json in
/// messages. A method other than compressed-tensors, or a group this reader does not
/// understand, is an error naming the field.
absl::StatusOr<QuantizationScheme> parseQuantizationConfig(const std::string &text,
                                                           const std::string &path);

/// Whether the compiler can execute the scheme: compressed-tensors `int-quantized` w8a8 int8
/// (symmetric per-channel int8 weights, int8 activations quantized per token at run time, no
/// quantized KV cache). Anything else is an error naming `path` and the field that rules it out.
absl::Status checkCompilable(const QuantizationScheme &scheme, const std::string &path);

/// The group that quantizes module `module` (a Hugging Face module name such as
/// "model.layers.0.self_attn.q_proj") of class `moduleClass` ("Linear"), or -1 when the module
/// is ignored or no group targets it.
int quantizationGroupOf(const QuantizationScheme &scheme, const std::string &module,
                        const std::string &moduleClass);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_QUANTIZATION_H
