//===- ModelDirectory.cpp - a Hugging Face model directory as plain data ---===//

#include "compiler/frontend/ModelDirectory.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <algorithm>
#include <filesystem>

namespace inferno {
namespace {
namespace fs = std::filesystem;

void appendUnique(std::vector<int64_t> &ids, const std::vector<int64_t> &more) {
  for (int64_t id : more)
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      ids.push_back(id);
}
} // namespace

absl::StatusOr<LoadedModel> loadModelDirectory(const std::string &directory) {
  std::error_code ec;
  if (!fs::exists(directory, ec))
    return absl::NotFoundError(absl::StrCat(directory, ": no such directory"));
  if (!fs::is_directory(directory, ec))
    return absl::InvalidArgumentError(absl::StrCat(directory, ": not a directory"));
  if (fs::is_empty(directory, ec))
    return absl::InvalidArgumentError(absl::StrCat(
        directory, ": empty directory (expected config.json and safetensors weights)"));

  LoadedModel model;
  ModelSpec &spec = model.spec;
  spec.directory = directory;
  spec.name = fs::path(directory).lexically_normal().filename().string();
  if (spec.name.empty())
    spec.name = fs::path(directory).lexically_normal().parent_path().filename().string();

  fs::path configPath = fs::path(directory) / "config.json";
  if (!fs::exists(configPath, ec))
    return absl::NotFoundError(absl::StrCat(configPath.string(), ": missing (every Hugging Face "
                                            "model directory has a config.json)"));
  INFERNO_ASSIGN_OR_RETURN(spec.config, parseModelConfig(configPath.string()));
  if (spec.config.quantizationConfig)
    return absl::UnimplementedError(absl::StrCat(
        configPath.string(), ": quantized checkpoints (quantization_config) are not supported yet"));

  fs::path generationPath = fs::path(directory) / "generation_config.json";
  if (fs::exists(generationPath, ec))
    INFERNO_ASSIGN_OR_RETURN(spec.generation, parseGenerationConfig(generationPath.string()));

  spec.bosTokenId = spec.config.bosTokenId;
  spec.eosTokenIds = spec.config.eosTokenIds;
  if (spec.generation) {
    if (spec.generation->bosTokenId)
      spec.bosTokenId = spec.generation->bosTokenId;
    appendUnique(spec.eosTokenIds, spec.generation->eosTokenIds);
  }
  for (int64_t id : spec.eosTokenIds)
    if (id >= spec.config.vocabSize)
      return absl::InvalidArgumentError(absl::StrCat(directory, ": eos token id ", id,
                                                     " is outside the vocabulary (",
                                                     spec.config.vocabSize, " tokens)"));
  if (spec.bosTokenId && *spec.bosTokenId >= spec.config.vocabSize)
    return absl::InvalidArgumentError(absl::StrCat(directory, ": bos token id ", *spec.bosTokenId,
                                                   " is outside the vocabulary (",
                                                   spec.config.vocabSize, " tokens)"));

  INFERNO_ASSIGN_OR_RETURN(model.manifest, loadWeightManifest(directory));

  std::vector<std::string> errors;
  for (ManifestProblem &problem : validateManifest(spec.config, model.manifest))
    (problem.severity == ManifestProblem::Error ? errors : model.warnings)
        .push_back(std::move(problem.message));
  if (!errors.empty()) {
    std::string message = errors.front();
    if (errors.size() > 1)
      absl::StrAppend(&message, " (and ", errors.size() - 1, " more problems)");
    return absl::InvalidArgumentError(message);
  }
  return model;
}

} // namespace inferno
