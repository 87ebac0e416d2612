//===- Artifact.h - an artifact's manifest and its mapped weights -*- C++ -*-===//

#ifndef INFERNO_RUNTIME_ENGINE_ARTIFACT_H
#define INFERNO_RUNTIME_ENGINE_ARTIFACT_H

#include "runtime/support/Expected.h"
#include "runtime/support/Fingerprint.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inferno::rt {

/// Version of manifest.json's layout; the compiler and runtime of one build agree on it.
constexpr int kManifestFormatVersion = 1;

/// manifest.json: what the artifact was compiled from and for.
struct ArtifactManifest {
  std::string directory;
  std::string compilerVersion;
  std::string modelName;
  std::string target;
  std::string weightsMode; // "pack" or "link"
  /// Weight files: relative to the artifact ("pack") or absolute paths ("link").
  std::vector<std::string> weightFiles;
  std::vector<uint64_t> weightFileBytes;
  std::vector<FingerprintTensor> tensors;
  std::string fingerprint;
  std::optional<int32_t> bosTokenId;
  std::vector<int32_t> eosTokenIds;
  int64_t vocab = 0;
  int64_t context = 0;
  int64_t maxBatch = 0;
  /// tokenizer.json inside the artifact, when the model directory had one.
  std::optional<std::string> tokenizerFile;
};

/// Reads DIR/manifest.json; refuses other format versions and other compiler versions.
Expected<ArtifactManifest> readManifest(const std::string &directory);

/// A read-only memory mapping of a whole file.
class MappedFile {
public:
  static Expected<MappedFile> open(const std::string &path);
  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  ~MappedFile();

  const uint8_t *data() const { return data_; }
  uint64_t size() const { return size_; }

private:
  MappedFile() = default;
  const uint8_t *data_ = nullptr;
  uint64_t size_ = 0;
};

/// Maps every weight file (from `weightsDir` instead of the recorded place when given) and
/// checks them against the manifest: sizes, every tensor in bounds, and the fingerprint.
Expected<std::vector<MappedFile>> mapWeights(const ArtifactManifest &manifest,
                                             const std::string &weightsDir);

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_ENGINE_ARTIFACT_H
