//===- AssignPrecision.cpp - storage and compute types of every weight reader ---===//
//
// The one place that decides how each weight is stored and how products with it are formed.
// Sources, in order: the checkpoint (quantized weights, as the importer described them) and
// the dense storage dtype asked for. Placing weights and lowering only follow the result.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "compiler/frontend/WeightQuantizer.h"
#include "dialects/llama/LlamaDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

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
  Type storage;                            // a dense dtype, or
  std::optional<WeightQuantMode> quantize; // quantized at compile time
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

/// A dtype of a policy entry: a dense float type, or a mode quantizing at compile time.
struct PolicyDtype {
  Type storage;
  std::optional<WeightQuantMode> quantize;
};

FailureOr<PolicyDtype> parseStorage(MLIRContext *ctx, StringRef name, std::string &error) {
  Builder b(ctx);
  if (name == "f32")
    return PolicyDtype{b.getF32Type(), std::nullopt};
  if (name == "bf16")
    return PolicyDtype{b.getBF16Type(), std::nullopt};
  if (name == "f16")
    return PolicyDtype{b.getF16Type(), std::nullopt};
  if (std::optional<WeightQuantMode> mode = parseWeightQuantMode(name.str(), error))
    return PolicyDtype{Type(), mode};
  if (!error.empty())
    return failure();
  if (name == "fp8")
    error = "fp8: quantizing to fp8 at compile time is not implemented (int8 and int4-gN are)";
  else
    error = (name + ": expected f32, bf16, f16, int8 or int4-gN (e.g. int4-g128)").str();
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
    FailureOr<PolicyDtype> storage = parseStorage(ctx, value, storageError);
    if (failed(storage)) {
      error = ("'" + entry + "': " + storageError).str();
      return failure();
    }
    rule.storage = storage->storage;
    rule.quantize = storage->quantize;
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

/// Marks a weight (and its scales) that this pass quantizes at compile time: placing weights
/// computes them from the checkpoint's float tensor instead of copying stored bytes.
constexpr StringLiteral kCompileQuantized = LlamaDialect::kCompileQuantizedAttrName;

/// Whether the CPU backend can execute a quantized weight; names the reason when not.
LogicalResult checkExecutable(WeightOp weight, QuantAttr quant) {
  if (quant.getKind() == QuantKind::int8 && quant.getGranularity() == QuantGranularity::channel &&
      quant.getActivations() == ActivationQuant::int8_dynamic_token)
    return success();
  if (weight->hasAttr(kCompileQuantized))
    return success(); // written by this pass, in a format the weight-only kernels read
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

/// Rewrites a dense [out, in] weight into the storage of `mode` and adds the symbol of its f32
/// scales right after it: int8 is stored as i8 [out, in], int4 as i32 [out, in/8] (eight
/// values per i32, the layout QuantAttr describes) with scales [out, in/group].
void quantizeWeight(WeightOp weight, const WeightQuantMode &mode) {
  MLIRContext *ctx = weight.getContext();
  OpBuilder b(ctx);
  ArrayRef<int64_t> shape = weight.getTensorType().getShape();
  int64_t out = shape[0], in = shape[1];
  bool int8 = mode.kind == WeightQuantMode::Int8;
  std::string scaleName = (weight.getSymName() + "_qscale").str();
  b.setInsertionPointAfter(weight);
  auto scaleType = RankedTensorType::get(
      int8 ? SmallVector<int64_t>{out} : SmallVector<int64_t>{out, in / mode.groupSize},
      b.getF32Type());
  auto scale = WeightOp::create(b, weight.getLoc(), b.getStringAttr(scaleName), StringAttr(),
                                weight.getFileAttr(), weight.getOffsetAttr(),
                                TypeAttr::get(scaleType), QuantAttr());
  scale->setAttr(kCompileQuantized, b.getUnitAttr());
  weight.setType(int8 ? RankedTensorType::get({out, in}, b.getIntegerType(8))
                      : RankedTensorType::get({out, in / 8}, b.getIntegerType(32)));
  weight.setQuantAttr(QuantAttr::get(
      ctx, int8 ? QuantKind::int8 : QuantKind::int4,
      int8 ? QuantGranularity::channel : QuantGranularity::group, int8 ? 0 : mode.groupSize,
      FlatSymbolRefAttr::get(ctx, scaleName), ActivationQuant::none));
  weight->setAttr(kCompileQuantized, b.getUnitAttr());
}

//===----------------------------------------------------------------------===//
// The planner of --precision auto
//===----------------------------------------------------------------------===//

/// One weight the planner may quantize, with the storage options it weighs.
struct PlanCandidate {
  WeightOp weight;
  struct Option {
    std::optional<WeightQuantMode> mode; // nullopt: dense
    int64_t bytes;
    double error; // ||W - Q(W)||_F / ||W||_F
  };
  SmallVector<Option> options; // dense first, then cheaper ones
  unsigned chosen = 0;
};

/// ||W - Q(W)||_F / ||W||_F of a stored [out, in] float weight under `mode`.
double relativeError(const uint8_t *data, Dtype dtype, int64_t out, int64_t in,
                     const WeightQuantMode &mode) {
  std::vector<float> row(static_cast<size_t>(in)), restored(static_cast<size_t>(in));
  std::vector<uint8_t> quantized(static_cast<size_t>(in));
  std::vector<float> scales(static_cast<size_t>(in));
  double errorSquared = 0, normSquared = 0;
  for (int64_t r = 0; r < out; ++r) {
    for (int64_t i = 0; i < in; ++i)
      row[i] = decodeFloat(data + (r * in + i) * dtypeSize(dtype), dtype);
    quantizeRow(mode, row.data(), in, quantized.data(), scales.data());
    dequantizeRow(mode, quantized.data(), scales.data(), in, restored.data());
    for (int64_t i = 0; i < in; ++i) {
      double d = static_cast<double>(row[i]) - restored[i];
      errorSquared += d * d;
      normSquared += static_cast<double>(row[i]) * row[i];
    }
  }
  return normSquared > 0 ? std::sqrt(errorSquared / normSquared) : 0.0;
}

std::optional<Dtype> dtypeOf(Type element) {
  if (element.isF32())
    return Dtype::F32;
  if (element.isBF16())
    return Dtype::BF16;
  if (element.isF16())
    return Dtype::F16;
  return std::nullopt;
}

int64_t denseBytes(WeightOp weight, Type storage) {
  return weight.getTensorType().getNumElements() *
         static_cast<int64_t>(storage.getIntOrFloatBitWidth() / 8);
}

std::string formatBytes(int64_t bytes) {
  char text[32];
  if (bytes >= 1000000000)
    std::snprintf(text, sizeof text, "%.3f GB", bytes / 1e9);
  else if (bytes >= 1000000)
    std::snprintf(text, sizeof text, "%.3f MB", bytes / 1e6);
  else if (bytes >= 1000)
    std::snprintf(text, sizeof text, "%.1f KB", bytes / 1e3);
  else
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  return text;
}

/// Chooses a storage for every candidate so that `fixedBytes` plus the candidates' bytes fit
/// `budget`, greedily: starting from all dense, it repeatedly takes the step (one weight to
/// one of its cheaper options) that adds the least predicted damage per byte saved, until the
/// total fits; then it walks back steps that the slack allows, most damage removed per byte
/// first. Predicted damage is the sum over weights of the squared relative error: each
/// projection's output is perturbed by about its weight's relative error (activations have no
/// preferred direction), and independent perturbations add in variance.
LogicalResult planPrecision(ModuleOp module, SmallVector<PlanCandidate> &candidates,
                            int64_t fixedBytes, int64_t budget) {
  auto damage = [](const PlanCandidate::Option &o) { return o.error * o.error; };
  int64_t total = fixedBytes;
  int64_t smallest = fixedBytes;
  for (PlanCandidate &c : candidates) {
    total += c.options[0].bytes;
    int64_t least = c.options[0].bytes;
    for (const PlanCandidate::Option &o : c.options)
      least = std::min(least, o.bytes);
    smallest += least;
  }
  if (smallest > budget) {
    module.emitError() << "precision auto: the weights need at least " << smallest
                       << " bytes (" << formatBytes(smallest)
                       << ") with every projection at its smallest quantization, over the budget "
                          "of "
                       << budget << " bytes (" << formatBytes(budget) << ")";
    return failure();
  }
  while (total > budget) {
    double bestRatio = INFINITY;
    PlanCandidate *best = nullptr;
    unsigned bestOption = 0;
    for (PlanCandidate &c : candidates) {
      const PlanCandidate::Option &now = c.options[c.chosen];
      for (unsigned i = 0; i < c.options.size(); ++i) {
        int64_t saved = now.bytes - c.options[i].bytes;
        if (saved <= 0)
          continue;
        double ratio = (damage(c.options[i]) - damage(now)) / static_cast<double>(saved);
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = &c;
          bestOption = i;
        }
      }
    }
    if (!best)
      break; // unreachable: smallest fits
    total -= best->options[best->chosen].bytes - best->options[bestOption].bytes;
    best->chosen = bestOption;
  }
  // Give back precision where the last steps overshot the budget.
  for (bool improved = true; improved;) {
    improved = false;
    double bestRatio = 0;
    PlanCandidate *best = nullptr;
    unsigned bestOption = 0;
    for (PlanCandidate &c : candidates) {
      const PlanCandidate::Option &now = c.options[c.chosen];
      for (unsigned i = 0; i < c.options.size(); ++i) {
        int64_t extra = c.options[i].bytes - now.bytes;
        double gain = damage(now) - damage(c.options[i]);
        if (extra <= 0 || gain <= 0 || total + extra > budget)
          continue;
        if (gain / static_cast<double>(extra) > bestRatio) {
          bestRatio = gain / static_cast<double>(extra);
          best = &c;
          bestOption = i;
        }
      }
    }
    if (best) {
      total += best->options[bestOption].bytes - best->options[best->chosen].bytes;
      best->chosen = bestOption;
      improved = true;
    }
  }
  return success();
}

struct LlamaAssignPrecisionPass
    : inferno::impl::LlamaAssignPrecisionBase<LlamaAssignPrecisionPass> {
  using LlamaAssignPrecisionBase::LlamaAssignPrecisionBase;

  void runOnOperation() override;

private:
  /// Quantization modes decided for weights, by --quantize, the policy or the planner.
  llvm::DenseMap<Operation *, WeightQuantMode> quantized_;

  LogicalResult plan(ModuleOp module, Type denseStorage,
                     const llvm::DenseSet<Operation *> &projectionWeights);
};

/// Reads every projection weight from the checkpoint, measures its int8 and int4 errors and
/// fills quantized_ with the plan that fits the budget; prints the plan on stderr.
LogicalResult LlamaAssignPrecisionPass::plan(ModuleOp module, Type denseStorage,
                                             const llvm::DenseSet<Operation *> &projectionWeights) {
  if (budget <= 0) {
    module.emitError() << "precision auto needs a weight budget (--budget-gb or --budget)";
    return failure();
  }
  SmallVector<PlanCandidate> candidates;
  int64_t fixedBytes = 0;
  for (WeightOp weight : module.getOps<WeightOp>()) {
    Type element = weight.getTensorType().getElementType();
    std::optional<Dtype> source = dtypeOf(element);
    if (!source || weight.getQuant() || !projectionWeights.contains(weight)) {
      fixedBytes += weight.getQuant() || !source
                        ? weight.getSizeInBytes()
                        : denseBytes(weight, denseStorage ? denseStorage : element);
      continue;
    }
    SmallString<256> path(weightsDir);
    llvm::sys::path::append(path, weight.getFile());
    int64_t bytes = weight.getSizeInBytes();
    auto buffer = llvm::MemoryBuffer::getFileSlice(path, bytes, weight.getOffset(),
                                                   /*IsVolatile=*/false);
    if (!buffer) {
      weight.emitOpError() << "cannot be read from " << path << " to plan its precision: "
                           << buffer.getError().message();
      return failure();
    }
    const auto *data = reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart());
    int64_t out = weight.getTensorType().getDimSize(0), in = weight.getTensorType().getDimSize(1);
    PlanCandidate c;
    c.weight = weight;
    c.options.push_back({std::nullopt, denseBytes(weight, denseStorage ? denseStorage : element),
                         0.0});
    SmallVector<WeightQuantMode> modes = {{WeightQuantMode::Int8, 0}};
    // Every int4 grouping of 128, 64 or 32 the input features allow: finer groups cost more
    // scales and err less, and the greedy weighs that like any other step.
    for (int64_t group : {128, 64, 32})
      if (in % group == 0)
        modes.push_back({WeightQuantMode::Int4, group});
    for (const WeightQuantMode &mode : modes)
      c.options.push_back({mode, mode.bytes(out, in), relativeError(data, *source, out, in, mode)});
    candidates.push_back(std::move(c));
  }
  if (failed(planPrecision(module, candidates, fixedBytes, budget)))
    return failure();

  int64_t total = fixedBytes;
  double predicted = 0;
  llvm::raw_ostream &os = llvm::errs();
  os << "precision plan (budget " << budget << " bytes, " << formatBytes(budget) << "):\n";
  os << llvm::formatv("  {0,-48} {1,-10} {2,12} {3,12}\n", "weight", "mode", "bytes",
                      "rel. error");
  for (PlanCandidate &c : candidates) {
    const PlanCandidate::Option &o = c.options[c.chosen];
    total += o.bytes;
    predicted += o.error * o.error;
    std::string modeName = o.mode ? o.mode->name() : "dense";
    os << llvm::formatv("  {0,-48} {1,-10} {2,12} {3,12:e3}\n", c.weight.getCheckpointName(),
                        modeName, o.bytes, o.error);
    if (o.mode)
      quantized_[c.weight] = *o.mode;
  }
  os << llvm::formatv("  other weights (embedding, norms, quantized ones): {0} bytes\n",
                      fixedBytes);
  os << llvm::formatv("  total {0} bytes ({1}); predicted damage (sum of squared relative "
                      "errors) {2:e3}\n",
                      total, formatBytes(total), predicted);
  return success();
}

