//===- index.cpp - fuzz model.safetensors.index.json ----------------------===//
//
// The input is the index of a model directory that also holds two small valid shards
// (model-00001-of-00002.safetensors with tensors "a" and "b", model-00002-of-00002.safetensors
// with "c"). The loader either refuses the index naming a file, or returns a manifest in which
// every tensor comes from a shard the index listed.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "compiler/frontend/WeightManifest.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

using namespace inferno;

namespace {
std::string shard(const std::string &header, size_t dataBytes) {
  std::string file(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    file[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return file + header + std::string(dataBytes, '\x01');
}

const std::string &modelDirectory() {
  static const std::string directory = [] {
    std::string dir = fuzz::scratchDirectory() + "/model";
    std::filesystem::create_directories(dir);
    fuzz::writeFile(dir + "/model-00001-of-00002.safetensors",
                    shard(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]}})",
                          16));
    fuzz::writeFile(dir + "/model-00002-of-00002.safetensors",
                    shard(R"({"c":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
                          R"("__metadata__":{"format":"pt"}})",
                          6));
    std::filesystem::create_directories(dir + "/subdir");
    return dir;
  }();
  return directory;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &dir = modelDirectory();
  fuzz::writeFile(dir + "/model.safetensors.index.json", fuzz::asText(data, size));
  absl::StatusOr<WeightManifest> manifest = loadWeightManifest(dir);
  if (!manifest.ok()) {
    if (manifest.status().message().rfind(dir + "/", 0) != 0)
      std::abort();
    return 0;
  }
  for (const auto &[name, tensor] : manifest->tensors)
    if (std::find(manifest->files.begin(), manifest->files.end(), tensor.file) ==
        manifest->files.end())
      std::abort();
  (void)manifest->totalBytes();
  return 0;
}
