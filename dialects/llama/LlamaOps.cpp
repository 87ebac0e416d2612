//===- LlamaOps.cpp - llama op verifiers --------------------------------===//
//
// Shape checks live here: an op must agree with the weights it names and with its
// operands, so that a backend can trust every dimension it reads from the IR.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama/LlamaDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace inferno::llama;

#define GET_OP_CLASSES
#include "dialects/llama/LlamaOps.cpp.inc"

bool inferno::llama::isFusablePrecision(PrecisionAttr precision) {
  if (!precision)
    return false;
  Type storage = precision.getStorage(), compute = precision.getCompute();
  bool dense = compute.isF32() && precision.getActivations() == ActivationQuant::none &&
               (storage.isF32() || storage.isBF16() || storage.isF16());
  bool w8a8 = compute.isInteger(8) && storage.isInteger(8) &&
              precision.getActivations() == ActivationQuant::int8_dynamic_token;
  return dense || w8a8;
}

Value inferno::llama::buildLinearFromFused(OpBuilder &builder, ValueRange fusedResults) {
  auto fused = fusedResults.front().getDefiningOp<FusedLinearOp>();
  auto linear = LinearOp::create(builder, fused.getLoc(), fusedResults.front().getType(),
                                 fused.getInput(),
                                 cast<FlatSymbolRefAttr>(fused.getWeights()[0]));
  if (Attribute precision = fused->getAttr(LlamaDialect::kPrecisionAttrName))
    linear->setAttr(LlamaDialect::kPrecisionAttrName, precision);
  return linear.getResult();
}

namespace {
#include "dialects/llama/LlamaCanonicalization.inc"
} // namespace

namespace {
/// Prints a shape as [a, b] for diagnostics.
struct ShapeText {
  ArrayRef<int64_t> shape;
};
template <typename Stream>
Stream &operator<<(Stream &os, ShapeText s) {
  os << "[";
  llvm::interleave(
      s.shape, [&](int64_t d) { ShapedType::isDynamic(d) ? os << "?" : os << d; },
      [&] { os << ", "; });
  return os << "]";
}

/// Two dimensions agree unless both are known and differ.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

int64_t dim(Value v, unsigned i) { return cast<RankedTensorType>(v.getType()).getDimSize(i); }

/// Resolves the op's weight symbol, with a diagnostic when it names no `llama.weight`.
template <typename OpT>
FailureOr<WeightOp> resolveWeight(OpT op, SymbolTableCollection &symbols) {
  WeightOp weight = op.lookupWeight(symbols);
  if (!weight)
    return op.emitOpError() << "weight " << op.getWeightAttr() << " is not a llama.weight";
  return weight;
}

/// Checks a [out, in] weight used as y[rows, out] = x[rows, in] W^T.
LogicalResult verifyProjection(Operation *op, WeightOp weight, Value input, Value result) {
  SmallVector<int64_t> shape = weight.getLogicalShape();
  if (shape.size() != 2)
    return op->emitOpError() << "weight @" << weight.getSymName() << " must be a matrix, has shape "
                             << ShapeText{shape};
  if (!compatible(dim(input, 1), shape[1]))
    return op->emitOpError() << "weight @" << weight.getSymName() << " has shape "
                             << ShapeText{shape} << " [out, in], but the input has "
                             << dim(input, 1) << " features";
  if (!compatible(dim(result, 1), shape[0]))
    return op->emitOpError() << "weight @" << weight.getSymName() << " has shape "
                             << ShapeText{shape} << " [out, in], but the result has "
                             << dim(result, 1) << " features";
  if (!compatible(dim(input, 0), dim(result, 0)))
    return op->emitOpError() << "input has " << dim(input, 0) << " tokens but the result has "
                             << dim(result, 0);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> WeightOp::getLogicalShape() {
  SmallVector<int64_t> shape(getTensorType().getShape());
  if (std::optional<QuantAttr> quant = getQuant();
      quant && quant->getKind() == QuantKind::int4 && !shape.empty())
    shape.back() *= 8;
  return shape;
}

int64_t WeightOp::getSizeInBytes() {
  RankedTensorType type = getTensorType();
  return type.getNumElements() * static_cast<int64_t>(type.getElementTypeBitWidth() / 8);
}

LogicalResult WeightOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape() || type.getRank() < 1)
    return emitOpError() << "weight must have a static shape of rank >= 1, got " << type;
  Type element = type.getElementType();
  if (!isSupportedStorageType(element))
    return emitOpError() << "unsupported storage dtype " << element
                         << " (expected f32, f16, bf16, i8, i32 or f8E4M3FN)";
  std::optional<QuantAttr> quant = getQuant();
  if (!quant) {
    if (element.isInteger(8) || isa<Float8E4M3FNType>(element))
      return emitOpError() << "a " << element << " weight needs a 'quant' scheme";
    return success();
  }
  Type expected;
  switch (quant->getKind()) {
  case QuantKind::int8:
    expected = IntegerType::get(getContext(), 8);
    break;
  case QuantKind::int4:
    expected = IntegerType::get(getContext(), 32); // eight 4-bit values per i32
    break;
  case QuantKind::fp8_e4m3:
    expected = Float8E4M3FNType::get(getContext());
    break;
  }
  if (element != expected)
    return emitOpError() << stringifyQuantKind(quant->getKind()) << " weights are stored as "
                         << expected << ", got " << element;
  return success();
}

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbols) {
  std::optional<QuantAttr> quant = getQuant();
  if (!quant)
    return success();
  auto scale = symbols.lookupNearestSymbolFrom<WeightOp>(*this, quant->getScale());
  if (!scale)
    return emitOpError() << "scale " << quant->getScale() << " is not a llama.weight";
  Type scaleElement = scale.getTensorType().getElementType();
  if (!isa<FloatType>(scaleElement) || isa<Float8E4M3FNType>(scaleElement))
    return emitOpError() << "scale @" << scale.getSymName() << " must hold f32, f16 or bf16, got "
                         << scaleElement;
  SmallVector<int64_t> shape = getLogicalShape();
  int64_t out = shape.front(), in = shape.back();
  int64_t expectedScales = 1;
  switch (quant->getGranularity()) {
  case QuantGranularity::tensor:
    break;
  case QuantGranularity::channel:
    expectedScales = out;
    break;
  case QuantGranularity::group:
    if (in % quant->getGroupSize() != 0)
      return emitOpError() << "input size " << in << " is not a multiple of group_size "
                           << quant->getGroupSize();
    expectedScales = out * (in / quant->getGroupSize());
    break;
  }
  if (scale.getTensorType().getNumElements() != expectedScales)
    return emitOpError() << "scale @" << scale.getSymName() << " has shape "
                         << ShapeText{scale.getTensorType().getShape()} << " but "
                         << stringifyQuantGranularity(quant->getGranularity())
                         << " quantization of a " << ShapeText{shape} << " weight needs "
                         << expectedScales << " scales";
  return success();
}

