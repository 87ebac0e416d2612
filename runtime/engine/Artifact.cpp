//===- Artifact.cpp - an artifact's manifest and its mapped weights -------===//

#include "runtime/engine/Artifact.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace inferno::rt {
namespace {
using json = nlohmann::json;

std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// A JSON integer that fits T. nlohmann's get<T>() would convert a float with static_cast,
/// which is undefined behaviour when the value does not fit (a manifest is untrusted input).
template <typename T>
T integer(const json &value, const char *field) {
  bool fits = value.is_number_unsigned()
                  ? value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                  : value.is_number_integer() && value.get<int64_t>() >= 0 &&
                        static_cast<uint64_t>(value.get<int64_t>()) <=
                            static_cast<uint64_t>(std::numeric_limits<T>::max());
  if (!fits)
    throw std::invalid_argument(std::string("'") + field + "' must be a non-negative integer, got " +
                                value.dump());
  return static_cast<T>(value.is_number_unsigned() ? value.get<uint64_t>()
                                                   : static_cast<uint64_t>(value.get<int64_t>()));
}

std::string joinPath(const std::string &dir, const std::string &file) {
  if (!file.empty() && file[0] == '/')
    return file;
  return dir.empty() || dir.back() == '/' ? dir + file : dir + "/" + file;
}
} // namespace

Expected<ArtifactManifest> readManifest(const std::string &directory) {
  std::string path = joinPath(directory, "manifest.json");
  std::ifstream in(path);
  if (!in)
    return makeError(path + ": cannot open file (is " + directory + " an Inferno artifact?)");
  std::stringstream text;
  text << in.rdbuf();
  json root = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return makeError(path + ": not a valid JSON object");
  ArtifactManifest m;
  m.directory = directory;
  try {
    if (root.value("format", "") != "inferno-artifact")
      return makeError(path + ": not an Inferno artifact manifest");
    int format = integer<int>(root.at("format_version"), "format_version");
    if (format != kManifestFormatVersion)
      return makeError(path + ": manifest format " + std::to_string(format) + ", this runtime reads " +
                       std::to_string(kManifestFormatVersion) + "; recompile the model");
    m.compilerVersion = root.at("compiler_version").get<std::string>();
    if (m.compilerVersion != INFERNO_VERSION)
      return makeError(path + ": compiled by Inferno " + m.compilerVersion + ", this runtime is " +
                       INFERNO_VERSION + "; recompile the model");
    m.modelName = root.at("model").at("name").get<std::string>();
    m.target = root.at("target").get<std::string>();
    const json &gen = root.at("generation");
    if (gen.contains("bos_token_id") && !gen["bos_token_id"].is_null())
      m.bosTokenId = integer<int32_t>(gen["bos_token_id"], "bos_token_id");
    for (const json &id : gen.at("eos_token_ids"))
      m.eosTokenIds.push_back(integer<int32_t>(id, "eos_token_ids"));
    m.vocab = integer<int64_t>(gen.at("vocab"), "vocab");
    m.context = integer<int64_t>(gen.at("context"), "context");
    m.maxBatch = integer<int64_t>(gen.at("max_batch"), "max_batch");
    if (root.contains("tokenizer") && root["tokenizer"].is_string())
      m.tokenizerFile = root["tokenizer"].get<std::string>();
    const json &weights = root.at("weights");
    m.weightsMode = weights.at("mode").get<std::string>();
    m.fingerprint = weights.at("fingerprint").get<std::string>();
    for (const json &file : weights.at("files")) {
      m.weightFiles.push_back(file.at("path").get<std::string>());
      m.weightFileBytes.push_back(integer<uint64_t>(file.at("bytes"), "bytes"));
    }
    for (const json &t : root.at("tensors")) {
      FingerprintTensor tensor;
      tensor.name = t.at("name").get<std::string>();
      tensor.dtype = t.at("dtype").get<std::string>();
      for (const json &extent : t.at("shape"))
        tensor.shape.push_back(integer<int64_t>(extent, "shape"));
      tensor.file = integer<uint32_t>(t.at("file"), "file");
      tensor.offset = integer<uint64_t>(t.at("offset"), "offset");
      tensor.bytes = integer<uint64_t>(t.at("bytes"), "bytes");
      if (tensor.file >= m.weightFiles.size())
        return makeError(path + ": tensor '" + tensor.name + "' names weight file " +
                         std::to_string(tensor.file) + " of " +
                         std::to_string(m.weightFiles.size()));
      m.tensors.push_back(std::move(tensor));
    }
  } catch (const json::exception &e) {
    return makeError(path + ": malformed manifest (" + e.what() + ")");
  } catch (const std::invalid_argument &e) {
    return makeError(path + ": malformed manifest (" + e.what() + ")");
  }
  if (m.vocab <= 0 || m.context <= 0 || m.maxBatch <= 0)
    return makeError(path + ": vocab, context and max_batch must be positive");
  return m;
}

