//===- Engine.cpp - runs the generated forward pass over mapped weights ---===//

#include "runtime/engine/Engine.h"

#include "runtime/include/inferno/abi.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sys/mman.h>

// Defined by artifacts for a GPU only (abi.h); weak, so that CPU artifacts link without them.
extern "C" {
__attribute__((weak)) int32_t inferno_model_open(const uint8_t *const *weights, int32_t synthetic,
                                                 uint64_t seed, char *error, int64_t error_size);
__attribute__((weak)) const char *inferno_model_device(void);
__attribute__((weak)) int64_t inferno_model_greedy(int32_t token, int32_t position, int64_t steps,
                                                   int32_t (*on_token)(int32_t, void *),
                                                   void *user);
}

namespace inferno::rt {
namespace {
/// Headroom beyond the estimate: the executable, its stacks, the tokenizer, the kernels' thread
/// pool, and the rest of the system.
constexpr uint64_t kMemoryMargin = uint64_t(128) << 20;

std::string mebibytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

/// A cgroup v2 limit on this process's memory (what a container may still use), if any.
std::optional<uint64_t> cgroupMemoryLeft() {
  std::ifstream max("/sys/fs/cgroup/memory.max"), current("/sys/fs/cgroup/memory.current");
  std::string limit;
  uint64_t used = 0;
  if (!(max >> limit) || limit == "max" || !(current >> used))
    return std::nullopt;
  char *end = nullptr;
  uint64_t bytes = std::strtoull(limit.c_str(), &end, 10);
  if (*end != '\0')
    return std::nullopt;
  return bytes > used ? bytes - used : 0;
}
} // namespace

std::optional<uint64_t> availableMemory(std::string *source) {
  // For tests: pretend this many bytes are available (docs/robustness.md).
  if (const char *pretend = std::getenv("INFERNO_AVAILABLE_MEMORY"); pretend && *pretend) {
    char *end = nullptr;
    uint64_t bytes = std::strtoull(pretend, &end, 10);
    if (*end == '\0') {
      if (source)
        *source = "INFERNO_AVAILABLE_MEMORY";
      return bytes;
    }
  }
  // MemAvailable is the kernel's estimate of what can be used without swapping: free memory
  // plus the page cache and slab that can be reclaimed. A weight file already in the page
  // cache is counted there, and mapping it reuses those very pages, so the weights are
  // compared with MemAvailable as they are; adding their cached pages again would count them
  // twice.
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  std::optional<uint64_t> available;
  while (std::getline(meminfo, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) {
      available = static_cast<uint64_t>(kib) * 1024;
      break;
    }
  }
  if (!available)
    return std::nullopt;
  if (source)
    *source = "MemAvailable";
  if (std::optional<uint64_t> cgroup = cgroupMemoryLeft(); cgroup && *cgroup < *available) {
    available = cgroup;
    if (source)
      *source = "the cgroup's memory.max";
  }
  return available;
}

bool Engine::onDevice() { return inferno_model_open != nullptr; }

std::string Engine::deviceName() {
  return inferno_model_device != nullptr ? inferno_model_device() : std::string();
}

Expected<std::unique_ptr<Engine>> Engine::open(const std::string &artifactDir,
                                               const std::string &weightsDir,
                                               std::optional<uint64_t> syntheticSeed) {
  Expected<ArtifactManifest> manifest = readManifest(artifactDir);
  if (!manifest)
    return manifest.error();
  const inferno_model_desc &desc = inferno_model;
  // The executable carries its own generated code; the manifest beside it must describe the
  // same model, or the weights would be read at the wrong offsets.
  std::string where = artifactDir + "/manifest.json";
  if (desc.abi_version != INFERNO_ABI_VERSION)
    return makeError(where + ": generated code has ABI " + std::to_string(desc.abi_version) +
                     ", the runtime " + std::to_string(INFERNO_ABI_VERSION));
  if (desc.vocab != manifest->vocab || desc.context != manifest->context ||
      desc.max_batch != manifest->maxBatch ||
      desc.num_weight_files != static_cast<int64_t>(manifest->weightFiles.size()))
    return makeError(where + ": does not describe the model compiled into this executable");

  if (syntheticSeed && !onDevice())
    return makeError(artifactDir + ": --synthetic-weights is for artifacts compiled with "
                     "--target cuda");
  if (onDevice()) {
    // The generated code keeps everything in device memory and checks that it fits there;
    // the host maps the weight files only to upload them.
    std::unique_ptr<Engine> engine(new Engine());
    engine->manifest_ = std::move(*manifest);
    if (!syntheticSeed)
      if (Status mapped = engine->mapFiles(weightsDir); !mapped)
        return makeError(mapped.message());
    char error[512] = "";
    if (inferno_model_open(syntheticSeed ? nullptr : engine->bases_.data(), syntheticSeed ? 1 : 0,
                           syntheticSeed.value_or(0), error, sizeof error) != 0)
      return makeError(artifactDir + ": " + error);
    // The device holds its own copy: the mapping can go.
    engine->files_.clear();
    engine->bases_.assign(engine->manifest_.weightFiles.size(), nullptr);
    return engine;
  }

  // Refuse before mapping anything a model that cannot fit: every weight page is read for
  // each token, and the KV cache may fill up to the full context, so all of it must stay
  // resident; otherwise generation would page from disk at a crawl or be killed midway.
  // Weights: the tensors the artifact reads (a linked checkpoint may hold others).
  uint64_t weightBytes = 0;
  for (const FingerprintTensor &tensor : manifest->tensors)
    weightBytes += tensor.bytes;
  const uint64_t kvBytes = static_cast<uint64_t>(desc.kv_cache_floats) * sizeof(float);
  const uint64_t scratchNeed = static_cast<uint64_t>(desc.scratch_floats) * sizeof(float);
  const uint64_t needed = weightBytes + kvBytes + scratchNeed + kMemoryMargin;
  std::string source;
  if (std::optional<uint64_t> available = availableMemory(&source); available && needed > *available)
    return makeError(artifactDir + ": the model needs about " + mebibytes(needed) + " (weights " +
                     mebibytes(weightBytes) + ", KV cache for " + std::to_string(desc.context) +
                     " positions " + mebibytes(kvBytes) + ", scratch " + mebibytes(scratchNeed) +
                     ", margin " + mebibytes(kMemoryMargin) + ") but " + mebibytes(*available) +
                     " is available (" + source + "); compile with a smaller --context or "
                     "--dtype, or free memory");

  std::unique_ptr<Engine> engine(new Engine());
  engine->manifest_ = std::move(*manifest);
  if (Status mapped = engine->mapFiles(weightsDir); !mapped)
    return makeError(mapped.message());

  // Anonymous mappings are zero pages until touched: a long context costs memory only as
  // far as it is used.
  engine->kvCacheBytes_ = static_cast<size_t>(desc.kv_cache_floats) * sizeof(float);
  void *cache = mmap(nullptr, engine->kvCacheBytes_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (cache == MAP_FAILED)
    return makeError("cannot reserve " + std::to_string(engine->kvCacheBytes_ >> 20) +
                     " MiB for the KV cache");
  engine->kvCache_ = static_cast<float *>(cache);
  size_t scratchBytes = (static_cast<size_t>(desc.scratch_floats) * sizeof(float) + 63) / 64 * 64;
  engine->scratch_ = static_cast<float *>(std::aligned_alloc(64, scratchBytes ? scratchBytes : 64));
  if (!engine->scratch_)
    return makeError("cannot allocate " + std::to_string(scratchBytes >> 20) + " MiB of scratch");
  return engine;
}

Status Engine::mapFiles(const std::string &weightsDir) {
  Expected<std::vector<MappedFile>> files = mapWeights(manifest_, weightsDir);
  if (!files)
    return files.error();
  files_ = std::move(*files);
  for (const MappedFile &f : files_)
    bases_.push_back(f.data());
  return Status();
}

Engine::~Engine() {
  if (kvCache_)
    munmap(kvCache_, kvCacheBytes_);
  std::free(scratch_);
}

Status Engine::feed(const std::vector<int32_t> &tokens, int64_t chunk, bool allLogits,
                    std::vector<float> &logits) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t vocab = manifest_.vocab;
  if (n == 0)
    return makeError("no tokens to run");
  for (int32_t t : tokens)
    if (t < 0 || t >= vocab)
      return makeError("token id " + std::to_string(t) + " is outside the vocabulary (" +
                       std::to_string(vocab) + " tokens)");
  if (position_ + n > manifest_.context)
    return makeError("context limit: " + std::to_string(position_ + n) + " tokens do not fit in " +
                     std::to_string(manifest_.context));
  chunk = std::max<int64_t>(1, std::min(chunk, manifest_.maxBatch));
  // Every entry is written by the forward pass: resize, not assign, so that decode does not
  // clear a vocabulary-sized buffer for each token.
  logits.resize(static_cast<size_t>((allLogits ? n : 1) * vocab));
  std::vector<int32_t> positions(static_cast<size_t>(chunk));
  for (int64_t start = 0; start < n; start += chunk) {
    int64_t count = std::min(chunk, n - start);
    for (int64_t i = 0; i < count; ++i)
      positions[i] = static_cast<int32_t>(position_ + i);
    inferno_forward_args args;
    args.weights = bases_.data();
    args.kv_cache = kvCache_;
    args.scratch = scratch_;
    args.tokens = tokens.data() + start;
    args.positions = positions.data();
    args.n_tokens = count;
    // Without allLogits every chunk writes its last row to the same place, so what remains
    // is the prompt's last token's.
    args.logits = allLogits ? logits.data() + start * vocab : logits.data();
    args.all_logits = allLogits ? 1 : 0;
    inferno_model_forward(&args);
    position_ += count;
  }
  return Status();
}

Expected<bool> Engine::decodeGreedy(int32_t token, int64_t steps,
                                    const std::function<bool(int32_t)> &onToken) {
  if (inferno_model_greedy == nullptr || steps < 1)
    return false;
  if (token < 0 || token >= manifest_.vocab)
    return makeError("token id " + std::to_string(token) + " is outside the vocabulary (" +
                     std::to_string(manifest_.vocab) + " tokens)");
  steps = std::min(steps, manifest_.context - position_);
  if (steps < 1)
    return makeError("context limit: " + std::to_string(position_ + 1) +
                     " tokens do not fit in " + std::to_string(manifest_.context));
  // Each id handed over means one more token fed: the position advances before the caller
  // sees it, as after feed().
  struct Call {
    Engine *engine;
    const std::function<bool(int32_t)> *onToken;
  } call{this, &onToken};
  auto trampoline = [](int32_t id, void *user) -> int32_t {
    Call &c = *static_cast<Call *>(user);
    ++c.engine->position_;
    return (*c.onToken)(id) ? 1 : 0;
  };
  const int64_t handed = inferno_model_greedy(token, static_cast<int32_t>(position_), steps,
                                              trampoline, &call);
  if (handed == -2)
    return false;
  if (handed == -1)
    return makeError("the model produced a non-finite logit at position " +
                     std::to_string(position_ + 1) + // as the host loop counts it, after the feed
                     ": its weights hold NaN or infinite values, or overflow");
  return true;
}

} // namespace inferno::rt
