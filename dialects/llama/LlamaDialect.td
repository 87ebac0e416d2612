//===- LlamaDialect.td - the llama dialect definition ------*- tablegen -*-===//
//
// The `llama` dialect describes one Llama-family decoder: its hyper-parameters, the
// checkpoint tensors it reads, and the forward computation over them. Passes refine it
// (precision, quantization, fusion) before a backend lowers it to CPU or CUDA code.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_LLAMA_DIALECT_TD
#define INFERNO_LLAMA_DIALECT_TD

include "mlir/IR/OpBase.td"

def Llama_Dialect : Dialect {
  let name = "llama";
  let cppNamespace = "::inferno::llama";
  let summary = "A Llama-family decoder: hyper-parameters, weights and the forward pass";
  let description = [{
    A module in this dialect carries the model's hyper-parameters as the module attribute
    `llama.config` (a `#llama.config`), the token ids generation needs as the module attribute
    `llama.generation` (`{bos_token_id = 1 : i64, eos_token_ids = array<i64: 2>}`), one
    `llama.weight` symbol per checkpoint tensor (file, byte offset, storage dtype, shape), and
    `func.func @forward(%tokens, %positions, %cache) -> logits` built from the decoder ops
    below. Activations are 2-D tensors `[tokens, features]`; the token count is usually
    dynamic.

    Every op that reads a weight names it by symbol, so that later passes can change how a
    weight is stored (dtype, quantization, fusion) without touching the computation.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute holding the model's `#llama.config`.
    static constexpr ::llvm::StringLiteral kConfigAttrName = "llama.config";
    /// Name of the module attribute holding generation ids: a dictionary with
    /// `eos_token_ids` (array<i64>) and optionally `bos_token_id` (i64).
    static constexpr ::llvm::StringLiteral kGenerationAttrName = "llama.generation";
    /// Name of the `#llama.precision` a weight-reading op carries once
    /// llama-assign-precision has decided it.
    static constexpr ::llvm::StringLiteral kPrecisionAttrName = "llama.precision";
    /// A unit attribute on the llama.weight ops llama-assign-precision quantized at compile
    /// time (the values and their scales): placing weights computes them from the checkpoint.
    static constexpr ::llvm::StringLiteral kCompileQuantizedAttrName = "llama.compile_quantized";

  private:
    void registerAttributes();
    void registerTypes();
  public:
  }];
}

#endif // INFERNO_LLAMA_DIALECT_TD
