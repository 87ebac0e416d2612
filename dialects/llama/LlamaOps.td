//===- LlamaOps.td - llama dialect operations ---------------*- tablegen -*-===//
//
// Ops come in families, each with its own base class:
//   - Llama_WeightOp: the symbol naming one stored tensor;
//   - Llama_WeightedOp: ops that read a weight by symbol (embedding, rms_norm, linear, lm_head);
//   - Llama_MultiWeightedOp: ops that read several weights by symbol (fused_linear), made by
//     the fusion passes;
//   - Llama_ElementwiseOp: same-typed elementwise ops (add, swiglu);
//   - positional ops (rope, attention), which also take the tokens' positions.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_LLAMA_OPS_TD
#define INFERNO_LLAMA_OPS_TD

include "LlamaDialect.td"
include "LlamaAttrs.td"
include "LlamaTypes.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

class Llama_Op<string mnemonic, list<Trait> traits = []>
    : Op<Llama_Dialect, mnemonic, traits>;

// Activations: [tokens, features], the token count usually dynamic.
def Llama_Activation : 2DTensorOf<[F32, F16, BF16]>;
def Llama_TokenIds : 1DTensorOf<[I32]>;
def Llama_Positions : 1DTensorOf<[I32]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Llama_WeightOp : Llama_Op<"weight", [Symbol,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "one tensor stored in the checkpoint";
  let description = [{
    Names a tensor of the checkpoint: the file holding it (relative to the model
    directory), the absolute byte offset of its data in that file, and its shape and storage
    dtype as the type. Its name in the checkpoint is the symbol name unless `tensor` says
    otherwise. Weights are read in place, never copied into the IR. A quantized weight names
    the symbol of its scales in `quant`.

    ```mlir
    llama.weight @model.norm.weight in "model.safetensors" at 927664 : tensor<64xf32>
    llama.weight @embedding tensor "model.embed_tokens.weight" in "model.safetensors" at 8
        : tensor<512x64xbf16>
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    OptionalAttr<StrAttr>:$tensor,
    StrAttr:$file,
    ConfinedAttr<I64Attr, [IntNonNegative]>:$offset,
    TypeAttrOf<AnyRankedTensor>:$type,
    OptionalAttr<Llama_QuantAttr>:$quant
  );
  let assemblyFormat = [{
    $sym_name (`tensor` $tensor^)? `in` $file `at` $offset `:` $type (`quant` $quant^)? attr-dict
  }];
  let extraClassDeclaration = [{
    /// The tensor's name in the checkpoint.
    ::llvm::StringRef getCheckpointName() {
      return getTensor() ? *getTensor() : getSymName();
    }
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
    /// Bytes of the stored data.
    int64_t getSizeInBytes();
    /// The shape of the matrix the weight stands for: the stored shape, except that packed
    /// int4 weights hold eight values per stored i32.
    ::llvm::SmallVector<int64_t> getLogicalShape();
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Ops that read a weight
//===----------------------------------------------------------------------===//

class Llama_WeightedOp<string mnemonic, list<Trait> traits = []>
    : Llama_Op<mnemonic, traits # [Pure,
        DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let extraClassDeclaration = [{
    /// The `llama.weight` this op reads (null if the symbol does not resolve).
    WeightOp lookupWeight(::mlir::SymbolTableCollection &symbols);
  }];
  let extraClassDefinition = [{
    WeightOp $cppClass::lookupWeight(::mlir::SymbolTableCollection &symbols) {
      return symbols.lookupNearestSymbolFrom<WeightOp>(*this, getWeightAttr());
    }
  }];
}

def Llama_EmbeddingOp : Llama_WeightedOp<"embedding"> {
  let summary = "token embedding lookup";
  let description = [{
    Row `tokens[i]` of the `[vocab, hidden]` table, for each token.

    ```mlir
    %x = llama.embedding %tokens, @model.embed_tokens.weight : tensor<?xi32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Llama_TokenIds:$tokens, FlatSymbolRefAttr:$weight);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = "$tokens `,` $weight attr-dict `:` type($tokens) `->` type($result)";
  let hasVerifier = 1;
}

def Llama_RMSNormOp : Llama_WeightedOp<"rms_norm", [SameOperandsAndResultType]> {
  let summary = "root-mean-square normalization with a learned scale";
  let description = [{
    `y = x / sqrt(mean(x^2) + eps) * weight`, per token, computed in float32.

    ```mlir
    %y = llama.rms_norm %x, @model.norm.weight eps 1.0e-05 : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Llama_Activation:$input, FlatSymbolRefAttr:$weight, F64Attr:$eps);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = "$input `,` $weight `eps` $eps attr-dict `:` type($result)";
}

def Llama_LinearOp : Llama_WeightedOp<"linear"> {
  let summary = "a projection by a [out, in] weight: y = x W^T";
  let description = [{
    ```mlir
    %q = llama.linear %x, @model.layers.0.self_attn.q_proj.weight : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Llama_Activation:$input, FlatSymbolRefAttr:$weight);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Llama_LMHeadOp : Llama_WeightedOp<"lm_head"> {
  let summary = "the output projection to vocabulary logits";
  let description = [{
    A projection by the `[vocab, hidden]` output weight: `lm_head.weight`, or the token
    embedding when the model ties them. Kept apart from `llama.linear` because precision
    policies and backends treat it differently (it is the largest matrix, read for the last
    token only during decode).

    ```mlir
    %logits = llama.lm_head %h, @model.embed_tokens.weight : tensor<?x64xf32> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Llama_Activation:$input, FlatSymbolRefAttr:$weight);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Ops that read several weights
//===----------------------------------------------------------------------===//

// A sibling of Llama_WeightedOp for ops naming a list of weights: each is still read in place
// by its own symbol (weights are mmapped, never concatenated).
class Llama_MultiWeightedOp<string mnemonic, list<Trait> traits = []>
    : Llama_Op<mnemonic, traits # [Pure,
        DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let extraClassDeclaration = [{
    /// The `llama.weight` the op's `index`-th weight symbol names (null if it does not
    /// resolve).
    WeightOp lookupWeight(::mlir::SymbolTableCollection &symbols, unsigned index);
  }];
  let extraClassDefinition = [{
    WeightOp $cppClass::lookupWeight(::mlir::SymbolTableCollection &symbols, unsigned index) {
      return symbols.lookupNearestSymbolFrom<WeightOp>(
          *this, ::llvm::cast<::mlir::FlatSymbolRefAttr>(getWeights()[index]));
    }
  }];
}

def Llama_FusedLinearOp : Llama_MultiWeightedOp<"fused_linear"> {
  let summary = "several projections of one input, one result per weight";
  let description = [{
    `results[i] = x W_i^T` for each `[out_i, in]` weight `W_i`, all reading the same input:
    the q/k/v projections of attention (`llama-fuse-qkv`), the gate/up projections of the MLP
    (`llama-fuse-gate-up`). A backend runs them as one kernel whose work is split over every
    output row of every weight at once, each weight read in place by its own symbol. All
    weights share the op's `llama.precision`, which must be dense (`compute = f32`) or w8a8.

    With `norm @w eps E`, the input is first RMS-normalized as `llama.rms_norm` with weight
    `@w` and epsilon `E` would (`llama-fuse-norm`), row by row as the kernel packs it, so the
    normalized activations never reach memory. A single weight without a norm canonicalizes
    to `llama.linear`.

    ```mlir
    %q, %k, %v = llama.fused_linear %x, [@q, @k, @v] norm @input_norm eps 1.0e-05
        {llama.precision = #llama.precision<storage = bf16, compute = f32>}
        : tensor<?x64xf32> -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>)
    ```
  }];
  let arguments = (ins Llama_Activation:$input, FlatSymbolRefArrayAttr:$weights,
                   OptionalAttr<FlatSymbolRefAttr>:$norm, OptionalAttr<F64Attr>:$norm_eps);
  let results = (outs Variadic<Llama_Activation>:$results);
  let assemblyFormat = [{
    $input `,` $weights (`norm` $norm^ `eps` $norm_eps)? attr-dict `:` type($input) `->`
    `(` type($results) `)`
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Positional ops
//===----------------------------------------------------------------------===//

def Llama_RopeOp : Llama_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding, rotate-half layout";
  let description = [{
    Rotates each head of `input` (`[tokens, heads * head_dim]`) by its token's position:
    with `c = cos(p * inv_freq[i])`, `s = sin(...)` for `i < head_dim / 2`, the pair
    `(x[i], x[i + head_dim/2])` becomes `(x[i] c - x[i + d/2] s, x[i + d/2] c + x[i] s)`, as
    in Hugging Face's Llama. Frequencies follow `rope`.

    ```mlir
    %qr = llama.rope %q, %positions heads 4 head_dim 16 {rope = #llama.rope<theta = 10000.0>}
        : tensor<?x64xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins Llama_Activation:$input, Llama_Positions:$positions,
                   ConfinedAttr<I64Attr, [IntPositive]>:$heads,
                   ConfinedAttr<I64Attr, [IntPositive]>:$head_dim,
                   Llama_RopeAttr:$rope);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = [{
    $input `,` $positions `heads` $heads `head_dim` $head_dim attr-dict
    `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Llama_AttentionOp : Llama_Op<"attention"> {
  let summary = "causal grouped-query attention over the KV cache";
  let description = [{
    Writes the tokens' keys and values into `cache` at their positions in layer `layer`,
    then lets each query token attend to cached positions `0..position` (causal), with
    `heads / kv_heads` query heads sharing each key/value head and scores scaled by
    `1/sqrt(head_dim)`. Queries and keys arrive already rotated, unless `rope` is given
    (`llama-fuse-rope-attention` folds the `llama.rope` ops into it): then the op rotates
    them itself as `llama.rope` with that attribute would (`heads` query heads, `kv_heads` key
    heads, the cache's head_dim), keys before they are written to the cache, so that rotated
    copies never reach memory.

    ```mlir
    %o = llama.attention %q, %k, %v, %positions, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>,
          !llama.kv_cache<2 x 128 x 2 x 16, f32> -> tensor<?x64xf32>
    %o = llama.attention %q, %k, %v, %positions, %cache layer 0 heads 4 kv_heads 2
        rope <theta = 10000.0> : ...
    ```
  }];
  let arguments = (ins Llama_Activation:$query, Llama_Activation:$key, Llama_Activation:$value,
                   Llama_Positions:$positions,
                   Arg<Llama_KVCacheType, "the cache, appended to and read",
                       [MemRead, MemWrite]>:$cache,
                   ConfinedAttr<I64Attr, [IntNonNegative]>:$layer,
                   ConfinedAttr<I64Attr, [IntPositive]>:$heads,
                   ConfinedAttr<I64Attr, [IntPositive]>:$kv_heads,
                   OptionalAttr<Llama_RopeAttr>:$rope);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $positions `,` $cache `layer` $layer `heads` $heads
    `kv_heads` $kv_heads (`rope` $rope^)? attr-dict `:` type($query) `,` type($key) `,` type($value) `,`
    type($positions) `,` type($cache) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

class Llama_ElementwiseOp<string mnemonic, list<Trait> traits = []>
    : Llama_Op<mnemonic, traits # [Pure, SameOperandsAndResultType]> {
  let arguments = (ins Llama_Activation:$lhs, Llama_Activation:$rhs);
  let results = (outs Llama_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Llama_AddOp : Llama_ElementwiseOp<"add", [Commutative]> {
  let summary = "residual addition";
  let description = [{
    ```mlir
    %h = llama.add %x, %attn : tensor<?x64xf32>
    ```
  }];
}

def Llama_SwiGLUOp : Llama_ElementwiseOp<"swiglu"> {
  let summary = "silu(gate) * up";
  let description = [{
    The gated activation of the Llama MLP: `lhs * sigmoid(lhs) * rhs`, with `lhs` the gate
    projection and `rhs` the up projection.

    ```mlir
    %a = llama.swiglu %gate, %up : tensor<?x172xf32>
    ```
  }];
}

#endif // INFERNO_LLAMA_OPS_TD