void LlamaAssignPrecisionPass::runOnOperation() {
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
  std::optional<WeightQuantMode> quantizeAll;
  if (!quantize.empty()) {
    std::string error;
    quantizeAll = parseWeightQuantMode(quantize, error);
    if (!quantizeAll) {
      module.emitError() << "quantize '" << quantize << "': "
                         << (error.empty() ? "expected int8 or int4-gN (e.g. int4-g128)"
                                           : error);
      return signalPassFailure();
    }
  }
  bool autoPlan = precision == "auto";
  if (autoPlan && quantizeAll) {
    module.emitError() << "precision auto chooses the quantization of every projection: it "
                          "cannot be combined with quantize";
    return signalPassFailure();
  }

  SmallVector<PolicyRule> rules;
  if (!precision.empty() && !autoPlan) {
    std::string error;
    FailureOr<SmallVector<PolicyRule>> parsed = parsePolicy(ctx, precision, error);
    if (mlir::failed(parsed)) {
      module.emitError() << "precision policy " << error;
      return signalPassFailure();
    }
    rules = std::move(*parsed);
  }

  llvm::DenseSet<Operation *> headWeights, projectionWeights, embeddingWeights;
  module.walk([&](Operation *op) {
    auto symbol = op->getAttrOfType<FlatSymbolRefAttr>("weight");
    if (!symbol)
      return;
    auto weight = SymbolTable::lookupNearestSymbolFrom<WeightOp>(op, symbol);
    if (!weight)
      return;
    if (isa<LMHeadOp>(op))
      headWeights.insert(weight);
    if (isa<LinearOp, LMHeadOp>(op))
      projectionWeights.insert(weight);
    if (isa<EmbeddingOp>(op))
      embeddingWeights.insert(weight);
  });

  // Decide, weight by weight, which ones are quantized here: --quantize names every
  // projection; a policy entry with a quantized dtype names the projections it matches and the
  // embedding table only when it names it explicitly (not through `default`); later entries
  // win; norm weights are never quantized.
  bool failed = false;
  std::string quantizeWhy;
  auto dense = [&](WeightOp weight) {
    return !weight.getQuant() && dtypeOf(weight.getTensorType().getElementType()) &&
           weight.getTensorType().getRank() == 2;
  };
  for (WeightOp weight : llvm::make_early_inc_range(module.getOps<WeightOp>())) {
    if (weight->hasAttr(kCompileQuantized))
      continue; // quantized by an earlier run of this pass
    bool projection = projectionWeights.contains(weight);
    bool embedding = embeddingWeights.contains(weight);
    if (!projection && !embedding)
      continue;
    std::optional<WeightQuantMode> mode;
    std::string source;
    if (quantizeAll && projection) {
      mode = quantizeAll;
      source = "quantize " + quantize;
    }
    StringRef path = modulePath(weight.getCheckpointName());
    bool head = headWeights.contains(weight);
    for (PolicyRule &rule : rules) {
      if (!rule.matches(path) && !(head && rule.matches("lm_head")))
        continue;
      if (!rule.quantize) {
        mode.reset();
        continue;
      }
      if (!projection && rule.pattern.empty())
        continue; // `default` leaves the embedding table alone
      rule.used = true;
      mode = rule.quantize;
      source = "precision policy entry '" + rule.text + "'";
    }
    if (!mode)
      continue;
    if (weight.getQuant()) {
      weight.emitOpError() << "@" << weight.getSymName() << " is already quantized in the checkpoint ("
                           << stringifyQuantKind(weight.getQuant()->getKind()) << "); " << source
                           << " quantizes float weights only";
      failed = true;
      continue;
    }
    if (!dense(weight)) {
      weight.emitOpError() << "@" << weight.getSymName() << " is stored as "
                           << weight.getTensorType() << "; " << source
                           << " quantizes [out, in] float weights only";
      failed = true;
      continue;
    }
    int64_t in = weight.getTensorType().getDimSize(1);
    if (!mode->fits(in)) {
      if (source.rfind("quantize", 0) == 0) {
        // A whole-model request: the weights that cannot be grouped so run int8.
        weight.emitWarning() << "@" << weight.getSymName() << " has " << in << " input features, not a multiple of "
                             << mode->groupSize << ": stored as int8 instead of "
                             << mode->name();
        mode = WeightQuantMode{WeightQuantMode::Int8, 0};
      } else {
        weight.emitOpError() << "@" << weight.getSymName() << " has " << in
                             << " input features, not a multiple of "
                             << mode->groupSize << ", so " << source
                             << " cannot store it as " << mode->name()
                             << " (choose int8 or a group size that divides " << in << ")";
        failed = true;
        continue;
      }
    }
    quantized_[weight] = *mode;
  }
  if (failed)
    return signalPassFailure();
  if (autoPlan && mlir::failed(plan(module, denseStorage, projectionWeights)))
    return signalPassFailure();
  for (auto &[op, mode] : quantized_)
    quantizeWeight(cast<WeightOp>(op), mode);

  // The storage the policy gives a dense weight (the last rule naming it, through its own
  // module or, for the tied embedding, as lm_head), else `dtype`, else the checkpoint's.
  auto policyStorage = [&](WeightOp weight, bool readByHead) -> Type {
    Type storage;
    StringRef path = modulePath(weight.getCheckpointName());
    for (PolicyRule &rule : rules)
      if (!rule.quantize && (rule.matches(path) || (readByHead && rule.matches("lm_head")))) {
        rule.used = true;
        storage = rule.storage;
      }
    return storage;
  };

  SymbolTable symbols(module);
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
      bool weightOnly = weight->hasAttr(kCompileQuantized);
      if (!isa<LinearOp, LMHeadOp>(op) && !(weightOnly && isa<EmbeddingOp>(op))) {
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
      setElementType(scale, b.getF32Type()); // the kernels read float32 scales
      Type element = weight.getTensorType().getElementType();
      if (weightOnly) // dequantized in registers, products in float32
        precision = PrecisionAttr::get(ctx, element, b.getF32Type(), ActivationQuant::none);
      else
        precision = PrecisionAttr::get(ctx, element, element, ActivationQuant::int8_dynamic_token);
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
                         << "' matches no " << (rule.quantize ? "float projection" : "dense")
                         << " weight";
      failed = true;
    }
  if (failed)
    signalPassFailure();
}

} // namespace
