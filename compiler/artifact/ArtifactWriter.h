//===- ArtifactWriter.h - model directory to a runnable artifact -*- C++ -*-===//

#ifndef INFERNO_COMPILER_ARTIFACT_ARTIFACTWRITER_H
#define INFERNO_COMPILER_ARTIFACT_ARTIFACTWRITER_H

#include "compiler/frontend/Dtype.h"

#include "absl/status/status.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <optional>
#include <string>

namespace inferno {

struct CompileOptions {
  std::string modelDir;
  std::string output;
  /// Storage dtype of every dense weight in the artifact; unset keeps the checkpoint's.
  std::optional<Dtype> dtype;
  /// Precision policy ("default=bf16,lm_head=f32,layers.0-1=f32"), see llama-assign-precision.
  std::string precision;
  /// Quantize every float projection weight at compile time: "int8" or "int4-gN".
  std::string quantize;
  /// Bytes all weights may take; the budget of precision "auto".
  int64_t budgetBytes = 0;
  /// Reference the checkpoint's safetensors files in place instead of packing a copy.
  bool linkWeights = false;
  /// Positions the KV cache holds; 0 means min(max_position_embeddings, kDefaultContext).
  int64_t context = 0;
  int64_t maxBatch = 64;
  /// Run the fusion passes (llama-fuse-qkv, -gate-up, -rope-attention, -norm) after
  /// precision is assigned; off, every op lowers to its own kernel (`--no-fuse`).
  bool fuse = true;
  /// Where the artifact runs: "cpu" (LLVM object, CPU kernels) or "cuda" (CUDA C++ built with
  /// nvcc for compute capability `sm`).
  std::string target = "cpu";
  int sm = 90;
  /// With target "cuda": the KV cache's element type, "fp8", "bf16", "f16" or "f32" (empty:
  /// as the weights).
  std::string kvDtype;
  /// Replace an existing artifact at `output`.
  bool force = false;
  /// Called with each stage's name and the module after it.
  std::function<void(const std::string &stage, mlir::ModuleOp module)> dumpAfter;
  /// With target "cuda": hand the generated CUDA C++ to this and stop there, writing no
  /// artifact (`--emit-cuda-source`, for tests and for reading what the backend decided).
  std::function<void(const std::string &source)> emitCudaSource;
};

constexpr int64_t kDefaultContext = 4096;

/// Compiles a model directory into an artifact directory: `model` (the executable),
/// `manifest.json`, the weights (`weights.bin`, or references to the checkpoint's files) and
/// the tokenizer files. Everything is written into a temporary directory beside `output` and
/// renamed at the end; on failure or interruption nothing is left behind.
absl::Status compileArtifact(const CompileOptions &options);

} // namespace inferno

#endif // INFERNO_COMPILER_ARTIFACT_ARTIFACTWRITER_H
