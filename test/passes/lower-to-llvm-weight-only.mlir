// RUN: inferno-opt %s --llama-lower-to-llvm=max-batch=4 --canonicalize --cse | FileCheck %s

// Weights quantized at compile time: a quantized embedding table becomes
// inferno_embedding_q4(tokens, table, scales, y, m, hidden, group); an int8 linear
// inferno_matmul_q8(x, w, scales, y, m, n, k); an int4 lm_head inferno_matmul_q4(..., group),
// each with the weight's and the scales' own offsets.
module @wq attributes {
  llama.config = #llama.config<hidden = 32, intermediate = 48, layers = 1, heads = 4, kv_heads = 2,
                               head_dim = 8, vocab = 64, max_positions = 32, rms_eps = 1.0e-05,
                               rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @embed in "w.bin" at 0 : tensor<64x4xi32> quant <kind = int4, granularity = group, group_size = 16, scale = @embed_qscale> {llama.compile_quantized}
  llama.weight @embed_qscale in "w.bin" at 1024 : tensor<64x2xf32> {llama.compile_quantized}
  llama.weight @up in "w.bin" at 2048 : tensor<48x32xi8> quant <kind = int8, granularity = channel, scale = @up_qscale> {llama.compile_quantized}
  llama.weight @up_qscale in "w.bin" at 3584 : tensor<48xf32> {llama.compile_quantized}
  llama.weight @head in "w.bin" at 4096 : tensor<64x6xi32> quant <kind = int4, granularity = group, group_size = 48, scale = @head_qscale> {llama.compile_quantized}
  llama.weight @head_qscale in "w.bin" at 5632 : tensor<64x1xf32> {llama.compile_quantized}
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 8, f32>) -> tensor<?x64xf32> {
    %x = llama.embedding %t, @embed {llama.precision = #llama.precision<storage = i32, compute = f32>} : tensor<?xi32> -> tensor<?x32xf32>
    %u = llama.linear %x, @up {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x32xf32> -> tensor<?x48xf32>
    %l = llama.lm_head %u, @head {llama.precision = #llama.precision<storage = i32, compute = f32>} : tensor<?x48xf32> -> tensor<?x64xf32>
    return %l : tensor<?x64xf32>
  }
}

// CHECK-DAG: llvm.func @inferno_embedding_q4(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @inferno_matmul_q8(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @inferno_matmul_q4(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-LABEL: llvm.func @inferno_model_forward
// CHECK-DAG: %[[C16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-DAG: %[[C32:.*]] = llvm.mlir.constant(32 : i64) : i64
// CHECK-DAG: %[[C48:.*]] = llvm.mlir.constant(48 : i64) : i64
// CHECK-DAG: %[[C64:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[WEIGHTS:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[BASE:.*]] = llvm.load %[[WEIGHTS]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[N:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK-DAG: %[[ES:.*]] = llvm.getelementptr %[[BASE]][1024] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_embedding_q4(%{{.*}}, %[[BASE]], %[[ES]], %{{.*}}, %[[N]], %[[C32]], %[[C16]])
// CHECK-DAG: %[[UW:.*]] = llvm.getelementptr %[[BASE]][2048] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[US:.*]] = llvm.getelementptr %[[BASE]][3584] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_matmul_q8(%{{.*}}, %[[UW]], %[[US]], %{{.*}}, %[[N]], %[[C48]], %[[C32]])
// CHECK-DAG: %[[HW:.*]] = llvm.getelementptr %[[BASE]][4096] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[HS:.*]] = llvm.getelementptr %[[BASE]][5632] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: llvm.call @inferno_matmul_q4(%{{.*}}, %[[HW]], %[[HS]], %{{.*}}, %{{.*}}, %[[C64]], %[[C48]], %[[C48]])
