//===- inferno-opt.cpp - the pass driver for the llama dialect ------------===//
//
// MlirOptMain with the llama dialect and every Inferno pass registered, for lit tests and
// pass development: `inferno-opt file.mlir --some-pass | FileCheck file.mlir`.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama/LlamaDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  inferno::registerInfernoPasses();
  mlir::DialectRegistry registry;
  registry.insert<inferno::llama::LlamaDialect, mlir::func::FuncDialect,
                  mlir::LLVM::LLVMDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Inferno pass driver\n", registry));
}
