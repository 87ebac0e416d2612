//===- LlamaCanonicalization.td - llama canonicalization patterns -*- tablegen -*-===//
//
// Declarative rewrites run by `--canonicalize` (registered through the ops'
// hasCanonicalizer). They undo fusions that do not pay: what they produce is what the
// unfused pipeline would have lowered.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_LLAMA_CANONICALIZATION_TD
#define INFERNO_LLAMA_CANONICALIZATION_TD

include "mlir/IR/PatternBase.td"
include "LlamaOps.td"

def HasOneSymbol : Constraint<CPred<"$0.size() == 1">, "names exactly one weight">;
def IsAbsent : Constraint<CPred<"!$0">, "is absent">;

// A fused_linear of one weight without a norm prologue is a plain linear: nothing is shared,
// and the plain op keeps the linear kernels (and any later pass that only knows linears).
// The replacement carries the op's llama.precision over (DRR does not see discardable
// attributes, hence the native builder).
def FusedLinearOfOneWeight : Pat<
  (Llama_FusedLinearOp:$fused $input, $weights, $norm, $eps),
  (NativeCodeCall<"::inferno::llama::buildLinearFromFused($_builder, $0)"> $fused),
  [(HasOneSymbol $weights), (IsAbsent $norm)]>;

#endif // INFERNO_LLAMA_CANONICALIZATION_TD
