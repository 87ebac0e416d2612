// RUN: inferno-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect --llama-lower-to-llvm

// expected-error @+1 {{lowering needs the module's #llama.config}}
module {
}

// -----

// expected-error @+1 {{lowering needs func.func @forward(tokens, positions, !llama.kv_cache) -> logits}}
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  func.func @forward(%tokens: tensor<?xi32>) -> tensor<?x16xf32> {
    %0 = "test.logits"() : () -> tensor<?x16xf32>
    return %0 : tensor<?x16xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{the CPU backend keeps the KV cache in f32, got 'bf16'}}
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, bf16>) -> tensor<?x16xf32> {
    %l = "test.logits"() : () -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @w in "a.safetensors" at 0 : tensor<16x8xi8> quant <kind = int8, granularity = channel, scale = @s>
  llama.weight @s in "a.safetensors" at 128 : tensor<16x1xf32>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    // expected-error @+1 {{reads the quantized weight @w without an i8 #llama.precision (run llama-assign-precision)}}
    %x = llama.embedding %t, @w : tensor<?xi32> -> tensor<?x8xf32>
    %l = llama.lm_head %x, @w : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    // expected-error @+1 {{'test.logits' op has no CPU lowering}}
    %l = "test.logits"() : () -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// A w8a8 precision whose scales are not f32 (llama-assign-precision stores them as f32).
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @e in "a.safetensors" at 0 : tensor<16x8xf32>
  llama.weight @w in "a.safetensors" at 1024 : tensor<16x8xi8> quant <kind = int8, granularity = channel, scale = @s, activations = int8_dynamic_token>
  llama.weight @s in "a.safetensors" at 2048 : tensor<16x1xbf16>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @e : tensor<?xi32> -> tensor<?x8xf32>
    // expected-error @+1 {{reads scales @s, which the w8a8 kernel needs stored as f32}}
    %l = llama.lm_head %x, @w {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// A precision that disagrees with the weight's storage.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @e in "a.safetensors" at 0 : tensor<16x8xf32>
  llama.weight @w in "a.safetensors" at 1024 : tensor<16x8xbf16>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @e : tensor<?xi32> -> tensor<?x8xf32>
    // expected-error @+1 {{has #llama.precision<storage = f32, compute = f32> but @w is stored as 'bf16'}}
    %l = llama.lm_head %x, @w {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// f32 compute from int8 weights is the weight-only kernel, which does not quantize activations:
// a w8a8 scheme under an f32 precision is refused rather than run without its activation step.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @w in "a.safetensors" at 0 : tensor<16x8xi8> quant <kind = int8, granularity = channel, scale = @s, activations = int8_dynamic_token>
  llama.weight @s in "a.safetensors" at 128 : tensor<16x1xf32>
  llama.weight @e in "a.safetensors" at 192 : tensor<16x8xf32>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @e {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?xi32> -> tensor<?x8xf32>
    // expected-error @+1 {{computes in f32 from the quantized weight @w, which needs int8 per-channel or int4 per-group (a multiple of 16) weight-only quantization}}
    %l = llama.lm_head %x, @w {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}
