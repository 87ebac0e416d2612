//===- LowerToLLVM.cpp - the forward pass as LLVM calls into the CPU kernels ---===//
//
// The CPU backend's lowering: one LLVM function following runtime/include/inferno/abi.h,
// a straight line of kernel calls with constant shapes and offsets. Kernels do the heavy
// lifting (runtime/kernels); this pass decides where every activation lives.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/BufferSlots.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace inferno {
#define GEN_PASS_DEF_LLAMALOWERTOLLVM
#include "passes/Passes.h.inc"
} // namespace inferno

using namespace mlir;
using namespace inferno;
using namespace inferno::llama;

namespace {

/// Fields of inferno_forward_args, in order.
enum ArgField { Weights, KVCache, Scratch, Tokens, Positions, NTokens, Logits, AllLogits };

/// Assigns each activation a slot of the scratch arena (in floats), reusing a slot once the
/// value it held is dead. Sizes are max_batch rows of the value's features, 16-float aligned.
class ScratchPlan {
public:
  ScratchPlan(func::FuncOp forward, int64_t maxBatch) {
    Block &body = forward.getBody().front();
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : body)
      position[&op] = index++;
    for (Operation &op : body) {
      int64_t now = position[&op];
      for (Value result : op.getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type || type.getRank() != 2 || isa<LMHeadOp>(op))
          continue; // lm_head writes straight into the caller's logits buffer
        int64_t lastUse = now;
        for (Operation *user : result.getUsers())
          lastUse = std::max(lastUse, position.lookup(user));
        // RoPE rotates in place when nothing else reads its input.
        if (auto rope = dyn_cast<RopeOp>(op); rope && rope.getInput().hasOneUse() &&
                                              slotOf_.count(rope.getInput())) {
          unsigned slot = slotOf_[rope.getInput()];
          slots_.extend(slot, lastUse);
          slotOf_[result] = slot;
          continue;
        }
        int64_t size = alignTo(maxBatch * type.getDimSize(1), 16);
        slotOf_[result] = slots_.allocate(size, now, lastUse);
      }
    }
  }

  /// Offset of a value's buffer in the arena, in floats.
  int64_t offsetOf(Value v) const { return slots_.offset(slotOf_.lookup(v)); }
  int64_t totalFloats() const { return slots_.total(); }

private:
  static int64_t alignTo(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

  BufferSlots slots_;
  llvm::DenseMap<Value, unsigned> slotOf_;
};

/// Emits the LLVM dialect for one forward function.
class ForwardLowering {
public:
  ForwardLowering(ModuleOp module, int64_t maxBatch)
      : module_(module), b_(module.getContext()), maxBatch_(maxBatch),
        ptr_(LLVM::LLVMPointerType::get(module.getContext())), i64_(b_.getI64Type()),
        f32_(b_.getF32Type()) {}

  LogicalResult run();

private:
  Value constI64(int64_t v) { return LLVM::ConstantOp::create(b_, loc_, i64_, v); }
  Value constF32(float v) { return LLVM::ConstantOp::create(b_, loc_, f32_, b_.getF32FloatAttr(v)); }
  Value offsetPtr(Value base, Type element, Value offset) {
    return LLVM::GEPOp::create(b_, loc_, ptr_, element, base, ArrayRef<LLVM::GEPArg>{offset});
  }
  Value offsetPtr(Value base, Type element, int64_t offset) {
    return offsetPtr(base, element, constI64(offset));
  }
  Value loadField(Value args, ArgField field, Type type);
  void call(StringRef kernel, ArrayRef<Value> operands);
  FailureOr<Value> weightPointer(Operation *op, FlatSymbolRefAttr symbol);
  FailureOr<std::string> dtypeSuffix(Operation *op, FlatSymbolRefAttr symbol);
  LogicalResult matmulCall(Operation *op, FlatSymbolRefAttr symbol, Value x, Value y, Value rows,
                           int64_t n, int64_t k);
  LogicalResult fusedLinearCall(FusedLinearOp op);
  Value stackArray(Type element, ArrayRef<Value> values);
  FailureOr<Value> weightOnlyScales(Operation *op, WeightOp weight, QuantAttr quant);
  LogicalResult weightOnlyMatmulCall(Operation *op, WeightOp weight, Value x, Value y, Value rows,
                                     int64_t n, int64_t k);
  LogicalResult weightOnlyEmbeddingCall(EmbeddingOp op, WeightOp weight, Value y,
                                        int64_t hidden);
  Value buffer(Value v) { return offsetPtr(scratch_, f32_, plan_->offsetOf(v)); }
  Value invFreqTable(RopeAttr rope, int64_t headDim);
  LogicalResult lowerOp(Operation &op);
  void emitDescriptor(ConfigAttr config, KVCacheType cache, int64_t numFiles);

