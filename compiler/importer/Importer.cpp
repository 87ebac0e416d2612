//===- Importer.cpp - model directory data to the llama dialect -----------===//
//
// The importer is deliberately literal: one op per step of Hugging Face's LlamaDecoderLayer,
// every weight by its checkpoint name, everything in float32. Deciding dtypes, quantization
// and fusions is the passes' job, so that each decision shows in the IR.
//
//===----------------------------------------------------------------------===//

#include "compiler/importer/Importer.h"

#include "dialects/llama/LlamaDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <map>

using namespace mlir;

namespace inferno {
namespace {

Type storageType(MLIRContext &ctx, Dtype dtype) {
  switch (dtype) {
  case Dtype::F32:
    return Float32Type::get(&ctx);
  case Dtype::F16:
    return Float16Type::get(&ctx);
  case Dtype::BF16:
    return BFloat16Type::get(&ctx);
  case Dtype::I8:
    return IntegerType::get(&ctx, 8);
  case Dtype::I32:
    return IntegerType::get(&ctx, 32);
  case Dtype::F8_E4M3:
    return Float8E4M3FNType::get(&ctx);
  default:
    return {}; // the manifest validator refuses every other dtype before import
  }
}

/// The checkpoint's description of one quantized linear, as the dialect spells it.
llama::QuantAttr quantAttr(MLIRContext &ctx, const QuantizationScheme &scheme,
                           const std::string &module, Dtype dtype) {
  const QuantizationGroup &group =
      scheme.groups[quantizationGroupOf(scheme, module, "Linear")];
  const QuantizationArgs &w = *group.weights;
  llama::QuantKind kind = dtype == Dtype::F8_E4M3 ? llama::QuantKind::fp8_e4m3
                          : w.numBits == 4        ? llama::QuantKind::int4
                                                  : llama::QuantKind::int8;
  llama::QuantGranularity granularity = w.strategy == "channel" ? llama::QuantGranularity::channel
                                        : w.strategy == "group" ? llama::QuantGranularity::group
                                                                : llama::QuantGranularity::tensor;
  int64_t groupSize = granularity == llama::QuantGranularity::group ? w.groupSize.value_or(0) : 0;
  const std::optional<QuantizationArgs> &a = group.inputActivations;
  llama::ActivationQuant activations =
      a && a->type == "int" && a->numBits == 8 && a->strategy == "token" && a->dynamic &&
              kind == llama::QuantKind::int8
          ? llama::ActivationQuant::int8_dynamic_token
          : llama::ActivationQuant::none;
  return llama::QuantAttr::get(&ctx, kind, granularity, groupSize,
                               FlatSymbolRefAttr::get(&ctx, module + ".weight_scale"), activations);
}

llama::ConfigAttr buildConfig(MLIRContext &ctx, const ModelConfig &c) {
  llama::RopeScaling scaling = llama::RopeScaling::none;
  switch (c.ropeScaling.kind) {
  case RopeScalingKind::None:
    break;
  case RopeScalingKind::Linear:
    scaling = llama::RopeScaling::linear;
    break;
  case RopeScalingKind::Llama3:
    scaling = llama::RopeScaling::llama3;
    break;
  }
  bool scaled = scaling != llama::RopeScaling::none;
  bool llama3 = scaling == llama::RopeScaling::llama3;
  auto rope = llama::RopeAttr::get(&ctx, APFloat(c.ropeTheta), scaling,
                                   APFloat(scaled ? c.ropeScaling.factor : 1.0),
                                   APFloat(llama3 ? c.ropeScaling.lowFreqFactor : 1.0),
                                   APFloat(llama3 ? c.ropeScaling.highFreqFactor : 4.0),
                                   llama3 ? c.ropeScaling.originalMaxPositions : 0);
  return llama::ConfigAttr::get(&ctx, c.hiddenSize, c.intermediateSize, c.numLayers, c.numHeads,
                                c.numKvHeads, c.headDim, c.vocabSize, c.maxPositions, APFloat(c.rmsNormEps),
                                rope, c.tieWordEmbeddings);
}

class DecoderBuilder {
public:
  DecoderBuilder(OpBuilder &b, const ModelConfig &c, llama::RopeAttr rope, Value positions,
                 Value cache)
      : b_(b), c_(c), rope_(rope), positions_(positions), cache_(cache) {}

  Type activation(int64_t features) {
    return RankedTensorType::get({ShapedType::kDynamic, features}, b_.getF32Type());
  }

  Value linear(Value x, const std::string &weight, int64_t out) {
    return llama::LinearOp::create(b_, loc(weight), activation(out), x, ref(weight));
  }

  Value rmsNorm(Value x, const std::string &weight) {
    return llama::RMSNormOp::create(b_, loc(weight), x.getType(), x, ref(weight),
                                    b_.getF64FloatAttr(c_.rmsNormEps));
  }

