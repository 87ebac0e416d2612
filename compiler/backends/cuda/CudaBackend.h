//===- CudaBackend.h - llama module to CUDA C++ and an nvcc object -*- C++ -*-===//

#ifndef INFERNO_COMPILER_BACKENDS_CUDA_CUDABACKEND_H
#define INFERNO_COMPILER_BACKENDS_CUDA_CUDABACKEND_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace inferno {

struct CudaBackendOptions {
  int64_t maxBatch = 64;
  /// Compute capability the object is built for (sm_90: H100/H200); PTX for it is embedded
  /// too, so a later GPU's driver can compile it at load.
  int sm = 90;
  /// Element type of the KV cache: "fp8" (e4m3), "bf16", "f16" or "f32"; empty follows the
  /// weights (the narrowest float dtype among them, f32 when none is narrower).
  std::string kvDtype;
  /// Text that heads the generated file (what compiled it, from which model).
  std::string banner;
};

/// The forward pass of a llama module (weights already placed where the artifact keeps them)
/// as one CUDA C++ translation unit: every shape, offset and fusion decision a constant, each
/// op a call into the header-only kernel library (runtime/cuda). It defines the ABI symbols of
/// runtime/include/inferno/abi.h, plus inferno_model_open, which uploads the weights.
absl::StatusOr<std::string> emitCudaSource(mlir::ModuleOp module, const CudaBackendOptions &options);

/// Where nvcc and CUDA's libraries are: $CUDA_HOME, else the directory nvcc was configured
/// with at build time, else nvcc on PATH. Empty when none is found.
std::string findCudaHome();

/// Compiles the generated source into an object with nvcc for `options.sm`.
absl::Status compileCudaObject(const std::string &sourcePath, const std::string &objectPath,
                               const CudaBackendOptions &options);

/// What linking a CUDA artifact adds to the runtime's libraries: the CUDA runtime (static) and
/// cuBLAS (shared: it comes with every CUDA installation the artifact may run on).
std::vector<std::string> cudaLinkFlags();

} // namespace inferno

#endif // INFERNO_COMPILER_BACKENDS_CUDA_CUDABACKEND_H
