//===- CompileCommand.cpp - `inferno compile MODEL_DIR -o ARTIFACT` -------===//

#include "compiler/artifact/ArtifactWriter.h"
#include "tools/inferno/Command.h"

#include "llvm/Support/raw_ostream.h"

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
cl::opt<std::string> weights("weights", cl::desc("pack (default): one aligned weights file in the "
                                                 "artifact; link: read the checkpoint in place"),
                             cl::init("pack"), cl::sub(compileCommand));
cl::opt<int64_t> context("context", cl::desc("Positions the KV cache holds (default: the model's, "
                                             "at most 4096)"),
                         cl::init(0), cl::sub(compileCommand));
cl::opt<int64_t> maxBatch("max-batch", cl::desc("Most prompt tokens per forward call (default 64)"),
                          cl::init(64), cl::sub(compileCommand));
cl::opt<bool> force("force", cl::desc("Replace an existing artifact"), cl::sub(compileCommand));
cl::opt<bool> dumpAll("dump-ir-after-all", cl::desc("Print the module after every stage to stderr"),
                      cl::sub(compileCommand));

int runCompile() {
  CompileOptions options;
  options.modelDir = modelDir;
  options.output = output;
  if (target != "cpu")
    return driver::fail("--target " + target + ": only 'cpu' is supported so far");
  if (!dtype.empty()) {
    if (dtype == "f32")
      options.dtype = Dtype::F32;
    else if (dtype == "bf16")
      options.dtype = Dtype::BF16;
    else if (dtype == "f16")
      options.dtype = Dtype::F16;
    else
      return driver::fail("--dtype " + dtype + ": expected f32, bf16 or f16");
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
