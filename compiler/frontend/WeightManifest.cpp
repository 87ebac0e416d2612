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

absl::Status addFile(WeightManifest &manifest, const std::string &file,
                     const std::set<std::string> *onlyThese) {
  std::string path = (fs::path(manifest.directory) / file).string();
  SafetensorsHeader header;
  INFERNO_ASSIGN_OR_RETURN(header, readSafetensorsHeader(path));
  for (TensorInfo &tensor : header.tensors) {
    if (onlyThese && !onlyThese->count(tensor.name)) {
      manifest.warnings.push_back(absl::StrCat(path, ": tensor '", tensor.name,
                                               "' is not listed for this file in the index and is ignored"));
      continue;
    }
    if (manifest.tensors.count(tensor.name))
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", tensor.name,
                                                     "' also appears in '",
                                                     manifest.tensors[tensor.name].file, "'"));
    ManifestTensor entry;
    static_cast<TensorInfo &>(entry) = std::move(tensor);
    entry.file = file;
    manifest.tensors.emplace(entry.name, std::move(entry));
  }
  return absl::OkStatus();
}

absl::Status loadIndex(WeightManifest &manifest) {
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
    if (!fs::exists(fs::path(manifest.directory) / file))
      return indexError(path, absl::StrCat("names shard '", file, "' (for tensor '",
                                           *shardTensors[file].begin(), "'), which does not exist"));
    INFERNO_RETURN_IF_ERROR(addFile(manifest, file, &shardTensors[file]));
    for (const std::string &name : shardTensors[file])
      if (!manifest.tensors.count(name))
        return indexError(path, absl::StrCat("maps tensor '", name, "' to shard '", file,
                                             "', which does not hold it"));
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

absl::StatusOr<WeightManifest> loadWeightManifest(const std::string &directory) {
  WeightManifest manifest;
  manifest.directory = directory;
  if (fs::exists(fs::path(directory) / kIndexFile)) {
    manifest.indexFile = kIndexFile;
    INFERNO_RETURN_IF_ERROR(loadIndex(manifest));
    return manifest;
  }
  if (fs::exists(fs::path(directory) / kSingleFile)) {
    manifest.files.push_back(kSingleFile);
    INFERNO_RETURN_IF_ERROR(addFile(manifest, kSingleFile, nullptr));
    return manifest;
  }
  return absl::NotFoundError(absl::StrCat(directory, ": no ", kSingleFile, " or ", kIndexFile));
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig &c) {
  const int64_t hidden = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim,
                ffn = c.intermediateSize;
  std::vector<ExpectedTensor> table;
  table.push_back({"model.embed_tokens.weight", WeightRole::Embedding, -1, {c.vocabSize, hidden}});
  for (int64_t i = 0; i < c.numLayers; ++i) {
    std::string p = absl::StrCat("model.layers.", i, ".");
    table.push_back({p + "input_layernorm.weight", WeightRole::AttentionNorm, i, {hidden}});
    table.push_back({p + "self_attn.q_proj.weight", WeightRole::QueryProj, i, {q, hidden}});
    table.push_back({p + "self_attn.k_proj.weight", WeightRole::KeyProj, i, {kv, hidden}});
    table.push_back({p + "self_attn.v_proj.weight", WeightRole::ValueProj, i, {kv, hidden}});
    table.push_back({p + "self_attn.o_proj.weight", WeightRole::OutputProj, i, {hidden, q}});
    table.push_back({p + "post_attention_layernorm.weight", WeightRole::MlpNorm, i, {hidden}});
    table.push_back({p + "mlp.gate_proj.weight", WeightRole::GateProj, i, {ffn, hidden}});
    table.push_back({p + "mlp.up_proj.weight", WeightRole::UpProj, i, {ffn, hidden}});
    table.push_back({p + "mlp.down_proj.weight", WeightRole::DownProj, i, {hidden, ffn}});
  }
  table.push_back({"model.norm.weight", WeightRole::FinalNorm, -1, {hidden}});
  if (!c.tieWordEmbeddings)
    table.push_back({"lm_head.weight", WeightRole::LMHead, -1, {c.vocabSize, hidden}});
  return table;
}

std::vector<ManifestProblem> validateManifest(const ModelConfig &config,
                                              const WeightManifest &manifest) {
  std::vector<ManifestProblem> problems;
  auto error = [&](std::string m) { problems.push_back({ManifestProblem::Error, std::move(m)}); };
  auto warning = [&](std::string m) {
    problems.push_back({ManifestProblem::Warning, std::move(m)});
  };
  auto where = [&](const ManifestTensor &t) {
    return (fs::path(manifest.directory) / t.file).string();
  };

  std::set<std::string> known;
  for (const ExpectedTensor &expected : expectedTensors(config)) {
    known.insert(expected.name);
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
    else if (!isFloatWeightDtype(t.dtype))
      error(absl::StrCat(where(t), ": tensor '", t.name, "' has dtype ", dtypeName(t.dtype),
                         "; dense weights must be F32, F16 or BF16"));
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