  ModuleOp module_;
  OpBuilder b_;
  Location loc_ = UnknownLoc::get(module_.getContext());
  int64_t maxBatch_;
  Type ptr_, i64_, f32_;
  LLVM::LLVMStructType argsType_;
  std::unique_ptr<ScratchPlan> plan_;
  SymbolTable *symbols_ = nullptr;
  SmallVector<StringRef> files_;
  SmallVector<Value> fileBases_;
  Value args_, scratch_, kvCache_, tokens_, positions_, nTokens_;
  KVCacheType cache_;
  Value cacheArgument_;
  llvm::DenseMap<Attribute, std::string> invFreqGlobals_;
};

Value ForwardLowering::loadField(Value args, ArgField field, Type type) {
  Value address = LLVM::GEPOp::create(b_, loc_, ptr_, argsType_, args,
                                      ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(field)});
  return LLVM::LoadOp::create(b_, loc_, type, address);
}

void ForwardLowering::call(StringRef kernel, ArrayRef<Value> operands) {
  auto callee = module_.lookupSymbol<LLVM::LLVMFuncOp>(kernel);
  if (!callee) {
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToStart(module_.getBody());
    SmallVector<Type> types = llvm::to_vector(llvm::map_range(operands, [](Value v) { return v.getType(); }));
    callee = LLVM::LLVMFuncOp::create(
        b_, loc_, kernel, LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b_.getContext()), types));
  }
  LLVM::CallOp::create(b_, loc_, callee, operands);
}

FailureOr<Value> ForwardLowering::weightPointer(Operation *op, FlatSymbolRefAttr symbol) {
  auto weight = symbols_->lookup<WeightOp>(symbol.getValue());
  if (!weight)
    return op->emitOpError() << "weight " << symbol << " is not a llama.weight";
  unsigned file = llvm::find(files_, weight.getFile()) - files_.begin();
  return offsetPtr(fileBases_[file], b_.getI8Type(), weight.getOffset());
}

FailureOr<std::string> ForwardLowering::dtypeSuffix(Operation *op, FlatSymbolRefAttr symbol) {
  auto weight = symbols_->lookup<WeightOp>(symbol.getValue());
  Type element = weight.getTensorType().getElementType();
  if (weight.getQuant())
    return op->emitOpError() << "reads the quantized weight " << symbol
                             << " without an i8 #llama.precision (run llama-assign-precision)";
  if (element.isF32())
    return std::string("f32");
  if (element.isBF16())
    return std::string("bf16");
  if (element.isF16())
    return std::string("f16");
  return op->emitOpError() << "the CPU backend has no kernel for " << element << " weights";
}

