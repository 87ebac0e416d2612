//===- InspectCommand.cpp - `inferno inspect MODEL_DIR` -------------------===//
//
// Describes a model directory from its headers: variant and the evidence for it, parameter
// and byte counts, quantization, memory needed for a context/target/dtype, and integrity
// problems. Exit status 0 when the checkpoint is intact, 2 when it has integrity errors (the
// report is still printed), 1 when it cannot be inspected at all.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Inspect.h"
#include "tools/inferno/Command.h"

#include "absl/strings/str_join.h"
#include "llvm/Support/Format.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>

namespace {
namespace cl = llvm::cl;
using namespace inferno;
using json = nlohmann::ordered_json;

cl::SubCommand inspectCommand("inspect", "Describe a model directory from its headers");
cl::opt<std::string> modelDir(cl::Positional, cl::desc("MODEL_DIR"), cl::Required,
                              cl::sub(inspectCommand));
cl::opt<bool> asJson("json", cl::desc("Print one JSON object"), cl::sub(inspectCommand));
cl::opt<int64_t> context("context", cl::desc("Positions of KV cache to budget for (default: as "
                                             "compile picks, the model's at most 4096)"),
                         cl::init(0), cl::sub(inspectCommand));
cl::opt<std::string> target("target", cl::desc("cpu (default) or cuda"), cl::init("cpu"),
                            cl::sub(inspectCommand));
cl::opt<std::string> dtype("dtype", cl::desc("Weight storage dtype to budget for: f32, bf16 or "
                                             "f16 (default: as stored)"),
                           cl::sub(inspectCommand));
cl::opt<int64_t> maxBatch("max-batch", cl::desc("Most prompt tokens per forward call (default 64)"),
                          cl::init(64), cl::sub(inspectCommand));
cl::opt<std::string> kvDtype("kv-dtype",
                             cl::desc("With --target cuda: the KV cache's element type to budget "
                                      "for, fp8, bf16, f16 or f32 (default: as compile picks)"),
                             cl::sub(inspectCommand));
cl::opt<std::string> memory("memory", cl::desc("Memory to compare with, e.g. 24GiB or 16GB "
                                               "(default: MemTotal, or 80 GiB per GPU)"),
                            cl::value_desc("SIZE"), cl::sub(inspectCommand));

/// "24GiB", "16GB", "512MiB", "1000000": bytes, or nullopt when malformed.
std::optional<uint64_t> parseSize(const std::string &text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0)
    return std::nullopt;
  double number = std::strtod(text.substr(0, i).c_str(), nullptr);
  std::string unit = text.substr(i);
  double scale;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "KB" || unit == "K")
    scale = 1e3;
  else if (unit == "MB" || unit == "M")
    scale = 1e6;
  else if (unit == "GB" || unit == "G")
    scale = 1e9;
  else if (unit == "TB" || unit == "T")
    scale = 1e12;
  else if (unit == "KiB")
    scale = 1024.0;
  else if (unit == "MiB")
    scale = 1024.0 * 1024;
  else if (unit == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "TiB")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  double bytes = number * scale;
  if (!(bytes >= 1) || bytes > 1e18)
    return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

/// Bytes in the largest binary unit that keeps the number at least 1.
std::string size(uint64_t bytes) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (bytes >= (1ull << 30))
    os << llvm::format("%.2f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20))
    os << llvm::format("%.1f MiB", bytes / double(1ull << 20));
  else if (bytes >= 1024)
    os << llvm::format("%.1f KiB", bytes / 1024.0);
  else
    os << bytes << " B";
  return s;
}

/// 1234567 -> "1,234,567".
std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

json argsJson(const std::optional<QuantizationArgs> &a) {
  if (!a)
    return nullptr;
  json j;
  j["num_bits"] = a->numBits;
  j["type"] = a->type;
  j["symmetric"] = a->symmetric;
  j["dynamic"] = a->dynamic;
  j["strategy"] = a->strategy;
  j["group_size"] = a->groupSize ? json(*a->groupSize) : json(nullptr);
  return j;
}

