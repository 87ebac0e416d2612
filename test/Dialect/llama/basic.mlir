// RUN: inferno-opt %s | FileCheck %s
// Round trip: the printed form parses back to the same module.
// RUN: inferno-opt %s | inferno-opt | FileCheck %s
// And the generic form parses too.
// RUN: inferno-opt %s --mlir-print-op-generic | inferno-opt | FileCheck %s

// CHECK-LABEL: module @tiny
// CHECK-SAME: llama.config = #llama.config<hidden = 64, intermediate = 160, layers = 1, heads = 4, kv_heads = 2, head_dim = 16, vocab = 256, max_positions = 128, rms_eps = 1.0e-05, rope = <theta = 500000.0, scaling = llama3, factor = 32.0, low_freq_factor = 2.0, original_max_positions = 8192>, tie_embeddings = false>
// CHECK-SAME: llama.generation = {bos_token_id = 1 : i64, eos_token_ids = array<i64: 2, 3>}
module @tiny attributes {
  llama.config = #llama.config<hidden = 64, intermediate = 160, layers = 1, heads = 4, kv_heads = 2,
                               head_dim = 16, vocab = 256, max_positions = 128, rms_eps = 1.0e-05,
                               rope = #llama.rope<theta = 500000.0, scaling = llama3, factor = 32.0,
                                                  low_freq_factor = 2.0, high_freq_factor = 4.0,
                                                  original_max_positions = 8192>,
                               tie_embeddings = false>,
  llama.generation = {bos_token_id = 1 : i64, eos_token_ids = array<i64: 2, 3>}} {
  // CHECK: llama.weight @model.embed_tokens.weight in "model.safetensors" at 8 : tensor<256x64xbf16>
  llama.weight @model.embed_tokens.weight in "model.safetensors" at 8 : tensor<256x64xbf16>
  // CHECK: llama.weight @norm tensor "model.layers.0.input_layernorm.weight" in "model-00001-of-00002.safetensors" at 32776 : tensor<64xf32>
  llama.weight @norm tensor "model.layers.0.input_layernorm.weight" in "model-00001-of-00002.safetensors" at 32776 : tensor<64xf32>
  llama.weight @q in "model.safetensors" at 100000 : tensor<64x64xf16>
  llama.weight @k in "model.safetensors" at 200000 : tensor<32x64xf32>
  llama.weight @v in "model.safetensors" at 300000 : tensor<32x64xf32>
  // CHECK: llama.weight @o in "model.safetensors" at 400000 : tensor<64x64xi8> quant <kind = int8, granularity = channel, scale = @o_scale, activations = int8_dynamic_token>
  llama.weight @o in "model.safetensors" at 400000 : tensor<64x64xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @o_scale,
                         activations = int8_dynamic_token>
  llama.weight @o_scale in "model.safetensors" at 500000 : tensor<64x1xbf16>
  // CHECK: llama.weight @gate in "model.safetensors" at 600000 : tensor<160x8xi32> quant <kind = int4, granularity = group, group_size = 32, scale = @gate_scale>
  llama.weight @gate in "model.safetensors" at 600000 : tensor<160x8xi32>
      quant #llama.quant<kind = int4, granularity = group, group_size = 32, scale = @gate_scale>
  llama.weight @gate_scale in "model.safetensors" at 700000 : tensor<160x2xf16>
  // CHECK: llama.weight @up in "model.safetensors" at 800000 : tensor<160x64xf8E4M3FN> quant <kind = fp8_e4m3, granularity = tensor, scale = @up_scale>
  llama.weight @up in "model.safetensors" at 800000 : tensor<160x64xf8E4M3FN>
      quant #llama.quant<kind = fp8_e4m3, granularity = tensor, scale = @up_scale>
  llama.weight @up_scale in "model.safetensors" at 900000 : tensor<1xf32>
  llama.weight @down in "model.safetensors" at 1000000 : tensor<64x160xbf16>
  llama.weight @model.norm.weight in "model.safetensors" at 1100000 : tensor<64xf32>
  llama.weight @lm_head.weight in "model.safetensors" at 1200000 : tensor<256x64xbf16>
  llama.weight @q32 in "model.safetensors" at 1300000 : tensor<64x64xf32>

  // CHECK-LABEL: func.func @forward
  // CHECK-SAME: !llama.kv_cache<1 x 128 x 2 x 16, bf16>
  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                     %cache: !llama.kv_cache<1 x 128 x 2 x 16, bf16>) -> tensor<?x256xf32> {
    // CHECK: llama.embedding %{{.*}}, @model.embed_tokens.weight : tensor<?xi32> -> tensor<?x64xf32>
    %x = llama.embedding %tokens, @model.embed_tokens.weight : tensor<?xi32> -> tensor<?x64xf32>
    // CHECK: llama.rms_norm %{{.*}}, @norm eps 1.000000e-05 : tensor<?x64xf32>
    %h = llama.rms_norm %x, @norm eps 1.0e-05 : tensor<?x64xf32>
    // CHECK: llama.linear %{{.*}}, @q : tensor<?x64xf32> -> tensor<?x64xf32>
    %q = llama.linear %h, @q : tensor<?x64xf32> -> tensor<?x64xf32>
    %k = llama.linear %h, @k : tensor<?x64xf32> -> tensor<?x32xf32>
    %v = llama.linear %h, @v : tensor<?x64xf32> -> tensor<?x32xf32>
    // CHECK: llama.rope %{{.*}}, %{{.*}} heads 4 head_dim 16 {rope = #llama.rope<theta = 10000.0, scaling = linear, factor = 2.0>} : tensor<?x64xf32>, tensor<?xi32>
    %qr = llama.rope %q, %positions heads 4 head_dim 16
        {rope = #llama.rope<theta = 10000.0, scaling = linear, factor = 2.0>} : tensor<?x64xf32>, tensor<?xi32>
    // CHECK: llama.rope %{{.*}}, %{{.*}} heads 2 head_dim 16 {rope = #llama.rope<theta = 10000.0>} : tensor<?x32xf32>, tensor<?xi32>
    %kr = llama.rope %k, %positions heads 2 head_dim 16 {rope = #llama.rope<theta = 10000.0>}
        : tensor<?x32xf32>, tensor<?xi32>
    // CHECK: llama.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} layer 0 heads 4 kv_heads 2 : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>, <1 x 128 x 2 x 16, bf16> -> tensor<?x64xf32>
    %a = llama.attention %qr, %kr, %v, %positions, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>,
          !llama.kv_cache<1 x 128 x 2 x 16, bf16> -> tensor<?x64xf32>
    %o = llama.linear %a, @o : tensor<?x64xf32> -> tensor<?x64xf32>
    // CHECK: llama.add %{{.*}}, %{{.*}} : tensor<?x64xf32>
    %x1 = llama.add %x, %o : tensor<?x64xf32>
    %g = llama.linear %x1, @gate : tensor<?x64xf32> -> tensor<?x160xf32>
    %u = llama.linear %x1, @up : tensor<?x64xf32> -> tensor<?x160xf32>
    // CHECK: llama.swiglu %{{.*}}, %{{.*}} : tensor<?x160xf32>
    %s = llama.swiglu %g, %u : tensor<?x160xf32>
    %d = llama.linear %s, @down : tensor<?x160xf32> -> tensor<?x64xf32>
    %x2 = llama.add %x1, %d : tensor<?x64xf32>
    %f = llama.rms_norm %x2, @model.norm.weight eps 1.0e-05 : tensor<?x64xf32>
    // CHECK: llama.lm_head %{{.*}}, @lm_head.weight : tensor<?x64xf32> -> tensor<?x256xf32>
    %logits = llama.lm_head %f, @lm_head.weight : tensor<?x64xf32> -> tensor<?x256xf32>
    return %logits : tensor<?x256xf32>
  }

  // The fused forms the fusion passes produce: q/k/v in one fused_linear with the input norm
  // as its prologue, RoPE inside the attention.
  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<?x64xf32>, %positions: tensor<?xi32>,
                   %cache: !llama.kv_cache<1 x 128 x 2 x 16, bf16>) -> tensor<?x64xf32> {
    // CHECK: %[[QKV:.*]]:3 = llama.fused_linear %{{.*}}, [@q32, @k, @v] norm @norm eps 1.000000e-05 {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?x64xf32> -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>)
    %qkv:3 = llama.fused_linear %x, [@q32, @k, @v] norm @norm eps 1.0e-05
        {llama.precision = #llama.precision<storage = f32, compute = f32>}
        : tensor<?x64xf32> -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>)
    // CHECK: llama.attention %[[QKV]]#0, %[[QKV]]#1, %[[QKV]]#2, %{{.*}}, %{{.*}} layer 0 heads 4 kv_heads 2 rope <theta = 10000.0, scaling = linear, factor = 2.0> : tensor<?x64xf32>
    %a = llama.attention %qkv#0, %qkv#1, %qkv#2, %positions, %cache layer 0 heads 4 kv_heads 2
        rope <theta = 10000.0, scaling = linear, factor = 2.0>
        : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>,
          !llama.kv_cache<1 x 128 x 2 x 16, bf16> -> tensor<?x64xf32>
    // A single weight, with no norm: valid (canonicalization makes it a llama.linear).
    // CHECK: llama.fused_linear %{{.*}}, [@k] : tensor<?x64xf32> -> (tensor<?x32xf32>)
    %k:1 = llama.fused_linear %a, [@k] : tensor<?x64xf32> -> (tensor<?x32xf32>)
    return %a : tensor<?x64xf32>
  }

  // Static token counts and bf16 activations are fine too.
  // CHECK-LABEL: func.func @static_decode
  func.func @static_decode(%x: tensor<1x64xbf16>) -> tensor<1x64xbf16> {
    // CHECK: llama.linear %{{.*}}, @q : tensor<1x64xbf16> -> tensor<1x64xbf16>
    %q = llama.linear %x, @q : tensor<1x64xbf16> -> tensor<1x64xbf16>
    return %q : tensor<1x64xbf16>
  }
}