/// y[rows, n] = x[rows, k] · Wᵀ by the kernel the op's precision names: int8 weights with
/// per-channel scales and per-token int8 activations (w8a8), or a float weight's dtype.
LogicalResult ForwardLowering::matmulCall(Operation *op, FlatSymbolRefAttr symbol, Value x,
                                          Value y, Value rows, int64_t n, int64_t k) {
  auto weight = symbols_->lookup<WeightOp>(symbol.getValue());
  if (!weight)
    return op->emitOpError() << "weight " << symbol << " is not a llama.weight";
  auto precision = op->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
  if (precision && precision.getStorage() != weight.getTensorType().getElementType())
    return op->emitOpError() << "has " << precision << " but " << symbol << " is stored as "
                             << weight.getTensorType().getElementType();
  if (weight.getQuant() && precision && precision.getCompute().isF32())
    return weightOnlyMatmulCall(op, weight, x, y, rows, n, k);
  FailureOr<Value> w = weightPointer(op, symbol);
  if (failed(w))
    return failure();
  if (precision && precision.getCompute().isInteger(8)) {
    std::optional<QuantAttr> quant = weight.getQuant();
    if (!quant || quant->getKind() != QuantKind::int8 ||
        quant->getGranularity() != QuantGranularity::channel)
      return op->emitOpError() << "computes in i8, which needs int8 weights with per-channel "
                                  "scales, but "
                               << symbol << " is not quantized that way";
    auto scale = symbols_->lookup<WeightOp>(quant->getScale().getValue());
    if (!scale || !scale.getTensorType().getElementType().isF32())
      return op->emitOpError() << "reads scales " << quant->getScale()
                               << ", which the w8a8 kernel needs stored as f32";
    FailureOr<Value> scales = weightPointer(op, quant->getScale());
    if (failed(scales))
      return failure();
    call("inferno_matmul_w8a8", {x, *w, *scales, y, rows, constI64(n), constI64(k)});
    return success();
  }
  FailureOr<std::string> suffix = dtypeSuffix(op, symbol);
  if (failed(suffix))
    return failure();
  call("inferno_matmul_" + *suffix, {x, *w, y, rows, constI64(n), constI64(k)});
  return success();
}

/// An array of `values` on the stack, for kernels that take one pointer or size per segment.
Value ForwardLowering::stackArray(Type element, ArrayRef<Value> values) {
  Value array = LLVM::AllocaOp::create(b_, loc_, ptr_, element, constI64(values.size()));
  for (auto [i, v] : llvm::enumerate(values))
    LLVM::StoreOp::create(b_, loc_, v, offsetPtr(array, element, static_cast<int64_t>(i)));
  return array;
}

