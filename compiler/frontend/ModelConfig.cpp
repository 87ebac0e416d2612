//===- ModelConfig.cpp - config.json and generation_config.json ----------===//

#include "compiler/frontend/ModelConfig.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace inferno {
namespace {
using json = nlohmann::json;

/// Field accessors that turn every wrong or missing value into one message naming the field.
class Fields {
public:
  Fields(const json &object, const std::string &path) : object_(object), path_(path) {}

  absl::Status error(absl::string_view field, absl::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": field '", field, "' ", problem));
  }

  bool has(const char *field) const {
    return object_.contains(field) && !object_[field].is_null();
  }

  absl::StatusOr<int64_t> positiveInt(const char *field) const {
    if (!has(field))
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": missing required field '", field, "'"));
    return positiveIntValue(field, object_[field]);
  }

  absl::StatusOr<int64_t> positiveIntOr(const char *field, int64_t fallback) const {
    return has(field) ? positiveIntValue(field, object_[field]) : fallback;
  }

  absl::StatusOr<double> positiveNumberOr(const char *field, double fallback) const {
    if (!has(field))
      return fallback;
    const json &v = object_[field];
    if (!v.is_number())
      return error(field, "must be a number");
    double d = v.get<double>();
    if (!(d > 0.0) || !std::isfinite(d))
      return error(field, absl::StrCat("must be a positive finite number, got ",
                                       std::isfinite(d) ? v.dump() : absl::StrCat(d)));
    return d;
  }

  absl::StatusOr<bool> boolOr(const char *field, bool fallback) const {
    if (!has(field))
      return fallback;
    if (!object_[field].is_boolean())
      return error(field, "must be true or false");
    return object_[field].get<bool>();
  }

  absl::StatusOr<std::string> stringOr(const char *field, std::string fallback) const {
    if (!has(field))
      return fallback;
    if (!object_[field].is_string())
      return error(field, "must be a string");
    return object_[field].get<std::string>();
  }

  /// A token id or a list of them (eos_token_id is either).
  absl::StatusOr<std::vector<int64_t>> tokenIds(const char *field) const {
    std::vector<int64_t> ids;
    if (!has(field))
      return ids;
    const json &v = object_[field];
    auto one = [&](const json &x) -> absl::Status {
      if (!x.is_number_integer() || x.get<int64_t>() < 0)
        return error(field, "must hold non-negative token ids");
      ids.push_back(x.get<int64_t>());
      return absl::OkStatus();
    };
    if (v.is_array()) {
      for (const json &x : v)
        INFERNO_RETURN_IF_ERROR(one(x));
    } else {
      INFERNO_RETURN_IF_ERROR(one(v));
    }
    return ids;
  }

private:
  absl::StatusOr<int64_t> positiveIntValue(const char *field, const json &v) const {
    if (!v.is_number_integer())
      return error(field, absl::StrCat("must be an integer, got ", v.dump()));
    int64_t n = v.get<int64_t>();
    if (n <= 0)
      return error(field, absl::StrCat("must be positive, got ", n));
    // Products of these sizes are taken in 64 bits; no real model comes near this bound.
    if (n > (int64_t{1} << 32))
      return error(field, absl::StrCat("is implausibly large: ", n));
    return n;
  }

  const json &object_;
  const std::string &path_;
};

absl::StatusOr<json> parseJsonObject(const std::string &text, const std::string &path) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  if (!root.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  return root;
}

