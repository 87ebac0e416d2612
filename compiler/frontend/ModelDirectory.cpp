//===- ModelDirectory.cpp - a Hugging Face model directory as plain data ---===//

#include "compiler/frontend/ModelDirectory.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace inferno {
namespace {
namespace fs = std::filesystem;

void appendUnique(std::vector<int64_t> &ids, const std::vector<int64_t> &more) {
  for (int64_t id : more)
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      ids.push_back(id);
}
/// Symmetric schemes have no zero points, but older compressed-tensors writers still store an
/// all-zero `X.weight_zero_point`: accepted when every byte is zero, refused otherwise.
absl::Status checkZeroPoints(const LoadedModel &model) {
  for (const ExpectedTensor &expected :
       expectedTensors(model.spec.config, &*model.quantization)) {
    if (expected.kind != TensorKind::QuantizedWeight)
      continue;
    auto it = model.manifest.tensors.find(expected.module + ".weight_zero_point");
    if (it == model.manifest.tensors.end())
      continue;
    const ManifestTensor &t = it->second;
    std::string path = (fs::path(model.manifest.directory) / t.file).string();
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(t.fileOffset));
    std::vector<char> bytes(t.byteSize);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
      return absl::DataLossError(absl::StrCat(path, ": ends inside tensor '", t.name, "'"));
    if (std::any_of(bytes.begin(), bytes.end(), [](char b) { return b != 0; }))
      return absl::UnimplementedError(absl::StrCat(
          path, ": tensor '", t.name, "' is not all zero, but quantization_config says the "
          "weights are symmetric; asymmetric int8 weights cannot be compiled"));
  }
  return absl::OkStatus();
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
  if (spec.config.quantizationConfig) {
    absl::StatusOr<QuantizationScheme> scheme =
        parseQuantizationConfig(*spec.config.quantizationConfig, configPath.string());
    if (!scheme.ok())
      return scheme.status();
    INFERNO_RETURN_IF_ERROR(checkCompilable(*scheme, configPath.string()));
    model.quantization = std::move(*scheme);
  }

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
  // Ids outside the vocabulary would make generation stop never (eos) or index past the
  // embedding table (bos): name the file that says so.
  auto checkIds = [&](const std::string &file, std::optional<int64_t> bos,
                      const std::vector<int64_t> &eos) -> absl::Status {
    std::vector<int64_t> ids = eos;
    if (bos)
      ids.insert(ids.begin(), *bos);
    for (int64_t id : ids)
      if (id >= spec.config.vocabSize)
        return absl::InvalidArgumentError(
            absl::StrCat(file, ": token id ", id, " in ", bos && id == *bos ? "bos" : "eos",
                         "_token_id is outside the vocabulary (", spec.config.vocabSize,
                         " tokens)"));
    return absl::OkStatus();
  };
  INFERNO_RETURN_IF_ERROR(
      checkIds(configPath.string(), spec.config.bosTokenId, spec.config.eosTokenIds));
  if (spec.generation)
    INFERNO_RETURN_IF_ERROR(checkIds(generationPath.string(), spec.generation->bosTokenId,
                                     spec.generation->eosTokenIds));

  INFERNO_ASSIGN_OR_RETURN(model.manifest, loadWeightManifest(directory));

  std::vector<std::string> errors;
  for (ManifestProblem &problem : validateManifest(spec.config, model.manifest,
                                                        model.quantization ? &*model.quantization : nullptr))
    (problem.severity == ManifestProblem::Error ? errors : model.warnings)
        .push_back(std::move(problem.message));
  if (!errors.empty()) {
    std::string message = errors.front();
    if (errors.size() > 1)
      absl::StrAppend(&message, " (and ", errors.size() - 1, " more problems)");
    return absl::InvalidArgumentError(message);
  }
  if (model.quantization)
    INFERNO_RETURN_IF_ERROR(checkZeroPoints(model));
  return model;
}

} // namespace inferno
