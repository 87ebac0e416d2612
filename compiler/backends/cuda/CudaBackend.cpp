//===- CudaBackend.cpp - llama module to CUDA C++ and an nvcc object ------===//
//
// The CUDA backend prints the forward pass as CUDA C++: a straight line of launch-helper calls
// (runtime/cuda/Runtime.cuh) with every shape a template argument and every buffer a constant
// offset, then nvcc builds it for sm_90. The fusion passes have already grouped q/k/v and
// gate/up, put RMSNorm in front of the projections and RoPE into attention; what the backend
// adds is the choice of kernel epilogues that its matrix-vector kernel offers: a projection
// whose only reader is a residual add writes the sum in place, and gate/up projections whose
// only reader is SwiGLU produce the activation directly.
//
//===----------------------------------------------------------------------===//

#include "compiler/backends/cuda/CudaBackend.h"

#include "dialects/llama/LlamaDialect.h"
#include "passes/BufferSlots.h"

#include "absl/strings/str_cat.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

#include "CudaConfig.inc"

namespace inferno {
namespace {
using namespace mlir;
using namespace inferno::llama;

constexpr int64_t kDeviceAlignment = 256; // cudaMalloc's; also every row of a 16-byte load

int64_t alignTo(int64_t n, int64_t a) { return (n + a - 1) / a * a; }
int64_t features(Value v) { return cast<RankedTensorType>(v.getType()).getDimSize(1); }

/// A float literal that reads back to the same bits.
std::string floatLiteral(float v) {
  char text[64];
  std::snprintf(text, sizeof text, "%af", static_cast<double>(v));
  return text;
}

/// The C++ type of a weight's storage in the kernel library. Quantized weights are read only
/// by w8a8 projections (`w8a8`): int8 with per-row scales.
FailureOr<std::string> storageType(Operation *op, WeightOp weight, bool w8a8 = false) {
  if (std::optional<QuantAttr> quant = weight.getQuant()) {
    if (w8a8 && quant->getKind() == QuantKind::int8 &&
        quant->getGranularity() == QuantGranularity::channel)
      return std::string("int8_t");
    return op->emitOpError() << "reads the quantized weight @" << weight.getSymName()
                             << (w8a8 ? ", which is not int8 with per-channel scales"
                                      : ": the CUDA backend runs w8a8 checkpoints, not "
                                        "weight-only quantization (--quantize) so far");
  }
  Type element = weight.getTensorType().getElementType();
  if (element.isF32())
    return std::string("float");
  if (element.isBF16())
    return std::string("bf16");
  if (element.isF16())
    return std::string("f16");
  return op->emitOpError() << "the CUDA backend has no kernel for " << element << " weights";
}

bool computesInInt8(Operation *op) {
  auto precision = op->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
  return precision && precision.getCompute().isInteger(8);
}

class SourceEmitter {
public:
  SourceEmitter(ModuleOp module, const CudaBackendOptions &options)
      : module_(module), options_(options), symbols_(module) {}
  FailureOr<std::string> run();

private:
  /// How an op is emitted, decided before buffers are placed.
  enum class Role { Normal, Absorbed };

  void planFusions(func::FuncOp forward);
  void placeBuffers(func::FuncOp forward);
  LogicalResult emitOp(Operation &op);
  LogicalResult emitLinear(Operation *op, Value input, ArrayRef<FlatSymbolRefAttr> weights,
                           ValueRange results, FlatSymbolRefAttr norm, std::optional<double> eps);
  FailureOr<std::string> weightRef(Operation *op, FlatSymbolRefAttr symbol, std::string *type,
                                   bool w8a8 = false);
  bool sameDenseStorage(Operation *a, Operation *b);
  std::string buffer(Value v) { return "a + " + std::to_string(offset_.lookup(root(v))); }
  Value root(Value v) const {
    auto it = alias_.find(v);
    return it == alias_.end() ? v : it->second;
  }
  std::string invFreqTable(RopeAttr rope, int64_t headDim);

