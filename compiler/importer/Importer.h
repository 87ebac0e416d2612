//===- Importer.h - model directory data to the llama dialect ----*- C++ -*-===//

#ifndef INFERNO_COMPILER_IMPORTER_IMPORTER_H
#define INFERNO_COMPILER_IMPORTER_IMPORTER_H

#include "compiler/frontend/ModelDirectory.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace inferno {

/// Registers every dialect an imported module uses (llama, func).
void registerImportDialects(mlir::DialectRegistry &registry);

struct ImportOptions {
  /// Positions the KV cache holds; 0 means the config's max_position_embeddings.
  int64_t context = 0;
};

/// Builds the module for a loaded model directory: the `#llama.config` and generation ids as
/// module attributes, one `llama.weight` per checkpoint tensor the decoder reads, and
/// `func.func @forward(tokens, positions, cache) -> logits` in float32. Verifies the result.
mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &context, const LoadedModel &model,
                                              const ImportOptions &options = {});

} // namespace inferno

#endif // INFERNO_COMPILER_IMPORTER_IMPORTER_H