/// rope_scaling: null, {"type"|"rope_type": "linear", "factor"}, or llama3 with its four
/// parameters. "default" means none. Other kinds (dynamic, yarn, longrope) change the math,
/// so they are refused rather than ignored.
absl::Status parseRopeScaling(const json &root, const std::string &path, ModelConfig &config) {
  const json *scaling = nullptr;
  bool ropeParameters = false; // newer transformers fold theta and scaling into one object
  if (root.contains("rope_scaling") && !root["rope_scaling"].is_null()) {
    scaling = &root["rope_scaling"];
  } else if (root.contains("rope_parameters") && root["rope_parameters"].is_object()) {
    scaling = &root["rope_parameters"];
    ropeParameters = true;
  }
  if (!scaling)
    return absl::OkStatus();
  if (!scaling->is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": field 'rope_scaling' must be an object or null"));
  Fields f(*scaling, path);
  std::string kind;
  INFERNO_ASSIGN_OR_RETURN(kind, f.stringOr("rope_type", ""));
  if (kind.empty())
    INFERNO_ASSIGN_OR_RETURN(kind, f.stringOr("type", ""));
  if (ropeParameters || f.has("rope_theta"))
    INFERNO_ASSIGN_OR_RETURN(config.ropeTheta, f.positiveNumberOr("rope_theta", config.ropeTheta));
  RopeScaling &rope = config.ropeScaling;
  if (kind == "default" || (kind.empty() && !f.has("factor"))) {
    rope.kind = RopeScalingKind::None;
    return absl::OkStatus();
  }
  if (kind == "linear") {
    rope.kind = RopeScalingKind::Linear;
  } else if (kind == "llama3") {
    rope.kind = RopeScalingKind::Llama3;
    INFERNO_ASSIGN_OR_RETURN(rope.lowFreqFactor, f.positiveNumberOr("low_freq_factor", 1.0));
    INFERNO_ASSIGN_OR_RETURN(rope.highFreqFactor, f.positiveNumberOr("high_freq_factor", 4.0));
    INFERNO_ASSIGN_OR_RETURN(rope.originalMaxPositions, f.positiveInt("original_max_position_embeddings"));
    if (rope.highFreqFactor <= rope.lowFreqFactor)
      return f.error("rope_scaling", "needs high_freq_factor > low_freq_factor");
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unsupported rope_scaling type '", kind, "' (supported: linear, llama3)"));
  }
  if (!f.has("factor"))
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": field 'rope_scaling' needs a 'factor'"));
  INFERNO_ASSIGN_OR_RETURN(rope.factor, f.positiveNumberOr("factor", 1.0));
  if (rope.factor < 1.0)
    return f.error("rope_scaling.factor", "must be at least 1");
  return absl::OkStatus();
}
} // namespace

