//===- CpuBackend.cpp - llama module to a native object file --------------===//

#include "compiler/backends/cpu/CpuBackend.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "absl/strings/str_cat.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

namespace inferno {

absl::Status emitCpuObject(mlir::ModuleOp module, const std::string &objectPath,
                           const CpuBackendOptions &options) {
  mlir::MLIRContext *ctx = module.getContext();
  mlir::PassManager pm(ctx);
  LlamaLowerToLLVMOptions lowering;
  lowering.maxBatch = options.maxBatch;
  pm.addPass(createLlamaLowerToLLVM(lowering));
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  if (mlir::failed(pm.run(module)))
    return absl::InternalError("lowering to the LLVM dialect failed (see the diagnostics above)");
  if (options.dumpAfter)
    options.dumpAfter("llama-lower-to-llvm", module);

  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  ctx->appendDialectRegistry(registry);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return absl::InternalError("translation to LLVM IR failed");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple("x86_64-pc-linux-gnu");
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return absl::InternalError(absl::StrCat("no x86-64 code generator: ", error));
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "x86-64", "", llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Default));
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  std::error_code ec;
  llvm::raw_fd_ostream out(objectPath, ec, llvm::sys::fs::OF_None);
  if (ec)
    return absl::InternalError(absl::StrCat(objectPath, ": ", ec.message()));
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    return absl::InternalError("the x86-64 target cannot emit object files");
  codegen.run(*llvmModule);
  out.flush();
  return absl::OkStatus();
}

} // namespace inferno