json reportJson(const InspectReport &r) {
  json j;
  j["directory"] = r.directory;
  j["variant"] = r.variant;
  const VariantEvidence &e = r.evidence;
  json ev;
  ev["architectures"] = e.architectures;
  ev["vocab_size"] = e.vocabSize;
  ev["rope_scaling"] = {{"type", e.ropeScaling}, {"factor", e.ropeFactor}, {"theta", e.ropeTheta}};
  ev["num_hidden_layers"] = e.numLayers;
  ev["hidden_size"] = e.hiddenSize;
  ev["num_attention_heads"] = e.numHeads;
  ev["num_key_value_heads"] = e.numKvHeads;
  ev["tie_word_embeddings"] = e.tiedEmbeddings;
  ev["tokenizer_bos"] = e.tokenizerBos ? json(*e.tokenizerBos) : json(nullptr);
  ev["quantization_config"] = e.quantizationMethod ? json(*e.quantizationMethod) : json(nullptr);
  ev["reasons"] = e.reasons;
  j["evidence"] = ev;

  const ModelConfig &c = r.config;
  j["config"] = {{"num_hidden_layers", c.numLayers},
                 {"hidden_size", c.hiddenSize},
                 {"intermediate_size", c.intermediateSize},
                 {"num_attention_heads", c.numHeads},
                 {"num_key_value_heads", c.numKvHeads},
                 {"head_dim", c.headDim},
                 {"vocab_size", c.vocabSize},
                 {"max_position_embeddings", c.maxPositions},
                 {"tie_word_embeddings", c.tieWordEmbeddings},
                 {"torch_dtype", c.torchDtype}};
  j["parameters"] = r.parameters;
  j["scale_elements"] = r.scaleElements;
  j["tensors"] = r.tensors;
  j["shards"] = r.shards;
  json dtypes = json::object();
  for (const auto &[name, bytes] : r.dtypeBytes)
    dtypes[name] = bytes;
  j["dtypes"] = dtypes;

  if (r.quantization) {
    const QuantizationScheme &q = *r.quantization;
    json qj;
    qj["method"] = q.method;
    qj["format"] = q.format;
    qj["scheme"] = q.schemeName();
    const QuantizationGroup *first = q.groups.empty() ? nullptr : &q.groups.front();
    qj["weights_strategy"] =
        first && first->weights ? json(first->weights->strategy) : json(nullptr);
    qj["activations_strategy"] = first && first->inputActivations
                                     ? json(first->inputActivations->strategy)
                                     : json(nullptr);
    qj["activations_dynamic"] = first && first->inputActivations
                                    ? json(first->inputActivations->dynamic)
                                    : json(nullptr);
    json groups = json::array();
    for (const QuantizationGroup &g : q.groups)
      groups.push_back({{"name", g.name},
                        {"targets", g.targets},
                        {"weights", argsJson(g.weights)},
                        {"input_activations", argsJson(g.inputActivations)}});
    qj["groups"] = groups;
    qj["ignore"] = q.ignore;
    qj["kv_cache_scheme"] = q.kvCacheScheme ? json::parse(*q.kvCacheScheme) : json(nullptr);
    qj["quantized_modules"] = r.quantizedModules;
    qj["dense_modules"] = r.denseLinearModules;
    j["quantization"] = qj;
  } else {
    j["quantization"] = nullptr;
  }

  const MemoryEstimate &m = r.memory;
  j["memory"] = {{"target", m.target},
                 {"dtype", m.dtype},
                 {"kv_dtype", m.kvDtype},
                 {"context", m.context},
                 {"weights_bytes", m.weightsBytes},
                 {"loaded_weights_bytes", m.loadedWeightsBytes},
                 {"kv_cache_bytes_per_token", m.kvCacheBytesPerToken},
                 {"kv_cache_bytes", m.kvCacheBytes},
                 {"activation_bytes", m.activationBytes},
                 {"runtime_bytes", m.runtimeBytes},
                 {"total_bytes", m.totalBytes},
                 {"capacity_bytes", m.capacityBytes},
                 {"capacity_source", m.capacitySource},
                 {"fits", m.fits},
                 {"suggestion", m.suggestions.empty()
                                    ? json(nullptr)
                                    : json(absl::StrJoin(m.suggestions, "; "))},
                 {"suggestions", m.suggestions}};
  json problems = json::array();
  for (const ManifestProblem &p : r.problems)
    problems.push_back({{"severity", p.severity == ManifestProblem::Error ? "error" : "warning"},
                        {"message", p.message}});
  j["problems"] = problems;
  j["usable"] = r.usable;
  j["compile_refusal"] = r.compileRefusal ? json(*r.compileRefusal) : json(nullptr);
  return j;
}

