//===- LlamaAttrsTypes.cpp - llama attributes and types: storage and checks ---===//
//
// The data the dialect describes a model with: hyper-parameters (config, RoPE), weight
// quantization schemes, and the KV cache type, with the verifiers that keep them consistent.
//
//===----------------------------------------------------------------------===//

#include "dialects/llama/LlamaDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace inferno::llama;

#include "dialects/llama/LlamaEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llama/LlamaAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llama/LlamaTypes.cpp.inc"

void LlamaDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/llama/LlamaAttrs.cpp.inc"
      >();
}

void LlamaDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/llama/LlamaTypes.cpp.inc"
      >();
}

LogicalResult RopeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat thetaValue, RopeScaling scaling,
                               APFloat factorValue, APFloat lowValue,
                               APFloat highValue, int64_t originalMaxPositions) {
  double theta = thetaValue.convertToDouble(), factor = factorValue.convertToDouble(),
         lowFreqFactor = lowValue.convertToDouble(), highFreqFactor = highValue.convertToDouble();
  if (!(theta > 1.0))
    return emitError() << "rope theta must be greater than 1, got " << formatF64(theta);
  if (scaling == RopeScaling::none)
    return success();
  if (!(factor >= 1.0))
    return emitError() << "rope scaling factor must be at least 1, got " << formatF64(factor);
  if (scaling == RopeScaling::llama3) {
    if (!(lowFreqFactor > 0.0) || !(highFreqFactor > lowFreqFactor))
      return emitError() << "llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor, got "
                         << formatF64(lowFreqFactor) << " and " << formatF64(highFreqFactor);
    if (originalMaxPositions <= 0)
      return emitError() << "llama3 rope scaling needs original_max_positions > 0";
  }
  return success();
}

SmallVector<float> RopeAttr::getInverseFrequencies(int64_t headDim) const {
  // Every step in float32, in the order Hugging Face's _compute_*_parameters take them, so
  // that positions · inv_freq rounds the same way.
  const float theta = static_cast<float>(getTheta().convertToDouble());
  const float factor = static_cast<float>(getFactor().convertToDouble());
  SmallVector<float> invFreq;
  for (int64_t i = 0; i < headDim; i += 2) {
    float exponent = static_cast<float>(i) / static_cast<float>(headDim);
    invFreq.push_back(1.0f / std::pow(theta, exponent));
  }
  switch (getScaling()) {
  case RopeScaling::none:
    break;
  case RopeScaling::linear:
    for (float &f : invFreq)
      f = f / factor;
    break;
  case RopeScaling::llama3: {
    const float low = static_cast<float>(getLowFreqFactor().convertToDouble());
    const float high = static_cast<float>(getHighFreqFactor().convertToDouble());
    const float original = static_cast<float>(getOriginalMaxPositions());
    const float lowFreqWavelen = original / low, highFreqWavelen = original / high;
    const float pi = 3.14159265358979323846f;
    for (float &f : invFreq) {
      float wavelen = 2.0f * pi / f;
      float scaled = wavelen > lowFreqWavelen ? f / factor : f;
      if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
        float smooth = (original / wavelen - low) / (high - low);
        scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
      }
      f = scaled;
    }
    break;
  }
  }
  return invFreq;
}

LogicalResult ConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t hidden,
                                 int64_t intermediate, int64_t layers, int64_t heads,
                                 int64_t kvHeads, int64_t headDim, int64_t vocab,
                                 int64_t maxPositions, APFloat rmsEpsValue, RopeAttr rope,
                                 bool tieEmbeddings) {
  double rmsEps = rmsEpsValue.convertToDouble();
  struct Named {
    const char *name;
    int64_t value;
  };
  for (Named size : {Named{"hidden", hidden}, {"intermediate", intermediate},
                     {"layers", layers}, {"heads", heads}, {"kv_heads", kvHeads},
                     {"head_dim", headDim}, {"vocab", vocab}, {"max_positions", maxPositions}})
    if (size.value <= 0)
      return emitError() << "config " << size.name << " must be positive, got " << size.value;
  if (heads % kvHeads != 0)
    return emitError() << "config heads (" << heads << ") must be a multiple of kv_heads ("
                       << kvHeads << ")";
  if (headDim % 2 != 0)
    return emitError() << "config head_dim must be even for rotary embedding, got " << headDim;
  if (!(rmsEps > 0.0))
    return emitError() << "config rms_eps must be positive, got " << formatF64(rmsEps);
  if (!rope)
    return emitError() << "config needs a rope";
  return success();
}

LogicalResult QuantAttr::verify(function_ref<InFlightDiagnostic()> emitError, QuantKind kind,
                                QuantGranularity granularity, int64_t groupSize,
                                FlatSymbolRefAttr scale, ActivationQuant activations) {
  if (granularity == QuantGranularity::group && groupSize <= 0)
    return emitError() << "group quantization needs group_size > 0";
  if (granularity != QuantGranularity::group && groupSize != 0)
    return emitError() << "group_size is only meaningful with granularity = group";
  if (!scale)
    return emitError() << "quantized weight needs a scale symbol";
  if (activations == ActivationQuant::int8_dynamic_token && kind != QuantKind::int8)
    return emitError() << "int8 activations pair only with int8 weights";
  return success();
}

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError, int64_t layers,
                                  int64_t positions, int64_t kvHeads, int64_t headDim,
                                  Type elementType) {
  if (layers <= 0 || positions <= 0 || kvHeads <= 0 || headDim <= 0)
    return emitError() << "kv_cache dimensions must be positive";
  if (!elementType.isF32() && !elementType.isF16() && !elementType.isBF16() &&
      !isa<Float8E4M3FNType>(elementType))
    return emitError() << "kv_cache element type must be f32, f16, bf16 or f8E4M3FN, got "
                       << elementType;
  return success();
}