  ModuleOp module_;
  const CudaBackendOptions &options_;
  SymbolTable symbols_;
  KVCacheType cache_;
  std::string kvType_ = "float";
  llvm::DenseMap<StringRef, int64_t> deviceOffset_;
  // Fusion decisions: ops folded into an earlier one, the value a result shares storage with,
  // an RMSNorm that becomes its consumer's prologue.
  llvm::DenseSet<Operation *> absorbed_;
  llvm::DenseMap<Value, Value> alias_;
  llvm::DenseMap<Operation *, Operation *> residualAdd_; // projection -> add it performs
  llvm::DenseMap<Operation *, Operation *> swiglu_;      // gate/up projection -> swiglu
  llvm::DenseMap<Operation *, RMSNormOp> prologueNorm_;  // consumer -> norm it performs
  // Prefill hand-offs through the GEMM input buffer: a gate/up projection whose SwiGLU result
  // goes straight into it, and the projection right after it that reads it from there.
  llvm::DenseSet<Operation *> handsOff_, takesOver_;
  llvm::DenseMap<Value, int64_t> offset_;
  int64_t activationFloats_ = 0, gemmInBytes_ = 0, tempFloats_ = 0, accInts_ = 0;
  SmallVector<std::pair<Attribute, std::string>> invFreqTables_;
  std::string body_;
  llvm::raw_string_ostream os_{body_};
};

FailureOr<std::string> SourceEmitter::weightRef(Operation *op, FlatSymbolRefAttr symbol,
                                                std::string *type, bool w8a8) {
  auto weight = symbols_.lookup<WeightOp>(symbol.getValue());
  if (!weight)
    return op->emitOpError() << "weight " << symbol << " is not a llama.weight";
  FailureOr<std::string> storage = storageType(op, weight, w8a8);
  if (failed(storage))
    return failure();
  if (type)
    *type = *storage;
  return absl::StrCat("weight<", *storage, ">(d, ", deviceOffset_.lookup(symbol.getValue()),
                      ")");
}

/// Whether every weight the projections `a` and `b` read is stored unquantized in one dtype.
bool SourceEmitter::sameDenseStorage(Operation *a, Operation *b) {
  std::optional<Type> element;
  for (Operation *op : {a, b}) {
    SmallVector<Attribute> weights;
    if (auto linear = dyn_cast<LinearOp>(op))
      weights.push_back(linear.getWeightAttr());
    else if (auto fused = dyn_cast<FusedLinearOp>(op))
      llvm::append_range(weights, fused.getWeights());
    for (Attribute w : weights) {
      auto weight = symbols_.lookup<WeightOp>(cast<FlatSymbolRefAttr>(w).getValue());
      if (!weight || weight.getQuant())
        return false;
      Type type = weight.getTensorType().getElementType();
      if (element && *element != type)
        return false;
      element = type;
    }
  }
  return element.has_value();
}

void SourceEmitter::planFusions(func::FuncOp forward) {
  Block &body = forward.getBody().front();
  llvm::DenseMap<Operation *, int64_t> index;
  int64_t i = 0;
  for (Operation &op : body)
    index[&op] = i++;
  auto onlyUser = [](Value v) -> Operation * {
    return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
  };
  for (Operation &op : body) {
    // gate/up → SwiGLU: both results read only by one swiglu, gate first.
    if (auto fused = dyn_cast<FusedLinearOp>(op); fused && fused.getNumResults() == 2) {
      auto s = dyn_cast_or_null<SwiGLUOp>(onlyUser(fused.getResult(0)));
      if (s && onlyUser(fused.getResult(1)) == s && s.getLhs() == fused.getResult(0) &&
          features(fused.getResult(0)) == features(fused.getResult(1))) {
        swiglu_[&op] = s;
        absorbed_.insert(s);
        // In prefill the SwiGLU result only exists to be the down projection's GEMM input:
        // when that projection comes right after it, reads nothing else and stores the same
        // dtype, the result is written in that dtype where the GEMM reads it, skipping a
        // float32 round trip and a conversion pass.
        Operation *down = onlyUser(s.getResult());
        auto fusedDown = dyn_cast_or_null<FusedLinearOp>(down);
        if (down && down == s->getNextNode() &&
            (isa<LinearOp>(down) || (fusedDown && !fusedDown.getNormAttr() &&
                                     fusedDown.getWeights().size() == 1)) &&
            !computesInInt8(&op) && !computesInInt8(down) && sameDenseStorage(&op, down)) {
          handsOff_.insert(&op);
          takesOver_.insert(down);
        }
      }
    }
    // One projection read only by `add(residual, projection)`: accumulate into the residual's
    // buffer, which must not be read again after the projection other than by the add.
    if (isa<LinearOp, FusedLinearOp>(op) && op.getNumResults() == 1) {
      auto add = dyn_cast_or_null<AddOp>(onlyUser(op.getResult(0)));
      if (add) {
        Value residual = add.getLhs() == op.getResult(0) ? add.getRhs() : add.getLhs();
        bool readLater = false;
        for (Operation *user : residual.getUsers())
          readLater |= user != add && index.lookup(user) > index.lookup(&op);
        if (!readLater && residual != op.getResult(0)) {
          residualAdd_[&op] = add;
          absorbed_.insert(add);
          alias_[add.getResult()] = root(residual);
        }
      }
    }
    // An RMSNorm whose only reader is a projection without a norm of its own.
    if (auto norm = dyn_cast<RMSNormOp>(op)) {
      Operation *user = onlyUser(norm.getResult());
      auto fused = dyn_cast_or_null<FusedLinearOp>(user);
      if (user && (isa<LinearOp, LMHeadOp>(user) || (fused && !fused.getNormAttr()))) {
        prologueNorm_[user] = norm;
        absorbed_.insert(norm);
      }
    }
  }
}

/// Activation buffers: max_batch rows each, reused once the value they hold is dead. A value
/// that aliases another (a residual sum written in place) lives as long as all its aliases.
void SourceEmitter::placeBuffers(func::FuncOp forward) {
  Block &body = forward.getBody().front();
  llvm::DenseMap<Operation *, int64_t> index;
  int64_t i = 0;
  for (Operation &op : body)
    index[&op] = i++;
  llvm::DenseMap<Value, int64_t> lastUse;
  for (Operation &op : body)
    for (Value operand : op.getOperands())
      lastUse[root(operand)] = std::max(lastUse.lookup(root(operand)), index[&op]);
  // A norm folded into its consumer reads its input there.
  for (auto [consumer, norm] : prologueNorm_) {
    Value input = root(norm.getInput());
    lastUse[input] = std::max(lastUse.lookup(input), index[consumer]);
  }
  BufferSlots slots;
  auto place = [&](Value v, int64_t now) {
    if (offset_.count(root(v)))
      return;
    int64_t size = alignTo(options_.maxBatch * features(v), 64);
    int64_t until = std::max(lastUse.lookup(root(v)), now);
    offset_[root(v)] = slots.offset(slots.allocate(size, now, until));
  };
  for (Operation &op : body) {
    if (absorbed_.count(&op) || isa<LMHeadOp, func::ReturnOp>(op))
      continue;
    int64_t now = index[&op];
    if (Operation *s = swiglu_.lookup(&op)) {
      place(s->getResult(0), now);
      tempFloats_ = std::max(tempFloats_, 2 * options_.maxBatch * features(s->getResult(0)));
      continue;
    }
    if (residualAdd_.count(&op))
      continue; // writes into the residual's buffer
    for (Value result : op.getResults())
      place(result, now);
  }
  activationFloats_ = slots.total();
}

std::string SourceEmitter::invFreqTable(RopeAttr rope, int64_t headDim) {
  Attribute key = ArrayAttr::get(module_.getContext(),
                                 {rope, IntegerAttr::get(IntegerType::get(module_.getContext(), 64),
                                                         headDim)});
  for (unsigned i = 0; i < invFreqTables_.size(); ++i)
    if (invFreqTables_[i].first == key)
      return "d.invFreq[" + std::to_string(i) + "]";
  std::string values;
  for (float f : rope.getInverseFrequencies(headDim))
    values += (values.empty() ? "" : ", ") + floatLiteral(f);
  invFreqTables_.push_back({key, values});
  return "d.invFreq[" + std::to_string(invFreqTables_.size() - 1) + "]";
}

LogicalResult SourceEmitter::emitLinear(Operation *op, Value input,
                                        ArrayRef<FlatSymbolRefAttr> weights, ValueRange results,
                                        FlatSymbolRefAttr norm, std::optional<double> eps) {
  std::string type, normType = "float", normRef = "static_cast<const float *>(nullptr)";
  const bool w8a8 = computesInInt8(op);
  SmallVector<std::string> refs, scaleRefs;
  for (FlatSymbolRefAttr w : weights) {
    std::string t;
    FailureOr<std::string> ref = weightRef(op, w, &t, w8a8);
    if (failed(ref))
      return failure();
    if (!type.empty() && t != type)
      return op->emitOpError("mixes weight dtypes in one projection");
    type = t;
    refs.push_back(*ref);
    if (w8a8) {
      auto weight = symbols_.lookup<WeightOp>(w.getValue());
      auto scale = symbols_.lookup<WeightOp>(weight.getQuant()->getScale().getValue());
      if (!scale || !scale.getTensorType().getElementType().isF32())
        return op->emitOpError() << "reads scales " << weight.getQuant()->getScale()
                                 << ", which the w8a8 kernels need stored as f32";
      scaleRefs.push_back(absl::StrCat("weight<float>(d, ",
                                       deviceOffset_.lookup(scale.getSymName()), ")"));
    }
  }
  if (w8a8 && type != "int8_t")
    return op->emitOpError("computes in i8 over weights that are not int8");
  RMSNormOp prologue = prologueNorm_.lookup(op);
  if (prologue) {
    norm = prologue.getWeightAttr();
    eps = prologue.getEps().convertToDouble();
    input = prologue.getInput();
  }
  if (norm) {
    FailureOr<std::string> ref = weightRef(op, norm, &normType);
    if (failed(ref))
      return failure();
    normRef = *ref;
  }
  int64_t k = features(input);
  gemmInBytes_ = std::max(gemmInBytes_, options_.maxBatch * k * 4);
  std::string epilogue = "Store";
  SmallVector<std::string> outputs;
  SmallVector<int64_t> rows;
  if (Operation *s = swiglu_.lookup(op)) {
    epilogue = "SwiGLU";
    outputs = {buffer(s->getResult(0)), "nullptr"};
    rows = {features(results[0]), features(results[1])};
  } else if (Operation *add = residualAdd_.lookup(op)) {
    epilogue = "Residual";
    outputs = {buffer(add->getResult(0))};
    rows = {features(results[0])};
  } else if (isa<LMHeadOp>(op)) {
    outputs = {"d.logits"};
    rows = {features(results[0])};
  } else {
    for (Value r : results) {
      outputs.push_back(buffer(r));
      rows.push_back(features(r));
    }
  }
  auto list = [](auto &&items) {
    std::string text;
    for (const auto &item : items)
      text += (text.empty() ? "" : ", ") + llvm::Twine(item).str();
    return text;
  };
  SmallVector<std::string> rowText;
  for (int64_t r : rows)
    rowText.push_back(std::to_string(r));
  std::string x = buffer(input), n = "n";
  if (isa<LMHeadOp>(op)) {
    // Decode and an ordinary prompt need the last token's logits only.
    os_ << "  const bool lastOnly = !allLogits;\n";
    x = "(" + x + ") + (lastOnly ? (n - 1) * " + std::to_string(k) + " : 0)";
    n = "(lastOnly ? 1 : n)";
  }
  if (w8a8) {
    if (k % 4 != 0)
      return op->emitOpError() << "w8a8 needs an input width that is a multiple of 4, got " << k;
    int64_t rowsTotal = 0;
    for (int64_t r : rows)
      rowsTotal = std::max(rowsTotal, r);
    accInts_ = std::max(accInts_, options_.maxBatch * rowsTotal * (epilogue == "SwiGLU" ? 2 : 1));
    os_ << "  linearW8A8<" << normType << ", " << k << ", Epilogue::" << epilogue << ">(d, " << n
        << ", " << x << ", " << normRef << ", "
        << floatLiteral(static_cast<float>(eps.value_or(0.0))) << ",\n         Segments{{"
        << list(refs) << "}, {" << list(outputs) << "}, {" << list(rowText) << "}},\n"
        << "         Scales{{" << list(scaleRefs) << "}}, " << refs.size() << ");\n";
    return success();
  }
  const char *handoff = handsOff_.count(op)    ? ", Handoff::Produces"
                        : takesOver_.count(op) ? ", Handoff::Consumes"
                                               : "";
  os_ << "  linear<" << type << ", " << normType << ", " << k << ", Epilogue::" << epilogue
      << handoff << ">(d, " << n << ", " << x << ", " << normRef << ", "
      << floatLiteral(static_cast<float>(eps.value_or(0.0))) << ",\n         Segments{{"
      << list(refs) << "}, {" << list(outputs) << "}, {" << list(rowText) << "}}, "
      << refs.size() << ");\n";
  return success();
}

LogicalResult SourceEmitter::emitOp(Operation &op) {
  if (absorbed_.count(&op))
    return success();
  // The op, as the IR prints it, above its call: the generated file reads like the IR.
  std::string text;
  llvm::raw_string_ostream line(text);
  op.print(line, OpPrintingFlags().skipRegions().elideLargeElementsAttrs());
  os_ << "  // " << StringRef(text).split('\n').first.take_front(150) << "\n";
  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](EmbeddingOp e) -> LogicalResult {
        std::string type;
        FailureOr<std::string> ref = weightRef(e, e.getWeightAttr(), &type);
        if (failed(ref))
          return failure();
        os_ << "  embedding<" << type << ">(d, n, " << *ref << ", " << buffer(e.getResult())
            << ", " << features(e.getResult()) << ");\n";
        return success();
      })
      .Case([&](LinearOp l) {
        return emitLinear(l, l.getInput(), {l.getWeightAttr()}, l->getResults(), {}, {});
      })
      .Case([&](LMHeadOp h) {
        return emitLinear(h, h.getInput(), {h.getWeightAttr()}, h->getResults(), {}, {});
      })
      .Case([&](FusedLinearOp f) -> LogicalResult {
        SmallVector<FlatSymbolRefAttr> weights;
        for (Attribute w : f.getWeights())
          weights.push_back(cast<FlatSymbolRefAttr>(w));
        if (weights.size() > 3)
          return f.emitOpError("fuses more than three projections; the CUDA kernel takes three");
        std::optional<double> eps;
        if (f.getNormEps())
          eps = f.getNormEps()->convertToDouble();
        return emitLinear(f, f.getInput(), weights, f.getResults(), f.getNormAttr(), eps);
      })
      .Case([&](RMSNormOp r) -> LogicalResult {
        std::string type;
        FailureOr<std::string> ref = weightRef(r, r.getWeightAttr(), &type);
        if (failed(ref))
          return failure();
        os_ << "  rmsNorm<" << type << ", " << features(r.getInput()) << ">(d, n, "
            << buffer(r.getInput()) << ", " << *ref << ", "
            << floatLiteral(static_cast<float>(r.getEps().convertToDouble())) << ", "
            << buffer(r.getResult()) << ");\n";
        return success();
      })
      .Case([&](RopeOp r) {
        if (root(r.getInput()) != root(r.getResult()))
          os_ << "  INFERNO_CUDA_CHECK(cudaMemcpyAsync(" << buffer(r.getResult()) << ", "
              << buffer(r.getInput()) << ", sizeof(float) * n * " << features(r.getInput())
              << ", cudaMemcpyDeviceToDevice, d.stream));\n";
        os_ << "  rope<" << r.getHeadDim() << ">(d, n, " << buffer(r.getResult()) << ", "
            << invFreqTable(r.getRope(), r.getHeadDim()) << ", " << r.getHeads() << ");\n";
        return success();
      })
      .Case([&](AttentionOp a) -> LogicalResult {
        int64_t layerElements = cache_.getPositions() * cache_.getKvHeads() * cache_.getHeadDim();
        std::string invFreq = a.getRopeAttr()
                                  ? invFreqTable(a.getRopeAttr(), cache_.getHeadDim())
                                  : "static_cast<const float *>(nullptr)";
        if (a.getHeads() % a.getKvHeads() != 0)
          return a.emitOpError("needs heads to be a multiple of kv_heads");
        os_ << "  attention<" << kvType_ << ", " << cache_.getHeadDim() << ", "
            << a.getHeads() / a.getKvHeads() << ">(d, n, "
            << buffer(a.getQuery()) << ", " << buffer(a.getKey()) << ", " << buffer(a.getValue())
            << ", " << invFreq << ",\n            kv<" << kvType_ << ">(d, "
            << a.getLayer() * layerElements << "), kv<" << kvType_ << ">(d, "
            << (cache_.getLayers() + a.getLayer()) * layerElements << "), "
            << buffer(a.getResult()) << ", " << a.getKvHeads() << ", "
            << cache_.getPositions() << ");\n";
        return success();
      })
      .Case([&](SwiGLUOp s) {
        os_ << "  swiglu(d, int64_t(n) * " << features(s.getResult()) << ", "
            << buffer(s.getLhs()) << ", " << buffer(s.getRhs()) << ", " << buffer(s.getResult())
            << ");\n";
        return success();
      })
      .Case([&](AddOp s) {
        os_ << "  add(d, int64_t(n) * " << features(s.getResult()) << ", " << buffer(s.getLhs())
            << ", " << buffer(s.getRhs()) << ", " << buffer(s.getResult()) << ");\n";
        return success();
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *o) { return o->emitOpError("has no CUDA lowering"); });
}

