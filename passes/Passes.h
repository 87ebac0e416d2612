//===- Passes.h - Inferno's passes over the llama dialect -------*- C++ -*-===//

#ifndef INFERNO_PASSES_PASSES_H
#define INFERNO_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace inferno {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace inferno

#endif // INFERNO_PASSES_PASSES_H
