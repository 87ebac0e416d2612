//===- WeightManifest.cpp - where every checkpoint tensor lives ------------===//

#include "compiler/frontend/WeightManifest.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

namespace inferno {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char *kIndexFile = "model.safetensors.index.json";
constexpr const char *kSingleFile = "model.safetensors";

absl::Status indexError(const std::string &path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

/// A shard name must stay inside the model directory.
bool isPlainFileName(const std::string &name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

/// Problems that stop loading, unless the caller collects them (then the file or tensor is
/// skipped and loading goes on).
struct ProblemSink {
  std::vector<std::string> *collected = nullptr;
  absl::Status report(absl::Status status) {
    if (!collected || status.ok())
      return status;
    collected->push_back(std::string(status.message()));
    return absl::OkStatus();
  }
};

absl::Status addFile(WeightManifest &manifest, const std::string &file,
                     const std::set<std::string> *onlyThese, ProblemSink &sink) {
  std::string path = (fs::path(manifest.directory) / file).string();
  absl::StatusOr<SafetensorsHeader> header = readSafetensorsHeader(path);
  if (!header.ok())
    return sink.report(header.status());
  for (TensorInfo &tensor : header->tensors) {
    if (onlyThese && !onlyThese->count(tensor.name)) {
      manifest.warnings.push_back(absl::StrCat(path, ": tensor '", tensor.name,
                                               "' is not listed for this file in the index and is ignored"));
      continue;
    }
    if (manifest.tensors.count(tensor.name)) {
      INFERNO_RETURN_IF_ERROR(sink.report(absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor '", tensor.name, "' also appears in '",
                       manifest.tensors[tensor.name].file, "'"))));
      continue;
    }
    ManifestTensor entry;
    static_cast<TensorInfo &>(entry) = std::move(tensor);
    entry.file = file;
    manifest.tensors.emplace(entry.name, std::move(entry));
  }
  return absl::OkStatus();
}

absl::Status loadIndex(WeightManifest &manifest, ProblemSink &sink) {
  std::string path = (fs::path(manifest.directory) / kIndexFile).string();
  std::string text;
  INFERNO_ASSIGN_OR_RETURN(text, readFile(path));
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return indexError(path, "not valid JSON");
  if (!root.is_object() || !root.contains("weight_map") || !root["weight_map"].is_object())
    return indexError(path, "missing the 'weight_map' object");

  // Shards in order of first mention; the tensors each one should hold.
  std::map<std::string, std::set<std::string>> shardTensors;
  for (auto it = root["weight_map"].begin(); it != root["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      return indexError(path, absl::StrCat("weight_map entry '", it.key(), "' is not a file name"));
    std::string file = it.value().get<std::string>();
    if (!isPlainFileName(file))
      return indexError(path, absl::StrCat("weight_map entry '", it.key(), "' names '", file,
                                           "', which is not a file in the model directory"));
    if (!shardTensors.count(file))
      manifest.files.push_back(file);
    shardTensors[file].insert(it.key());
  }
  if (manifest.files.empty())
    return indexError(path, "weight_map is empty");

  for (const std::string &file : manifest.files) {
    if (!fs::exists(fs::path(manifest.directory) / file)) {
      INFERNO_RETURN_IF_ERROR(sink.report(indexError(
          path, absl::StrCat("names shard '", file, "' (for tensor '",
                             *shardTensors[file].begin(), "'), which does not exist"))));
      continue;
    }
    size_t before = sink.collected ? sink.collected->size() : 0;
    INFERNO_RETURN_IF_ERROR(addFile(manifest, file, &shardTensors[file], sink));
    if (sink.collected && sink.collected->size() != before)
      continue; // the shard's own problem is reported; its tensors would only repeat it
    for (const std::string &name : shardTensors[file])
      if (!manifest.tensors.count(name))
        INFERNO_RETURN_IF_ERROR(sink.report(indexError(
            path, absl::StrCat("maps tensor '", name, "' to shard '", file,
                               "', which does not hold it"))));
  }

  // Only informative, so a wrong value is a warning; but converting a float or a negative
  // number to a byte count would be undefined behaviour, so it must be a non-negative integer.
  if (root.contains("metadata") && root["metadata"].is_object() &&
      root["metadata"].contains("total_size")) {
    const json &total = root["metadata"]["total_size"];
    if (!total.is_number_unsigned()) {
      manifest.warnings.push_back(absl::StrCat(path, ": metadata.total_size is ", total.dump(),
                                               ", not a byte count; ignored"));
      return absl::OkStatus();
    }
    uint64_t stated = total.get<uint64_t>();
    if (stated != manifest.totalBytes())
      manifest.warnings.push_back(absl::StrCat(path, ": metadata.total_size is ", stated,
                                               " but the tensors hold ", manifest.totalBytes(),
                                               " bytes"));
  }
  return absl::OkStatus();
}

std::string shapeText(const std::vector<int64_t> &shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}
} // namespace

uint64_t WeightManifest::totalBytes() const {
  uint64_t total = 0;
  for (const auto &[name, tensor] : tensors)
    total += tensor.byteSize;
  return total;
}

static absl::StatusOr<WeightManifest> loadManifest(const std::string &directory,
                                                   ProblemSink &sink) {
  WeightManifest manifest;
  manifest.directory = directory;
  if (fs::exists(fs::path(directory) / kIndexFile)) {
    manifest.indexFile = kIndexFile;
    INFERNO_RETURN_IF_ERROR(loadIndex(manifest, sink));
    return manifest;
  }
  if (fs::exists(fs::path(directory) / kSingleFile)) {
    manifest.files.push_back(kSingleFile);
    ProblemSink strict; // a single unreadable file leaves nothing to describe
    INFERNO_RETURN_IF_ERROR(addFile(manifest, kSingleFile, nullptr, strict));
    return manifest;
  }
  return absl::NotFoundError(absl::StrCat(directory, ": no ", kSingleFile, " or ", kIndexFile));
}

absl::StatusOr<WeightManifest> loadWeightManifest(const std::string &directory) {
  ProblemSink strict;
  return loadManifest(directory, strict);
}

absl::StatusOr<WeightManifest> loadWeightManifestCollecting(const std::string &directory,
                                                            std::vector<std::string> &problems) {
  ProblemSink sink{&problems};
  return loadManifest(directory, sink);
}

namespace {
/// One row of a naming table: a role and its module name, `{i}` standing for the layer index.
/// Every weight is `MODULE.weight`; quantized linears add `MODULE.weight_scale`.
struct TensorNameRule {
  WeightRole role;
  const char *module;
  bool linear; // a Linear module (what quantization configs target)
};

// Hugging Face's LlamaForCausalLM, in the order its state dict lists them.
constexpr TensorNameRule kHuggingFaceNames[] = {
    {WeightRole::Embedding, "model.embed_tokens", false},
    {WeightRole::AttentionNorm, "model.layers.{i}.input_layernorm", false},
    {WeightRole::QueryProj, "model.layers.{i}.self_attn.q_proj", true},
    {WeightRole::KeyProj, "model.layers.{i}.self_attn.k_proj", true},
    {WeightRole::ValueProj, "model.layers.{i}.self_attn.v_proj", true},
    {WeightRole::OutputProj, "model.layers.{i}.self_attn.o_proj", true},
    {WeightRole::MlpNorm, "model.layers.{i}.post_attention_layernorm", false},
    {WeightRole::GateProj, "model.layers.{i}.mlp.gate_proj", true},
    {WeightRole::UpProj, "model.layers.{i}.mlp.up_proj", true},
    {WeightRole::DownProj, "model.layers.{i}.mlp.down_proj", true},
    {WeightRole::FinalNorm, "model.norm", false},
    {WeightRole::LMHead, "lm_head", true},
};

std::vector<int64_t> roleShape(WeightRole role, const ModelConfig &c) {
  const int64_t hidden = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim,
                ffn = c.intermediateSize;
  switch (role) {
  case WeightRole::Embedding:
  case WeightRole::LMHead:
    return {c.vocabSize, hidden};
  case WeightRole::AttentionNorm:
  case WeightRole::MlpNorm:
  case WeightRole::FinalNorm:
    return {hidden};
  case WeightRole::QueryProj:
    return {q, hidden};
  case WeightRole::KeyProj:
  case WeightRole::ValueProj:
    return {kv, hidden};
  case WeightRole::OutputProj:
    return {hidden, q};
  case WeightRole::GateProj:
  case WeightRole::UpProj:
    return {ffn, hidden};
  case WeightRole::DownProj:
    return {hidden, ffn};
  }
  return {};
}

bool perLayer(const TensorNameRule &rule) {
  return std::string_view(rule.module).find("{i}") != std::string_view::npos;
}

/// Shape of the scales of a quantized [out, in] weight, by the weights' strategy.
std::vector<int64_t> scaleShape(const QuantizationArgs &w, const std::vector<int64_t> &shape) {
  if (w.strategy == "channel")
    return {shape[0], 1};
  if (w.strategy == "group" && w.groupSize)
    return {shape[0], (shape[1] + *w.groupSize - 1) / *w.groupSize};
  return {1}; // tensor
}

void addModule(std::vector<ExpectedTensor> &table, const TensorNameRule &rule, int64_t layer,
               const ModelConfig &c, const QuantizationScheme *quantization) {
  std::string module = rule.module;
  if (size_t at = module.find("{i}"); at != std::string::npos)
    module.replace(at, 3, std::to_string(layer));
  std::vector<int64_t> shape = roleShape(rule.role, c);
  int group = quantization && rule.linear
                  ? quantizationGroupOf(*quantization, module, "Linear")
                  : -1;
  if (group < 0 || !quantization->groups[group].weights) {
    table.push_back({module + ".weight", rule.role, layer, shape, TensorKind::Dense, module});
    return;
  }
  const QuantizationArgs &w = *quantization->groups[group].weights;
  table.push_back({module + ".weight", rule.role, layer, shape, TensorKind::QuantizedWeight,
                   module});
  table.push_back({module + ".weight_scale", rule.role, layer, scaleShape(w, shape),
                   TensorKind::WeightScale, module});
}
} // namespace

std::vector<ExpectedTensor> expectedTensors(const ModelConfig &c,
                                            const QuantizationScheme *quantization,
                                            TensorNaming naming) {
  (void)naming; // one naming table so far
  std::vector<ExpectedTensor> table;
  for (const TensorNameRule &rule : kHuggingFaceNames)
    if (!perLayer(rule) && rule.role == WeightRole::Embedding)
      addModule(table, rule, -1, c, quantization);
  for (int64_t i = 0; i < c.numLayers; ++i)
    for (const TensorNameRule &rule : kHuggingFaceNames)
      if (perLayer(rule))
        addModule(table, rule, i, c, quantization);
  for (const TensorNameRule &rule : kHuggingFaceNames)
    if (!perLayer(rule) && rule.role != WeightRole::Embedding &&
        !(rule.role == WeightRole::LMHead && c.tieWordEmbeddings))
      addModule(table, rule, -1, c, quantization);
  return table;
}

std::vector<ManifestProblem> validateManifest(const ModelConfig &config,
                                              const WeightManifest &manifest,
                                              const QuantizationScheme *quantization) {
  std::vector<ManifestProblem> problems;
  auto error = [&](std::string m) { problems.push_back({ManifestProblem::Error, std::move(m)}); };
  auto warning = [&](std::string m) {
    problems.push_back({ManifestProblem::Warning, std::move(m)});
  };
  auto where = [&](const ManifestTensor &t) {
    return (fs::path(manifest.directory) / t.file).string();
  };

  std::set<std::string> known;
  for (const ExpectedTensor &expected : expectedTensors(config, quantization)) {
    known.insert(expected.name);
    if (expected.kind == TensorKind::QuantizedWeight) // symmetric: older writers add zeros
      known.insert(expected.module + ".weight_zero_point");
    auto it = manifest.tensors.find(expected.name);
    if (it == manifest.tensors.end()) {
      std::string hint = expected.role == WeightRole::LMHead
                             ? " (config.json says tie_word_embeddings is false)"
                             : "";
      // Name the file that should list it: the index when sharded, else the one file.
      std::string listing = manifest.indexFile.empty() ? manifest.files.front() : manifest.indexFile;
      error(absl::StrCat((fs::path(manifest.directory) / listing).string(), ": missing tensor '",
                         expected.name, "'", hint));
      continue;
    }
    const ManifestTensor &t = it->second;
    if (t.shape != expected.shape)
      error(absl::StrCat(where(t), ": tensor '", t.name, "' has shape ", shapeText(t.shape),
                         " but config.json implies ", shapeText(expected.shape)));
    else if (expected.kind == TensorKind::QuantizedWeight) {
      if (t.dtype != Dtype::I8 && t.dtype != Dtype::F8_E4M3)
        error(absl::StrCat(where(t), ": tensor '", t.name, "' has dtype ", dtypeName(t.dtype),
                           "; quantization_config makes it a quantized weight (I8 or F8_E4M3)"));
    } else if (!isFloatWeightDtype(t.dtype))
      error(absl::StrCat(where(t), ": tensor '", t.name, "' has dtype ", dtypeName(t.dtype),
                         expected.kind == TensorKind::WeightScale
                             ? "; weight scales must be F32, F16 or BF16"
                             : "; dense weights must be F32, F16 or BF16"));
  }
  for (const auto &[name, t] : manifest.tensors) {
    if (known.count(name))
      continue;
    if (name == "lm_head.weight" && config.tieWordEmbeddings)
      warning(absl::StrCat(where(t), ": tensor 'lm_head.weight' is ignored: config.json ties the "
                           "output projection to the embedding, as Hugging Face does"));
    else
      warning(absl::StrCat(where(t), ": unexpected tensor '", name, "' is ignored"));
  }
  for (const std::string &w : manifest.warnings)
    warning(w);
  return problems;
}

} // namespace inferno
