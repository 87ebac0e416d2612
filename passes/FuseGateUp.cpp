//===- FuseGateUp.cpp - the gate/up projections of the MLP as one fused_linear ---===//
//
// The swiglu stays a separate op on purpose. Folding it into the kernel's epilogue would keep
// the gate and up rows out of memory, but they are tokens × intermediate floats (64 KiB per
// token on the 1B shape, in L2 at decode) against hundreds of MiB of weights read per token:
// under 0.1% of the traffic. Pairing row j of gate with row j of up in one task would also
// tie the split of work to the pairs and the w8a8 and prefill tilings to two weights at once.
// The plain fused_linear keeps one op and one kernel for q/k/v and gate/up.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/IR/Builders.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMAFUSEGATEUP
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

struct LlamaFuseGateUpPass : inferno::impl::LlamaFuseGateUpBase<LlamaFuseGateUpPass> {
  void runOnOperation() override {
    SmallVector<SwiGLUOp> swiglus(getOperation().getOps<SwiGLUOp>());
    for (SwiGLUOp swiglu : swiglus) {
      auto gate = swiglu.getLhs().getDefiningOp<LinearOp>();
      auto up = swiglu.getRhs().getDefiningOp<LinearOp>();
      if (!gate || !up || gate == up || gate.getInput() != up.getInput() ||
          gate->getBlock() != up->getBlock())
        continue;
      Attribute precision = gate->getAttr(LlamaDialect::kPrecisionAttrName);
      if (up->getAttr(LlamaDialect::kPrecisionAttrName) != precision ||
          !isFusablePrecision(dyn_cast_or_null<PrecisionAttr>(precision)))
        continue;
      LinearOp first = up->isBeforeInBlock(gate) ? up : gate;
      OpBuilder builder(first);
      auto fused = FusedLinearOp::create(
          builder, gate.getLoc(), TypeRange{gate.getType(), up.getType()}, gate.getInput(),
          builder.getArrayAttr({gate.getWeightAttr(), up.getWeightAttr()}), FlatSymbolRefAttr(),
          FloatAttr());
      fused->setAttr(LlamaDialect::kPrecisionAttrName, precision);
      gate.getResult().replaceAllUsesWith(fused.getResult(0));
      up.getResult().replaceAllUsesWith(fused.getResult(1));
      gate.erase();
      up.erase();
    }
  }
};

} // namespace
