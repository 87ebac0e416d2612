// RUN: inferno-opt %s --split-input-file --llama-assign-precision | FileCheck %s
// RUN: inferno-opt %s --split-input-file --llama-assign-precision=dtype=bf16 | FileCheck %s --check-prefix=BF16

// A w8a8 checkpoint: q and the MLP up projection are quantized (the importer attached their
// `quant`), lm_head was `ignore`d and is dense. Quantized linears run w8a8, their scales are
// stored as f32 for the kernel; dense readers compute in f32 from the checkpoint's storage, or
// from `dtype` when given, which never touches int8 weights.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xf32>
  llama.weight @norm in "m.safetensors" at 512 : tensor<8xf32>
  llama.weight @q in "m.safetensors" at 1024 : tensor<8x8xi8> quant <kind = int8, granularity = channel, scale = @q_scale, activations = int8_dynamic_token>
  llama.weight @q_scale in "m.safetensors" at 1088 : tensor<8x1xbf16>
  llama.weight @up in "m.safetensors" at 2048 : tensor<12x8xi8> quant <kind = int8, granularity = channel, scale = @up_scale, activations = int8_dynamic_token>
  llama.weight @up_scale in "m.safetensors" at 2144 : tensor<12x1xf32>
  llama.weight @head in "m.safetensors" at 4096 : tensor<16x12xf32>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @embed : tensor<?xi32> -> tensor<?x8xf32>
    %h = llama.rms_norm %x, @norm eps 1.0e-05 : tensor<?x8xf32>
    %q = llama.linear %h, @q : tensor<?x8xf32> -> tensor<?x8xf32>
    %u = llama.linear %q, @up : tensor<?x8xf32> -> tensor<?x12xf32>
    %l = llama.lm_head %u, @head : tensor<?x12xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// CHECK: llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xf32>
// CHECK: llama.weight @norm in "m.safetensors" at 512 : tensor<8xf32>
// CHECK: llama.weight @q in "m.safetensors" at 1024 : tensor<8x8xi8> quant <kind = int8, granularity = channel, scale = @q_scale, activations = int8_dynamic_token>
// CHECK: llama.weight @q_scale in "m.safetensors" at 1088 : tensor<8x1xf32>
// CHECK: llama.weight @up in {{.*}} : tensor<12x8xi8> quant
// CHECK: llama.weight @up_scale in {{.*}} : tensor<12x1xf32>
// CHECK: llama.weight @head in {{.*}} : tensor<16x12xf32>
// CHECK: llama.embedding %{{.*}}, @embed {llama.precision = #llama.precision<storage = f32, compute = f32>}
// CHECK: llama.rms_norm %{{.*}}, @norm eps 1.000000e-05 : tensor<?x8xf32>
// CHECK: llama.linear %{{.*}}, @q {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
// CHECK: llama.linear %{{.*}}, @up {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
// CHECK: llama.lm_head %{{.*}}, @head {llama.precision = #llama.precision<storage = f32, compute = f32>}

// BF16: llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xbf16>
// BF16: llama.weight @norm in "m.safetensors" at 512 : tensor<8xbf16>
// BF16: llama.weight @q in {{.*}} : tensor<8x8xi8> quant
// BF16: llama.weight @q_scale in {{.*}} : tensor<8x1xf32>
// BF16: llama.weight @head in {{.*}} : tensor<16x12xbf16>
// BF16: llama.embedding %{{.*}}, @embed {llama.precision = #llama.precision<storage = bf16, compute = f32>}
// BF16: llama.linear %{{.*}}, @q {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
// BF16: llama.lm_head %{{.*}}, @head {llama.precision = #llama.precision<storage = bf16, compute = f32>}

// -----

// A dense checkpoint: every reader computes in f32, tied embedding and lm_head share one
// storage decision.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xf16>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @embed : tensor<?xi32> -> tensor<?x8xf32>
    %l = llama.lm_head %x, @embed : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// CHECK: llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xf16>
// CHECK: llama.embedding %{{.*}}, @embed {llama.precision = #llama.precision<storage = f16, compute = f32>}
// CHECK: llama.lm_head %{{.*}}, @embed {llama.precision = #llama.precision<storage = f16, compute = f32>}
// BF16: llama.weight @embed in "m.safetensors" at 0 : tensor<16x8xbf16>
// BF16: llama.lm_head %{{.*}}, @embed {llama.precision = #llama.precision<storage = bf16, compute = f32>}
