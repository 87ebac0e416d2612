//===- Inspect.cpp - what a model directory holds, from headers only -------===//

#include "compiler/frontend/Inspect.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace inferno {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int64_t kLlama3Vocab = 128256;
constexpr int64_t kLlama2Vocab = 32000;
constexpr const char *kDeepSeekBos = "<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>";

// What the runtime holds besides weights, KV cache and activations: the executable and its
// libraries, and the tokenizer's tables (vocabulary strings, merge ranks and their hash maps).
// Measured on the CPU runtime (docs/inspect.md): 4.5 MB of peak RSS without a tokenizer;
// Llama 2's tokenizer.json (1.8 MB) adds 18.7 MB and Llama 3's (9.1 MB) 98 MB, about 11 times
// the file's size.
constexpr uint64_t kRuntimeBaseBytes = 5ull << 20;
constexpr uint64_t kTokenizerBytesPerFileByte = 11;
constexpr uint64_t kGpuBytes = 80ull << 30; // one H100 80GB

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Tensors that are not parameters themselves but tell how to read quantized ones.
bool isQuantizationAuxiliary(const std::string &name) {
  for (const char *suffix : {".weight_scale", ".weight_zero_point", ".input_scale",
                             ".input_zero_point", ".weight_shape", ".weight_g_idx",
                             ".output_scale", ".k_scale", ".v_scale"})
    if (endsWith(name, suffix))
      return true;
  return false;
}

std::optional<json> readJsonFile(const fs::path &path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return std::nullopt;
  return root;
}

/// The BOS string: tokenizer_config.json's bos_token (a string or {"content": ...}), else the
/// added token of tokenizer.json whose id is the config's bos id.
std::optional<std::string> tokenizerBos(const fs::path &dir, std::optional<int64_t> bosId) {
  if (std::optional<json> tc = readJsonFile(dir / "tokenizer_config.json")) {
    const json &bos = (*tc).contains("bos_token") ? (*tc)["bos_token"] : json();
    if (bos.is_string())
      return bos.get<std::string>();
    if (bos.is_object() && bos.contains("content") && bos["content"].is_string())
      return bos["content"].get<std::string>();
  }
  if (!bosId)
    return std::nullopt;
  if (std::optional<json> tok = readJsonFile(dir / "tokenizer.json")) {
    if ((*tok).contains("added_tokens") && (*tok)["added_tokens"].is_array())
      for (const json &t : (*tok)["added_tokens"])
        if (t.is_object() && t.contains("id") && t["id"].is_number_integer() &&
            t["id"].get<int64_t>() == *bosId && t.contains("content") && t["content"].is_string())
          return t["content"].get<std::string>();
  }
  return std::nullopt;
}

std::string gib(uint64_t bytes) { return absl::StrFormat("%.2f GiB", bytes / double(1ull << 30)); }

uint64_t memTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemTotal:")
      return kib * 1024;
  return 0;
}

const char *dtypeFlag(Dtype d) {
  switch (d) {
  case Dtype::F32:
    return "f32";
  case Dtype::BF16:
    return "bf16";
  case Dtype::F16:
    return "f16";
  default:
    return dtypeName(d);
  }
}

/// Bytes of the weights the engine maps: every tensor the decoder reads, dense ones converted
/// to `dtype` when given (as `compile --dtype` packs them), quantized ones as stored.
/// An untied embedding table is counted whole although a token reads one row: the kernel
/// maps the neighbours of every faulted page (fault-around, readahead), so in measured runs
/// of about a thousand tokens nearly the whole table was resident.
uint64_t loadedWeights(const ModelConfig &config, const WeightManifest &manifest,
                       const QuantizationScheme *quantization, std::optional<Dtype> dtype) {
  uint64_t total = 0;
  for (const ExpectedTensor &e : expectedTensors(config, quantization)) {
    uint64_t elements = 1;
    for (int64_t d : e.shape)
      elements *= static_cast<uint64_t>(d);
    auto it = manifest.tensors.find(e.name);
    uint64_t bytes;
    if (e.kind == TensorKind::Dense && dtype)
      bytes = elements * dtypeSize(*dtype);
    else if (it != manifest.tensors.end())
      bytes = it->second.byteSize;
    else
      bytes = elements * 2; // missing: as bf16, so a broken checkpoint still gets an estimate
    total += bytes;
  }
  return total;
}

