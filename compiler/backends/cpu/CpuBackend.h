//===- CpuBackend.h - llama module to a native object file ------*- C++ -*-===//

#ifndef INFERNO_COMPILER_BACKENDS_CPU_CPUBACKEND_H
#define INFERNO_COMPILER_BACKENDS_CPU_CPUBACKEND_H

#include "absl/status/status.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>

namespace inferno {

struct CpuBackendOptions {
  int64_t maxBatch = 64;
  /// Called with each stage's name and the module after it (for --dump-ir-after-all).
  std::function<void(const std::string &stage, mlir::ModuleOp module)> dumpAfter;
};

/// Lowers a llama module (weights already placed where the artifact keeps them) to the LLVM
/// dialect, translates it to LLVM IR and writes an x86-64 ELF object. The object defines
/// `inferno_model_forward` and `inferno_model` (runtime/include/inferno/abi.h) and calls the
/// kernel library. Generated code is plain glue, so it targets baseline x86-64: the kernels
/// pick the CPU's vector extensions at run time.
absl::Status emitCpuObject(mlir::ModuleOp module, const std::string &objectPath,
                           const CpuBackendOptions &options);

} // namespace inferno

#endif // INFERNO_COMPILER_BACKENDS_CPU_CPUBACKEND_H