FailureOr<std::string> SourceEmitter::run() {
  ConfigAttr config = lookupConfig(module_);
  if (!config)
    return module_.emitError("the CUDA backend needs the module's #llama.config");
  auto forward = module_.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.getNumArguments() != 3 ||
      !isa<KVCacheType>(forward.getArgument(2).getType()))
    return module_.emitError(
        "the CUDA backend needs func.func @forward(tokens, positions, !llama.kv_cache) -> logits");
  cache_ = cast<KVCacheType>(forward.getArgument(2).getType());
  const int64_t headDim = cache_.getHeadDim();
  if (headDim % 2 != 0 || (headDim > 32 && headDim % 32 != 0))
    return forward.emitError() << "head_dim " << headDim
                               << ": the CUDA attention kernels take an even head_dim below 32 "
                                  "or a multiple of 32";

  // Weights: one device arena, each tensor 256-byte aligned, in the module's order (the
  // manifest's order, which --synthetic-weights numbers tensors by).
  SmallVector<StringRef> files = getWeightFiles(module_);
  std::string tensors;
  int64_t arena = 0, count = 0;
  Type kvElement;
  // w8a8 scales, by the input width of the weight they scale (for synthetic values).
  llvm::DenseMap<StringRef, int64_t> scaleOf;
  for (WeightOp w : module_.getOps<WeightOp>())
    if (std::optional<QuantAttr> quant = w.getQuant())
      scaleOf[quant->getScale().getValue()] = w.getTensorType().getShape().back();
  for (WeightOp w : module_.getOps<WeightOp>()) {
    RankedTensorType type = w.getTensorType();
    Type element = type.getElementType();
    std::optional<QuantAttr> quant = w.getQuant();
    const bool int8Channel = quant && quant->getKind() == QuantKind::int8 &&
                             quant->getGranularity() == QuantGranularity::channel &&
                             element.isInteger(8);
    StringRef storage = element.isF32()    ? "F32"
                        : element.isBF16() ? "BF16"
                        : element.isF16()  ? "F16"
                        : int8Channel      ? "I8"
                                           : "";
    if (storage.empty())
      return w.emitError() << "tensor '" << w.getCheckpointName() << "' is stored as "
                           << element << (quant ? " (quantized)" : "")
                           << ": the CUDA backend has f32, bf16, f16 and w8a8 int8 kernels";
    // The KV cache takes the narrowest float dtype of the weights: bf16 for a bf16 model.
    if (isa<FloatType>(element) &&
        (!kvElement || element.getIntOrFloatBitWidth() < kvElement.getIntOrFloatBitWidth()))
      kvElement = element;
    // Synthetic values: a w8a8 scale is drawn as a weight of K·127² columns would be, so that
    // int8 × scale has about the spread of a dense synthetic weight.
    int rank = type.getRank();
    int64_t columns = type.getShape().back();
    if (auto it = scaleOf.find(w.getSymName()); it != scaleOf.end()) {
      rank = 2;
      columns = it->second * 127 * 127;
    }
    deviceOffset_[w.getSymName()] = arena;
    int64_t elements = type.getNumElements();
    unsigned file = llvm::find(files, w.getFile()) - files.begin();
    tensors += absl::StrCat("    {", file, ", ", w.getOffset(), "ull, ", w.getSizeInBytes(),
                            "ull, ", arena, "ull, Storage::", storage.str(), ", ", rank,
                            ", ", columns, ", ", elements, "}, // ",
                            w.getSymName().str(), "\n");
    arena = alignTo(arena + w.getSizeInBytes(), kDeviceAlignment);
    ++count;
  }
  kvType_ = !kvElement || kvElement.isF32() ? "float" : kvElement.isBF16() ? "bf16" : "f16";
  if (!options_.kvDtype.empty())
    kvType_ = options_.kvDtype == "f32" ? "float" : options_.kvDtype;
  const int64_t kvBytes = 2 * cache_.getLayers() * cache_.getPositions() * cache_.getKvHeads() *
                          headDim * (kvType_ == "float" ? 4 : kvType_ == "fp8" ? 1 : 2);

  planFusions(forward);
  placeBuffers(forward);
  int64_t heads = 0;
  for (Operation &op : forward.getBody().front()) {
    if (auto a = dyn_cast<AttentionOp>(op))
      heads = std::max<int64_t>(heads, a.getHeads());
    if (failed(emitOp(op)))
      return failure();
  }
  std::string tables, tableList, tableSizes;
  for (unsigned i = 0; i < invFreqTables_.size(); ++i) {
    tables += absl::StrCat("const float kInvFreq", i, "[] = {", invFreqTables_[i].second, "};\n");
    tableList += absl::StrCat(i ? ", " : "", "kInvFreq", i);
    tableSizes += absl::StrCat(i ? ", " : "", "int(sizeof kInvFreq", i, " / sizeof(float))");
  }
  if (invFreqTables_.empty()) {
    tableList = "nullptr";
    tableSizes = "0";
  }

  std::string out;
  llvm::raw_string_ostream src(out);
  src << "// " << options_.banner << "\n"
      << "// Generated by the inferno CUDA backend; every shape and offset is a constant.\n\n"
      << "#include \"runtime/cuda/Runtime.cuh\"\n\n"
      << "namespace {\nusing namespace inferno::cuda;\n\n"
      << "// file, offset in file, bytes, offset on the device, storage, rank, columns, elements\n"
      << "const TensorPlace kTensors[] = {\n"
      << tensors << "};\n\n"
      << tables << "const float *const kInvFreq[] = {" << tableList << "};\n"
      << "const int kInvFreqSizes[] = {" << tableSizes << "};\n\n"
      << "const ModelLayout kLayout = {\n"
      << "    /*weightBytes=*/" << arena << "ull, /*kvBytes=*/" << kvBytes << "ull,\n"
      << "    /*activationFloats=*/" << activationFloats_
      << ", /*qrotFloats=*/" << options_.maxBatch * std::max<int64_t>(heads, 1) * headDim
      << ",\n    /*attentionHeads=*/" << heads << ", /*headDim=*/" << headDim
      << ", /*kvHeads=*/" << cache_.getKvHeads() << ", /*context=*/" << cache_.getPositions()
      << ",\n"
      << "    /*gemmInBytes=*/" << gemmInBytes_ << ", /*tempFloats=*/" << tempFloats_
      << ", /*accInts=*/" << accInts_
      << ", /*maxBatch=*/" << options_.maxBatch << ", /*vocab=*/" << config.getVocab() << ",\n"
      << "    /*numInvFreq=*/" << invFreqTables_.size() << ", kInvFreq, kInvFreqSizes};\n\n"
      << "template <typename T> const T *weight(Device &d, uint64_t offset) {\n"
      << "  return reinterpret_cast<const T *>(d.weights + offset);\n}\n"
      << "template <typename T> T *kv(Device &d, uint64_t element) {\n"
      << "  return reinterpret_cast<T *>(d.kv) + element;\n}\n\n"
      << "void forwardPass(Device &d, int n, bool allLogits) {\n"
      << "  beginPass(d, n);\n"
      << "  float *const a = d.activations;\n"
      << body_ << "}\n} // namespace\n\n"
      << "extern \"C\" {\n"
      << "const inferno_model_desc inferno_model = {INFERNO_ABI_VERSION, " << options_.maxBatch
      << ", 0, 0, " << cache_.getPositions() << ", " << config.getVocab() << ", " << files.size()
      << "};\n\n"
      << "int32_t inferno_model_open(const uint8_t *const *weights, int32_t synthetic,\n"
      << "                           uint64_t seed, char *error, int64_t errorSize) {\n"
      << "  if (int status = open(kLayout, kTensors, " << count
      << ", weights, synthetic, seed, error, errorSize))\n"
      << "    return status;\n"
      << "  warmUp(kLayout, " << cache_.getPositions() << ", forwardPass);\n"
      << "  return 0;\n}\n\n"
      << "void inferno_model_forward(const inferno_forward_args *args) {\n"
      << "  forward(kLayout, args, forwardPass);\n}\n\n"
      << "int64_t inferno_model_greedy(int32_t token, int32_t position, int64_t steps,\n"
      << "                             int32_t (*onToken)(int32_t, void *), void *user) {\n"
      << "  return greedy(kLayout, token, position, steps, onToken, user, forwardPass);\n}\n\n"
      << "const char *inferno_model_device(void) { return device().name.c_str(); }\n"
      << "}\n";
  return out;
}

} // namespace