/// One inferno_fused_linear_* call for every weight of the op, each read in place by its own
/// pointer: dense by its dtype, or w8a8 with each weight's per-channel scales. A norm prologue
/// passes the norm weight, its dtype (0 f32, 1 bf16, 2 f16) and eps; otherwise null.
LogicalResult ForwardLowering::fusedLinearCall(FusedLinearOp op) {
  auto precision = op->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
  if (!precision || !isFusablePrecision(precision))
    return op.emitOpError("needs a dense or w8a8 #llama.precision (run llama-assign-precision)");
  bool w8a8 = precision.getCompute().isInteger(8);
  SmallVector<Value> weights, scales, rows, outputs;
  for (auto [attr, result] : llvm::zip(op.getWeights(), op.getResults())) {
    auto symbol = cast<FlatSymbolRefAttr>(attr);
    auto weight = symbols_->lookup<WeightOp>(symbol.getValue());
    if (!weight)
      return op.emitOpError() << "weight " << symbol << " is not a llama.weight";
    if (precision.getStorage() != weight.getTensorType().getElementType())
      return op.emitOpError() << "has " << precision << " but " << symbol << " is stored as "
                              << weight.getTensorType().getElementType();
    FailureOr<Value> w = weightPointer(op, symbol);
    if (failed(w))
      return failure();
    weights.push_back(*w);
    if (w8a8) {
      std::optional<QuantAttr> quant = weight.getQuant();
      if (!quant || quant->getKind() != QuantKind::int8 ||
          quant->getGranularity() != QuantGranularity::channel)
        return op.emitOpError() << "computes in i8, which needs int8 weights with per-channel "
                                   "scales, but "
                                << symbol << " is not quantized that way";
      auto scale = symbols_->lookup<WeightOp>(quant->getScale().getValue());
      if (!scale || !scale.getTensorType().getElementType().isF32())
        return op.emitOpError() << "reads scales " << quant->getScale()
                                << ", which the w8a8 kernel needs stored as f32";
      FailureOr<Value> scalePtr = weightPointer(op, quant->getScale());
      if (failed(scalePtr))
        return failure();
      scales.push_back(*scalePtr);
    } else if (failed(dtypeSuffix(op, symbol))) {
      return failure();
    }
    rows.push_back(constI64(cast<RankedTensorType>(result.getType()).getDimSize(1)));
    outputs.push_back(buffer(result));
  }

  Value normWeight = LLVM::ZeroOp::create(b_, loc_, ptr_);
  int32_t normFormat = 0;
  float eps = 0.0f;
  if (FlatSymbolRefAttr norm = op.getNormAttr()) {
    auto weight = symbols_->lookup<WeightOp>(norm.getValue());
    FailureOr<std::string> suffix = dtypeSuffix(op, norm);
    FailureOr<Value> w = weightPointer(op, norm);
    if (!weight || failed(suffix) || failed(w))
      return failure();
    normWeight = *w;
    normFormat = *suffix == "f32" ? 0 : *suffix == "bf16" ? 1 : 2;
    eps = static_cast<float>(op.getNormEps()->convertToDouble());
  }
  Value format = LLVM::ConstantOp::create(b_, loc_, b_.getI32Type(), normFormat);
  int64_t k = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
  SmallVector<Value> operands = {buffer(op.getInput()), normWeight, format, constF32(eps),
                                 constI64(weights.size()), stackArray(ptr_, weights)};
  if (w8a8)
    operands.push_back(stackArray(ptr_, scales));
  operands.append({stackArray(i64_, rows), stackArray(ptr_, outputs), nTokens_, constI64(k)});
  std::string kernel = "inferno_fused_linear_";
  if (w8a8) {
    kernel += "w8a8";
  } else {
    FailureOr<std::string> suffix = dtypeSuffix(op, cast<FlatSymbolRefAttr>(op.getWeights()[0]));
    if (failed(suffix))
      return failure();
    kernel += *suffix;
  }
  call(kernel, operands);
  return success();
}

/// The f32 scales of a weight quantized at compile time (int8 per channel, int4 per group).
FailureOr<Value> ForwardLowering::weightOnlyScales(Operation *op, WeightOp weight,
                                                   QuantAttr quant) {
  bool int8 = quant.getKind() == QuantKind::int8 &&
              quant.getGranularity() == QuantGranularity::channel;
  bool int4 = quant.getKind() == QuantKind::int4 &&
              quant.getGranularity() == QuantGranularity::group && quant.getGroupSize() % 16 == 0;
  if (quant.getActivations() != ActivationQuant::none || !(int8 || int4))
    return op->emitOpError() << "computes in f32 from the quantized weight @"
                             << weight.getSymName()
                             << ", which needs int8 per-channel or int4 per-group (a multiple "
                                "of 16) weight-only quantization";
  auto scale = symbols_->lookup<WeightOp>(quant.getScale().getValue());
  if (!scale || !scale.getTensorType().getElementType().isF32())
    return op->emitOpError() << "reads scales " << quant.getScale()
                             << ", which the weight-only kernels need stored as f32";
  return weightPointer(op, quant.getScale());
}

/// y = x · dequantize(W)ᵀ for weights quantized at compile time (llama-assign-precision with
/// quantize or a quantized policy dtype): the kernels dequantize in registers.
LogicalResult ForwardLowering::weightOnlyMatmulCall(Operation *op, WeightOp weight, Value x,
                                                    Value y, Value rows, int64_t n, int64_t k) {
  QuantAttr quant = *weight.getQuant();
  FailureOr<Value> scales = weightOnlyScales(op, weight, quant);
  FailureOr<Value> w = weightPointer(op, FlatSymbolRefAttr::get(weight.getSymNameAttr()));
  if (failed(scales) || failed(w))
    return failure();
  if (quant.getKind() == QuantKind::int8)
    call("inferno_matmul_q8", {x, *w, *scales, y, rows, constI64(n), constI64(k)});
  else
    call("inferno_matmul_q4", {x, *w, *scales, y, rows, constI64(n), constI64(k),
                               constI64(quant.getGroupSize())});
  return success();
}