/// The same weights if every linear but lm_head were int8 with per-channel bf16 scales, and the
/// rest bf16: what a w8a8 checkpoint of this model holds.
uint64_t w8a8Weights(const ModelConfig &config) {
  uint64_t total = 0;
  for (const ExpectedTensor &e : expectedTensors(config)) {
    uint64_t elements = 1;
    for (int64_t d : e.shape)
      elements *= static_cast<uint64_t>(d);
    bool linear = e.shape.size() == 2 && e.role != WeightRole::Embedding &&
                  e.role != WeightRole::LMHead;
    total += linear ? elements + 2 * static_cast<uint64_t>(e.shape[0]) : 2 * elements;
  }
  return total;
}
} // namespace

std::string detectVariant(VariantEvidence &ev) {
  auto because = [&](std::string reason) { ev.reasons.push_back(std::move(reason)); };
  bool causalLm = std::find(ev.architectures.begin(), ev.architectures.end(),
                            "LlamaForCausalLM") != ev.architectures.end();
  if (!causalLm && !ev.architectures.empty())
    because("architectures does not list LlamaForCausalLM");
  if (ev.tokenizerBos && *ev.tokenizerBos == kDeepSeekBos) {
    because(absl::StrCat("the tokenizer's BOS is ", *ev.tokenizerBos,
                         ", DeepSeek's; its config.json alone would read as Llama 3"));
    return "deepseek-r1-distill-llama";
  }
  if (ev.vocabSize == kLlama3Vocab) {
    std::string bos = ev.tokenizerBos ? absl::StrCat(", tokenizer BOS ", *ev.tokenizerBos)
                                      : ", no tokenizer files";
    if (ev.ropeScaling == "llama3" && ev.ropeFactor == 32.0) {
      because(absl::StrCat("vocab_size 128256 (Llama 3 vocabulary), llama3 rope_scaling factor 32",
                           ev.tiedEmbeddings ? ", tied embeddings" : "", bos));
      return "llama-3.2";
    }
    if (ev.ropeScaling == "llama3" && ev.ropeFactor == 8.0) {
      because(absl::StrCat("vocab_size 128256 (Llama 3 vocabulary), llama3 rope_scaling factor 8",
                           bos));
      if (!ev.tokenizerBos)
        because("DeepSeek-R1-Distill-Llama and Llama 3.3 ship this config too; only the "
                "tokenizer would tell them apart");
      return "llama-3.1";
    }
    because("vocab_size 128256 (Llama 3 vocabulary) without the llama3 rope_scaling of 3.1/3.2");
    return "llama";
  }
  if (ev.vocabSize == kLlama2Vocab) {
    if (ev.numLayers == 22 && ev.numKvHeads > 0 && ev.numHeads / ev.numKvHeads == 8) {
      because(absl::StrCat("vocab_size 32000 (Llama 2 SentencePiece vocabulary), 22 layers, ",
                           ev.numHeads, " heads over ", ev.numKvHeads, " KV heads"));
      return "tinyllama";
    }
    because(absl::StrCat("vocab_size 32000 (Llama 2 SentencePiece vocabulary), ", ev.numLayers,
                         " layers, ", ev.numHeads, "/", ev.numKvHeads, " heads"));
    return "llama-2";
  }
  because(absl::StrCat("vocab_size ", ev.vocabSize, " is neither Llama 2's (32000) nor Llama 3's (128256)"));
  return "llama";
}

