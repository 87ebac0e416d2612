//===- LlamaAttrs.td - llama dialect attributes -------------*- tablegen -*-===//
//
// Hyper-parameters (config, RoPE), weight quantization schemes, and the enums they use.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_LLAMA_ATTRS_TD
#define INFERNO_LLAMA_ATTRS_TD

include "LlamaDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Parameter kinds shared by the attributes below.
//===----------------------------------------------------------------------===//

// A double (held as an APFloat, which storage uniquing can hash) printed in its shortest exact
// form, always with a '.' so that it lexes as a float.
class Llama_F64Parameter<string desc, string default = ""> : APFloatParameter<desc> {
  let parser = "::inferno::llama::parseF64($_parser)";
  let printer = "::inferno::llama::printF64($_printer, $_self)";
  let defaultValue = !if(!empty(default), "", "::llvm::APFloat(" # default # ")");
}

class Llama_BoolParameter<string desc, string default = ""> : AttrParameter<"bool", desc> {
  let parser = "::inferno::llama::parseBool($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
  let defaultValue = default;
}

class Llama_I64Parameter<string desc, string default = ""> : AttrParameter<"int64_t", desc> {
  let defaultValue = default;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Llama_RopeScaling : I32EnumAttr<"RopeScaling", "RoPE frequency scaling", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"llama3", 2>,
  ]> {
  let cppNamespace = "::inferno::llama";
  let genSpecializedAttr = 0;
}

def Llama_QuantKind : I32EnumAttr<"QuantKind", "weight quantization kind", [
    I32EnumAttrCase<"int8", 0>,
    I32EnumAttrCase<"int4", 1>,
    I32EnumAttrCase<"fp8_e4m3", 2>,
  ]> {
  let cppNamespace = "::inferno::llama";
  let genSpecializedAttr = 0;
}

def Llama_QuantGranularity : I32EnumAttr<"QuantGranularity",
    "how many weights share one scale", [
    I32EnumAttrCase<"tensor", 0>,
    I32EnumAttrCase<"channel", 1>,
    I32EnumAttrCase<"group", 2>,
  ]> {
  let cppNamespace = "::inferno::llama";
  let genSpecializedAttr = 0;
}

def Llama_ActivationQuant : I32EnumAttr<"ActivationQuant",
    "how activations entering a quantized matmul are quantized", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"int8_dynamic_token", 1>,
  ]> {
  let cppNamespace = "::inferno::llama";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Llama_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Llama_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Llama_RopeAttr : Llama_Attr<"Rope", "rope"> {
  let summary = "rotary position embedding: base frequency and scaling";
  let description = [{
    `theta` is the base of the inverse frequencies `1 / theta^(2i/head_dim)`. `scaling`
    selects how they are stretched for long contexts: `none`; `linear` (positions divided by
    `factor`); or `llama3`, which divides the low frequencies by `factor`, keeps the high ones
    and interpolates between them, using `low_freq_factor`, `high_freq_factor` and
    `original_max_positions`. Angles are always computed in float32.

    ```mlir
    #llama.rope<theta = 10000.0>
    #llama.rope<theta = 500000.0, scaling = llama3, factor = 32.0, low_freq_factor = 1.0,
                high_freq_factor = 4.0, original_max_positions = 8192>
    ```
  }];
  let parameters = (ins
    Llama_F64Parameter<"base frequency">:$theta,
    DefaultValuedParameter<"::inferno::llama::RopeScaling", "::inferno::llama::RopeScaling::none",
                           "scaling kind"> :$scaling,
    Llama_F64Parameter<"scaling factor", "1.0">:$factor,
    Llama_F64Parameter<"llama3 low-frequency factor", "1.0">:$low_freq_factor,
    Llama_F64Parameter<"llama3 high-frequency factor", "4.0">:$high_freq_factor,
    Llama_I64Parameter<"llama3 original context length", "0">:$original_max_positions
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The head_dim/2 inverse frequencies, scaling applied, computed in float32 step by step
    /// as Hugging Face's rotary embedding does.
    ::llvm::SmallVector<float> getInverseFrequencies(int64_t headDim) const;
  }];
}