//===----------------------------------------------------------------------===//
// Ops that read a weight
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  if (!compatible(dim(getTokens(), 0), dim(getResult(), 0)))
    return emitOpError() << dim(getTokens(), 0) << " tokens but " << dim(getResult(), 0)
                         << " result rows";
  return success();
}

LogicalResult EmbeddingOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<WeightOp> weight = resolveWeight(*this, symbols);
  if (failed(weight))
    return failure();
  SmallVector<int64_t> shape = weight->getLogicalShape();
  if (shape.size() != 2 || !compatible(shape[1], dim(getResult(), 1)))
    return emitOpError() << "embedding table @" << weight->getSymName() << " has shape "
                         << ShapeText{shape} << ", expected [vocab, " << dim(getResult(), 1)
                         << "]";
  return success();
}

LogicalResult RMSNormOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<WeightOp> weight = resolveWeight(*this, symbols);
  if (failed(weight))
    return failure();
  ArrayRef<int64_t> shape = weight->getTensorType().getShape();
  if (shape.size() != 1 || !compatible(shape[0], dim(getInput(), 1)))
    return emitOpError() << "norm weight @" << weight->getSymName() << " has shape "
                         << ShapeText{shape} << ", expected [" << dim(getInput(), 1) << "]";
  return success();
}

LogicalResult LinearOp::verify() {
  if (!compatible(dim(getInput(), 0), dim(getResult(), 0)))
    return emitOpError() << "input has " << dim(getInput(), 0) << " tokens but the result has "
                         << dim(getResult(), 0);
  return success();
}

LogicalResult LinearOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<WeightOp> weight = resolveWeight(*this, symbols);
  if (failed(weight))
    return failure();
  return verifyProjection(*this, *weight, getInput(), getResult());
}

LogicalResult LMHeadOp::verify() {
  if (ConfigAttr config = lookupConfig(*this);
      config && !compatible(dim(getResult(), 1), config.getVocab()))
    return emitOpError() << "produces " << dim(getResult(), 1) << " logits but the vocabulary has "
                         << config.getVocab() << " tokens";
  return success();
}

LogicalResult LMHeadOp::verifySymbolUses(SymbolTableCollection &symbols) {
  FailureOr<WeightOp> weight = resolveWeight(*this, symbols);
  if (failed(weight))
    return failure();
  return verifyProjection(*this, *weight, getInput(), getResult());
}

//===----------------------------------------------------------------------===//
// Ops that read several weights
//===----------------------------------------------------------------------===//

