// RUN: inferno-opt %s --split-input-file --verify-diagnostics --llama-assign-precision=quantize=int4-g32

// Quantizing at compile time is for float weights: a weight the checkpoint already quantized
// (compressed-tensors w8a8) is refused, naming it.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-error @+1 {{'llama.weight' op @w is already quantized in the checkpoint (int8); quantize int4-g32 quantizes float weights only}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x8xi8> quant <kind = int8, granularity = channel, scale = @s, activations = int8_dynamic_token>
  llama.weight @s in "m.safetensors" at 64 : tensor<8x1xf32>
  func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x8xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

// A whole-model int4 request stores a weight whose input size the group does not divide as
// int8, with a warning.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  // expected-warning @+1 {{@w has 48 input features}}
  llama.weight @w in "m.safetensors" at 0 : tensor<8x48xf32>
  func.func @forward(%x: tensor<?x48xf32>) -> tensor<?x8xf32> {
    %y = llama.linear %x, @w : tensor<?x48xf32> -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

