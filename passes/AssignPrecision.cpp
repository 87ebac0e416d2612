//===- AssignPrecision.cpp - storage and compute types of every weight reader ---===//
//
// The one place that decides how each weight is stored and how products with it are formed.
// Sources, in order: the checkpoint (quantized weights, as the importer described them) and
// the dense storage dtype asked for. Placing weights and lowering only follow the result.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMAASSIGNPRECISION
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

void setElementType(WeightOp weight, Type element) {
  if (weight.getTensorType().getElementType() != element)
    weight.setType(RankedTensorType::get(weight.getTensorType().getShape(), element));
}

/// One `MODULE=DTYPE` entry of a precision policy. The module pattern matches a weight's module
/// path (its checkpoint name without "model." and ".weight": "layers.3.mlp.down_proj") by
/// leading components: each is a name, `*`, a layer number or a range `A-B`. "default"
/// matches every weight.
struct PolicyRule {
  std::string text;
  SmallVector<std::string> pattern;
  Type storage;
  bool used = false;

  static bool componentMatches(StringRef pattern, StringRef component) {
    if (pattern == "*" || pattern == component)
      return true;
    auto [low, high] = pattern.split('-');
    unsigned lo, hi, value;
    return !high.empty() && !low.getAsInteger(10, lo) && !high.getAsInteger(10, hi) &&
           !component.getAsInteger(10, value) && lo <= value && value <= hi;
  }

  bool matches(StringRef modulePath) const {
    SmallVector<StringRef> components;
    modulePath.split(components, '.');
    if (pattern.size() > components.size())
      return false;
    for (size_t i = 0; i < pattern.size(); ++i)
      if (!componentMatches(pattern[i], components[i]))
        return false;
    return true;
  }
};

FailureOr<Type> parseStorage(MLIRContext *ctx, StringRef name, std::string &error) {
  Builder b(ctx);
  if (name == "f32")
    return b.getF32Type();
  if (name == "bf16")
    return b.getBF16Type();
  if (name == "f16")
    return b.getF16Type();
  if (name == "int8" || name == "int4" || name.starts_with("int4-") || name == "fp8")
    error = (name + ": quantizing at compile time is not implemented yet (only checkpoints "
                    "quantized with compressed-tensors w8a8 run quantized)")
                .str();
  else
    error = (name + ": expected f32, bf16 or f16").str();
  return failure();
}

