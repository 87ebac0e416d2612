// RUN: inferno-opt %s --split-input-file --verify-diagnostics --llama-assign-precision
// RUN: not inferno-opt %s --split-input-file --llama-assign-precision=dtype=int3 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: dtype 'int3': expected f32, bf16 or f16

// Quantizations the CPU backend cannot execute are refused, naming the weight.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{'llama.weight' op cannot be executed: fp8_e4m3 weights have no kernel yet; the CPU backend runs w8a8 int8 only}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x8xf8E4M3FN> quant <kind = fp8_e4m3, granularity = channel, scale = @s>
  llama.weight @s in "m.safetensors" at 64 : tensor<8x1xbf16>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>, %x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{cannot be executed: int4 weights have no kernel yet}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x1xi32> quant <kind = int4, granularity = group, group_size = 4, scale = @s>
  llama.weight @s in "m.safetensors" at 64 : tensor<8x2xbf16>
  func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{cannot be executed: tensor scales have no kernel yet (int8 weights need one scale per output channel)}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x8xi8> quant <kind = int8, granularity = tensor, scale = @s, activations = int8_dynamic_token>
  llama.weight @s in "m.safetensors" at 64 : tensor<1xf32>
  func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{cannot be executed: int8 weights without int8 activations (w8a16) have no kernel yet}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x8xi8> quant <kind = int8, granularity = channel, scale = @s>
  llama.weight @s in "m.safetensors" at 64 : tensor<8x1xf32>
  func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

// Only projections can be quantized: an embedding table cannot be read as int8.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @w in "m.safetensors" at 0 : tensor<16x8xi8> quant <kind = int8, granularity = channel, scale = @s, activations = int8_dynamic_token>
  llama.weight @s in "m.safetensors" at 128 : tensor<16x1xf32>
  func.func @forward(%t: tensor<?xi32>) -> tensor<?x8xf32> {
    // expected-error @+1 {{reads the quantized weight @w, but only linear and lm_head weights can be quantized}}
    %x = llama.embedding %t, @w : tensor<?xi32> -> tensor<?x8xf32>
    return %x : tensor<?x8xf32>
  }
}

// -----

// The attribute itself is verified: i8 compute goes with i8 storage.
module {
  llama.weight @w in "m.safetensors" at 0 : tensor<8x8xf32>
  func.func @f(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    // expected-error @+1 {{'llama.precision': i8 compute goes with i8 storage and quantized activations}}
    %y = llama.linear %x, @w {llama.precision = #llama.precision<storage = f32, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}
