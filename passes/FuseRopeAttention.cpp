//===- FuseRopeAttention.cpp - RoPE of queries and keys inside the attention op ---===//
//
// Unfused, RoPE rewrites the projected queries and keys in scratch, and attention then reads
// them back (and copies the keys into the cache). Fused, the attention kernel rotates a query
// head when it loads it and a key when it stores it: one pass over Q and K less.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/llama/LlamaDialect.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMAFUSEROPEATTENTION
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

/// The rope rotating `v` for `attention` alone, with `heads` heads of the cache's head_dim.
RopeOp foldableRope(AttentionOp attention, Value v, int64_t heads) {
  auto rope = v.getDefiningOp<RopeOp>();
  if (!rope || !v.hasOneUse() || rope.getPositions() != attention.getPositions() ||
      static_cast<int64_t>(rope.getHeads()) != heads ||
      static_cast<int64_t>(rope.getHeadDim()) != attention.getCache().getType().getHeadDim())
    return nullptr;
  return rope;
}

struct LlamaFuseRopeAttentionPass
    : inferno::impl::LlamaFuseRopeAttentionBase<LlamaFuseRopeAttentionPass> {
  void runOnOperation() override {
    getOperation().walk([](AttentionOp attention) {
      if (attention.getRope())
        return;
      RopeOp query = foldableRope(attention, attention.getQuery(), attention.getHeads());
      RopeOp key = foldableRope(attention, attention.getKey(), attention.getKvHeads());
      if (!query || !key || query == key || query.getRope() != key.getRope())
        return;
      attention.getQueryMutable().assign(query.getInput());
      attention.getKeyMutable().assign(key.getInput());
      attention.setRopeAttr(query.getRope());
      query.erase();
      key.erase();
    });
  }
};

} // namespace
