//===- FuseNorm.cpp - rms_norm in the prologue of the projections reading it ---===//
//
// A decoder layer normalizes the residual stream twice, each time only to project it. Folded
// into the projection, the kernel normalizes each activation row while packing it for the dot
// products, and the normalized copy is never written to scratch and read back.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/IR/Builders.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMAFUSENORM
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

bool takesNorm(Operation *user) {
  auto precision = user->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
  if (!isFusablePrecision(precision))
    return false;
  if (isa<LinearOp>(user))
    return true;
  auto fused = dyn_cast<FusedLinearOp>(user);
  return fused && !fused.getNorm();
}

struct LlamaFuseNormPass : inferno::impl::LlamaFuseNormBase<LlamaFuseNormPass> {
  void runOnOperation() override {
    SmallVector<RMSNormOp> norms(getOperation().getOps<RMSNormOp>());
    for (RMSNormOp norm : norms) {
      Value normalized = norm.getResult();
      if (normalized.use_empty() || !llvm::all_of(normalized.getUsers(), takesNorm))
        continue;
      SmallVector<Operation *> users(normalized.getUsers());
      for (Operation *user : users) {
        OpBuilder builder(user);
        SmallVector<Attribute> weights;
        if (auto linear = dyn_cast<LinearOp>(user))
          weights.push_back(linear.getWeightAttr());
        else
          llvm::append_range(weights, cast<FusedLinearOp>(user).getWeights());
        auto fused = FusedLinearOp::create(builder, user->getLoc(), user->getResultTypes(),
                                           norm.getInput(), builder.getArrayAttr(weights),
                                           norm.getWeightAttr(), norm.getEpsAttr());
        fused->setAttr(LlamaDialect::kPrecisionAttrName,
                       user->getAttr(LlamaDialect::kPrecisionAttrName));
        user->replaceAllUsesWith(fused.getResults());
        user->erase();
      }
      norm.erase();
    }
  }
};

} // namespace
