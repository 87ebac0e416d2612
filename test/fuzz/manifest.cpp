//===- manifest.cpp - fuzz an artifact's manifest.json --------------------===//
//
// The input is manifest.json in an artifact directory that holds a 64-byte weights.bin. The
// runtime either refuses the manifest, or maps its weight files and checks every tensor against
// them; a tensor that lies outside its file must be refused before anything reads it.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "runtime/engine/Artifact.h"

#include <cstdlib>
#include <filesystem>

using namespace inferno::rt;

namespace {
const std::string &artifactDirectory() {
  static const std::string directory = [] {
    std::string dir = inferno::fuzz::scratchDirectory() + "/artifact";
    std::filesystem::create_directories(dir);
    std::string weights(64, '\0');
    for (size_t i = 0; i < weights.size(); ++i)
      weights[i] = static_cast<char>(i * 7);
    inferno::fuzz::writeFile(dir + "/weights.bin", weights);
    return dir;
  }();
  return directory;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &dir = artifactDirectory();
  inferno::fuzz::writeFile(dir + "/manifest.json", inferno::fuzz::asText(data, size));
  Expected<ArtifactManifest> manifest = readManifest(dir);
  if (!manifest) {
    if (manifest.error().message.rfind(dir + "/manifest.json: ", 0) != 0)
      std::abort();
    return 0;
  }
  if (manifest->vocab <= 0 || manifest->context <= 0 || manifest->maxBatch <= 0 ||
      manifest->weightFiles.size() != manifest->weightFileBytes.size())
    std::abort();
  for (const FingerprintTensor &t : manifest->tensors)
    if (t.file >= manifest->weightFiles.size())
      std::abort();
  Expected<std::vector<MappedFile>> files = mapWeights(*manifest, "");
  if (files) {
    for (const FingerprintTensor &t : manifest->tensors) {
      const MappedFile &f = (*files)[t.file];
      if (t.offset > f.size() || t.bytes > f.size() - t.offset)
        std::abort();
    }
  }
  return 0;
}
