// RUN: inferno-opt %s --llama-fuse-qkv | FileCheck %s

// The q/k/v projections of one attention (q and k through RoPE) become one fused_linear when
// they share input and precision; anything else is left as it was, without a diagnostic.
module @qkv {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xbf16>
  llama.weight @k in "m.safetensors" at 1000 : tensor<4x8xbf16>
  llama.weight @v in "m.safetensors" at 2000 : tensor<4x8xbf16>
  llama.weight @kf in "m.safetensors" at 3000 : tensor<4x8xf32>
  llama.weight @q8 in "m.safetensors" at 4000 : tensor<8x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @q8_scale, activations = int8_dynamic_token>
  llama.weight @q8_scale in "m.safetensors" at 5000 : tensor<8xf32>
  llama.weight @k8 in "m.safetensors" at 6000 : tensor<4x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @k8_scale, activations = int8_dynamic_token>
  llama.weight @k8_scale in "m.safetensors" at 7000 : tensor<4xf32>
  llama.weight @v8 in "m.safetensors" at 8000 : tensor<4x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @v8_scale, activations = int8_dynamic_token>
  llama.weight @v8_scale in "m.safetensors" at 9000 : tensor<4xf32>
  llama.weight @qw in "m.safetensors" at 10000 : tensor<8x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @qw_scale>
  llama.weight @qw_scale in "m.safetensors" at 11000 : tensor<8xf32>
  llama.weight @kw in "m.safetensors" at 12000 : tensor<4x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @kw_scale>
  llama.weight @kw_scale in "m.safetensors" at 13000 : tensor<4xf32>
  llama.weight @vw in "m.safetensors" at 14000 : tensor<4x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @vw_scale>
  llama.weight @vw_scale in "m.safetensors" at 15000 : tensor<4xf32>

  // CHECK-LABEL: func.func @dense
  // CHECK-SAME: (%[[H:.*]]: tensor<?x8xf32>, %[[POS:.*]]: tensor<?xi32>, %[[CACHE:.*]]: !llama.kv_cache
  // CHECK-NEXT: %[[QKV:.*]]:3 = llama.fused_linear %[[H]], [@q, @k, @v] {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
  // CHECK-NOT: llama.linear
  // CHECK: llama.rope %[[QKV]]#0, %[[POS]] heads 4
  // CHECK: llama.rope %[[QKV]]#1, %[[POS]] heads 2
  // CHECK: llama.attention %{{.*}}, %{{.*}}, %[[QKV]]#2, %[[POS]]
  func.func @dense(%h: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @q {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @k {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %pos heads 2 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // w8a8 projections fuse too; the fused op keeps the shared precision.
  // CHECK-LABEL: func.func @w8a8
  // CHECK: llama.fused_linear %{{.*}}, [@q8, @k8, @v8] {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
  // CHECK-NOT: llama.linear
  func.func @w8a8(%h: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @q8 {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @k8 {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v8 {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %a = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // A policy keeping k_proj in f32: precisions differ, nothing fuses.
  // CHECK-LABEL: func.func @mixed_precision
  // CHECK-NOT: llama.fused_linear
  // CHECK-COUNT-3: llama.linear
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @mixed_precision(%h: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @q {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @kf {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %a = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // Different inputs: nothing fuses.
  // CHECK-LABEL: func.func @different_inputs
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @different_inputs(%h: tensor<?x8xf32>, %h2: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @q {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h2, @k {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %a = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // Neither dense nor w8a8 (int8 weights with float activations): left alone.
  // CHECK-LABEL: func.func @weight_only_int8
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @weight_only_int8(%h: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @qw {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @kw {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @vw {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    %a = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // Undecided precision (llama-assign-precision has not run): left alone.
  // CHECK-LABEL: func.func @no_precision
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @no_precision(%h: tensor<?x8xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %q = llama.linear %h, @q : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @k : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v : tensor<?x8xf32> -> tensor<?x4xf32>
    %a = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }
}
