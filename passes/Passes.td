//===- Passes.td - Inferno's passes over the llama dialect -*- tablegen -*-===//

#ifndef INFERNO_PASSES_TD
#define INFERNO_PASSES_TD

include "mlir/Pass/PassBase.td"

def LlamaLowerToLLVM : Pass<"llama-lower-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lower the forward pass to LLVM dialect calls into the CPU kernel library";
  let description = [{
    Replaces `func.func @forward` with `llvm.func @inferno_model_forward(ptr)` following the
    runtime ABI (runtime/include/inferno/abi.h): each `llama` op becomes a call to its kernel
    (`inferno_matmul_bf16`, `inferno_attention`, ...) with every shape, weight offset and
    buffer offset a constant; only the token count is read at run time. Activations live in
    one scratch arena whose slots are reused once a value is dead; RoPE works in place when
    its input has no other use. RoPE frequencies (with linear or llama3 scaling) are computed
    here, in float32 as Hugging Face does, and emitted as constant tables. Also emits the
    `inferno_model` descriptor, then drops the `llama.weight` symbols and module attributes.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"maxBatch", "max-batch", "int64_t", /*default=*/"64",
           "Most tokens one forward call processes (scratch is sized for it)">,
  ];
}

#endif // INFERNO_PASSES_TD