void printHuman(const InspectReport &r, llvm::raw_ostream &os) {
  const ModelConfig &c = r.config;
  os << r.directory << ": " << r.variant << "\n";
  for (const std::string &reason : r.evidence.reasons)
    os << "  because      " << reason << "\n";
  os << "  shape        " << c.numLayers << " layers, hidden " << c.hiddenSize << ", "
     << c.numHeads << " heads / " << c.numKvHeads << " KV heads (head_dim " << c.headDim
     << "), FFN " << c.intermediateSize << ", vocab " << c.vocabSize
     << (c.tieWordEmbeddings ? ", tied embeddings" : "") << "\n";
  os << "  rope         theta " << llvm::format("%g", c.ropeTheta);
  if (c.ropeScaling.kind != RopeScalingKind::None)
    os << ", " << (c.ropeScaling.kind == RopeScalingKind::Llama3 ? "llama3" : "linear")
       << " scaling factor " << llvm::format("%g", c.ropeScaling.factor);
  os << ", max positions " << c.maxPositions << "\n";
  os << "  parameters   " << grouped(r.parameters) << " in " << r.tensors << " tensors, "
     << r.shards << (r.shards == 1 ? " file" : " files") << " (";
  bool firstDtype = true;
  for (const auto &[name, bytes] : r.dtypeBytes) {
    os << (firstDtype ? "" : ", ") << name << " " << size(bytes);
    firstDtype = false;
  }
  os << ")\n";
  if (r.quantization) {
    const QuantizationScheme &q = *r.quantization;
    os << "  quantization " << q.method << " " << q.schemeName() << " (" << q.format << ")";
    if (!q.groups.empty() && q.groups.front().weights) {
      os << ": weights per " << q.groups.front().weights->strategy;
      if (q.groups.front().inputActivations)
        os << ", activations per " << q.groups.front().inputActivations->strategy
           << (q.groups.front().inputActivations->dynamic ? " (dynamic)" : " (static)");
    }
    os << "; " << r.quantizedModules.size() << " linear modules quantized, "
       << r.denseLinearModules.size() << " dense";
    if (!r.denseLinearModules.empty() && r.denseLinearModules.size() <= 4) {
      os << " (";
      for (size_t i = 0; i < r.denseLinearModules.size(); ++i)
        os << (i ? ", " : "") << r.denseLinearModules[i];
      os << ")";
    }
    os << "\n";
  } else {
    os << "  quantization none\n";
  }
  const MemoryEstimate &m = r.memory;
  os << "  memory       " << m.target << ", weights " << m.dtype << ", context " << m.context
     << ": weights " << size(m.loadedWeightsBytes) << " + KV cache " << size(m.kvCacheBytes)
     << " (" << m.kvCacheBytesPerToken << " bytes/token, " << m.kvDtype << ") + activations "
     << size(m.activationBytes) << " + runtime " << size(m.runtimeBytes) << " = "
     << size(m.totalBytes) << "\n";
  os << "               " << (m.fits ? "fits in " : "does not fit in ") << size(m.capacityBytes)
     << " (" << m.capacitySource << ")\n";
  for (const std::string &s : m.suggestions)
    os << "               instead: " << s << "\n";
  size_t errors = 0, warnings = 0;
  for (const ManifestProblem &p : r.problems)
    (p.severity == ManifestProblem::Error ? errors : warnings)++;
  os << "  integrity    "
     << (r.usable ? "ok" : "BROKEN") << " (" << errors << " errors, " << warnings << " warnings)\n";
  for (const ManifestProblem &p : r.problems)
    os << "    " << (p.severity == ManifestProblem::Error ? "error: " : "warning: ") << p.message
       << "\n";
  if (r.compileRefusal)
    os << "  compile      not yet: " << *r.compileRefusal << "\n";
}

int runInspect() {
  InspectOptions options;
  if (context < 0)
    return driver::fail("--context must be positive");
  options.context = context;
  if (target != "cpu" && target != "cuda")
    return driver::fail("--target " + target + ": expected cpu or cuda");
  options.target = target;
  if (!driver::parseKvDtypeFlag(kvDtype, target, options.kvDtype))
    return 1;
  if (!driver::parseDtypeFlag(dtype, options.dtype))
    return 1;
  if (maxBatch < 1 || maxBatch > 4096)
    return driver::fail("--max-batch must be between 1 and 4096");
  options.maxBatch = maxBatch;
  if (!memory.empty()) {
    options.memoryBytes = parseSize(memory);
    if (!options.memoryBytes)
      return driver::fail("--memory " + memory + ": expected a size such as 24GiB or 16GB");
  }
  absl::StatusOr<InspectReport> report = inspectModelDirectory(modelDir, options);
  if (!report.ok())
    return driver::fail(std::string(report.status().message()));
  if (asJson)
    llvm::outs() << reportJson(*report).dump(2) << "\n";
  else
    printHuman(*report, llvm::outs());
  llvm::outs().flush();
  return report->usable ? 0 : 2;
}

driver::RegisterCommand registerInspect(inspectCommand, runInspect);
} // namespace
