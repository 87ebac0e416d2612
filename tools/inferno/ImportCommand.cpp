//===- ImportCommand.cpp - `inferno import MODEL_DIR` ---------------------===//
//
// Reads a Hugging Face model directory (headers only) and prints its llama dialect module.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/ModelDirectory.h"
#include "compiler/importer/Importer.h"
#include "tools/inferno/Command.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace {
namespace cl = llvm::cl;
using namespace inferno;

cl::SubCommand importCommand("import", "Print a model directory as a llama dialect module");
cl::opt<std::string> modelDir(cl::Positional, cl::desc("MODEL_DIR"), cl::Required,
                              cl::sub(importCommand));
cl::opt<std::string> outputFile("o", cl::desc("Write the module to FILE instead of stdout"),
                                cl::value_desc("FILE"), cl::init("-"), cl::sub(importCommand));
cl::opt<bool> quiet("quiet", cl::desc("Do not print warnings about the checkpoint"),
                    cl::sub(importCommand));

int runImport() {
  absl::StatusOr<LoadedModel> model = loadModelDirectory(modelDir);
  if (!model.ok())
    return driver::fail(std::string(model.status().message()));
  if (!quiet)
    for (const std::string &warning : model->warnings)
      llvm::errs() << "inferno: warning: " << warning << "\n";

  mlir::DialectRegistry registry;
  registerImportDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, *model);
  if (!module)
    return driver::fail(modelDir + ": the imported module does not verify (a compiler bug)");

  // Written to a temporary file and renamed, so a failure leaves no half-written output.
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(outputFile, &error);
  if (!out)
    return driver::fail(error);
  module->print(out->os());
  out->os() << "\n";
  out->keep();
  return 0;
}

driver::RegisterCommand registerImport(importCommand, runImport);
} // namespace
