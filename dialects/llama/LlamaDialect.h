//===- LlamaDialect.h - the llama dialect's public header -------*- C++ -*-===//
//
// Everything a user of the dialect needs: the dialect, its attributes, types and ops.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_DIALECTS_LLAMA_LLAMADIALECT_H
#define INFERNO_DIALECTS_LLAMA_LLAMADIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <string>

namespace inferno::llama {
// Parameter parsers/printers used by the generated attribute code.
mlir::FailureOr<llvm::APFloat> parseF64(mlir::AsmParser &parser);
void printF64(mlir::AsmPrinter &printer, const llvm::APFloat &value);
mlir::FailureOr<bool> parseBool(mlir::AsmParser &parser);
/// A double as the dialect prints it: exact, shortest, always with a '.' (1.0e-05, 500000.0).
std::string formatF64(double value);
} // namespace inferno::llama

#include "dialects/llama/LlamaDialect.h.inc"
#include "dialects/llama/LlamaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llama/LlamaAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llama/LlamaTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/llama/LlamaOps.h.inc"

namespace inferno::llama {
/// The `#llama.config` of the module enclosing `op`, or null.
ConfigAttr lookupConfig(mlir::Operation *op);

/// The distinct files the module's `llama.weight` ops read, in order of first appearance:
/// the order of the weight base pointers in the runtime ABI and the artifact manifest.
llvm::SmallVector<llvm::StringRef> getWeightFiles(mlir::ModuleOp module);

/// Whether projections with this precision may run fused (llama.fused_linear): dense ones
/// (compute f32 on f32/bf16/f16 weights) and w8a8. Null (undecided) is not fusable.
bool isFusablePrecision(PrecisionAttr precision);

/// A `llama.linear` equivalent to the single-weight `llama.fused_linear` defining
/// `fusedResults`, with its `llama.precision` (the canonicalization's builder).
mlir::Value buildLinearFromFused(mlir::OpBuilder &builder, mlir::ValueRange fusedResults);

/// Whether `type` is a storage dtype a weight may have (f32, f16, bf16, i8, i32, f8E4M3FN).
bool isSupportedStorageType(mlir::Type type);
} // namespace inferno::llama

#endif // INFERNO_DIALECTS_LLAMA_LLAMADIALECT_H