LogicalResult FusedLinearOp::verify() {
  if (getWeights().empty())
    return emitOpError("needs at least one weight");
  if (getWeights().size() != getResults().size())
    return emitOpError() << "reads " << getWeights().size() << " weights but has "
                         << getResults().size() << " results";
  if (getNorm().has_value() != getNormEps().has_value())
    return emitOpError("needs both a norm weight and its eps, or neither");
  for (Value result : getResults())
    if (!compatible(dim(getInput(), 0), dim(result, 0)))
      return emitOpError() << "input has " << dim(getInput(), 0)
                           << " tokens but a result has " << dim(result, 0);
  if (auto precision = (*this)->getAttrOfType<PrecisionAttr>(LlamaDialect::kPrecisionAttrName);
      precision && !isFusablePrecision(precision))
    return emitOpError() << "runs dense (compute f32) or w8a8 projections only, got "
                         << precision;
  return success();
}

LogicalResult FusedLinearOp::verifySymbolUses(SymbolTableCollection &symbols) {
  WeightOp first = lookupWeight(symbols, 0);
  for (unsigned i = 0; i < getWeights().size(); ++i) {
    WeightOp weight = lookupWeight(symbols, i);
    if (!weight || !first)
      return emitOpError() << "weight " << getWeights()[weight ? 0 : i] << " is not a llama.weight";
    if (failed(verifyProjection(*this, weight, getInput(), getResult(i))))
      return failure();
    // One precision covers the op: every weight must be stored alike.
    Type element = weight.getTensorType().getElementType();
    Type firstElement = first.getTensorType().getElementType();
    if (element != firstElement || weight.getQuant().has_value() != first.getQuant().has_value())
      return emitOpError() << "weights @" << first.getSymName() << " and @"
                           << weight.getSymName() << " are stored differently (" << firstElement
                           << (first.getQuant() ? " quantized" : "") << " vs " << element
                           << (weight.getQuant() ? " quantized" : "") << ")";
  }
  if (FlatSymbolRefAttr norm = getNormAttr()) {
    auto weight = symbols.lookupNearestSymbolFrom<WeightOp>(*this, norm);
    if (!weight)
      return emitOpError() << "norm weight " << norm << " is not a llama.weight";
    ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    if (shape.size() != 1 || !compatible(shape[0], dim(getInput(), 1)) || weight.getQuant())
      return emitOpError() << "norm weight @" << weight.getSymName() << " has shape "
                           << ShapeText{shape} << ", expected [" << dim(getInput(), 1) << "]";
  }
  return success();
}

void FusedLinearOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                MLIRContext *context) {
  patterns.add<FusedLinearOfOneWeight>(context);
}

//===----------------------------------------------------------------------===//
// Positional ops
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  if (getHeadDim() % 2 != 0)
    return emitOpError() << "head_dim must be even, got " << getHeadDim();
  if (!compatible(dim(getInput(), 1), getHeads() * getHeadDim()))
    return emitOpError() << "input has " << dim(getInput(), 1) << " features but " << getHeads()
                         << " heads of " << getHeadDim() << " need " << getHeads() * getHeadDim();
  if (!compatible(dim(getInput(), 0), dim(getPositions(), 0)))
    return emitOpError() << dim(getInput(), 0) << " tokens but " << dim(getPositions(), 0)
                         << " positions";
  return success();
}

LogicalResult AttentionOp::verify() {
  KVCacheType cache = getCache().getType();
  int64_t heads = getHeads(), kvHeads = getKvHeads(), headDim = cache.getHeadDim();
  if (heads % kvHeads != 0)
    return emitOpError() << "heads (" << heads << ") must be a multiple of kv_heads (" << kvHeads
                         << ")";
  if (cache.getKvHeads() != kvHeads)
    return emitOpError() << "kv_heads is " << kvHeads << " but the cache holds "
                         << cache.getKvHeads();
  if (getLayer() >= static_cast<uint64_t>(cache.getLayers()))
    return emitOpError() << "layer " << getLayer() << " is out of range for a cache of "
                         << cache.getLayers() << " layers";
  if (!compatible(dim(getQuery(), 1), heads * headDim))
    return emitOpError() << "query has " << dim(getQuery(), 1) << " features, expected heads * "
                         << "head_dim = " << heads * headDim;
  for (auto [name, value] : {std::pair<const char *, Value>{"key", getKey()}, {"value", getValue()}})
    if (!compatible(dim(value, 1), kvHeads * headDim))
      return emitOpError() << name << " has " << dim(value, 1)
                           << " features, expected kv_heads * head_dim = " << kvHeads * headDim;
  if (getResult().getType() != getQuery().getType())
    return emitOpError() << "result type " << getResult().getType()
                         << " must equal the query type " << getQuery().getType();
  int64_t tokens = dim(getQuery(), 0);
  for (Value v : {getKey(), getValue(), getPositions()})
    if (!compatible(tokens, dim(v, 0)))
      return emitOpError() << "operands disagree on the token count (" << tokens << " vs "
                           << dim(v, 0) << ")";
  return success();
}