MemoryEstimate estimateMemory(const ModelConfig &c, const WeightManifest &manifest,
                              const QuantizationScheme *quantization, uint64_t tokenizerFileBytes,
                              const InspectOptions &options) {
  MemoryEstimate m;
  m.target = options.target;
  m.dtype = options.dtype ? dtypeFlag(*options.dtype) : "as stored";
  m.context = options.context > 0 ? options.context : std::min<int64_t>(c.maxPositions, 4096);
  m.weightsBytes = manifest.totalBytes();
  m.loadedWeightsBytes = loadedWeights(c, manifest, quantization, options.dtype);

  // The CPU runtime keeps keys and values in float32 whatever the weights' dtype; a GPU
  // keeps them in the activation dtype (bf16 unless the weights are f32).
  int64_t kvElement = 4;
  m.kvDtype = "f32";
  if (options.target == "cuda" && !(options.dtype && *options.dtype == Dtype::F32)) {
    kvElement = 2;
    m.kvDtype = "bf16";
  }
  if (!options.kvDtype.empty()) {
    m.kvDtype = options.kvDtype;
    kvElement = m.kvDtype == "fp8" ? 1 : m.kvDtype == "f32" ? 4 : 2;
  }
  m.kvCacheBytesPerToken =
      2ull * c.numLayers * c.numKvHeads * c.headDim * static_cast<uint64_t>(kvElement);
  m.kvCacheBytes = m.kvCacheBytesPerToken * static_cast<uint64_t>(m.context);

  // The scratch arena holds one chunk's activations at its widest point (the MLP's gate, up
  // and product beside the residual stream) and the attention inputs; logits are one row of
  // vocab floats plus the sampler's copy.
  const uint64_t q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  uint64_t perToken = 3 * c.hiddenSize + q + 2 * kv + 3 * c.intermediateSize;
  m.activationBytes = (static_cast<uint64_t>(options.maxBatch) * perToken + 2 * c.vocabSize) * 4;
  m.runtimeBytes = options.target == "cuda"
                       ? (256ull << 20) // CUDA context and cuBLAS workspace
                       : kRuntimeBaseBytes + kTokenizerBytesPerFileByte * tokenizerFileBytes;
  uint64_t fixed = m.loadedWeightsBytes + m.activationBytes + m.runtimeBytes;
  m.totalBytes = fixed + m.kvCacheBytes;

  if (options.memoryBytes) {
    m.capacityBytes = *options.memoryBytes;
    m.capacitySource = "--memory";
  } else if (options.target == "cuda") {
    m.capacityBytes = kGpuBytes;
    m.capacitySource = "one 80 GiB GPU";
  } else {
    m.capacityBytes = memTotalBytes();
    m.capacitySource = "MemTotal";
  }
  m.fits = m.totalBytes <= m.capacityBytes;
  if (m.fits)
    return m;

  // What would fit instead.
  uint64_t other = m.totalBytes - m.loadedWeightsBytes;
  bool storedF32 = false;
  for (const auto &[name, t] : manifest.tensors)
    storedF32 |= t.dtype == Dtype::F32;
  if ((options.dtype && *options.dtype == Dtype::F32) || (!options.dtype && storedF32)) {
    uint64_t bf16 = loadedWeights(c, manifest, quantization, Dtype::BF16) + other;
    if (bf16 <= m.capacityBytes)
      m.suggestions.push_back(absl::StrCat("--dtype bf16 needs ", gib(bf16)));
  }
  if (!quantization) {
    uint64_t w8a8 = w8a8Weights(c) + other;
    if (w8a8 <= m.capacityBytes)
      m.suggestions.push_back(absl::StrCat("a w8a8 (int8) checkpoint needs ", gib(w8a8)));
  }
  if (fixed < m.capacityBytes && m.kvCacheBytesPerToken > 0) {
    uint64_t positions = (m.capacityBytes - fixed) / m.kvCacheBytesPerToken;
    if (positions >= 256)
      m.suggestions.push_back(
          absl::StrCat("--context ", positions / 256 * 256, " fits (",
                       gib(fixed + positions / 256 * 256 * m.kvCacheBytesPerToken), ")"));
  }
  // Tensor parallelism splits weights and KV heads across GPUs: a count dividing the KV heads.
  uint64_t gpu = options.target == "cuda" ? m.capacityBytes : kGpuBytes;
  uint64_t gpuKvPerToken = 2ull * c.numLayers * c.numKvHeads * c.headDim * 2; // bf16
  uint64_t gpuTotal = m.loadedWeightsBytes + gpuKvPerToken * static_cast<uint64_t>(m.context);
  for (int64_t n : {1, 2, 4, 8}) {
    if (c.numKvHeads % n != 0 || (n == 1 && options.target == "cuda"))
      continue;
    uint64_t perGpu = gpuTotal / n + (256ull << 20);
    if (perGpu <= gpu) {
      std::string where = options.target == "cuda" ? "" : "--target cuda: ";
      m.suggestions.push_back(
          n == 1 ? absl::StrCat(where, "one GPU of ", gib(gpu), " (", gib(perGpu), ")")
                 : absl::StrCat(where, n, " GPUs of ", gib(gpu), " (tensor parallel, ",
                                gib(perGpu), " each)"));
      break;
    }
  }
  return m;
}

