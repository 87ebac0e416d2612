//===- CompileCommand.cpp - `inferno compile MODEL_DIR -o ARTIFACT` -------===//

#include "compiler/artifact/ArtifactWriter.h"
#include "tools/inferno/Command.h"

#include "absl/status/statusor.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace {
namespace cl = llvm::cl;
using namespace inferno;

cl::SubCommand compileCommand("compile", "Compile a model directory into a runnable artifact");
cl::opt<std::string> modelDir(cl::Positional, cl::desc("MODEL_DIR"), cl::Required,
                              cl::sub(compileCommand));
cl::opt<std::string> output("o", cl::desc("Artifact directory to write"), cl::value_desc("ARTIFACT"),
                            cl::Required, cl::sub(compileCommand));
cl::opt<std::string> target("target", cl::desc("cpu (default)"), cl::init("cpu"),
                            cl::sub(compileCommand));
cl::opt<std::string> dtype("dtype", cl::desc("Weight storage dtype: f32, bf16 or f16 (default: as "
                                             "stored in the checkpoint)"),
                           cl::sub(compileCommand));
cl::opt<std::string> precision(
    "precision",
    cl::desc("Storage of dense weights per module: \"default=bf16,lm_head=f32,layers.0-1=f32\" "
             "(later entries win), or a .json file holding {\"MODULE\": \"DTYPE\", ...}"),
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

int runCompile() {
  CompileOptions options;
  options.modelDir = modelDir;
  options.output = output;
  if (target != "cpu")
    return driver::fail("--target " + target + ": only 'cpu' is supported so far");
  if (!driver::parseDtypeFlag(dtype, options.dtype))
    return 1;
  if (!precision.empty()) {
    if (!dtype.empty())
      return driver::fail("--dtype and --precision both decide dense storage: give one "
                          "(--dtype D is --precision default=D)");
    absl::StatusOr<std::string> policy = readPrecisionPolicy(precision);
    if (!policy.ok())
      return driver::fail(std::string(policy.status().message()));
    options.precision = *policy;
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
