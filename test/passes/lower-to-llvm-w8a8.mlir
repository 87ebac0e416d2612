// RUN: inferno-opt %s --llama-lower-to-llvm=max-batch=4 --canonicalize --cse | FileCheck %s

// A w8a8 linear becomes inferno_matmul_w8a8(x, int8 weight, f32 scales, y, m, n, k), with the
// weight's and the scales' own offsets; a dense linear beside it keeps its float kernel.
module @w8a8 attributes {
  llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 1, heads = 4, kv_heads = 2,
                               head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05,
                               rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @embed in "w.bin" at 0 : tensor<16x8xf32>
  llama.weight @up in "w.bin" at 1024 : tensor<12x8xi8> quant <kind = int8, granularity = channel, scale = @up_scale, activations = int8_dynamic_token>
  llama.weight @up_scale in "w.bin" at 1152 : tensor<12x1xf32>
  llama.weight @head in "w.bin" at 2048 : tensor<16x12xbf16>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @embed {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?xi32> -> tensor<?x8xf32>
    %u = llama.linear %x, @up {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %l = llama.lm_head %u, @head {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x12xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// CHECK-DAG: llvm.func @inferno_matmul_w8a8(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @inferno_matmul_bf16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-LABEL: llvm.func @inferno_model_forward
// CHECK-DAG: %[[C12:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-DAG: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// The weights array, then the one file's base.
// CHECK: %[[WEIGHTS:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[BASE:.*]] = llvm.load %[[WEIGHTS]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[N:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: llvm.call @inferno_embedding_f32(
// CHECK-DAG: %[[W:.*]] = llvm.getelementptr %[[BASE]][1024] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[S:.*]] = llvm.getelementptr %[[BASE]][1152] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_matmul_w8a8(%{{.*}}, %[[W]], %[[S]], %{{.*}}, %[[N]], %[[C12]], %[[C8]])
// CHECK: llvm.call @inferno_matmul_bf16(