namespace {

/// Reads the pages of [p, p + bytes) in now (from disk if they are not cached) rather than one
/// fault at a time inside the first forward pass: the load reports this time, and prefill
/// measures the kernels, not page faults. Every forward pass reads these pages in full anyway.
void readIn(const uint8_t *p, uint64_t bytes) {
  if (bytes == 0)
    return;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
#ifdef MADV_POPULATE_READ
  if (madvise(reinterpret_cast<void *>(begin), end - begin, MADV_POPULATE_READ) == 0)
    return;
#endif
  // Kernels before 5.14: touch one byte of every page.
  uint8_t sink = *reinterpret_cast<const volatile uint8_t *>(p);
  for (uintptr_t a = begin + page; a < end; a += page)
    sink ^= *reinterpret_cast<const volatile uint8_t *>(a);
  (void)sink;
}

} // namespace

Expected<MappedFile> MappedFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return makeError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(path + ": not a regular file");
  }
  MappedFile file;
  file.size_ = static_cast<uint64_t>(st.st_size);
  if (file.size_ > 0) {
    // Mapped lazily: mapWeights reads in the tensors the artifact uses, and only those (a
    // linked checkpoint can hold tensors the artifact keeps elsewhere, e.g. quantized into
    // weights.bin).
    void *p = mmap(nullptr, file.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return makeError(path + ": cannot map (" + std::strerror(errno) + ")");
    }
    file.data_ = static_cast<const uint8_t *>(p);
  }
  ::close(fd);
  return file;
}

MappedFile::MappedFile(MappedFile &&other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

MappedFile::~MappedFile() {
  if (data_)
    munmap(const_cast<uint8_t *>(data_), size_);
}

Expected<std::vector<MappedFile>> mapWeights(const ArtifactManifest &m,
                                             const std::string &weightsDir) {
  std::vector<MappedFile> files;
  std::vector<const uint8_t *> bases;
  std::vector<uint64_t> sizes;
  std::vector<std::string> paths;
  for (size_t i = 0; i < m.weightFiles.size(); ++i) {
    std::string path = weightsDir.empty() ? joinPath(m.directory, m.weightFiles[i])
                                          : joinPath(weightsDir, baseName(m.weightFiles[i]));
    paths.push_back(path);
    Expected<MappedFile> file = MappedFile::open(path);
    if (!file)
      return file.error();
    if (file->size() != m.weightFileBytes[i])
      return makeError(path + ": " + std::to_string(file->size()) + " bytes, but the artifact was "
                       "compiled for " + std::to_string(m.weightFileBytes[i]) +
                       " (truncated or a different file)");
    bases.push_back(file->data());
    sizes.push_back(file->size());
    files.push_back(std::move(*file));
  }
  for (const FingerprintTensor &t : m.tensors)
    if (t.offset > sizes[t.file] || t.bytes > sizes[t.file] - t.offset)
      return makeError(paths[t.file] + ": tensor '" + t.name + "' lies past the end");
  for (const FingerprintTensor &t : m.tensors)
    readIn(bases[t.file] + t.offset, t.bytes);
  std::string actual = fingerprintText(fingerprintWeights(m.tensors, bases, sizes));
  if (actual != m.fingerprint) {
    // The fingerprint covers all files together: name the one file, or the folder of several.
    std::string subject = paths.size() == 1 ? paths[0] : paths[0].substr(0, paths[0].find_last_of('/'));
    return makeError(subject + ": these weights are not the ones the artifact was compiled for "
                     "(fingerprint " + actual + ", expected " + m.fingerprint + ")");
  }
  return files;
}

} // namespace inferno::rt