/// An embedding table quantized at compile time: rows gathered and dequantized.
LogicalResult ForwardLowering::weightOnlyEmbeddingCall(EmbeddingOp op, WeightOp weight, Value y,
                                                       int64_t hidden) {
  QuantAttr quant = *weight.getQuant();
  FailureOr<Value> scales = weightOnlyScales(op, weight, quant);
  FailureOr<Value> w = weightPointer(op, op.getWeightAttr());
  if (failed(scales) || failed(w))
    return failure();
  if (quant.getKind() == QuantKind::int8)
    call("inferno_embedding_q8", {tokens_, *w, *scales, y, nTokens_, constI64(hidden)});
  else
    call("inferno_embedding_q4", {tokens_, *w, *scales, y, nTokens_, constI64(hidden),
                                  constI64(quant.getGroupSize())});
  return success();
}

Value ForwardLowering::invFreqTable(RopeAttr rope, int64_t headDim) {
  Attribute key = b_.getArrayAttr({rope, b_.getI64IntegerAttr(headDim)});
  auto it = invFreqGlobals_.find(key);
  if (it == invFreqGlobals_.end()) {
    SmallVector<float> values = rope.getInverseFrequencies(headDim);
    std::string name = "inferno_rope_inv_freq_" + std::to_string(invFreqGlobals_.size());
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToStart(module_.getBody());
    auto tensor = RankedTensorType::get({static_cast<int64_t>(values.size())}, f32_);
    LLVM::GlobalOp::create(b_, loc_, LLVM::LLVMArrayType::get(f32_, values.size()),
                           /*isConstant=*/true, LLVM::Linkage::Internal, name,
                           DenseElementsAttr::get(tensor, ArrayRef<float>(values)));
    it = invFreqGlobals_.insert({key, name}).first;
  }
  return LLVM::AddressOfOp::create(b_, loc_, ptr_, it->second);
}

