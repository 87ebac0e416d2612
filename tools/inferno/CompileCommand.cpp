//===- CompileCommand.cpp - `inferno compile MODEL_DIR -o ARTIFACT` -------===//

#include "compiler/artifact/ArtifactWriter.h"
#include "tools/inferno/Command.h"

#include "absl/status/statusor.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <sstream>

namespace {
namespace cl = llvm::cl;
using namespace inferno;

cl::SubCommand compileCommand("compile", "Compile a model directory into a runnable artifact");
cl::opt<std::string> modelDir(cl::Positional, cl::desc("MODEL_DIR"), cl::Required,
                              cl::sub(compileCommand));
cl::opt<std::string> output("o", cl::desc("Artifact directory to write"), cl::value_desc("ARTIFACT"),
                            cl::Required, cl::sub(compileCommand));
cl::opt<std::string> target("target", cl::desc("cpu (default) or cuda (needs nvcc; runs on sm_90)"),
                            cl::init("cpu"), cl::sub(compileCommand));
cl::opt<int> sm("sm", cl::desc("CUDA compute capability to build for (default 90: H100/H200)"),
                cl::init(90), cl::sub(compileCommand));
cl::opt<std::string> kvDtype("kv-dtype",
                             cl::desc("With --target cuda: the KV cache's element type, fp8 (e4m3, "
                                      "scale 1: half of bf16's bytes), bf16, f16 or f32 (default: "
                                      "the weights' narrowest float dtype)"),
                             cl::sub(compileCommand));
cl::opt<bool> emitCudaSource("emit-cuda-source",
                             cl::desc("With --target cuda: print the generated CUDA C++ to "
                                      "stdout and stop (no nvcc, no artifact)"),
                             cl::sub(compileCommand));
cl::opt<std::string> dtype("dtype", cl::desc("Weight storage dtype: f32, bf16 or f16 (default: as "
                                             "stored in the checkpoint)"),
                           cl::sub(compileCommand));
cl::opt<std::string> precision(
    "precision",
    cl::desc("Storage of dense weights per module: \"default=bf16,lm_head=f32,layers.0-1=f32\" "
             "(later entries win), or a .json file holding {\"MODULE\": \"DTYPE\", ...}"),
    cl::sub(compileCommand));
cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize every linear and lm_head weight at compile time (weight-only): int8 or "
             "int4-gN, e.g. int4-g128"),
    cl::sub(compileCommand));
cl::opt<std::string> budgetGb("budget-gb",
                              cl::desc("Weight budget of --precision auto, in GB (10^9 bytes)"),
                              cl::sub(compileCommand));
cl::opt<std::string> budget("budget",
                            cl::desc("Weight budget of --precision auto with a unit: 300MB, "
                                     "1.5GB, 512MiB, 2GiB, 800KB, 123456B"),
                            cl::sub(compileCommand));
cl::opt<std::string> weights("weights", cl::desc("pack (default): one aligned weights file in the "
                                                 "artifact; link: read the checkpoint in place"),
                             cl::init("pack"), cl::sub(compileCommand));
cl::opt<int64_t> context("context", cl::desc("Positions the KV cache holds (default: the model's, "
                                             "at most 4096)"),
                         cl::init(0), cl::sub(compileCommand));
cl::opt<int64_t> maxBatch("max-batch", cl::desc("Most prompt tokens per forward call (default 64)"),
                          cl::init(64), cl::sub(compileCommand));
cl::opt<bool> force("force", cl::desc("Replace an existing artifact"), cl::sub(compileCommand));
cl::opt<bool> noFuse("no-fuse",
                     cl::desc("Skip the fusion passes (fused q/k/v and gate/up projections, "
                              "RMSNorm and RoPE folded into their consumers): the unfused "
                              "kernels, to compare against"),
                     cl::sub(compileCommand));
cl::opt<bool> dumpAll("dump-ir-after-all", cl::desc("Print the module after every stage to stderr"),
                      cl::sub(compileCommand));

/// The policy text: the argument itself, or the entries of a JSON object file, in file order.
absl::StatusOr<std::string> readPrecisionPolicy(const std::string &argument) {
  if (!llvm::StringRef(argument).ends_with(".json"))
    return argument;
  std::ifstream in(argument);
  if (!in)
    return absl::NotFoundError(argument + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json root =
      nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return absl::InvalidArgumentError(argument + ": expected a JSON object {\"MODULE\": \"DTYPE\"}");
  std::string policy;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it.value().is_string())
      return absl::InvalidArgumentError(argument + ": field '" + it.key() +
                                        "' must be a dtype string");
    policy += (policy.empty() ? "" : ",") + it.key() + "=" + it.value().get<std::string>();
  }
  return policy;
}

