//===- FuseQKV.cpp - the q/k/v projections of an attention as one fused_linear ---===//
//
// Three projections of the same activations as one kernel call: the input is normalized (with
// llama-fuse-norm) and, for w8a8, quantized once, and w8a8 runs one parallel loop over every
// output row of the three weights. Weights stay separate symbols, read in place.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/IR/Builders.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMAFUSEQKV
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

/// The linear producing `v`, looking through a llama.rope (q and k are rotated first).
LinearOp projectionOf(Value v) {
  if (auto rope = v.getDefiningOp<RopeOp>())
    v = rope.getInput();
  return v.getDefiningOp<LinearOp>();
}

/// The linears, when they read one input with one fusable precision; else empty.
SmallVector<LinearOp> fusableGroup(ArrayRef<LinearOp> linears) {
  SmallVector<LinearOp> group;
  for (LinearOp linear : linears) {
    if (!linear || llvm::is_contained(group, linear))
      return {};
    group.push_back(linear);
  }
  Attribute precision = group.front()->getAttr(LlamaDialect::kPrecisionAttrName);
  if (!isFusablePrecision(dyn_cast_or_null<PrecisionAttr>(precision)))
    return {};
  for (LinearOp linear : group)
    if (linear.getInput() != group.front().getInput() ||
        linear->getAttr(LlamaDialect::kPrecisionAttrName) != precision ||
        linear->getBlock() != group.front()->getBlock())
      return {};
  return group;
}

struct LlamaFuseQKVPass : inferno::impl::LlamaFuseQKVBase<LlamaFuseQKVPass> {
  void runOnOperation() override {
    SmallVector<AttentionOp> attentions(getOperation().getOps<AttentionOp>());
    for (AttentionOp attention : attentions) {
      SmallVector<LinearOp> group =
          fusableGroup({projectionOf(attention.getQuery()), projectionOf(attention.getKey()),
                        attention.getValue().getDefiningOp<LinearOp>()});
      if (group.empty())
        continue;
      // Where the first of them was: the input is defined before it, and every use of the
      // three comes after it.
      LinearOp first = group.front();
      for (LinearOp linear : group)
        if (linear->isBeforeInBlock(first))
          first = linear;
      OpBuilder builder(first);
      SmallVector<Attribute> weights;
      SmallVector<Type> types;
      for (LinearOp linear : group) {
        weights.push_back(linear.getWeightAttr());
        types.push_back(linear.getType());
      }
      auto fused = FusedLinearOp::create(builder, first.getLoc(), types, first.getInput(),
                                         builder.getArrayAttr(weights), FlatSymbolRefAttr(),
                                         FloatAttr());
      fused->setAttr(LlamaDialect::kPrecisionAttrName,
                     first->getAttr(LlamaDialect::kPrecisionAttrName));
      for (auto [linear, result] : llvm::zip(group, fused.getResults())) {
        linear.getResult().replaceAllUsesWith(result);
        linear.erase();
      }
    }
  }
};

} // namespace