absl::StatusOr<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<ModelConfig> parseModelConfigText(const std::string &text, const std::string &path) {
  json root;
  INFERNO_ASSIGN_OR_RETURN(root, parseJsonObject(text, path));
  Fields f(root, path);
  ModelConfig c;
  c.path = path;

  INFERNO_ASSIGN_OR_RETURN(c.modelType, f.stringOr("model_type", ""));
  if (c.modelType != "llama")
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": model_type is '", c.modelType, "', expected 'llama' (a Llama-family model)"));
  if (f.has("architectures")) {
    if (!root["architectures"].is_array())
      return f.error("architectures", "must be a list of strings");
    for (const json &a : root["architectures"]) {
      if (!a.is_string())
        return f.error("architectures", "must be a list of strings");
      c.architectures.push_back(a.get<std::string>());
    }
  }

  INFERNO_ASSIGN_OR_RETURN(c.hiddenSize, f.positiveInt("hidden_size"));
  INFERNO_ASSIGN_OR_RETURN(c.intermediateSize, f.positiveInt("intermediate_size"));
  INFERNO_ASSIGN_OR_RETURN(c.numLayers, f.positiveInt("num_hidden_layers"));
  INFERNO_ASSIGN_OR_RETURN(c.numHeads, f.positiveInt("num_attention_heads"));
  INFERNO_ASSIGN_OR_RETURN(c.numKvHeads, f.positiveIntOr("num_key_value_heads", c.numHeads));
  INFERNO_ASSIGN_OR_RETURN(c.vocabSize, f.positiveInt("vocab_size"));
  INFERNO_ASSIGN_OR_RETURN(c.maxPositions, f.positiveIntOr("max_position_embeddings", 2048));
  INFERNO_ASSIGN_OR_RETURN(c.rmsNormEps, f.positiveNumberOr("rms_norm_eps", 1e-6));
  INFERNO_ASSIGN_OR_RETURN(c.ropeTheta, f.positiveNumberOr("rope_theta", 10000.0));
  INFERNO_ASSIGN_OR_RETURN(c.tieWordEmbeddings, f.boolOr("tie_word_embeddings", false));

  if (c.numHeads % c.numKvHeads != 0)
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": num_attention_heads (", c.numHeads, ") is not a multiple of num_key_value_heads (",
        c.numKvHeads, ")"));
  c.headDimExplicit = f.has("head_dim");
  if (c.headDimExplicit) {
    INFERNO_ASSIGN_OR_RETURN(c.headDim, f.positiveInt("head_dim"));
  } else {
    if (c.hiddenSize % c.numHeads != 0)
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": hidden_size (", c.hiddenSize, ") is not a multiple of num_attention_heads (",
          c.numHeads, ") and no head_dim is given"));
    c.headDim = c.hiddenSize / c.numHeads;
  }
  if (c.headDim % 2 != 0)
    return f.error("head_dim", absl::StrCat("must be even for rotary embedding, got ", c.headDim));
  // Each factor is at most 2^32 (positiveIntValue), so these products fit in 64 bits; the
  // tensor shapes and byte sizes computed from them later must, too.
  if (c.numHeads * c.headDim > (int64_t{1} << 32))
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": num_attention_heads x head_dim (", c.numHeads, " x ", c.headDim,
        ") is implausibly large"));
  for (int64_t rows : {c.vocabSize, c.intermediateSize, c.numHeads * c.headDim})
    if (rows * c.hiddenSize > (int64_t{1} << 40))
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": hidden_size (", c.hiddenSize, ") with vocab_size, intermediate_size or the "
          "attention width makes a weight matrix of over 2^40 elements"));

  // What the decoder computes must be what we implement: refuse variations, don't ignore them.
  std::string act;
  INFERNO_ASSIGN_OR_RETURN(act, f.stringOr("hidden_act", "silu"));
  if (act != "silu")
    return f.error("hidden_act", absl::StrCat("is '", act, "'; only 'silu' is supported"));
  for (const char *bias : {"attention_bias", "mlp_bias"}) {
    bool on = false;
    INFERNO_ASSIGN_OR_RETURN(on, f.boolOr(bias, false));
    if (on)
      return f.error(bias, "is true; biased projections are not supported");
  }
  INFERNO_RETURN_IF_ERROR(parseRopeScaling(root, path, c));

  std::vector<int64_t> bos;
  INFERNO_ASSIGN_OR_RETURN(bos, f.tokenIds("bos_token_id"));
  if (bos.size() > 1)
    return f.error("bos_token_id", "must be a single token id");
  if (!bos.empty())
    c.bosTokenId = bos.front();
  INFERNO_ASSIGN_OR_RETURN(c.eosTokenIds, f.tokenIds("eos_token_id"));
  INFERNO_ASSIGN_OR_RETURN(c.torchDtype, f.stringOr("torch_dtype", ""));
  if (c.torchDtype.empty())
    INFERNO_ASSIGN_OR_RETURN(c.torchDtype, f.stringOr("dtype", ""));
  if (f.has("quantization_config")) {
    if (!root["quantization_config"].is_object())
      return f.error("quantization_config", "must be an object");
    c.quantizationConfig = root["quantization_config"].dump();
  }
  return c;
}

absl::StatusOr<ModelConfig> parseModelConfig(const std::string &path) {
  std::string text;
  INFERNO_ASSIGN_OR_RETURN(text, readFile(path));
  return parseModelConfigText(text, path);
}

absl::StatusOr<GenerationConfig> parseGenerationConfigText(const std::string &text,
                                                           const std::string &path) {
  json root;
  INFERNO_ASSIGN_OR_RETURN(root, parseJsonObject(text, path));
  Fields f(root, path);
  GenerationConfig g;
  std::vector<int64_t> bos;
  INFERNO_ASSIGN_OR_RETURN(bos, f.tokenIds("bos_token_id"));
  if (bos.size() > 1)
    return f.error("bos_token_id", "must be a single token id");
  if (!bos.empty())
    g.bosTokenId = bos.front();
  INFERNO_ASSIGN_OR_RETURN(g.eosTokenIds, f.tokenIds("eos_token_id"));
  return g;
}

absl::StatusOr<GenerationConfig> parseGenerationConfig(const std::string &path) {
  std::string text;
  INFERNO_ASSIGN_OR_RETURN(text, readFile(path));
  return parseGenerationConfigText(text, path);
}

} // namespace inferno
