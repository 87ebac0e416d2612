//===- LlamaTypes.td - llama dialect types ------------------*- tablegen -*-===//

#ifndef INFERNO_LLAMA_TYPES_TD
#define INFERNO_LLAMA_TYPES_TD

include "LlamaDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Llama_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Llama_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Llama_KVCacheType : Llama_Type<"KVCache", "kv_cache"> {
  let summary = "the key/value cache of every layer";
  let description = [{
    Keys and values of every layer for up to `positions` tokens, laid out
    `[layers][positions][kv_heads][head_dim]` twice (keys, then values), in `elementType`.
    `llama.attention` appends the current tokens' keys and values and reads the prefix.

    ```mlir
    !llama.kv_cache<4 x 128 x 4 x 16, f32>
    ```
  }];
  let parameters = (ins
    "int64_t":$layers,
    "int64_t":$positions,
    "int64_t":$kv_heads,
    "int64_t":$head_dim,
    "::mlir::Type":$elementType
  );
  let assemblyFormat = [{
    `<` $layers `x` $positions `x` $kv_heads `x` $head_dim `,` $elementType `>`
  }];
  let genVerifyDecl = 1;
}

#endif // INFERNO_LLAMA_TYPES_TD