  /// One LlamaDecoderLayer: pre-norm attention and pre-norm SwiGLU MLP, each residual.
  Value layer(Value x, int64_t i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const int64_t q = c_.numHeads * c_.headDim, kv = c_.numKvHeads * c_.headDim;
    Value h = rmsNorm(x, p + "input_layernorm.weight");
    Value query = linear(h, p + "self_attn.q_proj.weight", q);
    Value key = linear(h, p + "self_attn.k_proj.weight", kv);
    Value value = linear(h, p + "self_attn.v_proj.weight", kv);
    query = rope(query, c_.numHeads);
    key = rope(key, c_.numKvHeads);
    Value attention = llama::AttentionOp::create(
        b_, b_.getUnknownLoc(), activation(q), query, key, value, positions_, cache_,
        b_.getI64IntegerAttr(i), b_.getI64IntegerAttr(c_.numHeads),
        b_.getI64IntegerAttr(c_.numKvHeads), /*rope=*/llama::RopeAttr());
    Value projected = linear(attention, p + "self_attn.o_proj.weight", c_.hiddenSize);
    x = llama::AddOp::create(b_, b_.getUnknownLoc(), x, projected);

    h = rmsNorm(x, p + "post_attention_layernorm.weight");
    Value gate = linear(h, p + "mlp.gate_proj.weight", c_.intermediateSize);
    Value up = linear(h, p + "mlp.up_proj.weight", c_.intermediateSize);
    Value activated = llama::SwiGLUOp::create(b_, b_.getUnknownLoc(), gate, up);
    Value down = linear(activated, p + "mlp.down_proj.weight", c_.hiddenSize);
    return llama::AddOp::create(b_, b_.getUnknownLoc(), x, down);
  }

  Value rope(Value x, int64_t heads) {
    return llama::RopeOp::create(b_, b_.getUnknownLoc(), x, positions_,
                                 b_.getI64IntegerAttr(heads), b_.getI64IntegerAttr(c_.headDim),
                                 rope_);
  }

  FlatSymbolRefAttr ref(const std::string &weight) {
    return FlatSymbolRefAttr::get(b_.getContext(), weight);
  }
  Location loc(const std::string &weight) {
    return NameLoc::get(b_.getStringAttr(weight));
  }

private:
  OpBuilder &b_;
  const ModelConfig &c_;
  llama::RopeAttr rope_;
  Value positions_, cache_;
};

} // namespace

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<llama::LlamaDialect, func::FuncDialect>();
}

OwningOpRef<ModuleOp> importModel(MLIRContext &ctx, const LoadedModel &model,
                                  const ImportOptions &options) {
  ctx.loadDialect<llama::LlamaDialect, func::FuncDialect>();
  const ModelSpec &spec = model.spec;
  const ModelConfig &c = spec.config;
  Location unknown = UnknownLoc::get(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(unknown, spec.name);
  OpBuilder b(&ctx);

  llama::ConfigAttr config = buildConfig(ctx, c);
  (*module)->setAttr(llama::LlamaDialect::kConfigAttrName, config);
  SmallVector<NamedAttribute> generation;
  if (spec.bosTokenId)
    generation.push_back(b.getNamedAttr("bos_token_id", b.getI64IntegerAttr(*spec.bosTokenId)));
  generation.push_back(b.getNamedAttr("eos_token_ids", b.getDenseI64ArrayAttr(spec.eosTokenIds)));
  (*module)->setAttr(llama::LlamaDialect::kGenerationAttrName, b.getDictionaryAttr(generation));

  // One symbol per tensor the decoder reads, in the weight-name table's order. A quantized
  // weight says how the checkpoint quantized it; whether and how to execute that is
  // llama-assign-precision's decision.
  b.setInsertionPointToEnd(module->getBody());
  const QuantizationScheme *scheme = model.quantization ? &*model.quantization : nullptr;
  for (const ExpectedTensor &expected : expectedTensors(c, scheme)) {
    const ManifestTensor &t = model.manifest.tensors.at(expected.name);
    auto type = RankedTensorType::get(t.shape, storageType(ctx, t.dtype));
    llama::QuantAttr quant;
    if (expected.kind == TensorKind::QuantizedWeight)
      quant = quantAttr(ctx, *scheme, expected.module, t.dtype);
    llama::WeightOp::create(b, NameLoc::get(b.getStringAttr(t.name)), t.name, /*tensor=*/nullptr, t.file,
                            static_cast<int64_t>(t.fileOffset), type, quant);
  }

  auto tokens = RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type());
  int64_t context = options.context > 0 ? options.context : c.maxPositions;
  auto cacheType = llama::KVCacheType::get(&ctx, c.numLayers, context, c.numKvHeads,
                                           c.headDim, b.getF32Type());
  auto logits = RankedTensorType::get({ShapedType::kDynamic, c.vocabSize}, b.getF32Type());
  auto fnType = b.getFunctionType({tokens, tokens, cacheType}, {logits});
  auto forward = func::FuncOp::create(b, unknown, "forward", fnType);
  Block *body = forward.addEntryBlock();
  b.setInsertionPointToStart(body);

  DecoderBuilder decoder(b, c, config.getRope(), body->getArgument(1), body->getArgument(2));
  Value x = llama::EmbeddingOp::create(b, unknown, decoder.activation(c.hiddenSize),
                                       body->getArgument(0),
                                       decoder.ref("model.embed_tokens.weight"));
  for (int64_t i = 0; i < c.numLayers; ++i)
    x = decoder.layer(x, i);
  x = decoder.rmsNorm(x, "model.norm.weight");
  std::string head = c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  Value out = llama::LMHeadOp::create(b, unknown, logits, x, decoder.ref(head));
  func::ReturnOp::create(b, unknown, out);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace inferno