LogicalResult ForwardLowering::lowerOp(Operation &op) {
  auto features = [](Value v) { return cast<RankedTensorType>(v.getType()).getDimSize(1); };
  auto weightCall = [&](StringRef family, Operation *o, FlatSymbolRefAttr weight,
                        llvm::function_ref<SmallVector<Value>(Value)> operands) -> LogicalResult {
    FailureOr<std::string> suffix = dtypeSuffix(o, weight);
    FailureOr<Value> w = weightPointer(o, weight);
    if (failed(suffix) || failed(w))
      return failure();
    call(("inferno_" + family + "_" + *suffix).str(), operands(*w));
    return success();
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](EmbeddingOp e) -> LogicalResult {
        auto precision = e->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
        if (auto weight = symbols_->lookup<WeightOp>(e.getWeightAttr().getValue());
            weight && weight.getQuant() && precision && precision.getCompute().isF32())
          return weightOnlyEmbeddingCall(e, weight, buffer(e.getResult()),
                                         features(e.getResult()));
        return weightCall("embedding", e, e.getWeightAttr(), [&](Value w) {
          return SmallVector<Value>{tokens_, w, buffer(e.getResult()), nTokens_,
                                    constI64(features(e.getResult()))};
        });
      })
      .Case([&](RMSNormOp n) {
        return weightCall("rms_norm", n, n.getWeightAttr(), [&](Value w) {
          return SmallVector<Value>{buffer(n.getInput()), w, buffer(n.getResult()), nTokens_,
                                    constI64(features(n.getInput())),
                                    constF32(static_cast<float>(n.getEps().convertToDouble()))};
        });
      })
      .Case([&](LinearOp l) {
        return matmulCall(l, l.getWeightAttr(), buffer(l.getInput()), buffer(l.getResult()),
                          nTokens_, features(l.getResult()), features(l.getInput()));
      })
      .Case([&](FusedLinearOp f) { return fusedLinearCall(f); })
      .Case([&](LMHeadOp h) {
        // Decode needs only the last token's logits: m = 1 from the last row, unless the
        // caller asks for all of them.
        Value all = loadField(args_, AllLogits, i64_);
        Value isAll = LLVM::ICmpOp::create(b_, loc_, LLVM::ICmpPredicate::ne, all, constI64(0));
        int64_t hidden = features(h.getInput());
        Value lastRow = LLVM::MulOp::create(
            b_, loc_, LLVM::SubOp::create(b_, loc_, nTokens_, constI64(1)), constI64(hidden));
        Value input = buffer(h.getInput());
        Value source = LLVM::SelectOp::create(b_, loc_, isAll, input, offsetPtr(input, f32_, lastRow));
        Value rows = LLVM::SelectOp::create(b_, loc_, isAll, nTokens_, constI64(1));
        Value logits = loadField(args_, Logits, ptr_);
        return matmulCall(h, h.getWeightAttr(), source, logits, rows, features(h.getResult()),
                          hidden);
      })
      .Case([&](RopeOp r) {
        Value in = buffer(r.getInput()), out = buffer(r.getResult());
        if (plan_->offsetOf(r.getInput()) != plan_->offsetOf(r.getResult())) {
          Value bytes = LLVM::MulOp::create(b_, loc_, nTokens_,
                                            constI64(features(r.getInput()) * 4));
          LLVM::MemcpyOp::create(b_, loc_, out, in, bytes, /*isVolatile=*/false);
        }
        call("inferno_rope", {out, positions_, invFreqTable(r.getRope(), r.getHeadDim()), nTokens_,
                              constI64(r.getHeads()), constI64(r.getHeadDim())});
        return success();
      })
      .Case([&](AttentionOp a) -> LogicalResult {
        if (a.getCache() != cacheArgument_)
          return a.emitOpError("reads a cache other than the forward pass's");
        int64_t layerFloats = cache_.getPositions() * cache_.getKvHeads() * cache_.getHeadDim();
        Value keys = offsetPtr(kvCache_, f32_, a.getLayer() * layerFloats);
        Value values = offsetPtr(kvCache_, f32_, (cache_.getLayers() + a.getLayer()) * layerFloats);
        if (RopeAttr rope = a.getRopeAttr()) {
          call("inferno_attention_rope",
               {buffer(a.getQuery()), buffer(a.getKey()), buffer(a.getValue()), positions_,
                invFreqTable(rope, cache_.getHeadDim()), keys, values, buffer(a.getResult()),
                nTokens_, constI64(a.getHeads()), constI64(a.getKvHeads()),
                constI64(cache_.getHeadDim()), constI64(cache_.getPositions())});
          return success();
        }
        call("inferno_attention",
             {buffer(a.getQuery()), buffer(a.getKey()), buffer(a.getValue()), positions_, keys,
              values, buffer(a.getResult()), nTokens_, constI64(a.getHeads()),
              constI64(a.getKvHeads()), constI64(cache_.getHeadDim()),
              constI64(cache_.getPositions())});
        return success();
      })
      .Case([&](SwiGLUOp s) {
        call("inferno_swiglu", {buffer(s.getLhs()), buffer(s.getRhs()), buffer(s.getResult()),
                                LLVM::MulOp::create(b_, loc_, nTokens_,
                                                    constI64(features(s.getResult())))});
        return success();
      })
      .Case([&](AddOp s) {
        call("inferno_add", {buffer(s.getLhs()), buffer(s.getRhs()), buffer(s.getResult()),
                             LLVM::MulOp::create(b_, loc_, nTokens_,
                                                 constI64(features(s.getResult())))});
        return success();
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *o) {
        return o->emitOpError("has no CPU lowering");
      });
}