absl::StatusOr<InspectReport> inspectModelDirectory(const std::string &directory,
                                                    const InspectOptions &options) {
  std::error_code ec;
  if (!fs::exists(directory, ec))
    return absl::NotFoundError(absl::StrCat(directory, ": no such directory"));
  if (!fs::is_directory(directory, ec))
    return absl::InvalidArgumentError(absl::StrCat(directory, ": not a directory"));
  fs::path dir(directory);
  fs::path configPath = dir / "config.json";
  if (!fs::exists(configPath, ec))
    return absl::NotFoundError(absl::StrCat(configPath.string(), ": missing (every Hugging Face "
                                            "model directory has a config.json)"));
  InspectReport r;
  r.directory = directory;
  INFERNO_ASSIGN_OR_RETURN(r.config, parseModelConfig(configPath.string()));
  const ModelConfig &c = r.config;
  if (c.quantizationConfig)
    INFERNO_ASSIGN_OR_RETURN(r.quantization,
                             parseQuantizationConfig(*c.quantizationConfig, configPath.string()));
  const QuantizationScheme *quant = r.quantization ? &*r.quantization : nullptr;

  // Variant.
  VariantEvidence &ev = r.evidence;
  ev.architectures = c.architectures;
  ev.vocabSize = c.vocabSize;
  ev.ropeScaling = c.ropeScaling.kind == RopeScalingKind::Llama3   ? "llama3"
                   : c.ropeScaling.kind == RopeScalingKind::Linear ? "linear"
                                                                   : "none";
  ev.ropeFactor = c.ropeScaling.kind == RopeScalingKind::None ? 1.0 : c.ropeScaling.factor;
  ev.ropeTheta = c.ropeTheta;
  ev.numLayers = c.numLayers;
  ev.hiddenSize = c.hiddenSize;
  ev.numHeads = c.numHeads;
  ev.numKvHeads = c.numKvHeads;
  ev.tiedEmbeddings = c.tieWordEmbeddings;
  ev.tokenizerBos = tokenizerBos(dir, c.bosTokenId);
  if (r.quantization)
    ev.quantizationMethod = r.quantization->method;
  r.variant = detectVariant(ev);

  // Which linear modules the quantization covers.
  if (quant) {
    std::set<std::string> seen;
    for (const ExpectedTensor &e : expectedTensors(c, quant)) {
      if (!seen.insert(e.name).second || e.kind == TensorKind::WeightScale)
        continue;
      if (e.kind == TensorKind::QuantizedWeight)
        r.quantizedModules.push_back(e.module);
      else if (e.shape.size() == 2 && e.role != WeightRole::Embedding)
        r.denseLinearModules.push_back(e.module);
    }
  }

  // Tensors.
  std::vector<std::string> loadProblems;
  absl::StatusOr<WeightManifest> manifest = loadWeightManifestCollecting(directory, loadProblems);
  for (std::string &p : loadProblems)
    r.problems.push_back({ManifestProblem::Error, std::move(p)});
  WeightManifest empty;
  empty.directory = directory;
  if (!manifest.ok())
    r.problems.push_back({ManifestProblem::Error, std::string(manifest.status().message())});
  else
    for (ManifestProblem &p : validateManifest(c, *manifest, quant))
      r.problems.push_back(std::move(p));
  const WeightManifest &m = manifest.ok() ? *manifest : empty;
  r.tensors = static_cast<int64_t>(m.tensors.size());
  r.shards = static_cast<int64_t>(m.files.size());
  for (const auto &[name, t] : m.tensors) {
    r.dtypeBytes[dtypeName(t.dtype)] += t.byteSize;
    r.weightsBytes += t.byteSize;
    uint64_t elements = static_cast<uint64_t>(t.numElements());
    if (isQuantizationAuxiliary(name))
      r.scaleElements += elements;
    else if (!(name == "lm_head.weight" && c.tieWordEmbeddings))
      r.parameters += elements; // a tied head is the embedding: counted once
  }
  r.usable = std::none_of(r.problems.begin(), r.problems.end(), [](const ManifestProblem &p) {
    return p.severity == ManifestProblem::Error;
  });
  if (r.quantization)
    if (absl::Status compilable = checkCompilable(*r.quantization, "config.json");
        !compilable.ok())
      r.compileRefusal = std::string(compilable.message());

  uint64_t tokenizerBytes = 0;
  if (fs::is_regular_file(dir / "tokenizer.json", ec))
    tokenizerBytes = fs::file_size(dir / "tokenizer.json", ec);
  r.memory = estimateMemory(c, m, quant, tokenizerBytes, options);
  return r;
}

} // namespace inferno