absl::StatusOr<std::string> emitCudaSource(ModuleOp module, const CudaBackendOptions &options) {
  std::string firstError;
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diagnostic) {
    if (firstError.empty())
      firstError = diagnostic.str();
    return success();
  });
  SourceEmitter emitter(module, options);
  FailureOr<std::string> source = emitter.run();
  if (failed(source))
    return absl::InvalidArgumentError(firstError.empty() ? "the CUDA backend failed" : firstError);
  return *source;
}

std::string findCudaHome() {
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    return home;
  if (llvm::sys::fs::exists(llvm::Twine(kConfiguredCudaHome) + "/bin/nvcc"))
    return kConfiguredCudaHome;
  if (llvm::ErrorOr<std::string> nvcc = llvm::sys::findProgramByName("nvcc"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*nvcc)).str();
  return "";
}

absl::Status compileCudaObject(const std::string &sourcePath, const std::string &objectPath,
                               const CudaBackendOptions &options) {
  std::string home = findCudaHome();
  if (home.empty())
    return absl::FailedPreconditionError(
        "--target cuda needs nvcc (CUDA 12.4 or later): none in $CUDA_HOME, " +
        std::string(kConfiguredCudaHome) + " or on PATH");
  std::string nvcc = home + "/bin/nvcc";
  std::string sm = std::to_string(options.sm);
  std::vector<std::string> args = {
      nvcc, "-std=c++17", "-O3", "-c", sourcePath, "-o", objectPath,
      // Machine code for the target and its PTX, which newer GPUs' drivers can compile.
      "-gencode=arch=compute_" + sm + ",code=sm_" + sm,
      "-gencode=arch=compute_" + sm + ",code=compute_" + sm, "-I", kRuntimeSourceRoot,
      "--expt-relaxed-constexpr"};
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(nvcc, refs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return absl::InternalError(absl::StrCat("nvcc failed on the generated ", sourcePath, " (exit ",
                                            rc, error.empty() ? "" : ": ", error, ")"));
  return absl::OkStatus();
}

std::vector<std::string> cudaLinkFlags() {
  std::string home = findCudaHome();
  return {"-L" + home + "/lib64", "-lcublas", "-lcudart_static", "-ldl", "-lrt"};
}

} // namespace inferno
