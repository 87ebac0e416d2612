// RUN: inferno-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{config heads (6) must be a multiple of kv_heads (4)}}
module attributes {llama.config = #llama.config<hidden = 64, intermediate = 160, layers = 1, heads = 6, kv_heads = 4, head_dim = 16, vocab = 256, max_positions = 128, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {}

// -----

// expected-error @+1 {{config head_dim must be even for rotary embedding, got 15}}
module attributes {llama.config = #llama.config<hidden = 60, intermediate = 160, layers = 1, heads = 4, kv_heads = 4, head_dim = 15, vocab = 256, max_positions = 128, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {}

// -----

// expected-error @+1 {{config layers must be positive, got 0}}
module attributes {llama.config = #llama.config<hidden = 64, intermediate = 160, layers = 0, heads = 4, kv_heads = 4, head_dim = 16, vocab = 256, max_positions = 128, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {}

// -----

// expected-error @+1 {{llama3 rope scaling needs original_max_positions > 0}}
module attributes {test.rope = #llama.rope<theta = 500000.0, scaling = llama3, factor = 8.0>} {}

// -----

// expected-error @+1 {{llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor, got 4.0 and 1.0}}
module attributes {test.rope = #llama.rope<theta = 500000.0, scaling = llama3, factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_positions = 8192>} {}

// -----

// expected-error @+1 {{rope theta must be greater than 1, got 0.5}}
module attributes {test.rope = #llama.rope<theta = 0.5>} {}

// -----

// expected-error @+2 {{expected one of [none, linear, llama3] for RoPE frequency scaling, got: yarn}}
// expected-error @+1 {{failed to parse Llama_RopeAttr parameter 'scaling'}}
module attributes {test.rope = #llama.rope<theta = 10000.0, scaling = yarn, factor = 8.0>} {}

// -----

// expected-error @+1 {{'llama.config' must be a #llama.config}}
module attributes {llama.config = 3 : i64} {}

// -----

// expected-error @+1 {{unknown llama dialect attribute 'llama.colour'}}
module attributes {llama.colour = "red"} {}

// -----

// expected-error @+1 {{'llama.generation' must be a dictionary with 'eos_token_ids' (array<i64>)}}
module attributes {llama.generation = {eos_token_ids = [2]}} {}

// -----

// expected-error @+1 {{kv_cache element type must be f32, f16, bf16 or f8E4M3FN, got 'i32'}}
func.func private @f(%cache: !llama.kv_cache<1 x 128 x 2 x 16, i32>)

// -----

// expected-error @+1 {{unsupported storage dtype 'f64' (expected f32, f16, bf16, i8, i32 or f8E4M3FN)}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xf64>

// -----

// expected-error @+1 {{weight must have a static shape of rank >= 1}}
llama.weight @w in "model.safetensors" at 8 : tensor<?x4xf32>

// -----

// expected-error @+1 {{a 'i8' weight needs a 'quant' scheme}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xi8>

// -----

llama.weight @s in "model.safetensors" at 8 : tensor<4x1xf16>
// expected-error @+1 {{int8 weights are stored as 'i8', got 'f16'}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xf16> quant <kind = int8, granularity = channel, scale = @s>

// -----

// expected-error @+1 {{scale @missing is not a llama.weight}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xi8> quant <kind = int8, granularity = channel, scale = @missing>

// -----

llama.weight @s in "model.safetensors" at 8 : tensor<3x1xf16>
// expected-error @+1 {{scale @s has shape [3, 1] but channel quantization of a [4, 4] weight needs 4 scales}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xi8> quant <kind = int8, granularity = channel, scale = @s>

// -----

llama.weight @s in "model.safetensors" at 8 : tensor<4x1xf16>
// expected-error @+1 {{group quantization needs group_size > 0}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x1xi32> quant <kind = int4, granularity = group, scale = @s>

// -----

llama.weight @s in "model.safetensors" at 8 : tensor<4x1xf16>
// expected-error @+1 {{int8 activations pair only with int8 weights}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xf8E4M3FN> quant <kind = fp8_e4m3, granularity = tensor, scale = @s, activations = int8_dynamic_token>

// -----

// expected-error @+2 {{expected ::inferno::llama::QuantKind to be one of: int8, int4, fp8_e4m3}}
// expected-error @+1 {{failed to parse Llama_QuantAttr parameter 'kind'}}
llama.weight @w in "model.safetensors" at 8 : tensor<4x4xi8> quant <kind = int3, granularity = tensor, scale = @s>

// -----

llama.weight @w in "model.safetensors" at 8 : tensor<32x48xf32>
func.func @f(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{weight @w has shape [32, 48] [out, in], but the input has 64 features}}
  %y = llama.linear %x, @w : tensor<?x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

llama.weight @w in "model.safetensors" at 8 : tensor<32x64xf32>
func.func @f(%x: tensor<?x64xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{weight @w has shape [32, 64] [out, in], but the result has 16 features}}
  %y = llama.linear %x, @w : tensor<?x64xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

llama.weight @w in "model.safetensors" at 8 : tensor<32x64xf32>
func.func @f(%x: tensor<3x64xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{input has 3 tokens but the result has 4}}
  %y = llama.linear %x, @w : tensor<3x64xf32> -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

func.func @f(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{weight @nowhere is not a llama.weight}}
  %y = llama.linear %x, @nowhere : tensor<?x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

llama.weight @w in "model.safetensors" at 8 : tensor<64xf32>
func.func @f(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{weight @w must be a matrix, has shape [64]}}
  %y = llama.linear %x, @w : tensor<?x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

llama.weight @s in "model.safetensors" at 8 : tensor<32x2xf16>
llama.weight @w in "model.safetensors" at 8 : tensor<32x4xi32> quant <kind = int4, granularity = group, group_size = 16, scale = @s>
func.func @f(%x: tensor<?x48xf32>) -> tensor<?x32xf32> {
  // Packed int4: 4 stored i32 per row hold 32 inputs.
  // expected-error @+1 {{weight @w has shape [32, 32] [out, in], but the input has 48 features}}
  %y = llama.linear %x, @w : tensor<?x48xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

llama.weight @e in "model.safetensors" at 8 : tensor<256x32xf32>
func.func @f(%t: tensor<?xi32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{embedding table @e has shape [256, 32], expected [vocab, 64]}}
  %x = llama.embedding %t, @e : tensor<?xi32> -> tensor<?x64xf32>
  return %x : tensor<?x64xf32>
}

// -----

llama.weight @e in "model.safetensors" at 8 : tensor<256x64xf32>
func.func @f(%t: tensor<5xi32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{5 tokens but 4 result rows}}
  %x = llama.embedding %t, @e : tensor<5xi32> -> tensor<4x64xf32>
  return %x : tensor<4x64xf32>
}

// -----

llama.weight @n in "model.safetensors" at 8 : tensor<32xf32>
func.func @f(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{norm weight @n has shape [32], expected [64]}}
  %y = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @f(%x: tensor<?x64xf32>, %p: tensor<?xi32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{input has 64 features but 2 heads of 16 need 32}}
  %y = llama.rope %x, %p heads 2 head_dim 16 {rope = #llama.rope<theta = 10000.0>} : tensor<?x64xf32>, tensor<?xi32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @f(%x: tensor<?x60xf32>, %p: tensor<?xi32>) -> tensor<?x60xf32> {
  // expected-error @+1 {{head_dim must be even, got 15}}
  %y = llama.rope %x, %p heads 4 head_dim 15 {rope = #llama.rope<theta = 10000.0>} : tensor<?x60xf32>, tensor<?xi32>
  return %y : tensor<?x60xf32>
}

// -----

func.func @f(%x: tensor<3x64xf32>, %p: tensor<2xi32>) -> tensor<3x64xf32> {
  // expected-error @+1 {{3 tokens but 2 positions}}
  %y = llama.rope %x, %p heads 4 head_dim 16 {rope = #llama.rope<theta = 10000.0>} : tensor<3x64xf32>, tensor<2xi32>
  return %y : tensor<3x64xf32>
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %p: tensor<?xi32>,
             %c: !llama.kv_cache<1 x 128 x 2 x 16, f32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{heads (4) must be a multiple of kv_heads (3)}}
  %o = llama.attention %q, %k, %k, %p, %c layer 0 heads 4 kv_heads 3 : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>, !llama.kv_cache<1 x 128 x 2 x 16, f32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %p: tensor<?xi32>,
             %c: !llama.kv_cache<1 x 128 x 4 x 16, f32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{kv_heads is 2 but the cache holds 4}}
  %o = llama.attention %q, %k, %k, %p, %c layer 0 heads 4 kv_heads 2 : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>, !llama.kv_cache<1 x 128 x 4 x 16, f32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %p: tensor<?xi32>,
             %c: !llama.kv_cache<2 x 128 x 2 x 16, f32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{layer 2 is out of range for a cache of 2 layers}}
  %o = llama.attention %q, %k, %k, %p, %c layer 2 heads 4 kv_heads 2 : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>, !llama.kv_cache<2 x 128 x 2 x 16, f32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

func.func @f(%q: tensor<?x48xf32>, %k: tensor<?x32xf32>, %p: tensor<?xi32>,
             %c: !llama.kv_cache<1 x 128 x 2 x 16, f32>) -> tensor<?x48xf32> {
  // expected-error @+1 {{query has 48 features, expected heads * head_dim = 64}}
  %o = llama.attention %q, %k, %k, %p, %c layer 0 heads 4 kv_heads 2 : tensor<?x48xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>, !llama.kv_cache<1 x 128 x 2 x 16, f32> -> tensor<?x48xf32>
  return %o : tensor<?x48xf32>
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x64xf32>, %p: tensor<?xi32>,
             %c: !llama.kv_cache<1 x 128 x 2 x 16, f32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{value has 64 features, expected kv_heads * head_dim = 32}}
  %o = llama.attention %q, %k, %v, %p, %c layer 0 heads 4 kv_heads 2 : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x64xf32>, tensor<?xi32>, !llama.kv_cache<1 x 128 x 2 x 16, f32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

module attributes {llama.config = #llama.config<hidden = 64, intermediate = 160, layers = 1, heads = 4, kv_heads = 4, head_dim = 16, vocab = 256, max_positions = 128, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @e in "model.safetensors" at 8 : tensor<128x64xf32>
  func.func @f(%x: tensor<?x64xf32>) -> tensor<?x128xf32> {
    // expected-error @+1 {{produces 128 logits but the vocabulary has 256 tokens}}
    %l = llama.lm_head %x, @e : tensor<?x64xf32> -> tensor<?x128xf32>
    return %l : tensor<?x128xf32>
  }
}

// -----

func.func @f(%a: tensor<?x64xf32>, %b: tensor<?x32xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %s = "llama.swiglu"(%a, %b) : (tensor<?x64xf32>, tensor<?x32xf32>) -> tensor<?x64xf32>
  return %s : tensor<?x64xf32>
}

// -----

func.func @f(%a: tensor<?x64xf64>) -> tensor<?x64xf64> {
  // expected-error @+1 {{operand #0 must be 2D tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %s = llama.add %a, %a : tensor<?x64xf64>
  return %s : tensor<?x64xf64>
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  llama.weight @k in "m.safetensors" at 0 : tensor<4x8xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{reads 2 weights but has 1 results}}
    %r = llama.fused_linear %x, [@q, @k] : tensor<?x8xf32> -> (tensor<?x8xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  llama.weight @k in "m.safetensors" at 0 : tensor<4x8xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{weight @k has shape [4, 8] [out, in], but the result has 5 features}}
    %r:2 = llama.fused_linear %x, [@q, @k] : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x5xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  llama.weight @k in "m.safetensors" at 0 : tensor<4x6xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{weight @k has shape [4, 6] [out, in], but the input has 8 features}}
    %r:2 = llama.fused_linear %x, [@q, @k] : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  llama.weight @k in "m.safetensors" at 0 : tensor<4x8xbf16>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{weights @q and @k are stored differently ('f32' vs 'bf16')}}
    %r:2 = llama.fused_linear %x, [@q, @k] : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{weight @missing is not a llama.weight}}
    %r:2 = llama.fused_linear %x, [@q, @missing] : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  llama.weight @n in "m.safetensors" at 0 : tensor<6xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{norm weight @n has shape [6], expected [8]}}
    %r:1 = llama.fused_linear %x, [@q] norm @n eps 1.0e-05 : tensor<?x8xf32> -> (tensor<?x8xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{needs both a norm weight and its eps, or neither}}
    %r:1 = "llama.fused_linear"(%x) <{weights = [@q], norm = @q}> : (tensor<?x8xf32>) -> tensor<?x8xf32>
    return
  }
}

// -----

module {
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{needs at least one weight}}
    "llama.fused_linear"(%x) <{weights = []}> : (tensor<?x8xf32>) -> ()
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @s>
  llama.weight @s in "m.safetensors" at 0 : tensor<8xf32>
  func.func @f(%x: tensor<?x8xf32>) {
    // expected-error @+1 {{runs dense (compute f32) or w8a8 projections only, got #llama.precision<storage = i8, compute = f32>}}
    %r:1 = llama.fused_linear %x, [@q] {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>)
    return
  }
}

// -----

module {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xf32>
  func.func @f(%x: tensor<3x8xf32>) {
    // expected-error @+1 {{input has 3 tokens but a result has 2}}
    %r:1 = llama.fused_linear %x, [@q] : tensor<3x8xf32> -> (tensor<2x8xf32>)
    return
  }
}