void ForwardLowering::emitDescriptor(ConfigAttr config, KVCacheType cache, int64_t numFiles) {
  // Laid out as inferno_model_desc: seven int64 fields.
  constexpr int64_t kAbiVersion = 1; // INFERNO_ABI_VERSION in runtime/include/inferno/abi.h
  int64_t kvFloats = 2 * cache.getLayers() * cache.getPositions() * cache.getKvHeads() *
                     cache.getHeadDim();
  SmallVector<int64_t> fields = {kAbiVersion, maxBatch_, plan_->totalFloats(), kvFloats,
                                 cache.getPositions(), config.getVocab(), numFiles};
  OpBuilder::InsertionGuard guard(b_);
  b_.setInsertionPointToEnd(module_.getBody());
  auto tensor = RankedTensorType::get({static_cast<int64_t>(fields.size())}, i64_);
  LLVM::GlobalOp::create(b_, loc_, LLVM::LLVMArrayType::get(i64_, fields.size()),
                         /*isConstant=*/true, LLVM::Linkage::External, "inferno_model",
                         DenseElementsAttr::get(tensor, ArrayRef<int64_t>(fields)));
}

LogicalResult ForwardLowering::run() {
  ConfigAttr config = lookupConfig(module_);
  if (!config)
    return module_.emitError("lowering needs the module's #llama.config");
  auto forward = module_.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.getNumArguments() != 3 || forward.getNumResults() != 1 ||
      !isa<KVCacheType>(forward.getArgument(2).getType()))
    return module_.emitError(
        "lowering needs func.func @forward(tokens, positions, !llama.kv_cache) -> logits");
  cache_ = cast<KVCacheType>(forward.getArgument(2).getType());
  cacheArgument_ = forward.getArgument(2);
  if (!cache_.getElementType().isF32())
    return forward.emitError("the CPU backend keeps the KV cache in f32, got ")
           << cache_.getElementType();

  SymbolTable symbols(module_);
  symbols_ = &symbols;
  files_ = getWeightFiles(module_);
  plan_ = std::make_unique<ScratchPlan>(forward, maxBatch_);

  MLIRContext *ctx = module_.getContext();
  argsType_ = LLVM::LLVMStructType::getLiteral(ctx, {ptr_, ptr_, ptr_, ptr_, ptr_, i64_, ptr_, i64_});
  b_.setInsertionPointToEnd(module_.getBody());
  auto fn = LLVM::LLVMFuncOp::create(
      b_, forward.getLoc(), "inferno_model_forward",
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr_}));
  Block *entry = fn.addEntryBlock(b_);
  b_.setInsertionPointToStart(entry);
  args_ = entry->getArgument(0);
  Value weights = loadField(args_, Weights, ptr_);
  for (unsigned i = 0; i < files_.size(); ++i)
    fileBases_.push_back(LLVM::LoadOp::create(b_, loc_, ptr_, offsetPtr(weights, ptr_, i)));
  kvCache_ = loadField(args_, KVCache, ptr_);
  scratch_ = loadField(args_, Scratch, ptr_);
  tokens_ = loadField(args_, Tokens, ptr_);
  positions_ = loadField(args_, Positions, ptr_);
  nTokens_ = loadField(args_, NTokens, i64_);

  for (Operation &op : forward.getBody().front())
    if (failed(lowerOp(op)))
      return failure();
  LLVM::ReturnOp::create(b_, loc_, ValueRange());

  emitDescriptor(config, cache_, files_.size());
  // Everything the llama dialect said is now constants in the LLVM function.
  forward.erase();
  for (WeightOp weight : llvm::make_early_inc_range(module_.getOps<WeightOp>()))
    weight.erase();
  module_->removeAttr(LlamaDialect::kConfigAttrName);
  module_->removeAttr(LlamaDialect::kGenerationAttrName);
  return success();
}

struct LlamaLowerToLLVMPass : inferno::impl::LlamaLowerToLLVMBase<LlamaLowerToLLVMPass> {
  using LlamaLowerToLLVMBase::LlamaLowerToLLVMBase;
  void runOnOperation() override {
    if (maxBatch < 1) {
      getOperation().emitError("max-batch must be at least 1");
      return signalPassFailure();
    }
    if (failed(ForwardLowering(getOperation(), maxBatch).run()))
      signalPassFailure();
  }
};

} // namespace
