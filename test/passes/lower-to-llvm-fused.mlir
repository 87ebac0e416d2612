// RUN: inferno-opt %s --llama-lower-to-llvm=max-batch=4 --canonicalize --cse | FileCheck %s

// The fused ops lower to one kernel call each: fused_linear passes its weights' pointers (and,
// for w8a8, their scales) as stack arrays, with the norm weight, its dtype code and eps;
// attention with `rope` calls inferno_attention_rope with the inverse-frequency table.
module @fused attributes {
  llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2,
                               head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05,
                               rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @embed in "a.safetensors" at 100 : tensor<16x8xf32>
  llama.weight @norm1 in "a.safetensors" at 400 : tensor<8xbf16>
  llama.weight @q in "b.safetensors" at 1000 : tensor<8x8xbf16>
  llama.weight @k in "b.safetensors" at 2000 : tensor<4x8xbf16>
  llama.weight @v in "b.safetensors" at 3000 : tensor<4x8xbf16>
  llama.weight @gate in "b.safetensors" at 5000 : tensor<12x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @gate_scale, activations = int8_dynamic_token>
  llama.weight @gate_scale in "b.safetensors" at 5500 : tensor<12xf32>
  llama.weight @up in "b.safetensors" at 6000 : tensor<12x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @up_scale, activations = int8_dynamic_token>
  llama.weight @up_scale in "b.safetensors" at 6500 : tensor<12xf32>
  llama.weight @head in "a.safetensors" at 800 : tensor<16x12xf32>

  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                     %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %tokens, @embed {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?xi32> -> tensor<?x8xf32>
    %qkv:3 = llama.fused_linear %x, [@q, @k, @v] norm @norm1 eps 1.0e-05
        {llama.precision = #llama.precision<storage = bf16, compute = f32>}
        : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
    %a = llama.attention %qkv#0, %qkv#1, %qkv#2, %positions, %cache layer 0 heads 4 kv_heads 2
        rope <theta = 10000.0>
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    %gu:2 = llama.fused_linear %a, [@gate, @up]
        {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
        : tensor<?x8xf32> -> (tensor<?x12xf32>, tensor<?x12xf32>)
    %s = llama.swiglu %gu#0, %gu#1 : tensor<?x12xf32>
    %l = llama.lm_head %s, @head {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?x12xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// CHECK-NOT: llama.
// CHECK-DAG: llvm.func @inferno_fused_linear_bf16(!llvm.ptr, !llvm.ptr, i32, f32, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64)
// CHECK-DAG: llvm.func @inferno_fused_linear_w8a8(!llvm.ptr, !llvm.ptr, i32, f32, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64)
// CHECK-DAG: llvm.func @inferno_attention_rope(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)
// CHECK-NOT: llvm.func @inferno_rms_norm
// CHECK-NOT: llvm.func @inferno_rope
// CHECK-NOT: llvm.func @inferno_matmul_bf16
// CHECK-LABEL: llvm.func @inferno_model_forward
// CHECK: %[[WEIGHTS:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[A:.*]] = llvm.load %[[WEIGHTS]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[B:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// The norm weight and the three weights, each read in place.
// CHECK-DAG: %[[NORM:.*]] = llvm.getelementptr %[[A]][400] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[Q:.*]] = llvm.getelementptr %[[B]][1000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[K:.*]] = llvm.getelementptr %[[B]][2000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[V:.*]] = llvm.getelementptr %[[B]][3000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[WS:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: llvm.store %[[Q]], %[[WS]]
// CHECK: llvm.store %[[K]], %{{.*}}
// CHECK: llvm.store %[[V]], %{{.*}}
// CHECK: %[[NS:.*]] = llvm.alloca %{{.*}} x i64
// CHECK: llvm.call @inferno_fused_linear_bf16(%{{.*}}, %[[NORM]], %{{.*}}, %{{.*}}, %{{.*}}, %[[WS]], %[[NS]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: llvm.call @inferno_attention_rope(
// The w8a8 pair: weights and per-channel scales, no norm (a null pointer).
// CHECK-DAG: %[[G:.*]] = llvm.getelementptr %[[B]][5000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[GS:.*]] = llvm.getelementptr %[[B]][5500] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[U:.*]] = llvm.getelementptr %[[B]][6000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[US:.*]] = llvm.getelementptr %[[B]][6500] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.store %[[G]], %[[GW:.*]] :
// CHECK: llvm.store %[[GS]], %[[GSW:.*]] :
// CHECK: llvm.call @inferno_fused_linear_w8a8(%{{.*}}, %[[NULL:.*]], %{{.*}}, %{{.*}}, %{{.*}}, %[[GW]], %[[GSW]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: llvm.call @inferno_swiglu(