/// Bytes of "1.5GB", "300MB", "512MiB", "800KB", "1234B" (decimal units powers of 1000,
/// binary ones of 1024); `defaultUnit` applies to a bare number.
std::optional<int64_t> parseByteSize(llvm::StringRef text, llvm::StringRef defaultUnit) {
  text = text.trim();
  size_t digits = text.find_first_not_of("0123456789.");
  llvm::StringRef number = text.take_front(digits), unit = text.drop_front(number.size()).trim();
  if (unit.empty())
    unit = defaultUnit;
  double value;
  if (number.empty() || number.getAsDouble(value) || !(value > 0))
    return std::nullopt;
  static const std::pair<const char *, double> kUnits[] = {
      {"B", 1},        {"KB", 1e3},          {"MB", 1e6},          {"GB", 1e9},
      {"KiB", 1024.0}, {"MiB", 1048576.0},  {"GiB", 1073741824.0}};
  for (const auto &[name, scale] : kUnits)
    if (unit.equals_insensitive(name) && (unit == name || !llvm::StringRef(name).contains('i'))) {
      double bytes = value * scale;
      if (bytes >= 9.2e18)
        return std::nullopt;
      return static_cast<int64_t>(bytes);
    }
  return std::nullopt;
}

int runCompile() {
  CompileOptions options;
  options.modelDir = modelDir;
  options.output = output;
  if (target != "cpu" && target != "cuda")
    return driver::fail("--target " + target + ": expected cpu or cuda");
  options.target = target;
  if (sm < 90)
    return driver::fail("--sm " + std::to_string(sm) +
                        ": the CUDA kernels need compute capability 90 (Hopper) or later");
  options.sm = sm;
  if (!driver::parseKvDtypeFlag(kvDtype, target, options.kvDtype))
    return 1;
  if (emitCudaSource) {
    if (target != "cuda")
      return driver::fail("--emit-cuda-source goes with --target cuda");
    options.emitCudaSource = [](const std::string &source) { llvm::outs() << source; };
  }
  if (!driver::parseDtypeFlag(dtype, options.dtype))
    return 1;
  if (!precision.empty()) {
    if (!dtype.empty() && precision != "auto")
      return driver::fail("--dtype and --precision both decide dense storage: give one "
                          "(--dtype D is --precision default=D)");
    absl::StatusOr<std::string> policy = readPrecisionPolicy(precision);
    if (!policy.ok())
      return driver::fail(std::string(policy.status().message()));
    options.precision = *policy;
  }
  if (!quantize.empty()) {
    if (!precision.empty())
      return driver::fail("--quantize and --precision both decide how weights are stored: give "
                          "one (--quantize M is --precision with M for every projection, e.g. "
                          "\"layers=M,lm_head=M\")");
    options.quantize = quantize;
  }
  if (!budgetGb.empty() && !budget.empty())
    return driver::fail("--budget-gb and --budget both give the weight budget: give one");
  if (!budgetGb.empty() || !budget.empty()) {
    std::optional<int64_t> bytes =
        budget.empty() ? parseByteSize(budgetGb, "GB") : parseByteSize(budget, "");
    if (!bytes)
      return driver::fail(budget.empty()
                              ? "--budget-gb " + budgetGb + ": expected a positive number of GB"
                              : "--budget " + budget +
                                    ": expected a positive size with a unit (B, KB, MB, GB, "
                                    "KiB, MiB, GiB), e.g. 300MB");
    if (options.precision != "auto")
      return driver::fail("a weight budget is for --precision auto");
    options.budgetBytes = *bytes;
  } else if (options.precision == "auto") {
    return driver::fail("--precision auto needs a weight budget: --budget-gb X or --budget SIZE");
  }
  if (weights != "pack" && weights != "link")
    return driver::fail("--weights " + weights + ": expected pack or link");
  options.linkWeights = weights == "link";
  if (context < 0)
    return driver::fail("--context must be positive");
  options.context = context;
  if (maxBatch < 1 || maxBatch > 4096)
    return driver::fail("--max-batch must be between 1 and 4096");
  options.maxBatch = maxBatch;
  options.force = force;
  options.fuse = !noFuse;
  if (dumpAll)
    options.dumpAfter = [](const std::string &stage, mlir::ModuleOp module) {
      llvm::errs() << "// -----// IR after " << stage << " //----- //\n";
      module.print(llvm::errs());
      llvm::errs() << "\n";
    };
  absl::Status status = compileArtifact(options);
  if (!status.ok())
    return driver::fail(std::string(status.message()));
  return 0;
}

driver::RegisterCommand registerCompile(compileCommand, runCompile);
} // namespace
