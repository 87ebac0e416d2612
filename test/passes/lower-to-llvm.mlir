// RUN: inferno-opt %s --llama-lower-to-llvm=max-batch=4 --canonicalize --cse | FileCheck %s

// One decoder layer with grouped-query attention (4 heads over 2), bf16 projections, f32
// norms, f16 tied embedding. Every shape and offset must come out as a constant.
module @one_layer attributes {
  llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2,
                               head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05,
                               rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @embed in "a.safetensors" at 100 : tensor<16x8xf16>
  llama.weight @norm1 in "a.safetensors" at 400 : tensor<8xf32>
  llama.weight @q in "b.safetensors" at 1000 : tensor<8x8xbf16>
  llama.weight @k in "b.safetensors" at 2000 : tensor<4x8xbf16>
  llama.weight @v in "b.safetensors" at 3000 : tensor<4x8xbf16>
  llama.weight @o in "b.safetensors" at 4000 : tensor<8x8xbf16>
  llama.weight @norm2 in "a.safetensors" at 500 : tensor<8xf32>
  llama.weight @gate in "b.safetensors" at 5000 : tensor<12x8xbf16>
  llama.weight @up in "b.safetensors" at 6000 : tensor<12x8xbf16>
  llama.weight @down in "b.safetensors" at 7000 : tensor<8x12xbf16>
  llama.weight @final in "a.safetensors" at 600 : tensor<8xf32>

  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                     %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %tokens, @embed : tensor<?xi32> -> tensor<?x8xf32>
    %h = llama.rms_norm %x, @norm1 eps 1.0e-05 : tensor<?x8xf32>
    %q = llama.linear %h, @q : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @k : tensor<?x8xf32> -> tensor<?x4xf32>
    %v = llama.linear %h, @v : tensor<?x8xf32> -> tensor<?x4xf32>
    %qr = llama.rope %q, %positions heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %positions heads 2 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %positions, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    %o = llama.linear %a, @o : tensor<?x8xf32> -> tensor<?x8xf32>
    %x1 = llama.add %x, %o : tensor<?x8xf32>
    %h2 = llama.rms_norm %x1, @norm2 eps 1.0e-05 : tensor<?x8xf32>
    %g = llama.linear %h2, @gate : tensor<?x8xf32> -> tensor<?x12xf32>
    %u = llama.linear %h2, @up : tensor<?x8xf32> -> tensor<?x12xf32>
    %s = llama.swiglu %g, %u : tensor<?x12xf32>
    %d = llama.linear %s, @down : tensor<?x12xf32> -> tensor<?x8xf32>
    %x2 = llama.add %x1, %d : tensor<?x8xf32>
    %f = llama.rms_norm %x2, @final eps 1.0e-05 : tensor<?x8xf32>
    %l = llama.lm_head %f, @embed : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// Nothing of the llama dialect survives.
// CHECK-NOT: llama.
// CHECK-LABEL: module @one_layer {
// head_dim 2: one inverse frequency, 1 / 10000^(0/2) = 1.
// CHECK-DAG: llvm.mlir.global internal constant @inferno_rope_inv_freq_0(dense<1.000000e+00> : tensor<1xf32>)
// CHECK-DAG: llvm.func @inferno_embedding_f16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64)
// CHECK-DAG: llvm.func @inferno_matmul_bf16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @inferno_matmul_f16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @inferno_rms_norm_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f32)
// CHECK-LABEL: llvm.func @inferno_model_forward(%{{.*}}: !llvm.ptr)
// Weight files in order of first appearance: a.safetensors is base 0, b.safetensors base 1.
// CHECK: %[[WEIGHTS:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[A:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[B:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[KVFIELD:.*]] = llvm.getelementptr %{{.*}}[0, 1]
// CHECK: %[[KV:.*]] = llvm.load %[[KVFIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[N:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: %[[EMB:.*]] = llvm.getelementptr %[[A]][100] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_embedding_f16(%{{.*}}, %[[EMB]], %{{.*}}, %[[N]], %{{.*}})
// CHECK: llvm.call @inferno_rms_norm_f32(
// CHECK: %[[Q:.*]] = llvm.getelementptr %[[B]][1000] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_matmul_bf16(%{{.*}}, %[[Q]], %{{.*}}, %[[N]], %{{.*}}, %{{.*}})
// CHECK: llvm.call @inferno_matmul_bf16(
// CHECK: llvm.call @inferno_matmul_bf16(
// RoPE works in place: no copy, since q and k have no other users.
// CHECK-NOT: memcpy
// CHECK: llvm.call @inferno_rope(
// CHECK: llvm.call @inferno_rope(
// The layer's keys start the cache; its values start after all layers' keys (32*2*2 floats).
// CHECK: %[[VALUES:.*]] = llvm.getelementptr %[[KV]][128] : (!llvm.ptr) -> !llvm.ptr, f32
// CHECK: llvm.call @inferno_attention(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KV]], %[[VALUES]], %{{.*}}, %[[N]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64) -> ()
// CHECK: llvm.call @inferno_add(
// CHECK: llvm.call @inferno_swiglu(
// CHECK: llvm.call @inferno_add(
// The tied lm_head reads the f16 embedding; only the last row unless all logits are asked for.
// CHECK: llvm.select
// CHECK: llvm.call @inferno_matmul_f16(%{{.*}}, %[[EMB]]
// CHECK: llvm.return
// Descriptor: ABI 1, max_batch 4, scratch floats, 2*1*32*2*2 = 256 KV floats, context 32,
// vocab 16, 2 weight files.
// CHECK: llvm.mlir.global external constant @inferno_model(dense<[1, 4, {{[0-9]+}}, 256, 32, 16, 2]> : tensor<7xi64>)