/// Parses "default=bf16,lm_head=f32,layers.0-1=f32,layers.*.mlp=f16". Later entries win.
FailureOr<SmallVector<PolicyRule>> parsePolicy(MLIRContext *ctx, StringRef text,
                                               std::string &error) {
  SmallVector<PolicyRule> rules;
  SmallVector<StringRef> entries;
  text.split(entries, ',', -1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    entry = entry.trim();
    auto [key, value] = entry.split('=');
    key = key.trim();
    value = value.trim();
    if (key.empty() || value.empty() || !entry.contains('=')) {
      error = ("'" + entry + "': expected MODULE=DTYPE").str();
      return failure();
    }
    PolicyRule rule;
    rule.text = entry.str();
    std::string storageError;
    FailureOr<Type> storage = parseStorage(ctx, value, storageError);
    if (failed(storage)) {
      error = ("'" + entry + "': " + storageError).str();
      return failure();
    }
    rule.storage = *storage;
    if (key != "default") {
      SmallVector<StringRef> components;
      key.split(components, '.');
      for (StringRef c : components) {
        if (c.empty()) {
          error = ("'" + entry + "': empty module name component").str();
          return failure();
        }
        rule.pattern.push_back(c.str());
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

/// A weight's module path as policies name it: "model.layers.0.mlp.up_proj.weight" becomes
/// "layers.0.mlp.up_proj".
StringRef modulePath(StringRef checkpointName) {
  checkpointName.consume_front("model.");
  checkpointName.consume_back(".weight");
  return checkpointName;
}

/// Whether the CPU backend can execute a quantized weight; names the reason when not.
LogicalResult checkExecutable(WeightOp weight, QuantAttr quant) {
  if (quant.getKind() == QuantKind::int8 && quant.getGranularity() == QuantGranularity::channel &&
      quant.getActivations() == ActivationQuant::int8_dynamic_token)
    return success();
  auto diag = weight.emitOpError() << "cannot be executed: ";
  if (quant.getKind() != QuantKind::int8)
    diag << stringifyQuantKind(quant.getKind()) << " weights have no kernel yet";
  else if (quant.getGranularity() != QuantGranularity::channel)
    diag << stringifyQuantGranularity(quant.getGranularity())
         << " scales have no kernel yet (int8 weights need one scale per output channel)";
  else
    diag << "int8 weights without int8 activations (w8a16) have no kernel yet";
  diag << "; the CPU backend runs w8a8 int8 only (per-channel weight scales, dynamic per-token "
          "activations)";
  return failure();
}

struct LlamaAssignPrecisionPass
    : inferno::impl::LlamaAssignPrecisionBase<LlamaAssignPrecisionPass> {
  using LlamaAssignPrecisionBase::LlamaAssignPrecisionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    Type denseStorage;
    if (dtype == "f32")
      denseStorage = b.getF32Type();
    else if (dtype == "bf16")
      denseStorage = b.getBF16Type();
    else if (dtype == "f16")
      denseStorage = b.getF16Type();
    else if (!dtype.empty()) {
      module.emitError() << "dtype '" << dtype << "': expected f32, bf16 or f16";
      return signalPassFailure();
    }

    SmallVector<PolicyRule> rules;
    if (!precision.empty()) {
      std::string error;
      FailureOr<SmallVector<PolicyRule>> parsed = parsePolicy(ctx, precision, error);
      if (mlir::failed(parsed)) {
        module.emitError() << "precision policy " << error;
        return signalPassFailure();
      }
      rules = std::move(*parsed);
    }
    // The storage the policy gives a dense weight (the last rule naming it, through its own
    // module or, for the tied embedding, as lm_head), else `dtype`, else the checkpoint's.
    auto policyStorage = [&](WeightOp weight, bool readByHead) -> Type {
      Type storage;
      StringRef path = modulePath(weight.getCheckpointName());
      for (PolicyRule &rule : rules)
        if (rule.matches(path) || (readByHead && rule.matches("lm_head"))) {
          rule.used = true;
          storage = rule.storage;
        }
      return storage;
    };
    llvm::DenseSet<Operation *> headWeights;
    module.walk([&](LMHeadOp head) {
      if (auto weight = SymbolTable::lookupNearestSymbolFrom<WeightOp>(head, head.getWeightAttr()))
        headWeights.insert(weight);
    });

    SymbolTable symbols(module);
    bool failed = false;
    module.walk([&](Operation *op) {
      FlatSymbolRefAttr symbol = op->getAttrOfType<FlatSymbolRefAttr>("weight");
      if (!symbol || !isa<LinearOp, LMHeadOp, EmbeddingOp, RMSNormOp>(op))
        return;
      auto weight = symbols.lookup<WeightOp>(symbol.getValue());
      if (!weight) {
        op->emitOpError() << "weight " << symbol << " is not a llama.weight";
        failed = true;
        return;
      }
      PrecisionAttr precision;
      if (std::optional<QuantAttr> quant = weight.getQuant()) {
        if (!isa<LinearOp, LMHeadOp>(op)) {
          op->emitOpError() << "reads the quantized weight " << symbol
                            << ", but only linear and lm_head weights can be quantized";
          failed = true;
          return;
        }
        if (mlir::failed(checkExecutable(weight, *quant))) {
          failed = true;
          return;
        }
        auto scale = symbols.lookup<WeightOp>(quant->getScale().getValue());
        setElementType(scale, b.getF32Type()); // the kernel reads float32 scales
        Type i8 = b.getIntegerType(8);
        precision = PrecisionAttr::get(ctx, i8, i8, ActivationQuant::int8_dynamic_token);
      } else {
        Type element = weight.getTensorType().getElementType();
        if (!isa<Float32Type, BFloat16Type, Float16Type>(element)) {
          op->emitOpError() << "reads " << symbol << " stored as " << element
                            << " without a quantization scheme";
          failed = true;
          return;
        }
        Type storage = policyStorage(weight, headWeights.contains(weight));
        if (!storage)
          storage = denseStorage ? denseStorage : element;
        setElementType(weight, storage);
        precision = PrecisionAttr::get(ctx, storage, b.getF32Type(), ActivationQuant::none);
      }
      if (!isa<RMSNormOp>(op))
        op->setAttr(LlamaDialect::kPrecisionAttrName, precision);
    });
    for (const PolicyRule &rule : rules)
      if (!rule.used && !failed) {
        module.emitError() << "precision policy entry '" << rule.text
                           << "' matches no dense weight";
        failed = true;
      }
    if (failed)
      signalPassFailure();
  }
};

} // namespace