def Llama_ConfigAttr : Llama_Attr<"Config", "config"> {
  let summary = "the decoder's hyper-parameters";
  let description = [{
    The shape of the model, as read from the checkpoint's config.json. Verified for
    consistency: query heads must be a multiple of key/value heads, sizes must be positive,
    and the RoPE parameters must be complete for the chosen scaling.

    ```mlir
    #llama.config<hidden = 64, intermediate = 172, layers = 4, heads = 4, kv_heads = 4,
                  head_dim = 16, vocab = 512, max_positions = 128, rms_eps = 1.0e-05,
                  rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>
    ```
  }];
  let parameters = (ins
    Llama_I64Parameter<"hidden size">:$hidden,
    Llama_I64Parameter<"feed-forward (SwiGLU) inner size">:$intermediate,
    Llama_I64Parameter<"decoder layers">:$layers,
    Llama_I64Parameter<"query heads">:$heads,
    Llama_I64Parameter<"key/value heads (grouped-query attention)">:$kv_heads,
    Llama_I64Parameter<"features per head">:$head_dim,
    Llama_I64Parameter<"vocabulary size">:$vocab,
    Llama_I64Parameter<"context length">:$max_positions,
    Llama_F64Parameter<"RMSNorm epsilon">:$rms_eps,
    AttrParameter<"::inferno::llama::RopeAttr", "rotary embedding">:$rope,
    Llama_BoolParameter<"lm_head shares the token embedding">:$tie_embeddings
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llama_QuantAttr : Llama_Attr<"Quant", "quant"> {
  let summary = "how a weight is quantized";
  let description = [{
    Describes quantized weight storage: the integer or fp8 `kind`, the `granularity` of its
    scales (`group_size` weights along the input dimension share one scale for `group`), the
    weight symbol holding the scales, and how activations are quantized at run time
    (`int8_dynamic_token` is w8a8: one absmax/127 scale per token).

    ```mlir
    #llama.quant<kind = int8, granularity = channel, scale = @model.layers.0.mlp.up_proj.weight_scale,
                 activations = int8_dynamic_token>
    ```
  }];
  let parameters = (ins
    EnumParameter<Llama_QuantKind>:$kind,
    EnumParameter<Llama_QuantGranularity>:$granularity,
    Llama_I64Parameter<"weights per scale along the input dimension (group only)", "0">:$group_size,
    AttrParameter<"::mlir::FlatSymbolRefAttr", "weight symbol holding the scales">:$scale,
    DefaultValuedParameter<"::inferno::llama::ActivationQuant",
                           "::inferno::llama::ActivationQuant::none",
                           "activation quantization">:$activations
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llama_PrecisionAttr : Llama_Attr<"Precision", "precision"> {
  let summary = "the storage and compute types a weight-reading op runs with";
  let description = [{
    Attached by `llama-assign-precision` to every `llama.linear`, `llama.lm_head` and
    `llama.embedding` (as the discardable attribute `llama.precision`), so that what was
    decided shows in the IR and lowering only follows it. `storage` is the element type of the
    weight the op reads; `compute` is the type the products are formed in: `f32` (weights
    widened to float32, float32 sums) or `i8` (int8 × int8 products summed exactly in int32,
    then scaled); `activations` says how float activations become `i8` operands.

    ```mlir
    %q = llama.linear %x, @model.layers.0.self_attn.q_proj.weight
        {llama.precision = #llama.precision<storage = i8, compute = i8,
                                            activations = int8_dynamic_token>}
        : tensor<?x64xf32> -> tensor<?x64xf32>
    %l = llama.lm_head %h, @lm_head.weight
        {llama.precision = #llama.precision<storage = bf16, compute = f32>}
        : tensor<?x64xf32> -> tensor<?x512xf32>
    ```
  }];
  let parameters = (ins
    AttrParameter<"::mlir::Type", "element type of the stored weight">:$storage,
    AttrParameter<"::mlir::Type", "type the products are formed in">:$compute,
    DefaultValuedParameter<"::inferno::llama::ActivationQuant",
                           "::inferno::llama::ActivationQuant::none",
                           "activation quantization">:$activations
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // INFERNO_LLAMA_ATTRS_TD
